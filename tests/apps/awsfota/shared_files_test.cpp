// The CLI's AWS context from real shared files in a temporary home: the keys of the profile it picks
// are the ones that sign the request the service gets.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "io/aws_client.hpp"
#include "scripted_http.hpp"
#include "support/process.hpp"

namespace awsfota::cli {
namespace {

using testing::ScriptedHttp;

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void set(const char* name, const std::string& value) {
    remember(name);
    ::setenv(name, value.c_str(), 1);
  }
  void unset(const char* name) {
    remember(name);
    ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) ::setenv(name.c_str(), old->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }

 private:
  void remember(const char* name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name);
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

void write_text_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(SharedFiles, ProfileKeysSignTheRequest_RegionFromTheProfile) {
  awsfota::testing::TempDir home("aws-home");
  write_text_file(home.path() / ".aws/credentials",
                  "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
                  "[fleet]\naws_access_key_id = AKIDFLEET\naws_secret_access_key = s2\n");
  write_text_file(home.path() / ".aws/config", "[profile fleet]\nregion = eu-central-1\n");
  ScopedEnv env;
  env.set("HOME", home.path().string());
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
                           "AWS_REGION", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"})
    env.unset(name);
  env.set("AWS_PROFILE", "fleet");

  ScriptedHttp server({ScriptedHttp::reply(200, R"({"job":{"jobId":"fw-1","status":"IN_PROGRESS"}})")});
  AwsOptions options;
  options.endpoint_url = server.url();
  auto ctx = aws_context_from(options);
  ASSERT_TRUE(ctx) << ctx.error();
  EXPECT_EQ(ctx->region, "eu-central-1");
  ASSERT_TRUE(call_api(*ctx, describe_job_request("fw-1")));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].headers.at("authorization").find("Credential=AKIDFLEET/"), std::string::npos)
      << requests[0].headers.at("authorization");
  EXPECT_NE(requests[0].headers.at("authorization").find("/eu-central-1/"), std::string::npos);

  options.profile = "default";  // --profile
  ctx = aws_context_from(options);
  ASSERT_TRUE(ctx) << ctx.error();
  EXPECT_EQ(ctx->credentials.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(ctx->region, "us-east-1") << "no region in [default]: the local service's";
  options.profile = "missing";
  ctx = aws_context_from(options);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().find("the profile 'missing' (--profile)"), std::string::npos) << ctx.error();
}

}  // namespace
}  // namespace awsfota::cli
