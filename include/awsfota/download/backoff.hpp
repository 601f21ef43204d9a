// Retry policy: exponential backoff with full jitter up to a ceiling, bounded by time without new bytes
// (the outage limit) and, optionally, by a number of attempts. Pure: the random source and the current
// time are inputs.
//
//   BackoffPolicy p{.initial = 500ms, .max_delay = 30s, .give_up_after = 6h};
//   RetryBudget budget(p, clock.now());
//   ... a transient failure ...
//   if (auto delay = budget.next_delay(clock.now(), random)) clock.sleep_for(*delay, cancel);
//   else give_up();                      // attempts or time used up
//   ... bytes arrived ...
//   budget.made_progress(clock.now());   // a flaky link that keeps moving never runs out of attempts
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "awsfota/download/clock.hpp"

namespace awsfota::download {

// The random source for jitter. Contract: returns a value in [0, upper], uniformly distributed.
class Random {
 public:
  virtual ~Random() = default;
  [[nodiscard]] virtual std::uint64_t uniform(std::uint64_t upper) = 0;
};

struct BackoffPolicy {
  std::chrono::milliseconds initial{500};      // the cap of the first delay
  std::chrono::milliseconds max_delay{30'000}; // no single delay is longer
  unsigned max_attempts = 0;                   // consecutive failed fetches with no new bytes; 0: no bound
  // The outage limit: time since the last byte (or the start). A link that is down for hours is a
  // normal day for a cellular device, so the default is hours.
  std::chrono::milliseconds give_up_after{6 * 3600 * 1000};
};

// The delay before retry number `retry` (0 for the first retry): uniform in
// [0, min(max_delay, initial * 2^retry)] ("full jitter").
[[nodiscard]] std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned retry,
                                                      Random& random);

class RetryBudget {
 public:
  RetryBudget(const BackoffPolicy& policy, Clock::TimePoint start) : policy_(policy), since_(start) {}

  // Records a failed fetch. Returns the delay before the next attempt, or nothing when the attempt
  // count or the time since the last progress would pass its bound (the delay is cut so that the next
  // attempt still starts within give_up_after).
  [[nodiscard]] std::optional<std::chrono::milliseconds> next_delay(Clock::TimePoint now, Random& random);

  // Records that bytes arrived: the attempt count and the time bound start again.
  void made_progress(Clock::TimePoint now) noexcept;

  [[nodiscard]] unsigned failures() const noexcept { return failures_; }
  // When the time bound runs out (the last progress + give_up_after).
  [[nodiscard]] Clock::TimePoint deadline() const noexcept { return since_ + policy_.give_up_after; }

 private:
  BackoffPolicy policy_;
  Clock::TimePoint since_;
  unsigned failures_ = 0;
};

}  // namespace awsfota::download
