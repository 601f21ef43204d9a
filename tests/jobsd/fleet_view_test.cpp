// The live fleet view's JSON (jobsd/fleet_view.hpp) against the Service: the counts describe-job
// gives, a series rebuilt from the executions' timestamps, the rollout and the failed things.
#include "jobsd/fleet_view.hpp"

#include "jobsd/rollout.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class FleetView : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2", "t3", "t4"});
  }

  json job_view(const std::string& id) {
    auto text = fleet_job_json(*service, id, now);
    EXPECT_TRUE(text) << (text ? "" : text.error().message);
    return text ? json::parse(*text) : json::object();
  }

  // The series' row at time t (the last point at or before it), as {status: count}.
  static std::map<std::string, std::int64_t> row_at(const json& series, std::int64_t t) {
    const json* found = nullptr;
    for (const auto& p : series["points"]) {
      if (p[0].get<std::int64_t>() <= t) found = &p;
    }
    std::map<std::string, std::int64_t> row;
    if (found == nullptr) return row;
    for (std::size_t i = 0; i < series["statuses"].size(); ++i) {
      if (const auto n = (*found)[i + 1].get<std::int64_t>()) row[series["statuses"][i].get<std::string>()] = n;
    }
    return row;
  }
};

TEST_F(FleetView, CountsMatchDescribeJobAndFailedThingsCarryTheirReasons) {
  (void)create_job("fw-1", {"t1", "t2", "t3", "t4"});
  now += 100;
  (void)send("t1", "start-next", "{}");
  (void)send("t2", "start-next", "{}");
  (void)send("t3", "start-next", "{}");
  now += 100;
  (void)send("t1", "fw-1/update", R"({"status":"SUCCEEDED"})");
  (void)send("t2", "fw-1/update", R"({"status":"FAILED","statusDetails":{"reason":"self-test failed","cause":"DFU"}})");

  const json view = job_view("fw-1");
  const auto d = service->describe_job("fw-1");
  ASSERT_TRUE(d);
  for (const auto& [status, n] : d->executions_by_status) {
    EXPECT_EQ(view["counts"][std::string(jobs::to_string(status))], n) << jobs::to_string(status);
  }
  EXPECT_EQ(view["counts"]["QUEUED"], 1);
  EXPECT_EQ(view["counts"]["IN_PROGRESS"], 1);
  EXPECT_EQ(view["counts"]["SUCCEEDED"], 1);
  EXPECT_EQ(view["counts"]["FAILED"], 1);
  EXPECT_EQ(view["counts"]["CANCELED"], 0) << "every status is listed, zero or not";
  EXPECT_EQ(view["targets"], 4);
  EXPECT_EQ(view["status"], "IN_PROGRESS");
  ASSERT_EQ(view["failed"].size(), 1u);
  EXPECT_EQ(view["failed"][0]["thingName"], "t2");
  EXPECT_EQ(view["failed"][0]["status"], "FAILED");
  EXPECT_EQ(view["failed"][0]["statusDetails"], (json{{"reason", "self-test failed"}, {"cause", "DFU"}}));
  EXPECT_EQ(view["failed"][0]["lastUpdatedAt"], now);
  EXPECT_EQ(view["failedTotal"], 1);
}

TEST_F(FleetView, SeriesIsRebuiltFromExecutionTimestampsSoHistoryShowsMidRollout) {
  const std::int64_t created = now;
  (void)create_job("fw-1", {"t1", "t2", "t3"});
  now += 1000;
  (void)send("t1", "start-next", "{}");
  (void)send("t2", "start-next", "{}");
  now += 1000;
  (void)send("t1", "fw-1/update", R"({"status":"SUCCEEDED"})");
  now += 1000;
  (void)send("t2", "fw-1/update", R"({"status":"FAILED"})");
  now += 1000;

  const json series = job_view("fw-1")["series"];
  EXPECT_EQ(series["start"], created);
  EXPECT_EQ(series["end"], now) << "a running job's series reaches now";
  EXPECT_LE(series["points"].size(), kFleetSeriesMaxPoints);
  EXPECT_EQ(series["points"].back()[0], now);
  EXPECT_EQ(row_at(series, created), (std::map<std::string, std::int64_t>{{"QUEUED", 3}}));
  EXPECT_EQ(row_at(series, created + 1500), (std::map<std::string, std::int64_t>{{"QUEUED", 1}, {"IN_PROGRESS", 2}}));
  EXPECT_EQ(row_at(series, created + 2500),
            (std::map<std::string, std::int64_t>{{"QUEUED", 1}, {"IN_PROGRESS", 1}, {"SUCCEEDED", 1}}));
  EXPECT_EQ(row_at(series, now),
            (std::map<std::string, std::int64_t>{{"QUEUED", 1}, {"SUCCEEDED", 1}, {"FAILED", 1}}));
}

TEST_F(FleetView, SeriesStepsKeepALongJobUnderTheMaximumPoints) {
  (void)create_job("fw-1", {"t1"});
  now += 3'600'000;
  const json series = job_view("fw-1")["series"];
  EXPECT_EQ(series["points"].size(), kFleetSeriesMaxPoints);
  EXPECT_EQ(series["step"], (3'600'000 + 118) / 119);
  EXPECT_EQ(series["points"].back()[0], now);
}

TEST_F(FleetView, ACompletedJobsSeriesEndsAtItsCompletion) {
  (void)create_job("fw-1", {"t1"});
  now += 500;
  (void)send("t1", "start-next", "{}");
  (void)send("t1", "fw-1/update", R"({"status":"SUCCEEDED"})");
  const std::int64_t completed = now;
  now += 60'000;
  const json view = job_view("fw-1");
  EXPECT_EQ(view["status"], "COMPLETED");
  EXPECT_EQ(view["series"]["end"], completed);
  EXPECT_EQ(view["completedAt"], completed);
}

