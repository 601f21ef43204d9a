// `job watch` on a fleet: what it asks the service (through the CLI's API seam, scripted here with
// hundreds of things and a fake clock) and the summary it shows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "cli/fleet_summary.hpp"
#include "cli/fleet_watch.hpp"

namespace awsfota::cli {
namespace {

using nlohmann::json;

// A scripted control plane: the job's executions, answering the three watch calls and counting them.
struct FakeFleetService {
  struct Execution {
    std::string status = "QUEUED";
    std::map<std::string, std::string> details;
    double started_at = 0;
  };
  std::string job_status = "IN_PROGRESS";
  json job_extra = json::object();
  std::map<std::string, Execution> executions;
  std::map<std::string, int> calls;          // by operation
  std::vector<std::string> described;        // things, in order
  std::vector<double> call_times;            // the fake clock at each call
  double clock = 1000.0;

  Expected<std::string, std::string> answer(const ApiRequest& r) {
    ++calls[r.operation];
    call_times.push_back(clock);
    if (r.operation == "DescribeJob") {
      json job = {{"jobId", "fw-7"}, {"status", job_status}, {"targetSelection", "SNAPSHOT"}};
      job.update(job_extra);
      return json{{"job", job}}.dump();
    }
    if (r.operation == "ListJobExecutionsForJob") {
      std::size_t start = 0, page = 50;
      for (const auto& [k, v] : r.query) {
        if (k == "nextToken") start = std::stoul(v);
        if (k == "maxResults") page = std::stoul(v);
      }
      json list = json::array();
      auto it = executions.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(std::min(start, executions.size())));
      for (std::size_t n = 0; it != executions.end() && n < page; ++it, ++n) {
        json summary = {{"status", it->second.status}};
        if (it->second.started_at > 0) summary["startedAt"] = it->second.started_at;
        list.push_back({{"thingArn", "arn:aws:iot:eu-west-1:123456789012:thing/" + it->first}, {"jobExecutionSummary", summary}});
      }
      json out = {{"executionSummaries", list}};
      if (start + page < executions.size()) out["nextToken"] = std::to_string(start + page);
      return out.dump();
    }
    if (r.operation == "DescribeJobExecution") {
      const std::string thing = r.path.substr(8, r.path.find("/jobs/") - 8);  // /things/NAME/jobs/JOB
      described.push_back(thing);
      const auto& e = executions.at(thing);
      return json{{"execution", {{"jobId", "fw-7"}, {"status", e.status}, {"thingArn", "arn:aws:iot:x:1:thing/" + thing},
                                 {"statusDetails", {{"detailsMap", e.details}}}}}}
          .dump();
    }
    return unexpected("unexpected call " + r.operation);
  }
  int total_calls() const {
    int n = 0;
    for (const auto& [op, c] : calls) n += c;
    return n;
  }
};

std::string thing_name(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "dev-%03d", i);
  return buf;
}

struct FleetWatchTest : ::testing::Test {
  FakeFleetService service;
  RequestPacer pacer{10.0, [this] { return service.clock; }, [this](double s) { service.clock += s; }};
  FleetWatcher watcher{"fw-7", [this](const ApiRequest& r) { return service.answer(r); }, pacer};

  void SetUp() override {
    // 300 things: 200 queued, 90 in progress, 10 failed.
    for (int i = 0; i < 300; ++i) {
      auto& e = service.executions[thing_name(i)];
      if (i >= 200 && i < 290) {
        e.status = "IN_PROGRESS";
        e.started_at = 900.0 + i;
        e.details = {{"phase", "downloading"}, {"percent", "30"}};
      } else if (i >= 290) {
        e.status = "FAILED";
        e.started_at = 800.0;
        e.details = {{"phase", "verifying"}, {"reason", "self-test failed on " + thing_name(i)}};
      }
    }
  }
};

