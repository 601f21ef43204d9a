// jobExecutionsRolloutConfig.exponentialRate with a fast clock (a "minute" is kMinute ms): the rate
// starts at its base and grows by the factor each time the criteria are met, never above
// maximumPerMinute; CONTINUOUS jobs reach things added later at once, rate or not.
#include "jobsd/rollout.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

class ExponentialRollout : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(service->create_thing_group("fleet", now));
    for (int i = 1; i <= 30; ++i) add_to_fleet("t" + std::to_string(i));
  }
  void add_to_fleet(const std::string& thing) {
    ASSERT_TRUE(service->create_thing(thing, now));
    ASSERT_TRUE(service->add_thing_to_group(thing, "fleet", now, out));
  }
  Expected<Job, ControlError> create(CreateJobRequest r) {
    r.job_id = "j1";
    r.groups = {"fleet"};
    r.document = "{}";
    return service->create_job(r, now, out);
  }
  std::int64_t executions() { return static_cast<std::int64_t>(service->list_executions_for_job("j1")->size()); }
  // Executions queued by the next window.
  std::int64_t next_window() {
    const auto before = executions();
    now += kMinute;
    (void)service->tick(now);
    return executions() - before;
  }

  std::vector<OutgoingMessage> out;
};

TEST_F(ExponentialRollout, GrowsByTheFactorEachTimeEnoughThingsWereNotifiedUpToMaximumPerMinute) {
  ASSERT_TRUE(create({.max_per_minute = 5, .exponential_rate = ExponentialRate{2, 2, 2, std::nullopt}}));
  EXPECT_EQ(executions(), 2) << "the base rate first";
  EXPECT_EQ(next_window(), 4) << "2 notified: one increase, 2 x 2";
  EXPECT_EQ(next_window(), 5) << "6 notified: three increases, 16, capped at maximumPerMinute";
  EXPECT_EQ(next_window(), 5);
  EXPECT_EQ(service->describe_job("j1")->job.rollout_rate_increases, 5);
}

TEST_F(ExponentialRollout, GrowsOnSucceededThingsOnlyAsTheyComeIn) {
  ASSERT_TRUE(create({.exponential_rate = ExponentialRate{1, 2, std::nullopt, 1}}));
  EXPECT_EQ(executions(), 1);
  EXPECT_EQ(next_window(), 1) << "nothing succeeded yet";
  (void)send("t1", "start-next", "{}");
  (void)send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_EQ(next_window(), 2) << "one success: one increase";
  (void)send("t2", "start-next", "{}");
  (void)send("t2", "j1/update", R"({"status":"FAILED"})");
  EXPECT_EQ(next_window(), 2) << "a failure is no success";
}

TEST_F(ExponentialRollout, RateIsBaseTimesFactorToTheIncreasesRoundedDown) {
  Job job;
  job.exponential_rate = ExponentialRate{3, 1.5, 10, std::nullopt};
  std::vector<std::int64_t> rates;
  for (job.rollout_rate_increases = 0; job.rollout_rate_increases < 5; ++job.rollout_rate_increases) {
    rates.push_back(*rollout_rate_per_minute(job));
  }
  EXPECT_EQ(rates, (std::vector<std::int64_t>{3, 4, 6, 10, 15}));
  job.rollout_rate_increases = 64;
  EXPECT_EQ(rollout_rate_per_minute(job), 1000) << "AWS's 1000 per minute without maximumPerMinute";
  // AWS's example: base 50, factor 2, 1000 notified or succeeded per increase.
  job.exponential_rate = ExponentialRate{50, 2, 1000, 1000};
  job.rollout_rate_increases = 0;
  EXPECT_EQ(earned_rate_increases(job, 999, 0), 0);
  EXPECT_EQ(earned_rate_increases(job, 1000, 10), 1);
  EXPECT_EQ(earned_rate_increases(job, 1500, 2000), 2) << "either criterion";
  job.rollout_rate_increases = 3;
  EXPECT_EQ(earned_rate_increases(job, 0, 0), 3) << "a rate never shrinks";
}

TEST_F(ExponentialRollout, RejectsSettingsOutsideAwsRules) {
  auto rate = [](std::int64_t base, double factor, std::optional<std::int64_t> notified) {
    return ExponentialRate{base, factor, notified, std::nullopt};
  };
  const std::vector<std::tuple<std::optional<std::int64_t>, ExponentialRate, std::string>> cases = {
      {std::nullopt, rate(0, 2, 1), "exponentialRate.baseRatePerMinute must be 1..1000, got 0"},
      {std::nullopt, rate(1001, 2, 1), "baseRatePerMinute must be 1..1000, got 1001"},
      {10, rate(20, 2, 1), "baseRatePerMinute 20 is above maximumPerMinute 10"},
      {std::nullopt, rate(1, 1.0, 1), "incrementFactor must be 1.1..5 with at most one decimal"},
      {std::nullopt, rate(1, 5.5, 1), "incrementFactor must be 1.1..5"},
      {std::nullopt, rate(1, 1.55, 1), "incrementFactor must be 1.1..5 with at most one decimal, got 1.55"},
      {std::nullopt, rate(1, 2, std::nullopt), "rateIncreaseCriteria needs numberOfNotifiedThings or numberOfSucceededThings"},
      {std::nullopt, rate(1, 2, 0), "rateIncreaseCriteria.numberOfNotifiedThings must be at least 1, got 0"},
  };
  for (const auto& [maximum, exponential, message] : cases) {
    auto r = create({.max_per_minute = maximum, .exponential_rate = exponential});
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().code, ControlErrorCode::InvalidRequest);
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(create({.exponential_rate = rate(1, 1.1, 1)}));
}

TEST_F(ExponentialRollout, RateAndIncreasesSurviveARestart) {
  ASSERT_TRUE(create({.exponential_rate = ExponentialRate{2, 2, 2, std::nullopt}}));
  EXPECT_EQ(next_window(), 4);
  reopen();
  EXPECT_EQ(service->describe_job("j1")->job.exponential_rate->base_per_minute, 2);
  EXPECT_EQ(next_window(), 16) << "6 notified: three increases, 2 x 2^3";
}

TEST_F(ExponentialRollout, AContinuousJobReachesAThingAddedLaterAtOnceAndAnAbortedOneDoesNot) {
  ASSERT_TRUE(create({.target_selection = "CONTINUOUS",
                      .exponential_rate = ExponentialRate{2, 2, 100, std::nullopt},
                      .abort_criteria = {{FailureType::Failed, 50, 3}}}));
  ASSERT_EQ(executions(), 2);
  out.clear();
  add_to_fleet("late");
  EXPECT_EQ(service->describe_execution("j1", "late")->status, JobStatus::Queued)
      << "queued though 28 targets wait for the rate: AWS rolls out later members as they join";
  EXPECT_NE(find(out, topic("late", "notify-next")), nullptr);
  EXPECT_EQ(executions(), 3);

  (void)send("t1", "start-next", "{}");
  (void)send("t1", "j1/update", R"({"status":"FAILED"})");
  (void)send("late", "start-next", "{}");
  (void)send("late", "j1/update", R"({"status":"FAILED"})");  // 2 of 3
  ASSERT_EQ(service->describe_job("j1")->job.state, JobState::Canceled);
  add_to_fleet("later");
  EXPECT_FALSE(service->describe_execution("j1", "later")) << "an aborted job takes no new things";
  EXPECT_EQ(next_window(), 0) << "nor rolls out further";
}

}  // namespace
}  // namespace awsfota::jobsd::testing
