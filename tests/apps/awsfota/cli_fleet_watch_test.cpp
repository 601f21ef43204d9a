// `awsfota job watch` on a job of hundreds of things against the real awsfota-jobsd: the summary
// (counts, failed things with their reasons, the slowest in progress) instead of a row per thing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli_runner.hpp"
#include "jobsd/local_stack.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

using awsfota::jobsd::testing::LocalStack;
using awsfota::jobsd::testing::TestDevice;

constexpr int kFleet = 240;

std::string fleet_thing(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "f%03d", i);
  return buf;
}

class CliFleetWatch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalStack::start(dir_.path() / "stack", {});
    ASSERT_TRUE(s) << s.error();
    stack_ = std::move(*s);
    ASSERT_LT(stack_->rest("POST", "/thing-groups/fleet").status, 300);
    for (int i = 0; i < kFleet; ++i) {
      ASSERT_LT(stack_->rest("POST", "/things/" + fleet_thing(i)).status, 300);
      auto added = stack_->rest("PUT", "/thing-groups/addThingToThingGroup",
                                R"({"thingGroupName":"fleet","thingName":")" + fleet_thing(i) + R"("})");
      ASSERT_LT(added.status, 300) << added.body.dump();
    }
    for (int i = 0; i < 3; ++i) {
      auto d = stack_->device(fleet_thing(i));
      ASSERT_TRUE(d) << d.error();
      devices_.push_back(std::move(*d));
    }
  }

  CliResult job(std::vector<std::string> args) {
    args.insert(args.begin(), "job");
    args.insert(args.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(stack_->http_port())});
    return run_awsfota(args, stack_->aws_env());
  }

  void report(TestDevice& device, const std::string& body) {
    auto answer = device.request("fleet-1/update", body);
    ASSERT_TRUE(answer) << "no answer to " << device.thing() << "'s update";
    ASSERT_EQ(answer->topic, device.topic("fleet-1/update/accepted")) << answer->body.dump();
  }

  awsfota::testing::TempDir dir_{"cli-fleet"};
  std::unique_ptr<LocalStack> stack_;
  std::vector<std::unique_ptr<TestDevice>> devices_;
};

