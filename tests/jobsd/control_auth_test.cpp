// Who may call the control plane: the credentials file, the rate per account, and the answers
// ControlAuth gives (AWS's error codes) before a request reaches the REST API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jobsd/control_auth.hpp"
#include "sigv4/openssl_primitives.hpp"

namespace awsfota::jobsd {
namespace {

namespace sv = awsfota::sigv4;

TEST(CredentialsFile, ReadsEveryProfilesKeyPair) {
  auto keys = parse_credentials_file(
      "# the stack's keys\n[default]\naws_access_key_id = AKIDONE\naws_secret_access_key=secret/one\n\n"
      "[ci]\r\n aws_access_key_id=AKIDTWO \r\naws_secret_access_key = two\r\nregion = us-east-1\r\n");
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(*keys, (AccessKeys{{"AKIDONE", "secret/one"}, {"AKIDTWO", "two"}}));
}

TEST(CredentialsFile, RefusesHalfAPairDuplicatesAndStrayLines) {
  auto half = parse_credentials_file("[default]\naws_access_key_id = A\n");
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().find("[default]"), std::string::npos);
  EXPECT_FALSE(parse_credentials_file("[a]\naws_access_key_id=A\naws_secret_access_key=x\n"
                                      "[b]\naws_access_key_id=A\naws_secret_access_key=y\n"));
  auto stray = parse_credentials_file("aws_access_key_id = A\n");
  ASSERT_FALSE(stray);
  EXPECT_NE(stray.error().find("line 1"), std::string::npos);
  EXPECT_FALSE(parse_credentials_file(""));
  EXPECT_FALSE(parse_credentials_file("[unterminated\n"));
}

TEST(RateLimiter, AllowsABurstOfTheRateThenRefillsPerAccount) {
  RateLimiter limiter(10);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.admit("111111111111", 1000)) << i;
  EXPECT_FALSE(limiter.admit("111111111111", 1000));
  EXPECT_TRUE(limiter.admit("222222222222", 1000));  // another account has its own bucket
  EXPECT_FALSE(limiter.admit("111111111111", 1050));  // half a token back
  EXPECT_TRUE(limiter.admit("111111111111", 1100));
  EXPECT_FALSE(limiter.admit("111111111111", 1100));
}

TEST(RateLimiter, ZeroIsNoLimit) {
  RateLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.admit("a", 0));
}

constexpr std::int64_t kNowMs = 1440938160'000;  // 20150830T123600Z

sv::ReceivedRequest signed_get(const std::string& key_id, const std::string& secret, std::int64_t at_ms = kNowMs) {
  const auto p = sv::openssl_sigv4_primitives();
  sv::SigV4Request r{"GET", "127.0.0.1:8080", "/jobs", {}, {}, sv::hex_lower(p.sha256("")), true};
  sv::ReceivedRequest out{"GET", "/jobs", {{"Host", "127.0.0.1:8080"}}, ""};
  for (auto& h : sv::sign_request(r, {key_id, secret, ""}, {sv::amz_date_from_unix(at_ms / 1000), "us-east-1", "iot"}, p))
    out.headers.push_back(h);
  return out;
}

ControlAuthConfig config(double rate = 10, bool anonymous = false) {
  return ControlAuthConfig{"us-east-1", "000000000000", {{"AKIDLOCAL", "s3cret"}}, anonymous, rate};
}

TEST(ControlAuth, LetsInTheConfiguredKeyAndRefusesOthersWithAwsCodes) {
  ControlAuth auth(config());
  const auto p = sv::openssl_sigv4_primitives();
  std::string who;
  EXPECT_FALSE(auth.admit(signed_get("AKIDLOCAL", "s3cret"), kNowMs, p, &who));
  EXPECT_EQ(who, "AKIDLOCAL");

  auto wrong_secret = auth.admit(signed_get("AKIDLOCAL", "guess"), kNowMs, p);
  ASSERT_TRUE(wrong_secret);
  EXPECT_EQ(wrong_secret->status, 403);
  EXPECT_EQ(wrong_secret->error_type, "InvalidSignatureException");
  EXPECT_NE(nlohmann::json::parse(wrong_secret->body)["message"].get<std::string>().find("does not match"),
            std::string::npos);

  auto unknown = auth.admit(signed_get("AKIDOTHER", "s3cret"), kNowMs, p);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->error_type, "UnrecognizedClientException");

  auto old = auth.admit(signed_get("AKIDLOCAL", "s3cret", kNowMs - 20 * 60'000), kNowMs, p);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->error_type, "InvalidSignatureException");
  EXPECT_NE(old->body.find("Signature expired"), std::string::npos);

  auto unsigned_request = auth.admit({"GET", "/jobs", {{"Host", "127.0.0.1:8080"}}, ""}, kNowMs, p);
  ASSERT_TRUE(unsigned_request);
  EXPECT_EQ(unsigned_request->error_type, "MissingAuthenticationTokenException");
  EXPECT_EQ(unsigned_request->status, 403);
}

TEST(ControlAuth, OverTheRate_IsThrottlingException) {
  ControlAuth auth(config(2));
  const auto p = sv::openssl_sigv4_primitives();
  EXPECT_FALSE(auth.admit(signed_get("AKIDLOCAL", "s3cret"), kNowMs, p));
  EXPECT_FALSE(auth.admit(signed_get("AKIDLOCAL", "s3cret"), kNowMs, p));
  auto third = auth.admit(signed_get("AKIDLOCAL", "s3cret"), kNowMs, p);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 400);  // botocore's iot model: ThrottlingException is HTTP 400
  EXPECT_EQ(third->error_type, "ThrottlingException");
  EXPECT_FALSE(auth.admit(signed_get("AKIDLOCAL", "s3cret"), kNowMs + 500, p));
}

TEST(ControlAuth, AnonymousModeTakesUnsignedRequestsButStillLimitsTheRate) {
  ControlAuth auth(config(1, true));
  const auto p = sv::openssl_sigv4_primitives();
  std::string who;
  EXPECT_FALSE(auth.admit({"GET", "/jobs", {}, ""}, kNowMs, p, &who));
  EXPECT_EQ(who, "anonymous");
  auto second = auth.admit({"GET", "/jobs", {}, ""}, kNowMs, p);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->error_type, "ThrottlingException");
}

}  // namespace
}  // namespace awsfota::jobsd
