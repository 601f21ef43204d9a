// create-job's jobExecutionsRolloutConfig and abortConfig over the REST mapping, as the AWS CLI sends
// them, and describe-job showing them back as AWS names them.
#include "jobsd/rest_api.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class RestRollout : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2", "t3"});
  }
  RestResponse create(json fields) {
    fields["targets"] = {thing_arn + "t1", thing_arn + "t2", thing_arn + "t3"};
    fields["document"] = "{}";
    return handle_rest(*service, {"PUT", "/jobs/j1", {}, fields.dump()}, now, out);
  }
  json describe() { return json::parse(handle_rest(*service, {"GET", "/jobs/j1", {}, ""}, now, out).body)["job"]; }

  std::vector<OutgoingMessage> out;
  const std::string thing_arn = "arn:aws:iot:us-east-1:000000000000:thing/";
};

const json kRollout = {{"maximumPerMinute", 50},
                       {"exponentialRate",
                        {{"baseRatePerMinute", 1},
                         {"incrementFactor", 1.5},
                         {"rateIncreaseCriteria", {{"numberOfNotifiedThings", 2}, {"numberOfSucceededThings", 1}}}}}};
const json kAbort = {{"criteriaList",
                      {{{"failureType", "FAILED"}, {"action", "CANCEL"}, {"thresholdPercentage", 12.5},
                        {"minNumberOfExecutedThings", 2}},
                       {{"failureType", "ALL"}, {"action", "CANCEL"}, {"thresholdPercentage", 50},
                        {"minNumberOfExecutedThings", 1}}}}};

TEST_F(RestRollout, DescribeJobShowsTheSettingsAsCreatedAndProcessingTargetsWhileTargetsWait) {
  auto created = create({{"jobExecutionsRolloutConfig", kRollout}, {"abortConfig", kAbort}});
  ASSERT_EQ(created.status, 200) << created.body;
  json job = describe();
  EXPECT_EQ(job["jobExecutionsRolloutConfig"], kRollout);
  EXPECT_EQ(job["abortConfig"], kAbort);
  EXPECT_EQ(job["jobProcessDetails"]["numberOfQueuedThings"], 1) << "the base rate: one a minute";
  EXPECT_EQ(job["jobProcessDetails"]["processingTargets"], job["targets"]) << "two targets still wait";

  now += kMinute;
  (void)service->tick(now);
  now += kMinute;
  (void)service->tick(now);
  job = describe();
  EXPECT_EQ(job["jobProcessDetails"]["numberOfQueuedThings"], 3);
  EXPECT_FALSE(job["jobProcessDetails"].contains("processingTargets")) << "rolled out to every target";
}

TEST_F(RestRollout, AnAbortedJobShowsReasonCodeAndComment) {
  ASSERT_EQ(create({{"abortConfig", kAbort}}).status, 200);
  (void)send("t1", "start-next", "{}");
  (void)send("t1", "j1/update", R"({"status":"FAILED"})");  // 1 of 3: 33 %, over FAILED's 12.5 %
  const json job = describe();
  EXPECT_EQ(job["status"], "CANCELED");
  EXPECT_EQ(job["forceCanceled"], false);
  EXPECT_EQ(job["reasonCode"], "ABORT_CRITERIA_MET");
  EXPECT_EQ(job["comment"].get<std::string>().rfind("Aborted by abortConfig: 1 of 3 notified things ended FAILED", 0), 0u)
      << job["comment"];
  EXPECT_EQ(job["jobProcessDetails"]["numberOfCanceledThings"], 2);
}

TEST_F(RestRollout, RefusesMalformedSettingsNamingTheField) {
  // One criterion with `field` set to `value` (raw JSON); the others as in kAbort's first.
  auto criterion = [](const char* field, const char* value) {
    json c = kAbort["criteriaList"][0];
    c[field] = json::parse(value);
    return json{{"abortConfig", {{"criteriaList", json::array({c})}}}};
  };
  const std::vector<std::pair<json, std::string>> cases = {
      {json::parse(R"({"abortConfig":{}})"), "abortConfig.criteriaList: a list of at least one criterion is required"},
      {json::parse(R"({"abortConfig":{"criteriaList":[]}})"), "abortConfig.criteriaList: a list of at least one"},
      {criterion("failureType", R"("LOST")"),
       "abortConfig.criteriaList[0].failureType 'LOST': must be FAILED, REJECTED, TIMED_OUT or ALL"},
      {criterion("action", R"("PAUSE")"), "abortConfig.criteriaList[0].action 'PAUSE': must be CANCEL"},
      {criterion("minNumberOfExecutedThings", "null"), "abortConfig.criteriaList[0].minNumberOfExecutedThings: required"},
      {criterion("thresholdPercentage", R"("ten")"), "abortConfig.criteriaList[0].thresholdPercentage: must be a number"},
      {criterion("thresholdPercentage", "101"), "abortConfig.criteriaList[0].thresholdPercentage must be 0..100"},
      {json::parse(R"({"jobExecutionsRolloutConfig":{"exponentialRate":{"baseRatePerMinute":1,"incrementFactor":2}}})"),
       "jobExecutionsRolloutConfig.exponentialRate.rateIncreaseCriteria: required"},
      {json::parse(R"({"jobExecutionsRolloutConfig":{"exponentialRate":{"baseRatePerMinute":1.5}}})"),
       "jobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute: must be an integer"},
      {json::parse(R"({"jobExecutionsRolloutConfig":{"maximumPerMinute":"many"}})"),
       "jobExecutionsRolloutConfig.maximumPerMinute: must be an integer"},
  };
  for (const auto& [fields, message] : cases) {
    auto r = create(fields);
    EXPECT_EQ(r.status, 400) << fields.dump();
    EXPECT_EQ(r.error_type, "InvalidRequestException");
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
  }
  EXPECT_EQ(handle_rest(*service, {"GET", "/jobs/j1", {}, ""}, now, out).status, 404) << "no job was created";
}

}  // namespace
}  // namespace awsfota::jobsd::testing