TEST_F(CliFleetWatch, HundredsOfThings_ShowASummaryWithTheFailedThingsReasons) {
  const auto doc = dir_.path() / "doc.json";
  write_file_bytes(doc, std::vector<std::uint8_t>{'{', '}'});
  auto created = job({"create", "fleet-1", "--thing-group", "fleet", "--document-file", doc.string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  report(*devices_[0], R"({"status":"FAILED","statusDetails":{"phase":"self-test","reason":"self-test failed"}})");
  report(*devices_[1], R"({"status":"IN_PROGRESS","statusDetails":{"phase":"downloading","percent":"40"}})");
  report(*devices_[2], R"({"status":"SUCCEEDED"})");

  auto running = job({"watch", "fleet-1", "--interval", "0.5", "--timeout", "1", "--requests-per-second", "20"});
  EXPECT_EQ(running.exit_code, 1) << running.err;
  EXPECT_NE(running.out.find("job fleet-1  IN_PROGRESS  240 things"), std::string::npos) << running.out;
  EXPECT_NE(running.out.find("  QUEUED 237  IN_PROGRESS 1  SUCCEEDED 1  FAILED 1\n"), std::string::npos) << running.out;
  EXPECT_NE(running.out.find("slowest in progress:\n  f001  downloading 40%  for "), std::string::npos) << running.out;
  EXPECT_NE(running.out.find("failed (1):\n  f000  FAILED     self-test (self-test failed)\n"), std::string::npos)
      << running.out;
  EXPECT_EQ(running.out.find("f100"), std::string::npos) << "no row per thing:\n" << running.out;

  auto canceled = job({"cancel", "fleet-1", "--force"});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.err;
  auto done = job({"watch", "fleet-1", "--interval", "0.2", "--timeout", "15", "--requests-per-second", "50"});
  EXPECT_EQ(done.exit_code, 1) << done.err;
  EXPECT_NE(done.out.find("  SUCCEEDED 1  FAILED 1  CANCELED 238\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("job fleet-1: 1 of 240 executions SUCCEEDED (job CANCELED"), std::string::npos) << done.out;

  // The per-thing table on request.
  auto table = job({"watch", "fleet-1", "--view", "things", "--interval", "0.2", "--timeout", "15",
                    "--requests-per-second", "50"});
  EXPECT_NE(table.out.find("f100 CANCELED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("f000 FAILED self-test (self-test failed)"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace awsfota::cli::testing

namespace awsfota::cli::testing {
namespace {

// The rollout and abort flags reach the real service as sent, and the watch's summary reads them back.
TEST_F(CliFleetWatch, RolloutAndAbortFlags_ReachTheServiceAndTheSummary) {
  const auto doc = dir_.path() / "doc.json";
  write_file_bytes(doc, std::vector<std::uint8_t>{'{', '}'});
  auto created = job({"create", "fleet-2", "--thing-group", "fleet", "--document-file", doc.string(),
                      "--rollout-exponential", "2,2.0,5", "--abort-on-failure-percent", "12.5", "--abort-min-things",
                      "20", "--abort-on", "TIMED_OUT:5:50"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto described = job({"describe", "fleet-2", "--json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  const auto j = nlohmann::json::parse(described.out)["job"];
  EXPECT_EQ(j["jobExecutionsRolloutConfig"], nlohmann::json::parse(R"({"exponentialRate":{"baseRatePerMinute":2,
            "incrementFactor":2.0,"rateIncreaseCriteria":{"numberOfSucceededThings":5}}})"));
  EXPECT_EQ(j["abortConfig"], nlohmann::json::parse(R"({"criteriaList":[
            {"failureType":"ALL","action":"CANCEL","thresholdPercentage":12.5,"minNumberOfExecutedThings":20},
            {"failureType":"TIMED_OUT","action":"CANCEL","thresholdPercentage":5,"minNumberOfExecutedThings":50}]})"));

  auto watched = job({"watch", "fleet-2", "--view", "summary", "--interval", "0.2", "--timeout", "0.5"});
  EXPECT_EQ(watched.exit_code, 1) << watched.err;
  EXPECT_NE(watched.out.find("job fleet-2  IN_PROGRESS  2 things\n"), std::string::npos) << "2 a minute:\n" << watched.out;
  EXPECT_NE(watched.out.find("rollout: exponential, 2/min, x2 after every 5 things succeeded\n"), std::string::npos)
      << watched.out;
  EXPECT_NE(watched.out.find("abort:   ALL >= 12.5% once 20 things notified: now 0 of 2 = 0%\n"), std::string::npos)
      << watched.out;
  EXPECT_NE(watched.out.find("abort:   TIMED_OUT >= 5% once 50 things notified: now 0 of 2 = 0%\n"), std::string::npos)
      << watched.out;
}

TEST_F(CliFleetWatch, AbortRuleTrips_TheWatchEndsShowingWhy) {
  const auto doc = dir_.path() / "doc.json";
  write_file_bytes(doc, std::vector<std::uint8_t>{'{', '}'});
  auto created = job({"create", "fleet-1", "--thing", fleet_thing(0), "--thing", fleet_thing(1), "--thing",
                      fleet_thing(2), "--document-file", doc.string(), "--rollout-rate", "1000",
                      "--abort-on-failure-percent", "10", "--abort-min-things", "2", "--abort-failure-type", "FAILED"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  report(*devices_[0], R"({"status":"FAILED","statusDetails":{"reason":"self-test failed"}})");
  auto watched = job({"watch", "fleet-1", "--view", "summary", "--interval", "0.2", "--timeout", "15"});
  EXPECT_EQ(watched.exit_code, 1) << watched.err;
  EXPECT_NE(watched.out.find("abort:   FAILED >= 10% once 2 things notified: now 1 of 3 = 33.33%\n"), std::string::npos)
      << watched.out;
  EXPECT_NE(watched.out.find("         job CANCELED ("), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("failed (1):\n  f000  FAILED     self-test failed\n"), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("job fleet-1: 0 of 3 executions SUCCEEDED (job CANCELED"), std::string::npos) << watched.out;
}

}  // namespace
}  // namespace awsfota::cli::testing
