// abortConfig: a job whose failures reach a rule's threshold is canceled by the service, as AWS does
// it: QUEUED executions are canceled, waiting targets dropped, IN_PROGRESS executions run on.
#include "jobsd/rollout.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

class Abort : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2", "t3", "t4", "t5"});
  }

  Expected<Job, ControlError> create(CreateJobRequest r) {
    if (r.job_id.empty()) r.job_id = "j1";
    if (r.things.empty() && r.groups.empty()) r.things = {"t1", "t2", "t3", "t4", "t5"};
    r.document = "{}";
    return service->create_job(r, now, out);
  }
  void run(const std::string& thing, const std::string& final_status) {
    (void)send(thing, "start-next", "{}");
    if (!final_status.empty()) (void)send(thing, "j1/update", R"({"status":")" + final_status + R"("})");
  }
  JobStatus status_of(const std::string& thing) { return service->describe_execution("j1", thing)->status; }

  std::vector<OutgoingMessage> out;
};

TEST_F(Abort, CancelsQueuedExecutionsKeepsInProgressOnesAndSaysWhy) {
  ASSERT_TRUE(create({.abort_criteria = {{FailureType::Failed, 40, 3}}}));
  run("t1", "FAILED");  // 1 of 5: 20 %
  run("t2", "");        // IN_PROGRESS
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::InProgress);
  auto tripping = send("t3", "start-next", "{}");
  tripping = send("t3", "j1/update", R"({"status":"FAILED"})");  // 2 of 5: 40 %
  EXPECT_NE(find(tripping.messages, topic("t3", "j1/update/accepted")), nullptr) << "the device's update itself stands";

  const auto d = service->describe_job("j1");
  EXPECT_EQ(d->job.state, JobState::Canceled);
  EXPECT_FALSE(d->job.force_canceled);
  EXPECT_EQ(d->job.reason_code, "ABORT_CRITERIA_MET");
  EXPECT_EQ(d->job.comment,
            "Aborted by abortConfig: 2 of 5 notified things ended FAILED (40.00%), at or above thresholdPercentage "
            "40.00 with minNumberOfExecutedThings 3");
  EXPECT_EQ(status_of("t4"), JobStatus::Canceled);
  EXPECT_EQ(status_of("t5"), JobStatus::Canceled);
  EXPECT_EQ(status_of("t2"), JobStatus::InProgress) << "AWS's abort cancels QUEUED executions only";
  EXPECT_EQ(body(tripping.messages, topic("t4", "notify-next")).contains("execution"), false)
      << "t4 is told it has nothing pending";
  EXPECT_EQ(d->executions_by_status.at(JobStatus::Canceled), 2);
  EXPECT_EQ(d->executions_by_status.at(JobStatus::Failed), 2);

  auto finished = send("t2", "j1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_NE(find(finished.messages, topic("t2", "j1/update/accepted")), nullptr) << "an IN_PROGRESS one may still end";
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Canceled) << "stays CANCELED, not COMPLETED";
}

TEST_F(Abort, WaitsForMinNumberOfExecutedThingsAndTripsWhenTheRolloutReachesIt) {
  ASSERT_TRUE(create({.max_per_minute = 2, .abort_criteria = {{FailureType::Failed, 10, 3}}}));
  run("t1", "FAILED");  // 1 of 2 notified: 50 %, but only 2 things notified
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::InProgress);

  now += kMinute;
  (void)service->tick(now);  // t3 and t4 notified: 1 of 4 is 25 %
  const auto d = service->describe_job("j1");
  EXPECT_EQ(d->job.state, JobState::Canceled);
  EXPECT_TRUE(d->job.rollout_waiting.empty()) << "t5 never gets the job";
  EXPECT_EQ(service->list_executions_for_job("j1")->size(), 4u);
  EXPECT_EQ(status_of("t3"), JobStatus::Canceled);
  EXPECT_EQ(service->next_deadline_ms(), std::nullopt);
}

