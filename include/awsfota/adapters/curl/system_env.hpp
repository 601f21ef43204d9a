// The real clock and random source for the downloader (download::Clock, download::Random).
//
//   awsfota::curl::SystemClock clock;     // steady clock; sleeps wake up within 50 ms of a cancel
//   awsfota::curl::SystemRandom random;   // seeded from std::random_device
#pragma once

#include <cstdint>
#include <random>

#include "awsfota/download/backoff.hpp"
#include "awsfota/download/clock.hpp"

namespace awsfota::curl {

class SystemClock final : public download::Clock {
 public:
  [[nodiscard]] TimePoint now() override;
  [[nodiscard]] bool sleep_for(Duration duration, const download::CancelToken& cancel) override;
};

class SystemRandom final : public download::Random {
 public:
  SystemRandom();
  [[nodiscard]] std::uint64_t uniform(std::uint64_t upper) override;

 private:
  std::mt19937_64 engine_;
};

}  // namespace awsfota::curl
