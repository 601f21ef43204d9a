// The clock seam of the downloader: time and waiting are inputs, so the resumer's backoff and give-up
// rules are tested with a fake clock and no real sleeping. The real one is
// awsfota::curl::SystemClock (include/awsfota/adapters/curl/system_env.hpp).
//
// Contract: now() is monotonic. sleep_for() waits for the duration or until the token is canceled,
// whichever comes first, and returns false when it returned because of the token.
#pragma once

#include <chrono>

#include "awsfota/download/cancel.hpp"

namespace awsfota::download {

class Clock {
 public:
  using Duration = std::chrono::milliseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() = 0;
  [[nodiscard]] virtual bool sleep_for(Duration duration, const CancelToken& cancel) = 0;
};

}  // namespace awsfota::download
