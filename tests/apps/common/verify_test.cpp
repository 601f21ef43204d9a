// Verifying SigV4 as an AWS endpoint does: what is let in, and the AWS error code for each refusal.
#include <gtest/gtest.h>

#include <map>

#include "sigv4/openssl_primitives.hpp"
#include "sigv4/verify.hpp"

namespace awsfota::sigv4 {
namespace {

const SigV4Credentials kExampleKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::int64_t kSigned = 1440938160;  // 20150830T123600Z

const std::map<std::string, std::string, std::less<>> kKeys{{kExampleKey.access_key_id, kExampleKey.secret_access_key}};
std::optional<std::string> lookup(std::string_view id) {
  auto it = kKeys.find(id);
  return it == kKeys.end() ? std::nullopt : std::optional<std::string>(it->second);
}

const VerifyPolicy kIot{"us-east-1", {"iot", "execute-api"}, 300};

// A request as our signer (the CLI) sends it: a body, a path with an encoded ':', a query.
ReceivedRequest signed_request(const SigV4Credentials& creds, const std::string& service = "iot",
                               std::int64_t when = kSigned, const std::string& body = R"({"a":1})") {
  const auto p = openssl_sigv4_primitives();
  SigV4Request r{"PUT", "127.0.0.1:8080", "/things/a%3Ab/jobs/j1", {{"force", "true"}, {"note", "x y"}},
                 {{"content-type", "application/json"}}, hex_lower(p.sha256(body)), true};
  ReceivedRequest out{"PUT", "/things/a%3Ab/jobs/j1?note=x%20y&force=true",
                      {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}, {"User-Agent", "test"}},
                      body};
  for (auto& h : sign_request(r, creds, {amz_date_from_unix(when), "us-east-1", service}, p)) out.headers.push_back(h);
  return out;
}

Expected<Verified, VerifyFailure> verify(const ReceivedRequest& r, std::int64_t now = kSigned,
                                         const VerifyPolicy& policy = kIot) {
  return verify_request(r, policy, lookup, now, openssl_sigv4_primitives());
}

Failure failure(const Expected<Verified, VerifyFailure>& r) {
  EXPECT_FALSE(r);
  return r ? Failure::MissingAuthentication : r.error().kind;
}

TEST(SigV4Verify, AcceptsTheTestSuitesGetVanilla) {
  // AWS's SigV4 test suite, get-vanilla: its published Authorization header, verified here.
  const ReceivedRequest r{"GET", "/",
                          {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"},
                           {"Authorization",
                            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                            "SignedHeaders=host;x-amz-date, "
                            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}},
                          ""};
  auto ok = verify(r, kSigned, {"us-east-1", {"service"}, 300});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->access_key_id, "AKIDEXAMPLE");
}

TEST(SigV4Verify, AcceptsWhatTheSignerSignsUnderEitherIotSigningName) {
  for (const std::string service : {"iot", "execute-api"}) {
    auto ok = verify(signed_request(kExampleKey, service));
    EXPECT_TRUE(ok) << service << ": " << (ok ? "" : ok.error().message);
  }
}

TEST(SigV4Verify, NoAuthorization_IsMissingAuthenticationToken) {
  auto r = signed_request(kExampleKey);
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Authorization"; });
  auto result = verify(r);
  EXPECT_EQ(failure(result), Failure::MissingAuthentication);
  EXPECT_EQ(error_code(Failure::MissingAuthentication), "MissingAuthenticationTokenException");
  EXPECT_EQ(result.error().message, "Missing Authentication Token");
}

TEST(SigV4Verify, UnknownKeyId_IsUnrecognizedClient) {
  auto result = verify(signed_request({"AKIDOTHER", kExampleKey.secret_access_key, ""}));
  EXPECT_EQ(failure(result), Failure::UnknownKey);
  EXPECT_EQ(error_code(Failure::UnknownKey), "UnrecognizedClientException");
  EXPECT_EQ(result.error().message, "The security token included in the request is invalid.");
}

TEST(SigV4Verify, WrongSecret_IsInvalidSignature) {
  auto result = verify(signed_request({kExampleKey.access_key_id, "not-the-secret", ""}));
  EXPECT_EQ(failure(result), Failure::BadSignature);
  EXPECT_EQ(error_code(Failure::BadSignature), "InvalidSignatureException");
  EXPECT_EQ(http_status(Failure::BadSignature), 403);
  EXPECT_NE(result.error().message.find("does not match the signature you provided"), std::string::npos);
}