TEST_F(FleetView, RolloutShowsMaximumPerMinuteAndTheThingsStillWaiting) {
  std::vector<OutgoingMessage> out;
  CreateJobRequest r{.job_id = "fw-1", .things = {"t1", "t2", "t3", "t4"}, .document = "{}"};
  r.max_per_minute = 1;
  ASSERT_TRUE(service->create_job(r, now, out));
  const json view = job_view("fw-1");
  EXPECT_EQ(view["rollout"]["maximumPerMinute"], 1);
  EXPECT_EQ(view["rollout"]["waiting"], 3);
  EXPECT_EQ(view["rollout"]["windowCount"], 1);
  EXPECT_EQ(view["waiting"], 3);
  EXPECT_EQ(view["targets"], 4) << "targets count the things that wait for their window";

  (void)create_job("fw-2", {"t1"});
  EXPECT_EQ(job_view("fw-2")["rollout"]["maximumPerMinute"], nullptr) << "no limit";
}

TEST_F(FleetView, CancelShowsItsReasonAndTheListIsNewestFirst) {
  (void)create_job("fw-1", {"t1"});
  now += 10;
  (void)create_job("fw-2", {"t2"});
  std::vector<OutgoingMessage> out;
  ASSERT_TRUE(service->cancel_job({.job_id = "fw-1", .reason_code = "BAD_IMAGE", .comment = "stop it"}, now, out));

  const json view = job_view("fw-1");
  EXPECT_EQ(view["status"], "CANCELED");
  EXPECT_EQ(view["reasonCode"], "BAD_IMAGE");
  EXPECT_EQ(view["comment"], "stop it");
  EXPECT_EQ(view["counts"]["CANCELED"], 1);

  const json list = json::parse(fleet_jobs_json(*service, now));
  EXPECT_EQ(list["generatedAt"], now);
  ASSERT_EQ(list["jobs"].size(), 2u);
  EXPECT_EQ(list["jobs"][0]["jobId"], "fw-2");
  EXPECT_EQ(list["jobs"][1]["jobId"], "fw-1");
  EXPECT_EQ(list["jobs"][1]["counts"]["CANCELED"], 1);
}

TEST_F(FleetView, FailedListIsCappedAtTheNewestAndSaysHowManyThereAre) {
  std::vector<std::string> things;
  for (std::size_t i = 0; i < kFleetMaxFailedListed + 5; ++i) {
    things.push_back("f" + std::to_string(i));
    ASSERT_TRUE(service->create_thing(things.back(), now));
  }
  (void)create_job("fw-1", things);
  for (const auto& t : things) {
    now += 1;
    (void)send(t, "start-next", "{}");
    (void)send(t, "fw-1/update", R"({"status":"REJECTED"})");
  }
  const json view = job_view("fw-1");
  EXPECT_EQ(view["failedTotal"], kFleetMaxFailedListed + 5);
  ASSERT_EQ(view["failed"].size(), kFleetMaxFailedListed);
  EXPECT_EQ(view["failed"][0]["thingName"], things.back()) << "the newest failure first";
}

TEST_F(FleetView, ShowsTheExponentialRateAndTheAbortRulesAndWhenOneTripped) {
  std::vector<OutgoingMessage> out;
  CreateJobRequest r{.job_id = "fw-1", .things = {"t1", "t2", "t3", "t4"}, .document = "{}"};
  r.exponential_rate = ExponentialRate{.base_per_minute = 2, .increment_factor = 2, .notified_things = 2};
  r.abort_criteria = {AbortCriteria{.failure_type = FailureType::Failed, .threshold_percentage = 50, .min_executed_things = 2}};
  ASSERT_TRUE(service->create_job(r, now, out));

  json view = job_view("fw-1");
  EXPECT_EQ(view["rollout"]["exponentialRate"],
            (json{{"baseRatePerMinute", 2}, {"incrementFactor", 2.0}, {"rateIncreaseCriteria", {{"numberOfNotifiedThings", 2}}}}));
  EXPECT_EQ(view["rollout"]["currentRatePerMinute"], *rollout_rate_per_minute(service->describe_job("fw-1")->job));
  EXPECT_EQ(view["abort"]["criteriaList"],
            (json::array({{{"failureType", "FAILED"}, {"action", "CANCEL"}, {"thresholdPercentage", 50.0}, {"minNumberOfExecutedThings", 2}}})));
  EXPECT_EQ(view["abort"]["aborted"], false);

  (void)send("t1", "start-next", "{}");
  (void)send("t1", "fw-1/update", R"({"status":"FAILED","statusDetails":{"reason":"self-test failed"}})");
  view = job_view("fw-1");
  const Job job = service->describe_job("fw-1")->job;
  ASSERT_EQ(job.reason_code, kAbortReasonCode) << "one of the two notified failed: the 50 % rule trips";
  EXPECT_EQ(view["status"], "CANCELED");
  EXPECT_EQ(view["abort"]["aborted"], true);
  EXPECT_FALSE(job.comment.empty());
  EXPECT_EQ(view["abort"]["reason"], job.comment);
  EXPECT_EQ(view["failedTotal"], 1);
}

TEST_F(FleetView, UnknownJobIsResourceNotFound) {
  auto text = fleet_job_json(*service, "nope", now);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ControlErrorCode::ResourceNotFound);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
