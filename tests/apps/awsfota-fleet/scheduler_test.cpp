// The shard's scheduler: deadline order, cancellation, and the engine timers over it.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "fleet/scheduler.hpp"

namespace awsfota::fleet {
namespace {

using std::chrono::milliseconds;

TEST(FleetScheduler, RunsDueTasksInDeadlineOrderAndSkipsCanceledOnes) {
  Scheduler s;
  std::vector<int> ran;
  const auto now = s.now();
  s.at(now + milliseconds(2), [&] { ran.push_back(2); });
  s.at(now - milliseconds(1), [&] { ran.push_back(1); });
  const auto canceled = s.at(now, [&] { ran.push_back(99); });
  s.at(now + milliseconds(60'000), [&] { ran.push_back(3); });
  s.cancel(canceled);
  std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(s.run_due(), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  ASSERT_TRUE(s.next_deadline());
  EXPECT_EQ(*s.next_deadline(), now + milliseconds(60'000));
}

TEST(FleetScheduler, ATaskMayQueueAnotherForNow) {
  Scheduler s;
  int ran = 0;
  s.after(milliseconds(0), [&] {
    ++ran;
    s.after(milliseconds(0), [&] { ++ran; });
  });
  EXPECT_EQ(s.run_due(), 2u);
  EXPECT_EQ(ran, 2);
}

TEST(FleetDeviceTimers, RestartReplacesTheArmedTimerAndCancelStopsIt) {
  Scheduler s;
  std::vector<fota::TimerId> fired;
  DeviceTimers timers(s, [&](fota::TimerId id) { fired.push_back(id); });
  timers.start(fota::TimerId::Response, s.now() + milliseconds(60'000));
  timers.start(fota::TimerId::Response, s.now());
  timers.start(fota::TimerId::Confirm, s.now());
  timers.cancel(fota::TimerId::Confirm);
  s.run_due();
  EXPECT_EQ(fired, (std::vector<fota::TimerId>{fota::TimerId::Response}));
  EXPECT_FALSE(s.next_deadline());
}

}  // namespace
}  // namespace awsfota::fleet
