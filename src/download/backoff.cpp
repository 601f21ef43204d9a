#include "awsfota/download/backoff.hpp"

#include <algorithm>

namespace awsfota::download {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned retry, Random& random) {
  const auto cap = static_cast<std::uint64_t>(std::max<std::int64_t>(policy.max_delay.count(), 0));
  std::uint64_t ceiling = static_cast<std::uint64_t>(std::max<std::int64_t>(policy.initial.count(), 0));
  for (unsigned i = 0; i < retry && ceiling < cap; ++i) ceiling *= 2;  // stops doubling at the cap: no overflow
  ceiling = std::min(ceiling, cap);
  const std::uint64_t pick = std::min(random.uniform(ceiling), ceiling);  // guard a sloppy Random
  return std::chrono::milliseconds(static_cast<std::int64_t>(pick));
}

std::optional<std::chrono::milliseconds> RetryBudget::next_delay(Clock::TimePoint now, Random& random) {
  ++failures_;
  if (policy_.max_attempts != 0 && failures_ >= policy_.max_attempts) return std::nullopt;
  const auto deadline = this->deadline();
  if (now >= deadline) return std::nullopt;
  const auto delay = backoff_delay(policy_, failures_ - 1, random);
  return std::min<std::chrono::milliseconds>(delay, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
}

void RetryBudget::made_progress(Clock::TimePoint now) noexcept {
  since_ = now;
  failures_ = 0;
}

}  // namespace awsfota::download