TEST_F(Abort, ATimedOutRuleTripsOnTimeoutsAndTheJobEndsCanceledNotCompleted) {
  add_things({"t6"});
  ASSERT_TRUE(create({.things = {"t1", "t2"}, .in_progress_timeout_minutes = 1,
                      .abort_criteria = {{FailureType::TimedOut, 50, 2}}}));
  run("t1", "");
  run("t2", "");
  now += kMinute;
  (void)service->tick(now);
  const auto d = service->describe_job("j1");
  EXPECT_EQ(d->job.state, JobState::Canceled);
  EXPECT_EQ(d->job.completed_at_ms, std::nullopt);
  EXPECT_EQ(d->executions_by_status.at(JobStatus::TimedOut), 2);
}

TEST_F(Abort, EveryRuleCountsItsOwnFailureTypeAndTheFirstToTripWins) {
  ASSERT_TRUE(create({.abort_criteria = {{FailureType::Rejected, 60, 1}, {FailureType::All, 40, 1}}}));
  run("t1", "FAILED");
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::InProgress);
  run("t2", "REJECTED");  // REJECTED 1 of 5 (20 %) < 60; ALL 2 of 5 (40 %)
  const auto d = service->describe_job("j1");
  EXPECT_EQ(d->job.state, JobState::Canceled);
  EXPECT_NE(d->job.comment.find("ended ALL (40.00%)"), std::string::npos) << d->job.comment;
}

TEST_F(Abort, ThresholdIsComparedExactlyInHundredthsOfAPercent) {
  const std::map<JobStatus, std::int64_t> one_failed{{JobStatus::Failed, 1}, {JobStatus::Succeeded, 9}};
  EXPECT_TRUE(tripped_abort_rule({{FailureType::Failed, 10, 1}}, one_failed, 10));
  EXPECT_FALSE(tripped_abort_rule({{FailureType::Failed, 10.01, 1}}, one_failed, 10));
  EXPECT_FALSE(tripped_abort_rule({{FailureType::Failed, 10, 11}}, one_failed, 10)) << "too few things notified";
  EXPECT_FALSE(tripped_abort_rule({{FailureType::Failed, 0, 1}}, {{JobStatus::Succeeded, 3}}, 3))
      << "a threshold of 0 still needs a failure";
  EXPECT_FALSE(tripped_abort_rule({{FailureType::TimedOut, 5, 1}}, {{JobStatus::Failed, 3}, {JobStatus::Rejected, 3}}, 6));
  for (const auto status : {JobStatus::Failed, JobStatus::Rejected, JobStatus::TimedOut}) {
    EXPECT_TRUE(tripped_abort_rule({{FailureType::All, 50, 1}}, {{status, 1}}, 2)) << jobs::to_string(status);
  }
}

TEST_F(Abort, RejectsCriteriaOutsideAwsRules) {
  const std::vector<std::pair<AbortCriteria, std::string>> cases = {
      {{FailureType::Failed, 100.5, 1}, "criteriaList[0].thresholdPercentage must be 0..100 with at most two decimals"},
      {{FailureType::Failed, -1, 1}, "thresholdPercentage must be 0..100"},
      {{FailureType::Failed, 10.999, 1}, "with at most two decimals, got 10.999"},
      {{FailureType::Failed, 10, 0}, "criteriaList[0].minNumberOfExecutedThings must be at least 1, got 0"},
  };
  for (const auto& [criteria, message] : cases) {
    auto r = create({.abort_criteria = {criteria}});
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().code, ControlErrorCode::InvalidRequest);
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(create({.abort_criteria = {{FailureType::Failed, 10.99, 1}}})) << "two decimals are fine";
}

TEST_F(Abort, RulesSurviveARestart) {
  ASSERT_TRUE(create({.abort_criteria = {{FailureType::Failed, 20, 1}}}));
  reopen();
  EXPECT_EQ(service->describe_job("j1")->job.abort_criteria.size(), 1u);
  run("t1", "FAILED");
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Canceled);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
