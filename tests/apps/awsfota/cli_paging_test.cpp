// The real awsfota binary against a service that keeps handing back the same nextToken: `job list`
// and `job watch` must stop with a clear error instead of asking for the same page forever.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "cli_runner.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

class CliPaging : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto repeat_token = [](const char* items_key, const char* item) {
      return [items_key, item](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(R"({")") + items_key + R"(":[)" + item + R"(],"nextToken":"again"})",
                        "application/json");
      };
    };
    server_.Get("/jobs", repeat_token("jobs", R"({"jobId":"fw-1","status":"IN_PROGRESS","targetSelection":"SNAPSHOT"})"));
    // job watch reads the job first (its status, rollout and abort rules), then lists its executions.
    server_.Get("/jobs/fw-1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"job":{"jobId":"fw-1","status":"IN_PROGRESS","targetSelection":"SNAPSHOT"}})", "application/json");
    });
    server_.Get("/jobs/fw-1/things",
                repeat_token("executionSummaries",
                             R"({"thingArn":"arn:aws:iot:us-east-1:1:thing/t1","jobExecutionSummary":{"status":"QUEUED"}})"));
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    ASSERT_TRUE(awsfota::testing::wait_for_port(static_cast<std::uint16_t>(port_), std::chrono::seconds(5)));
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  CliResult job(std::vector<std::string> args) {
    args.insert(args.begin(), "job");
    args.insert(args.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(port_)});
    // Well under the runner's usual minute: a CLI that loops is killed (exit -1) and the test fails.
    return run_awsfota(args, env_, std::chrono::seconds(20));
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  EnvList env_{{"AWS_ACCESS_KEY_ID", "local"}, {"AWS_SECRET_ACCESS_KEY", "local"}, {"AWS_DEFAULT_REGION", "us-east-1"}};
};

TEST_F(CliPaging, JobListStopsWhenTheServiceRepeatsANextToken) {
  auto r = job({"list"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("ListJobs: the service sent nextToken \"again\" again after 2 pages"), std::string::npos) << r.err;
}

TEST_F(CliPaging, JobWatchStopsWhenTheServiceRepeatsANextToken) {
  auto r = job({"watch", "fw-1", "--interval", "0.1", "--timeout", "10"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("ListJobExecutionsForJob: the service sent nextToken \"again\" again"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace awsfota::cli::testing
