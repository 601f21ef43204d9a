// The job commands of the real awsfota binary against the local awsfota-jobsd (over a real Mosquitto),
// with devices that report progress over MQTT, as an operator and a fleet would.
#include <gtest/gtest.h>

#include <future>

#include "cli_runner.hpp"
#include "jobsd/local_stack.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

using awsfota::jobsd::testing::LocalStack;
using awsfota::jobsd::testing::TestDevice;

class CliJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalStack::start(dir_.path() / "stack", {});
    ASSERT_TRUE(s) << s.error();
    stack_ = std::move(*s);
    env_ = stack_->aws_env();
    for (const char* thing : {"t1", "t2"}) {
      auto r = stack_->rest("POST", std::string("/things/") + thing);
      ASSERT_LT(r.status, 300) << r.body.dump();
      auto d = stack_->device(thing);
      ASSERT_TRUE(d) << d.error();
      devices_.push_back(std::move(*d));
    }
    image_ = (dir_.path() / "fw.bin").string();
    auto payload = (dir_.path() / "payload.bin").string();
    write_file_bytes(payload, pseudo_random_bytes(4096, 3));
    auto made = run_awsfota({"image", "create", "--payload", payload, "--version", "1.0.1", "-o", image_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  CliResult job(std::vector<std::string> args) {
    args.insert(args.begin(), "job");
    args.insert(args.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(stack_->http_port())});
    return run_awsfota(args, env_);
  }

  // The device reports on its execution of `job_id` and the service accepts it.
  void report(TestDevice& device, const std::string& job_id, const std::string& body) {
    auto answer = device.request(job_id + "/update", body);
    ASSERT_TRUE(answer) << "no answer to " << device.thing() << "'s update";
    ASSERT_EQ(answer->topic, device.topic(job_id + "/update/accepted")) << answer->body.dump();
  }

  awsfota::testing::TempDir dir_{"cli-jobs"};
  std::unique_ptr<LocalStack> stack_;
  std::vector<std::unique_ptr<TestDevice>> devices_;
  std::string image_;
  EnvList env_;  // the stack's key pair
};

