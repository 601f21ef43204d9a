// botocore's signer against awsfota-jobsd's verifier: the AWS CLI v2 (Debian's awscli) and v1 (pip,
// where installed) get through with the stack's keys and are refused, with AWS's error codes, with
// wrong ones; a request signed 20 minutes ago (our signer: faketime is not installed by setup) is
// refused as expired; over the rate, the service answers ThrottlingException.
#include <gtest/gtest.h>

#include <filesystem>

#include "jobsd/local_stack.hpp"

namespace awsfota::jobsd::testing {
namespace {

constexpr const char* kAwsV2 = "/usr/bin/aws";                               // Debian's awscli (setup)
constexpr const char* kAwsV1 = "/root/.pyenv/versions/3.11.7/bin/aws";       // pip's, on some machines

class AwsCliAuth : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(GetParam()))
      GTEST_SKIP() << GetParam() << " is not installed (the v1 CLI comes from pip, not from scripts/setup)";
    auto s = LocalStack::start(dir.path(), {});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
  }

  // `aws iot list-things` against the stack with these credentials.
  awsfota::testing::ProgramRun list_things(const std::string& key_id, const std::string& secret) {
    return awsfota::testing::run_program(
        {GetParam(), "iot", "list-things", "--endpoint-url", "http://127.0.0.1:" + std::to_string(stack->http_port()),
         "--output", "json"},
        {.env = {{"AWS_ACCESS_KEY_ID", key_id},
                 {"AWS_SECRET_ACCESS_KEY", secret},
                 {"AWS_DEFAULT_REGION", "us-east-1"},
                 {"AWS_CONFIG_FILE", "/dev/null"},
                 {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                 {"AWS_PAGER", ""}},
         .timeout = std::chrono::seconds(30)});
  }

  awsfota::testing::TempDir dir{"jobsd-cli-auth"};
  std::unique_ptr<LocalStack> stack;
};

TEST_P(AwsCliAuth, RightKeysGetThroughWrongOnesGetAwsErrors) {
  const auto& keys = stack->credentials();
  ASSERT_EQ(stack->rest("POST", "/things/t1").status, 200);
  auto ok = list_things(keys.access_key_id, keys.secret_access_key);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"thingName\": \"t1\""), std::string::npos) << ok.out;

  auto wrong_secret = list_things(keys.access_key_id, keys.secret_access_key + "x");
  EXPECT_NE(wrong_secret.exit_code, 0);
  // v2 may put "(reached max retries: N)" before the colon: the code and the message, each as AWS's.
  EXPECT_NE(wrong_secret.err.find("An error occurred (InvalidSignatureException) when calling the ListThings operation"),
            std::string::npos)
      << wrong_secret.err;
  EXPECT_NE(wrong_secret.err.find("The request signature we calculated does not match the signature you provided."),
            std::string::npos)
      << wrong_secret.err;

  auto unknown_key = list_things("AKIAUNKNOWNKEY000000", keys.secret_access_key);
  EXPECT_NE(unknown_key.exit_code, 0);
  EXPECT_NE(unknown_key.err.find("An error occurred (UnrecognizedClientException) when calling the ListThings operation"),
            std::string::npos)
      << unknown_key.err;
  EXPECT_NE(unknown_key.err.find("The security token included in the request is invalid."), std::string::npos)
      << unknown_key.err;
  EXPECT_EQ(stack->rest("GET", "/things").status, 200);  // the service still answers the right key
}

INSTANTIATE_TEST_SUITE_P(V2AndV1, AwsCliAuth, ::testing::Values(kAwsV2, kAwsV1),
                         [](const auto& param) { return std::string(param.index == 0 ? "Debian_v2" : "Pip_v1"); });

class StackAuth : public ::testing::Test {
 protected:
  void start(StackOptions options) {
    auto s = LocalStack::start(dir.path(), std::move(options));
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
  }
  awsfota::testing::TempDir dir{"jobsd-auth"};
  std::unique_ptr<LocalStack> stack;
};

TEST_F(StackAuth, SignedTwentyMinutesAgo_IsSignatureExpired) {
  start({});
  const auto twenty_minutes_ago = static_cast<std::int64_t>(std::time(nullptr)) - 20 * 60;
  auto r = stack->rest("GET", "/things", "", {.unix_time = twenty_minutes_ago});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_type, "InvalidSignatureException");
  EXPECT_EQ(r.body["message"].get<std::string>().rfind("Signature expired: ", 0), 0u) << r.body.dump();
}

TEST_F(StackAuth, UnsignedRequest_IsMissingAuthenticationTokenUnlessAnonymous) {
  start({});
  auto r = stack->rest("GET", "/things", "", {.sign = false});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_type, "MissingAuthenticationTokenException");
  EXPECT_NE(stack->service_log().find("MissingAuthenticationTokenException"), std::string::npos);
  stack.reset();

  start({.anonymous = true});
  EXPECT_EQ(stack->rest("GET", "/things", "", {.sign = false}).status, 200);
  EXPECT_NE(stack->service_log().find("WARNING: --anonymous"), std::string::npos) << stack->service_log();
}

TEST_F(StackAuth, OverTheRate_IsThrottlingException) {
  start({.api_requests_per_second = 2});
  int throttled = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = stack->rest("GET", "/things");
    if (r.error_type == "ThrottlingException") {
      ++throttled;
      EXPECT_EQ(r.status, 400);
    }
  }
  EXPECT_GE(throttled, 3);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