TEST(SigV4Verify, ChangedBodyPathQueryOrSignedHeader_IsInvalidSignature) {
  auto body = signed_request(kExampleKey);
  body.body = R"({"a":2})";
  EXPECT_EQ(failure(verify(body)), Failure::BadSignature);
  auto path = signed_request(kExampleKey);
  path.target = "/things/a%3Ac/jobs/j1?note=x%20y&force=true";
  EXPECT_EQ(failure(verify(path)), Failure::BadSignature);
  auto query = signed_request(kExampleKey);
  query.target = "/things/a%3Ab/jobs/j1?note=x%20y&force=false";
  EXPECT_EQ(failure(verify(query)), Failure::BadSignature);
  auto host = signed_request(kExampleKey);
  host.headers[0].second = "127.0.0.1:8081";
  EXPECT_EQ(failure(verify(host)), Failure::BadSignature);
}

TEST(SigV4Verify, ContentSha256NotTheBodys_IsRefused) {
  auto r = signed_request(kExampleKey);
  r.headers.emplace_back("x-amz-content-sha256", std::string(64, '0'));
  EXPECT_EQ(failure(verify(r)), Failure::BodyHashMismatch);
}

TEST(SigV4Verify, OutsideFiveMinutes_IsSignatureExpiredOrNotYetCurrent) {
  EXPECT_TRUE(verify(signed_request(kExampleKey), kSigned + 299));
  EXPECT_TRUE(verify(signed_request(kExampleKey), kSigned - 299));
  auto old = verify(signed_request(kExampleKey), kSigned + 20 * 60);
  EXPECT_EQ(failure(old), Failure::ClockSkew);
  EXPECT_EQ(error_code(Failure::ClockSkew), "InvalidSignatureException");
  EXPECT_EQ(old.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T125100Z (20150830T125600Z - 5 min.)");
  auto future = verify(signed_request(kExampleKey), kSigned - 20 * 60);
  EXPECT_EQ(failure(future), Failure::ClockSkew);
  EXPECT_EQ(future.error().message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T122100Z (20150830T121600Z + 5 min.)");
}

TEST(SigV4Verify, ScopeOfAnotherRegionOrService_IsInvalidSignature) {
  auto other_region = verify(signed_request(kExampleKey), kSigned, {"eu-west-1", {"iot"}, 300});
  EXPECT_EQ(failure(other_region), Failure::WrongScope);
  EXPECT_NE(other_region.error().message.find("not 'us-east-1'"), std::string::npos);
  auto other_service = verify(signed_request(kExampleKey, "s3"));
  EXPECT_EQ(failure(other_service), Failure::WrongScope);
  EXPECT_NE(other_service.error().message.find("correct service: 'iot'"), std::string::npos);
}

TEST(SigV4Verify, MalformedAuthorizationOrNoDate_IsIncompleteSignature) {
  auto no_date = signed_request(kExampleKey);
  std::erase_if(no_date.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  EXPECT_EQ(failure(verify(no_date)), Failure::IncompleteSignature);
  auto garbled = signed_request(kExampleKey);
  for (auto& [n, v] : garbled.headers)
    if (n == "Authorization") v = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iot/aws4_request";
  auto result = verify(garbled);
  EXPECT_EQ(failure(result), Failure::IncompleteSignature);
  EXPECT_EQ(error_code(Failure::IncompleteSignature), "IncompleteSignatureException");
  EXPECT_NE(result.error().message.find("requires 'Signature' parameter"), std::string::npos);
}

TEST(SigV4Verify, HostNotSigned_IsRefused) {
  const auto p = openssl_sigv4_primitives();
  const std::string empty = hex_lower(p.sha256(""));
  // Signed by hand without host: only x-amz-date.
  const CanonicalParts parts{"GET", "/", {}, {{"x-amz-date", "20150830T123600Z"}}, empty, true};
  const SigV4Scope scope{"20150830T123600Z", "us-east-1", "iot"};
  const ReceivedRequest r{"GET", "/",
                          {{"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"},
                           {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iot/"
                                             "aws4_request, SignedHeaders=x-amz-date, Signature=" +
                                                 signature_of(canonical_request(parts), kExampleKey.secret_access_key,
                                                              scope, p)}},
                          ""};
  EXPECT_EQ(failure(verify(r)), Failure::IncompleteSignature);
}

TEST(SigV4Verify, ParseAuthorization_NamesWhatIsWrong) {
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA1 Credential=a/20150830/r/s/aws4_request"));
  EXPECT_FALSE(parse_authorization("Basic dXNlcjpwYXNz"));
  auto scope = parse_authorization("AWS4-HMAC-SHA256 Credential=a/2015/r/s/aws4_request, SignedHeaders=host, "
                                   "Signature=" + std::string(64, 'a'));
  ASSERT_FALSE(scope);
  EXPECT_NE(scope.error().find("ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request"), std::string::npos);
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host, "
                                   "Signature=XYZ"));
  auto ok = parse_authorization("AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request,SignedHeaders=host;x-amz-date,"
                                "Signature=" + std::string(64, 'a'));
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->access_key_id, "a");
  EXPECT_EQ(ok->service, "s");
  EXPECT_EQ(ok->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

}  // namespace
}  // namespace awsfota::sigv4
