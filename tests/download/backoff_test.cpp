#include <gtest/gtest.h>

#include "awsfota/download/backoff.hpp"
#include "support/download_fakes.hpp"

namespace awsfota::download {
namespace {

using namespace std::chrono_literals;
using testing::FractionRandom;
using testing::MaxRandom;

const BackoffPolicy kPolicy{.initial = 100ms, .max_delay = 1000ms, .max_attempts = 100, .give_up_after = 1h};

TEST(Backoff, CapDoublesUpToMaxDelay) {
  MaxRandom top;
  EXPECT_EQ(backoff_delay(kPolicy, 0, top), 100ms);
  EXPECT_EQ(backoff_delay(kPolicy, 1, top), 200ms);
  EXPECT_EQ(backoff_delay(kPolicy, 3, top), 800ms);
  EXPECT_EQ(backoff_delay(kPolicy, 4, top), 1000ms);
  EXPECT_EQ(backoff_delay(kPolicy, 4000000000u, top), 1000ms);  // no overflow on huge retry numbers
}

TEST(Backoff, FullJitterSpansZeroToCap) {
  FractionRandom bottom(0.0);
  FractionRandom half(0.5);
  EXPECT_EQ(backoff_delay(kPolicy, 2, bottom), 0ms);
  EXPECT_EQ(backoff_delay(kPolicy, 2, half), 200ms);
}

TEST(Backoff, SloppyRandomIsClampedToCap) {
  FractionRandom over(3.0);
  EXPECT_EQ(backoff_delay(kPolicy, 0, over), 100ms);
}

TEST(RetryBudget, GivesUpAfterMaxAttempts) {
  MaxRandom r;
  BackoffPolicy p = kPolicy;
  p.max_attempts = 3;
  RetryBudget b(p, Clock::TimePoint{});
  EXPECT_TRUE(b.next_delay(Clock::TimePoint{}, r).has_value());   // failure 1
  EXPECT_TRUE(b.next_delay(Clock::TimePoint{}, r).has_value());   // failure 2
  EXPECT_FALSE(b.next_delay(Clock::TimePoint{}, r).has_value());  // failure 3: 3 attempts made
}

TEST(RetryBudget, GivesUpAfterTimeWithoutProgressAndCutsTheLastDelay) {
  MaxRandom r;
  BackoffPolicy p = kPolicy;
  p.give_up_after = 1500ms;
  RetryBudget b(p, Clock::TimePoint{});
  auto d = b.next_delay(Clock::TimePoint{} + 1450ms, r);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 50ms);  // the next attempt still starts within the bound
  EXPECT_FALSE(b.next_delay(Clock::TimePoint{} + 1500ms, r).has_value());
}

TEST(RetryBudget, ProgressRestartsCountAndClock) {
  MaxRandom r;
  BackoffPolicy p = kPolicy;
  p.max_attempts = 2;
  p.give_up_after = 1s;
  RetryBudget b(p, Clock::TimePoint{});
  EXPECT_TRUE(b.next_delay(Clock::TimePoint{}, r));
  b.made_progress(Clock::TimePoint{} + 5s);
  EXPECT_EQ(b.failures(), 0u);
  auto d = b.next_delay(Clock::TimePoint{} + 5s, r);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, 100ms);  // back to the first cap
}

}  // namespace
}  // namespace awsfota::download
