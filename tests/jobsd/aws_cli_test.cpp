// The control plane through Debian's AWS CLI (`aws iot ... --endpoint-url`), as an operator uses it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "jobsd/local_stack.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
constexpr const char* kAws = "/usr/bin/aws";

class AwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kAws)) GTEST_SKIP() << "Debian's awscli is not installed";
    // Throwaway credentials: the local service does not check signatures, the CLI wants some.
    setenv("AWS_ACCESS_KEY_ID", "local", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "local", 1);
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    setenv("AWS_PAGER", "", 1);
    auto s = LocalStack::start(dir.path(), {});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
  }

  // Runs `aws iot ARGS --endpoint-url ...`; its JSON output, or its error text.
  Expected<json, std::string> iot(std::vector<std::string> args) {
    std::vector<std::string> argv = {kAws, "iot"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(stack->http_port()),
                             "--output", "json", "--no-cli-pager"});
    auto out = awsfota::testing::run_command(argv);
    if (!out) return unexpected(out.error());
    if (out->find_first_not_of(" \n") == std::string::npos) return json::object();
    auto parsed = json::parse(*out, nullptr, false);
    if (parsed.is_discarded()) return unexpected("not JSON: " + *out);
    return parsed;
  }

  awsfota::testing::TempDir dir{"jobsd-cli"};
  std::unique_ptr<LocalStack> stack;
};

TEST_F(AwsCli, RunsAJobLifecycleAndPrintsAwsErrors) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  auto thing = iot({"create-thing", "--thing-name", "t1"});
  ASSERT_TRUE(thing) << thing.error();
  EXPECT_EQ((*thing)["thingArn"], arn + "thing/t1");
  ASSERT_TRUE(iot({"create-thing-group", "--thing-group-name", "fleet"}));
  ASSERT_TRUE(iot({"add-thing-to-thing-group", "--thing-group-name", "fleet", "--thing-name", "t1"}));

  std::ofstream(dir.path() / "doc.json") << R"({"operation":"app_fw_update","size":3})";
  auto job = iot({"create-job", "--job-id", "j1", "--targets", arn + "thinggroup/fleet", "--document",
                  "file://" + (dir.path() / "doc.json").string(), "--timeout-config", "inProgressTimeoutInMinutes=30",
                  "--presigned-url-config", "roleArn=arn:aws:iam::000000000000:role/x,expiresInSec=600"});
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ((*job)["jobArn"], arn + "job/j1");

  auto execution = iot({"describe-job-execution", "--job-id", "j1", "--thing-name", "t1"});
  ASSERT_TRUE(execution) << execution.error();
  EXPECT_EQ((*execution)["execution"]["status"], "QUEUED");
  EXPECT_EQ((*execution)["execution"]["versionNumber"], 1);

  auto for_job = iot({"list-job-executions-for-job", "--job-id", "j1"});
  ASSERT_TRUE(for_job) << for_job.error();
  EXPECT_EQ((*for_job)["executionSummaries"][0]["thingArn"], arn + "thing/t1");

  ASSERT_TRUE(iot({"cancel-job", "--job-id", "j1", "--force", "--comment", "bad build"}));
  auto described = iot({"describe-job", "--job-id", "j1"});
  ASSERT_TRUE(described) << described.error();
  EXPECT_EQ((*described)["job"]["status"], "CANCELED");
  EXPECT_EQ((*described)["job"]["jobProcessDetails"]["numberOfCanceledThings"], 1);

  auto missing = iot({"describe-job", "--job-id", "nope"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("An error occurred (ResourceNotFoundException) when calling the DescribeJob operation"),
            std::string::npos)
      << missing.error();
}

}  // namespace
}  // namespace awsfota::jobsd::testing
