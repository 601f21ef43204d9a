#include "awsfota/adapters/curl/system_env.hpp"

#include <algorithm>
#include <thread>

namespace awsfota::curl {

using namespace std::chrono_literals;

SystemClock::TimePoint SystemClock::now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

bool SystemClock::sleep_for(Duration duration, const download::CancelToken& cancel) {
  // Short slices keep cancellation prompt without a condition variable in the token.
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!cancel.canceled()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= 0ms) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, 50ms));
  }
  return false;
}

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

std::uint64_t SystemRandom::uniform(std::uint64_t upper) {
  return std::uniform_int_distribution<std::uint64_t>(0, upper)(engine_);
}

}  // namespace awsfota::curl
