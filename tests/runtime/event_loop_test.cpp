#include "awsfota/runtime/event_loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace awsfota::runtime {
namespace {

using namespace std::chrono_literals;
using fota::TimerId;

TEST(EventLoop, RunsPostedTasksInOrder) {
  EventLoop loop;
  std::vector<int> seen;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(loop.post([&seen, i] { seen.push_back(i); }));
  EXPECT_TRUE(loop.run_until([&] { return seen.size() == 5; }, 5s));
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(EventLoop, TasksPostedFromOtherThreadsAllRunOnTheLoopThread) {
  EventLoop loop;
  std::atomic<int> count{0};
  bool all_on_loop_thread = true;
  const auto loop_thread = std::this_thread::get_id();
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        while (!loop.post([&] {
          if (std::this_thread::get_id() != loop_thread) all_on_loop_thread = false;
          ++count;
        })) std::this_thread::yield();
      }
    });
  }
  EXPECT_TRUE(loop.run_until([&] { return count == 400; }, 10s));
  for (auto& p : producers) p.join();
  EXPECT_TRUE(all_on_loop_thread);
}

TEST(EventLoop, RefusesPostsBeyondItsCapacity) {
  EventLoop loop(3);
  EXPECT_TRUE(loop.post([] {}));
  EXPECT_TRUE(loop.post([] {}));
  EXPECT_TRUE(loop.post([] {}));
  EXPECT_FALSE(loop.post([] {}));
  int ran = 0;
  ASSERT_TRUE(loop.run_until([&] { return loop.post([&] { ++ran; }); }, 5s));  // room again once one ran
}

TEST(EventLoop, PostEvenIfFullQueuesPastTheCapacityInOrderUntilStopped) {
  EventLoop loop(2);
  std::vector<int> order;
  ASSERT_TRUE(loop.post([&] { order.push_back(1); }));
  ASSERT_TRUE(loop.post([&] { order.push_back(2); }));
  ASSERT_FALSE(loop.post([&] { order.push_back(-1); }));
  ASSERT_TRUE(loop.post_even_if_full([&] { order.push_back(3); }));
  EXPECT_EQ(loop.pending(), 3u);
  ASSERT_TRUE(loop.run_until([&] { return order.size() == 3; }, 5s));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(loop.pending(), 0u);
  loop.stop();
  EXPECT_FALSE(loop.post_even_if_full([] {}));
}

TEST(EventLoop, TimerFiresOnceNoEarlierThanItsDeadline) {
  EventLoop loop;
  std::vector<std::pair<TimerId, fota::Millis>> fired;
  loop.set_timer_handler([&](TimerId id) { fired.emplace_back(id, loop.now()); });
  const fota::Millis deadline = loop.now() + 20ms;
  loop.start(TimerId::Confirm, deadline);
  EXPECT_TRUE(loop.run_until([&] { return !fired.empty(); }, 5s));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].first, TimerId::Confirm);
  EXPECT_GE(fired[0].second, deadline);
  // It does not fire again.
  int later = 0;
  ASSERT_TRUE(loop.post([&] { ++later; }));
  EXPECT_TRUE(loop.run_until([&] { return later == 1; }, 5s));
  EXPECT_EQ(fired.size(), 1u);
}

TEST(EventLoop, CanceledTimerNeverFires) {
  EventLoop loop;
  int fired = 0;
  loop.set_timer_handler([&](TimerId) { ++fired; });
  loop.start(TimerId::Response, loop.now() + 5ms);
  loop.cancel(TimerId::Response);
  loop.start(TimerId::Confirm, loop.now() + 60ms);  // a later one proves time went past the first
  EXPECT_TRUE(loop.run_until([&] { return fired > 0; }, 5s));
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, RestartingATimerReplacesItsDeadline) {
  EventLoop loop;
  std::vector<TimerId> fired;
  loop.set_timer_handler([&](TimerId id) { fired.push_back(id); });
  loop.start(TimerId::Response, loop.now() + 1ms);
  loop.start(TimerId::Response, loop.now() + 80ms);  // replaces the first
  loop.start(TimerId::Confirm, loop.now() + 20ms);
  EXPECT_TRUE(loop.run_until([&] { return fired.size() == 2; }, 5s));
  EXPECT_EQ(fired, (std::vector<TimerId>{TimerId::Confirm, TimerId::Response}));
}

TEST(EventLoop, StopFromAnotherThreadEndsRunAndRefusesLaterPosts) {
  EventLoop loop;
  std::thread stopper([&] {
    while (!loop.post([&] { loop.stop(); })) std::this_thread::yield();
  });
  loop.run();  // returns only because of the posted stop
  stopper.join();
  EXPECT_TRUE(loop.stopped());
  EXPECT_FALSE(loop.post([] {}));
}

}  // namespace
}  // namespace awsfota::runtime
