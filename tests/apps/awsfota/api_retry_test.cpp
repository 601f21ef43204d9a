// call_api against a scripted HTTP server: throttling, 5xx and resets are retried (signed afresh),
// with the backoff the policy says and Retry-After honored; attempts are bounded; other errors are not
// retried.
#include <gtest/gtest.h>

#include "io/aws_client.hpp"
#include "scripted_http.hpp"

namespace awsfota::cli {
namespace {

using testing::ScriptedHttp;

struct RetryHarness {
  std::vector<double> slept;
  AwsContext context(const ScriptedHttp& server) {
    AwsContext ctx;
    ctx.endpoint = *split_url(server.url());
    ctx.endpoint.path = "";
    ctx.region = "eu-west-1";
    ctx.signing_name = "iot";
    ctx.credentials = {"AKIDEXAMPLE", "secret", ""};
    ctx.sleep = [this](double s) { slept.push_back(s); };
    ctx.random01 = [] { return 1.0; };  // the top of the jitter range: delays are the ceilings
    return ctx;
  }
};

const std::string kThrottled = R"({"message":"Rate exceeded"})";
const std::string kJob = R"({"job":{"jobId":"fw-1","status":"IN_PROGRESS"}})";

TEST(ApiRetry, ThrottlingResetAnd5xx_AreRetriedUntilTheAnswerComes) {
  ScriptedHttp server({ScriptedHttp::reply(400, kThrottled, {{"x-amzn-ErrorType", "ThrottlingException:"}}),
                       ScriptedHttp::reset(),
                       ScriptedHttp::reply(503, R"({"message":"Service Unavailable"})"),
                       ScriptedHttp::reply(200, kJob)});
  RetryHarness h;
  auto body = call_api(h.context(server), describe_job_request("fw-1"));
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ(*body, kJob);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& r : requests) EXPECT_EQ(r.line, "GET /jobs/fw-1 HTTP/1.1");
  EXPECT_EQ(h.slept, (std::vector<double>{1.0, 2.0, 4.0}));
  for (const auto& r : requests) EXPECT_TRUE(r.headers.count("authorization")) << "every attempt is signed";
}

TEST(ApiRetry, RetryAfter_IsWaitedFor) {
  ScriptedHttp server({ScriptedHttp::reply(429, kThrottled, {{"Retry-After", "7"}}), ScriptedHttp::reply(200, kJob)});
  RetryHarness h;
  auto ctx = h.context(server);
  ctx.random01 = [] { return 0.0; };
  ASSERT_TRUE(call_api(ctx, describe_job_request("fw-1")));
  EXPECT_EQ(h.slept, (std::vector<double>{7.0}));
}

TEST(ApiRetry, Attempts_AreBounded_AndTheErrorSaysHowMany) {
  std::vector<ScriptedHttp::Reply> script(8, ScriptedHttp::reply(400, kThrottled, {{"x-amzn-ErrorType", "ThrottlingException"}}));
  ScriptedHttp server(script);
  RetryHarness h;
  auto ctx = h.context(server);
  ctx.retry.max_attempts = 3;
  auto body = call_api(ctx, describe_job_request("fw-1"));
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().find("ThrottlingException"), std::string::npos) << body.error();
  EXPECT_NE(body.error().find("after 3 attempts"), std::string::npos) << body.error();
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(h.slept.size(), 2u);
}

TEST(ApiRetry, ClientErrors_AreNotRetried) {
  ScriptedHttp server({ScriptedHttp::reply(404, R"({"message":"Job fw-1 not found"})",
                                           {{"x-amzn-ErrorType", "ResourceNotFoundException"}}),
                       ScriptedHttp::reply(200, kJob)});
  RetryHarness h;
  auto body = call_api(h.context(server), describe_job_request("fw-1"));
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().find("ResourceNotFoundException"), std::string::npos) << body.error();
  EXPECT_EQ(body.error().find("attempts"), std::string::npos) << body.error();
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(h.slept.empty());
}

TEST(ApiRetry, NotImplemented_IsNotRetried) {
  ScriptedHttp server({ScriptedHttp::reply(501, R"({"message":"UpdateJob is not implemented"})",
                                           {{"x-amzn-ErrorType", "NotImplementedException"}}),
                       ScriptedHttp::reply(200, kJob)});
  RetryHarness h;
  auto body = call_api(h.context(server), describe_job_request("fw-1"));
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().find("NotImplementedException"), std::string::npos) << body.error();
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(h.slept.empty());
}

TEST(ApiRetry, RefusedConnection_FailsAtOnce) {
  std::uint16_t port = 0;
  {
    ScriptedHttp gone({});
    port = gone.port();
  }  // nothing listens there any more
  RetryHarness h;
  AwsContext ctx;
  ctx.endpoint = *split_url("http://127.0.0.1:" + std::to_string(port));
  ctx.endpoint.path = "";
  ctx.region = "eu-west-1";
  ctx.credentials = {"AKIDEXAMPLE", "secret", ""};
  ctx.sleep = [&](double s) { h.slept.push_back(s); };
  auto body = call_api(ctx, describe_job_request("fw-1"));
  ASSERT_FALSE(body);
  EXPECT_TRUE(h.slept.empty()) << "a wrong --endpoint-url is said at once, not after a minute of retries";
}

}  // namespace
}  // namespace awsfota::cli
