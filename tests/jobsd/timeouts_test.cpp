// Execution timeouts with a fast clock: a "minute" is kMinute milliseconds of the injected time.
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

class Timeouts : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1"});
  }
};

TEST_F(Timeouts, InProgressTimeoutMovesExecutionToTimedOutAndNotifies) {
  (void)create_job("j1", {"t1"}, "{}", 2);
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt) << "queued executions have no timer";
  (void)send("t1", "start-next", "{}");
  const std::int64_t deadline = now + 2 * kMinute;
  EXPECT_EQ(service->next_deadline_ms(), deadline);

  EXPECT_TRUE(service->tick(deadline - 1).messages.empty());
  auto r = service->tick(deadline);
  auto next = body(r.messages, topic("t1", "notify-next"));
  EXPECT_FALSE(next.contains("execution"));
  EXPECT_TRUE(body(r.messages, topic("t1", "notify"))["jobs"]["IN_PROGRESS"].empty());
  ASSERT_EQ(r.log.size(), 1U);
  auto e = service->describe_execution("j1", "t1");
  EXPECT_EQ(e->status, JobStatus::TimedOut);
  EXPECT_EQ(e->version_number, 3);
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt);
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Completed);

  now = deadline + 1;
  auto b = body(send("t1", "j1/update", R"({"status":"SUCCEEDED"})").messages, topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidStateTransition");
  EXPECT_EQ(b["executionState"]["status"], "TIMED_OUT");
}

// AWS's JobExecution carries approximateSecondsBeforeTimedOut only while a timer runs: the nearer
// of the step and in-progress timers, in seconds, never negative.
TEST_F(Timeouts, ApproximateSecondsBeforeTimedOutOnlyWhileATimerRunsAndNeverNegative) {
  (void)create_job("j1", {"t1"}, "{}", 10);  // in-progress timeout: 10 "minutes" = 10 s here
  (void)create_job("free", {"t1"});
  auto queued = body(send("t1", "$next/get", "{}").messages, topic("t1", "$next/get/accepted"))["execution"];
  EXPECT_FALSE(queued.contains("approximateSecondsBeforeTimedOut")) << "no timer runs while QUEUED";

  auto started = body(send("t1", "start-next", "{}").messages, topic("t1", "start-next/accepted"))["execution"];
  EXPECT_EQ(started["approximateSecondsBeforeTimedOut"], 10);
  now += 3000;
  auto e = body(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/accepted"))["execution"];
  EXPECT_EQ(e["approximateSecondsBeforeTimedOut"], 7);
  (void)send("t1", "j1/update", R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":2})");  // nearer: 2 s
  e = body(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/accepted"))["execution"];
  EXPECT_EQ(e["approximateSecondsBeforeTimedOut"], 2);
  now += 2 * kMinute + 1500;  // past the step deadline, before tick() has run
  e = body(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/accepted"))["execution"];
  EXPECT_EQ(e["approximateSecondsBeforeTimedOut"], 0);

  auto next = body(service->tick(now).messages, topic("t1", "notify-next"))["execution"];
  EXPECT_EQ(next["jobId"], "free");
  EXPECT_FALSE(next.contains("approximateSecondsBeforeTimedOut")) << "a job without timeoutConfig";
}

TEST_F(Timeouts, StepTimeoutFromStartNextCanBeResetAndCleared) {
  (void)create_job("j1", {"t1"});
  (void)send("t1", "start-next", R"({"stepTimeoutInMinutes":1})");
  EXPECT_EQ(service->next_deadline_ms(), now + kMinute);

  now += kMinute / 2;
  (void)send("t1", "j1/update", R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":3})");
  EXPECT_EQ(service->next_deadline_ms(), now + 3 * kMinute);
  EXPECT_TRUE(service->tick(now + kMinute).messages.empty());

  (void)send("t1", "j1/update", R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":-1})");
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt);
  EXPECT_TRUE(service->tick(now + 100 * kMinute).messages.empty());
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::InProgress);
}

TEST_F(Timeouts, StepTimeoutFromUpdateTimesOutAndNextJobBecomesNext) {
  (void)create_job("j1", {"t1"});
  now += 1;
  (void)create_job("j2", {"t1"});
  (void)send("t1", "j1/update", R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":1})");
  auto r = service->tick(now + kMinute);
  EXPECT_EQ(body(r.messages, topic("t1", "notify-next"))["execution"]["jobId"], "j2");
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::TimedOut);
}

TEST_F(Timeouts, TerminalUpdateStopsTheTimers) {
  (void)create_job("j1", {"t1"}, "{}", 1);
  (void)send("t1", "start-next", R"({"stepTimeoutInMinutes":1})");
  (void)send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt);
  EXPECT_TRUE(service->tick(now + 10 * kMinute).messages.empty());
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::Succeeded);
}

TEST_F(Timeouts, FailedStoreWriteLeavesTheTimeoutForTheNextTick) {
  (void)create_job("j1", {"t1"}, "{}", 1);
  (void)send("t1", "start-next", "{}");
  store.fail_next_apply = true;
  auto r = service->tick(now + kMinute);
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::InProgress);
  r = service->tick(now + kMinute);
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::TimedOut);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