TEST_F(CliJobs, CreateDescribeListWatch_UntilAllSucceeded) {
  auto created = job({"create", "fw-1", "--thing", "t1", "--thing", "t2", "--image", image_, "--url",
                      "https://127.0.0.1:8443/fw.bin", "--description", "v1.0.1"});  // default account
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("created job fw-1"), std::string::npos);

  auto described = job({"describe", "fw-1"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("status:  IN_PROGRESS"), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("thing/t1"), std::string::npos) << described.out;

  auto listed = job({"list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("fw-1  IN_PROGRESS"), std::string::npos) << listed.out;

  report(*devices_[0], "fw-1", R"({"status":"IN_PROGRESS","statusDetails":{"phase":"downloading","percent":"50"}})");
  auto running = job({"watch", "fw-1", "--interval", "0.1", "--timeout", "0.3"});
  EXPECT_EQ(running.exit_code, 1);
  EXPECT_NE(running.out.find("t1 IN_PROGRESS downloading 50%"), std::string::npos) << running.out;
  EXPECT_NE(running.out.find("t2 QUEUED"), std::string::npos) << running.out;
  EXPECT_NE(running.err.find("--timeout"), std::string::npos) << running.err;

  report(*devices_[0], "fw-1", R"({"status":"SUCCEEDED","statusDetails":{"phase":"done"}})");
  report(*devices_[1], "fw-1", R"({"status":"SUCCEEDED"})");
  auto done = job({"watch", "fw-1", "--interval", "0.1", "--timeout", "20"});
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_NE(done.out.find("t1 SUCCEEDED done 100%"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("2 of 2 executions SUCCEEDED"), std::string::npos) << done.out;
}

TEST_F(CliJobs, Watch_ExitsOneWhenAnExecutionFailed) {
  ASSERT_EQ(run_awsfota({"job", "document", "--image", image_, "--url", "http://127.0.0.1:1/fw.bin"}).exit_code, 0);
  const auto doc = dir_.path() / "doc.json";
  {
    auto printed = run_awsfota({"job", "document", "--image", image_, "--url", "http://127.0.0.1:1/fw.bin"});
    write_file_bytes(doc, std::vector<std::uint8_t>(printed.out.begin(), printed.out.end()));
  }
  auto created = job({"create", "fw-2", "--thing", "t1", "--document-file", doc.string(), "--account", "000000000000"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  report(*devices_[0], "fw-2", R"({"status":"FAILED","statusDetails":{"phase":"verifying","reason":"bad signature"}})");
  auto watched = job({"watch", "fw-2", "--interval", "0.1", "--timeout", "20"});
  EXPECT_EQ(watched.exit_code, 1);
  EXPECT_NE(watched.out.find("t1 FAILED verifying (bad signature)"), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("0 of 1 executions SUCCEEDED"), std::string::npos) << watched.out;
}

TEST_F(CliJobs, CancelAndServiceErrors) {
  auto created = job({"create", "fw-3", "--thing", "t1", "--thing", "t2", "--image", image_, "--url",
                      "https://127.0.0.1:8443/fw.bin", "--account", "000000000000"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  report(*devices_[0], "fw-3", R"({"status":"IN_PROGRESS"})");
  auto canceled = job({"cancel", "fw-3", "--force", "--comment", "bad build"});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.err;
  auto described = job({"describe", "fw-3", "--json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("\"CANCELED\""), std::string::npos) << described.out;
  auto watched = job({"watch", "fw-3", "--interval", "0.1", "--timeout", "20"});
  EXPECT_EQ(watched.exit_code, 1);
  EXPECT_NE(watched.out.find("t1 CANCELED"), std::string::npos) << watched.out;

  auto missing = job({"describe", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("DescribeJob failed: ResourceNotFoundException"), std::string::npos) << missing.err;
  auto again = job({"create", "fw-3", "--thing", "t1", "--image", image_, "--url", "https://h/fw.bin", "--account",
                    "000000000000"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("CreateJob failed: "), std::string::npos) << again.err;

  // The account is the service's, never a guess: an unknown thing, and another account, are refused.
  auto unknown = job({"create", "fw-4", "--thing", "ghost", "--image", image_, "--url", "https://h/fw.bin"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no --account or AWS_ACCOUNT_ID"), std::string::npos) << unknown.err;
  auto foreign = job({"create", "fw-4", "--thing", "t1", "--image", image_, "--url", "https://h/fw.bin", "--account",
                      "123456789012"});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("account 123456789012"), std::string::npos) << foreign.err;
  // A placeholder needs the role AWS would assume; the CLI does not invent one.
  const auto placeholder = dir_.path() / "placeholder.json";
  const std::string text = R"({"operation":"x","url":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/fw.bin}"})";
  write_file_bytes(placeholder, std::vector<std::uint8_t>(text.begin(), text.end()));
  auto no_role = job({"create", "fw-5", "--thing", "t1", "--document-file", placeholder.string()});
  EXPECT_EQ(no_role.exit_code, 2);
  EXPECT_NE(no_role.err.find("give --role-arn"), std::string::npos) << no_role.err;
  auto with_role = job({"create", "fw-5", "--thing", "t1", "--document-file", placeholder.string(), "--role-arn",
                        "arn:aws:iam::000000000000:role/presign"});
  EXPECT_EQ(with_role.exit_code, 0) << with_role.err;

  EXPECT_EQ(job({"describe", "bad/id"}).exit_code, 2);
  auto no_creds = run_awsfota({"job", "list", "--endpoint-url", "http://127.0.0.1:1"},
                              {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_EQ(no_creds.exit_code, 2);
  EXPECT_NE(no_creds.err.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto down = run_awsfota({"job", "list", "--endpoint-url", "http://127.0.0.1:1"}, env_);
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("ListJobs failed"), std::string::npos) << down.err;
}

// The service's per-account rate (AWS's ThrottlingException) against the CLI's retries: five operators'
// commands at once against a service that takes 3 requests a second. The service throttles some of
// them (its log says so), and every command still succeeds, because the CLI retries with backoff.
TEST(CliThrottled, CommandsRefusedWithThrottlingExceptionAreRetriedUntilTheServiceAnswers) {
  awsfota::testing::TempDir dir{"cli-throttled"};
  auto s = LocalStack::start(dir.path() / "stack", {.api_requests_per_second = 3});
  ASSERT_TRUE(s) << s.error();
  LocalStack& stack = **s;
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(stack.http_port());
  std::vector<std::future<CliResult>> runs;
  for (int i = 0; i < 5; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      return run_awsfota({"job", "list", "--endpoint-url", endpoint}, stack.aws_env());
    }));
  }
  for (auto& run : runs) {
    const CliResult r = run.get();
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string log = stack.service_log();
  EXPECT_NE(log.find("ThrottlingException"), std::string::npos) << "the service throttled nothing:\n" << log;
}

}  // namespace
}  // namespace awsfota::cli::testing
