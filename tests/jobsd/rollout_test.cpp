// jobExecutionsRolloutConfig.maximumPerMinute with a fast clock: a "minute" is kMinute ms of the
// injected time. Executions beyond the rate are neither queued nor notified until their window.
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

class Rollout : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2", "t3", "t4", "t5"});
  }

  Expected<Job, ControlError> create_limited(const std::string& id, std::int64_t per_minute,
                                             std::vector<OutgoingMessage>& out) {
    CreateJobRequest r{.job_id = id, .things = {"t1", "t2", "t3", "t4", "t5"}, .document = "{}"};
    r.max_per_minute = per_minute;
    return service->create_job(r, now, out);
  }

  std::size_t executions(const std::string& job) { return service->list_executions_for_job(job)->size(); }
};

TEST_F(Rollout, QueuesAtMostMaximumPerMinuteInEachMinuteWindow) {
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(create_limited("j1", 2, out));
  EXPECT_EQ(executions("j1"), 2u);
  EXPECT_NE(find(out, topic("t1", "notify-next")), nullptr);
  EXPECT_NE(find(out, topic("t2", "notify-next")), nullptr);
  EXPECT_EQ(find(out, topic("t3", "notify-next")), nullptr) << "t3 waits for the next window";
  EXPECT_EQ(body(send("t3", "get", "{}").messages, topic("t3", "get/accepted"))["queuedJobs"].size(), 0u);
  EXPECT_EQ(service->next_deadline_ms(), now + kMinute);

  EXPECT_TRUE(service->tick(now + kMinute - 1).messages.empty()) << "the window has not passed";
  EXPECT_EQ(executions("j1"), 2u);

  now += kMinute;
  auto second = service->tick(now);
  EXPECT_EQ(executions("j1"), 4u);
  EXPECT_NE(find(second.messages, topic("t3", "notify-next")), nullptr);
  EXPECT_NE(find(second.messages, topic("t4", "notify-next")), nullptr);
  EXPECT_EQ(find(second.messages, topic("t5", "notify-next")), nullptr);
  ASSERT_EQ(second.log.size(), 1u);
  EXPECT_EQ(second.log[0], "rollout job=j1 queued 2, 1 waiting");

  now += kMinute;
  auto third = service->tick(now);
  EXPECT_EQ(executions("j1"), 5u);
  EXPECT_NE(find(third.messages, topic("t5", "notify-next")), nullptr);
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt) << "nothing waits any more";
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::InProgress);
}

TEST_F(Rollout, AJobIsNotCompletedWhileTargetsWaitAndCancelDropsThem) {
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(create_limited("j1", 1, out));
  (void)send("t1", "start-next", "{}");
  (void)send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::InProgress) << "four targets still wait";

  ASSERT_TRUE(service->cancel_job({.job_id = "j1"}, now, out));
  now += kMinute;
  EXPECT_TRUE(service->tick(now).messages.empty());
  EXPECT_EQ(executions("j1"), 1u) << "a canceled job rolls out no further";
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt);
}

TEST_F(Rollout, WaitingTargetsSurviveARestart) {
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(create_limited("j1", 3, out));
  reopen();
  EXPECT_EQ(executions("j1"), 3u);
  now += kMinute;
  (void)service->tick(now);
  EXPECT_EQ(executions("j1"), 5u);
}

TEST_F(Rollout, RejectsARateOutsideAwsLimits) {
  std::vector<OutgoingMessage> out;
  for (std::int64_t rate : {0, 1001}) {
    auto r = create_limited("j" + std::to_string(rate), rate, out);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ControlErrorCode::InvalidRequest);
    EXPECT_NE(r.error().message.find("maximumPerMinute must be 1..1000"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace awsfota::jobsd::testing

namespace awsfota::jobsd::testing {
namespace {

class Throttling : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    reopen(Config{.minute_ms = kMinute, .thing_requests_per_second = 2});
    add_things({"t1", "t2"});
  }
};

TEST_F(Throttling, AnswersRequestThrottledPastTheRatePerThingAndSecond) {
  (void)create_job("j1", {"t1", "t2"});
  EXPECT_NE(find(send("t1", "get", R"({"clientToken":"a"})").messages, topic("t1", "get/accepted")), nullptr);
  EXPECT_NE(find(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/accepted")), nullptr);
  auto third = send("t1", "start-next", R"({"clientToken":"c"})");
  auto b = body(third.messages, topic("t1", "start-next/rejected"));
  EXPECT_EQ(b["code"], "RequestThrottled");
  EXPECT_EQ(b["clientToken"], "c");
  EXPECT_NE(b["message"].get<std::string>().find("more than 2 requests in a second"), std::string::npos);
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::Queued) << "a throttled request changes nothing";
  ASSERT_EQ(third.log.size(), 1u);
  EXPECT_NE(third.log[0].find("rejected RequestThrottled"), std::string::npos) << third.log[0];

  EXPECT_NE(find(send("t2", "start-next", "{}").messages, topic("t2", "start-next/accepted")), nullptr)
      << "another thing has its own budget";
  now += 999;
  EXPECT_EQ(body(send("t1", "j1/update", R"({"status":"IN_PROGRESS"})").messages, topic("t1", "j1/update/rejected"))["code"],
            "RequestThrottled");
  now += 1;
  EXPECT_NE(find(send("t1", "start-next", "{}").messages, topic("t1", "start-next/accepted")), nullptr)
      << "the next second has a fresh budget";
}

TEST_F(Throttling, IsOffByDefault) {
  reopen();
  for (int i = 0; i < 50; ++i) {
    ASSERT_NE(find(send("t1", "get", "{}").messages, topic("t1", "get/accepted")), nullptr) << i;
  }
}

}  // namespace
}  // namespace awsfota::jobsd::testing
