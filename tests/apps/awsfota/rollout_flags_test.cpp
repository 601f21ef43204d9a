// `job create`'s rollout and abort flags: AWS's ranges checked before sending, and the CreateJob body
// they make (abortConfig.criteriaList, jobExecutionsRolloutConfig) in botocore's iot shapes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/iot_api.hpp"
#include "cli/rollout_flags.hpp"

namespace awsfota::cli {
namespace {

using nlohmann::json;

json create_body(const RolloutFlags& f) {
  auto plan = parse_rollout_flags(f);
  EXPECT_TRUE(plan) << (plan ? "" : plan.error());
  CreateJobParams p;
  p.job_id = "fw-2";
  p.targets = {thing_group_arn("eu-west-1", "123456789012", "fleet")};
  p.document = "{}";
  if (plan) p.rollout = *plan;
  return json::parse(create_job_request(p).body);
}

std::string refusal(const RolloutFlags& f) {
  auto plan = parse_rollout_flags(f);
  return plan ? std::string("(accepted)") : plan.error();
}

TEST(RolloutFlags, AbortPercentAndMinThings_SendOneCancelCriterionForAllFailures) {
  RolloutFlags f;
  f.abort_percent = "10";
  f.abort_min_things = 20;
  const json body = create_body(f);
  EXPECT_EQ(body["abortConfig"], json::parse(R"({"criteriaList":[{"failureType":"ALL","action":"CANCEL",
            "thresholdPercentage":10.0,"minNumberOfExecutedThings":20}]})"));
  EXPECT_FALSE(body.contains("jobExecutionsRolloutConfig"));
}

TEST(RolloutFlags, AbortOn_AddsOneCriterionPerFailureType) {
  RolloutFlags f;
  f.abort_percent = "12.5";
  f.abort_min_things = 10;
  f.abort_failure_type = "FAILED";
  f.abort_on = {"TIMED_OUT:5.25:50", "REJECTED:1:3"};
  const json list = create_body(f)["abortConfig"]["criteriaList"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["failureType"], "FAILED");
  EXPECT_EQ(list[0]["thresholdPercentage"], 12.5);
  EXPECT_EQ(list[1], json::parse(R"({"failureType":"TIMED_OUT","action":"CANCEL","thresholdPercentage":5.25,
                                     "minNumberOfExecutedThings":50})"));
  EXPECT_EQ(list[2]["failureType"], "REJECTED");
  EXPECT_EQ(list[2]["minNumberOfExecutedThings"], 3);
}

TEST(RolloutFlags, RolloutRate_IsMaximumPerMinute) {
  RolloutFlags f;
  f.rollout_rate = 1000;
  EXPECT_EQ(create_body(f)["jobExecutionsRolloutConfig"], json::parse(R"({"maximumPerMinute":1000})"));
}

TEST(RolloutFlags, Exponential_CountsSucceededThingsUnlessNotifiedIsAsked) {
  RolloutFlags f;
  f.exponential = "2,1.5,5";
  EXPECT_EQ(create_body(f)["jobExecutionsRolloutConfig"],
            json::parse(R"({"exponentialRate":{"baseRatePerMinute":2,"incrementFactor":1.5,
                            "rateIncreaseCriteria":{"numberOfSucceededThings":5}}})"));
  f.increase_on = "notified";
  EXPECT_EQ(create_body(f)["jobExecutionsRolloutConfig"]["exponentialRate"]["rateIncreaseCriteria"],
            json::parse(R"({"numberOfNotifiedThings":5})"));
}

TEST(RolloutFlags, NoFlags_NoConfig) {
  const json body = create_body({});
  EXPECT_FALSE(body.contains("abortConfig"));
  EXPECT_FALSE(body.contains("jobExecutionsRolloutConfig"));
}

TEST(RolloutFlags, OutOfAwsRanges_RefusedNamingTheFlag) {
  struct Case {
    RolloutFlags flags;
    std::string says;
  };
  auto abort = [](std::string pct, std::optional<std::int64_t> min) {
    RolloutFlags f;
    f.abort_percent = std::move(pct);
    f.abort_min_things = min;
    return f;
  };
  auto with = [](auto set) {
    RolloutFlags f;
    set(f);
    return f;
  };
  const std::vector<Case> cases = {
      {abort("0", 5), "above 0"},
      {abort("100.01", 5), "at most 100"},
      {abort("10.999", 5), "two digits"},
      {abort("1e1", 5), "--abort-on-failure-percent '1e1'"},
      {abort("-5", 5), "--abort-on-failure-percent '-5'"},
      {abort("10", std::nullopt), "needs --abort-min-things"},
      {abort("10", 0), "at least 1"},
      {with([](RolloutFlags& f) { f.abort_min_things = 3; }), "need --abort-on-failure-percent"},
      {with([](RolloutFlags& f) { f.abort_on = {"FAILED:10"}; }), "TYPE:PERCENT:MIN_THINGS"},
      {with([](RolloutFlags& f) { f.abort_on = {"CRASHED:10:5"}; }), "'CRASHED' is not one of"},
      {with([](RolloutFlags& f) { f.abort_on = {"FAILED:10:x"}; }), "not a number of things"},
      {with([](RolloutFlags& f) { f.abort_on = {"FAILED:10:5", "FAILED:20:5"}; }), "two abort rules for failure type FAILED"},
      {with([](RolloutFlags& f) { f.rollout_rate = 0; }), "--rollout-rate 0"},
      {with([](RolloutFlags& f) { f.rollout_rate = 1001; }), "1 to 1000"},
      {with([](RolloutFlags& f) { f.rollout_rate = 5; f.exponential = "1,2,3"; }), "exclude each other"},
      {with([](RolloutFlags& f) { f.exponential = "1,2"; }), "BASE,FACTOR,AFTER_N"},
      {with([](RolloutFlags& f) { f.exponential = "0,2,3"; }), "base rate must be 1 to 1000"},
      {with([](RolloutFlags& f) { f.exponential = "1001,2,3"; }), "base rate must be 1 to 1000"},
      {with([](RolloutFlags& f) { f.exponential = "1,1.0,3"; }), "1.1 to 5.0"},
      {with([](RolloutFlags& f) { f.exponential = "1,5.1,3"; }), "1.1 to 5.0"},
      {with([](RolloutFlags& f) { f.exponential = "1,1.55,3"; }), "one digit after the point"},
      {with([](RolloutFlags& f) { f.exponential = "1,2,0"; }), "at least 1"},
      {with([](RolloutFlags& f) { f.increase_on = "notified"; }), "goes with --rollout-exponential"},
  };
  for (const auto& c : cases) EXPECT_NE(refusal(c.flags).find(c.says), std::string::npos) << refusal(c.flags);
}

TEST(RolloutFlags, EdgesOfAwsRanges_Accepted) {
  RolloutFlags f;
  f.abort_percent = "100";
  f.abort_min_things = 1;
  f.abort_on = {"TIMED_OUT:0.01:1"};
  f.exponential = "1000,5.0,1";
  EXPECT_EQ(refusal(f), "(accepted)");
  f.exponential = "1,1.1,1";
  EXPECT_EQ(refusal(f), "(accepted)");
}

}  // namespace
}  // namespace awsfota::cli