TEST_F(FleetWatchTest, FirstPoll_OneListPass_DescribesOnlyStartedThings_FailuresFirst) {
  auto s = watcher.poll(1000);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(service.calls["DescribeJob"], 1);
  EXPECT_EQ(service.calls["ListJobExecutionsForJob"], 2) << "300 things at AWS's 250 a page";
  EXPECT_EQ(service.calls["DescribeJobExecution"], 100) << "queued things have nothing to describe";
  ASSERT_GE(service.described.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(service.described[static_cast<std::size_t>(i)], thing_name(290 + i));
  EXPECT_EQ(s->things.size(), 300u);
  EXPECT_EQ(s->describes_pending, 0u);
  EXPECT_FALSE(s->finished);
}

TEST_F(FleetWatchTest, LaterPolls_DescribeOnlyThingsWhoseStatusChanged) {
  ASSERT_TRUE(watcher.poll(1000));
  service.calls.clear();
  service.described.clear();
  ASSERT_TRUE(watcher.poll(1000));
  EXPECT_EQ(service.calls["DescribeJobExecution"], 0) << "nothing changed";
  EXPECT_EQ(service.calls["ListJobExecutionsForJob"], 2);
  EXPECT_EQ(service.calls["DescribeJob"], 1);

  service.executions[thing_name(3)].status = "IN_PROGRESS";    // started
  service.executions[thing_name(250)].status = "SUCCEEDED";    // finished
  service.executions[thing_name(251)].details["percent"] = "90";  // progress only: no status change
  service.executions[thing_name(252)].status = "TIMED_OUT";
  service.described.clear();
  auto s = watcher.poll(1000);
  ASSERT_TRUE(s);
  EXPECT_EQ(service.described, (std::vector<std::string>{thing_name(252), thing_name(3), thing_name(250)}));

  // A canceled job's queued executions: nothing a device reported, nothing to describe.
  for (int i = 100; i < 200; ++i) service.executions[thing_name(i)].status = "CANCELED";
  service.described.clear();
  ASSERT_TRUE(watcher.poll(1000));
  EXPECT_TRUE(service.described.empty());
}

TEST_F(FleetWatchTest, DescribeBudget_SpreadsManyChangesOverPolls) {
  auto first = watcher.poll(30);
  ASSERT_TRUE(first);
  EXPECT_EQ(service.calls["DescribeJobExecution"], 30);
  EXPECT_EQ(first->describes_pending, 70u);
  auto second = watcher.poll(30);
  ASSERT_TRUE(second);
  EXPECT_EQ(service.calls["DescribeJobExecution"], 60);
  EXPECT_EQ(second->describes_pending, 40u);
  // Every failed thing's reason came with the first poll.
  for (const auto& t : first->things) {
    if (t.row.status == "FAILED") {
      EXPECT_NE(t.row.reason.find("self-test failed"), std::string::npos) << t.row.thing;
    }
  }
}

TEST_F(FleetWatchTest, Requests_AreSpacedAtTheConfiguredRate) {
  ASSERT_TRUE(watcher.poll(1000));
  ASSERT_TRUE(watcher.poll(1000));
  ASSERT_EQ(service.call_times.size(), static_cast<std::size_t>(service.total_calls()));
  for (std::size_t i = 1; i < service.call_times.size(); ++i)
    EXPECT_GE(service.call_times[i] - service.call_times[i - 1], 0.1 - 1e-9) << "call " << i;
  EXPECT_NEAR(service.call_times.back() - service.call_times.front(), 0.1 * double(service.total_calls() - 1), 1e-6);
}

TEST_F(FleetWatchTest, Finished_OnlyWhenAllTerminalAndTheJobStoppedRollingOut) {
  for (auto& [name, e] : service.executions) e.status = "SUCCEEDED";
  auto rolling = watcher.poll(1000);
  ASSERT_TRUE(rolling);
  EXPECT_FALSE(rolling->finished) << "a SNAPSHOT job still IN_PROGRESS has things waiting for the rollout";
  service.job_status = "COMPLETED";
  auto done = watcher.poll(1000);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->finished);
}

TEST_F(FleetWatchTest, Summary_ShowsCountsRolloutAbortSlowestAndFailed) {
  service.job_status = "CANCELED";
  service.job_extra = json::parse(R"({"reasonCode":"ABORTED","comment":"abort rule ALL 10% tripped",
      "jobExecutionsRolloutConfig":{"exponentialRate":{"baseRatePerMinute":2,"incrementFactor":2.0,
          "rateIncreaseCriteria":{"numberOfSucceededThings":5}}},
      "abortConfig":{"criteriaList":[{"failureType":"ALL","action":"CANCEL","thresholdPercentage":10,
          "minNumberOfExecutedThings":20}]}})");
  auto s = watcher.poll(1000);
  ASSERT_TRUE(s);
  const std::string text = render_fleet_summary("fw-7", *s, 1300.0, {3, 4});
  auto has = [&](const std::string& part) { EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text; };
  has("job fw-7  CANCELED  300 things\n");
  has("  QUEUED 200  IN_PROGRESS 90  FAILED 10\n");
  has("rollout: exponential, 2/min, x2 after every 5 things succeeded\n");
  has("abort:   ALL >= 10% once 20 things notified: now 10 of 300 = 3.33%\n");
  has("job CANCELED (ABORTED: abort rule ALL 10% tripped)");
  // The three that started first, longest running first.
  has("slowest in progress:\n  dev-200  downloading 30%  for 3m20s\n  dev-201  downloading 30%  for 3m19s\n"
      "  dev-202  downloading 30%  for 3m18s\nfailed (10):\n");
  has("  dev-290  FAILED     verifying (self-test failed on dev-290)\n");
  has("  ... and 6 more\n");
  EXPECT_EQ(text.find("dev-203"), std::string::npos) << "only the slowest three";
}

TEST(FleetSummary, Durations) {
  EXPECT_EQ(format_duration(42.9), "42s");
  EXPECT_EQ(format_duration(65), "1m05s");
  EXPECT_EQ(format_duration(7380), "2h03m");
  EXPECT_EQ(format_duration(-3), "0s");
}

}  // namespace
}  // namespace awsfota::cli
