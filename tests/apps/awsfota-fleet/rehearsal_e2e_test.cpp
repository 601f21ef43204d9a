// The rollout rehearsal (issue 15): 200 simulated devices (awsfota-fleet: each the real engine with its
// own TLS session and certificate) against LocalStack's Mosquitto and awsfota-jobsd. A job with an
// exponential rollout rate and an abort rule at 10 % FAILED meets a new image whose self-test fails on
// a fifth of the devices: the rule cancels the job, fewer than half of the things ever start it, and
// the executions that did start all end (none is left IN_PROGRESS).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "jobsd/local_stack.hpp"
#include "support/build_paths.hpp"
#include "support/process.hpp"

namespace awsfota::fleet {
namespace {

using awsfota::jobsd::testing::LocalStack;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

constexpr int kDevices = 200;
const std::string kGroupArn = "arn:aws:iot:us-east-1:000000000000:thinggroup/rehearsal";

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool wait_until(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return done();
}

// Every execution of the job, by status.
std::map<std::string, int> executions_by_status(LocalStack& stack, const std::string& job) {
  std::map<std::string, int> by_status;
  std::string token;
  do {
    auto r = stack.rest("GET", "/jobs/" + job + "/things?maxResults=250" + (token.empty() ? "" : "&nextToken=" + token));
    EXPECT_EQ(r.status, 200) << r.body.dump();
    if (r.status != 200) break;
    for (const auto& e : r.body.value("executionSummaries", json::array())) {
      ++by_status[e["jobExecutionSummary"].value("status", "?")];
    }
    token = r.body.value("nextToken", "");
  } while (!token.empty());
  return by_status;
}

TEST(FleetRehearsal, AbortRuleCancelsABadImageBeforeHalfTheFleetStartsIt) {
  awsfota::testing::TempDir dir("fleet-rehearsal");
  // One rollout "minute" is 3 s: the first window notifies 20 things, and their outcomes (about a
  // second each: download, reboot, self-test) arrive before the next window opens.
  auto stack = LocalStack::start(dir.path(), {.minute_ms = 3000});
  ASSERT_TRUE(stack) << stack.error();
  LocalStack& s = **stack;
  // The simulator registers its things with signed requests: the stack's key pair, through its environment.
  for (const auto& [name, value] : s.aws_env()) ::setenv(name.c_str(), value.c_str(), 1);

  const fs::path report = dir.path() / "report.json";
  const fs::path ready = dir.path() / "ready";
  awsfota::testing::ChildProcess fleet(
      {awsfota::testing::program("awsfota-fleet").string(), "--devices", std::to_string(kDevices), "--prefix", "rh",
       "--group", "rehearsal", "--threads", "4", "--seed", "7", "--self-test-fail", "0.2", "--download-time", "0.4",
       "--boot-time", "0.3", "--mqtt-port", std::to_string(s.mqtt_port()), "--api-url",
       "http://127.0.0.1:" + std::to_string(s.http_port()), "--ca", s.pki().ca_cert().string(), "--ca-key",
       s.pki().ca_key().string(), "--cert-dir", (dir.path() / "fleet").string(), "--idle-exit", "3", "--ready-file",
       ready.string(), "--json", report.string(), "--progress", "1"},
      dir.path() / "fleet.log");
  ASSERT_TRUE(wait_until([&] { return fs::exists(ready) || !fleet.running(); }, seconds(40)))
      << read_text(dir.path() / "fleet.log");
  ASSERT_TRUE(fleet.running()) << read_text(dir.path() / "fleet.log");
  EXPECT_EQ(read_text(ready), std::to_string(kDevices) + "\n") << read_text(dir.path() / "fleet.log");

  const json document = {{"operation", "app_fw_update"},
                         {"fwversion", "2.0.0"},
                         {"size", 4096},
                         {"location", {{"url", "https://127.0.0.1:1/bad-image.bin"}}}};
  const json create = {
      {"targets", {kGroupArn}},
      {"document", document.dump()},
      {"jobExecutionsRolloutConfig",
       {{"exponentialRate",
         {{"baseRatePerMinute", 20},
          {"incrementFactor", 1.5},
          {"rateIncreaseCriteria", {{"numberOfSucceededThings", 10}}}}}}},
      {"abortConfig",
       {{"criteriaList",
         {{{"failureType", "FAILED"}, {"action", "CANCEL"}, {"thresholdPercentage", 10},
           {"minNumberOfExecutedThings", 20}}}}}}};
  auto created = s.rest("PUT", "/jobs/rehearsal", create.dump());
  ASSERT_EQ(created.status, 200) << created.error_type << " " << created.body.dump();

  json job;
  const bool settled = wait_until(
      [&] {
        auto d = s.rest("GET", "/jobs/rehearsal");
        if (d.status != 200) return false;
        job = d.body["job"];
        return job.value("status", "") != "IN_PROGRESS" &&
               job["jobProcessDetails"].value("numberOfInProgressThings", -1) == 0;
      },
      seconds(45));
  ASSERT_TRUE(settled) << job.dump(2) << "\n" << read_text(dir.path() / "fleet.log");

  // Canceled by the rule, not by anyone: the reason says so.
  EXPECT_EQ(job.value("status", ""), "CANCELED") << job.dump(2);
  EXPECT_EQ(job.value("reasonCode", ""), "ABORT_CRITERIA_MET") << job.dump(2);
  EXPECT_NE(job.value("comment", "").find("abortConfig"), std::string::npos) << job.dump(2);
  EXPECT_FALSE(job.value("forceCanceled", true)) << job.dump(2);

  const auto by_status = executions_by_status(s, "rehearsal");
  int started = 0;
  for (const auto& [status, n] : by_status) started += status == "CANCELED" || status == "QUEUED" ? 0 : n;
  EXPECT_EQ(by_status.count("IN_PROGRESS"), 0u) << json(by_status).dump();
  EXPECT_GE(by_status.count("FAILED") ? by_status.at("FAILED") : 0, 2) << json(by_status).dump();
  EXPECT_GE(started, 20) << json(by_status).dump();
  EXPECT_LT(started, kDevices / 2) << json(by_status).dump();

  // The simulator saw the same: it ends by itself once nothing moves, and its report agrees.
  ASSERT_TRUE(wait_until([&] { return !fleet.running(); }, seconds(20))) << read_text(dir.path() / "fleet.log");
  const json rep = json::parse(read_text(report), nullptr, false);
  ASSERT_TRUE(rep.is_object()) << read_text(dir.path() / "fleet.log");
  EXPECT_EQ(rep.value("jobsStarted", -1), started) << rep.dump(2);
  EXPECT_LT(rep.value("jobsStarted", kDevices), kDevices / 2) << rep.dump(2);
  EXPECT_EQ(rep["phases"].value("downloading", -1) + rep["phases"].value("rebooting", -1) +
                rep["phases"].value("confirming", -1) + rep["phases"].value("reverting", -1),
            0)
      << rep.dump(2);
  EXPECT_EQ(rep["failureReasons"].value("SELF_TEST_FAILED", 0), by_status.count("FAILED") ? by_status.at("FAILED") : -1)
      << rep.dump(2);
}

}  // namespace
}  // namespace awsfota::fleet
