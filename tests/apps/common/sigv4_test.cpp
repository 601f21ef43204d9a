// SigV4 against AWS's published values:
//  - the IAM ListUsers example of the SigV4 documentation ("GET with query string": credentials
//    AKIDEXAMPLE, 20150830T123600Z, us-east-1, service iam), whose canonical request hash, signing key
//    and signature AWS documents;
//  - AWS's SigV4 test suite (aws-sig-v4-test-suite, the cases get-vanilla and
//    get-vanilla-query-order-key-case: same credentials and date, service "service"), whose
//    signatures it publishes. Only the signatures are taken from there; the requests are built here.
#include <gtest/gtest.h>

#include "sigv4/openssl_primitives.hpp"
#include "sigv4/sigv4.hpp"

namespace awsfota::sigv4 {
namespace {

SigV4Request list_users() {
  SigV4Request r;
  r.method = "GET";
  r.host = "iam.amazonaws.com";
  r.path = "/";
  r.query = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};  // out of order: sorting is ours to do
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.payload_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  return r;
}

const SigV4Scope kScope{"20150830T123600Z", "us-east-1", "iam"};
const SigV4Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4, CanonicalRequest_MatchesAwsExample) {
  EXPECT_EQ(canonical_request(list_users(), kScope),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, StringToSign_MatchesAwsExample) {
  const auto p = openssl_sigv4_primitives();
  EXPECT_EQ(string_to_sign(kScope, canonical_request(list_users(), kScope), p),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
}

TEST(SigV4, SigningKeyAndSignature_MatchAwsExample) {
  const auto p = openssl_sigv4_primitives();
  EXPECT_EQ(hex_lower(signing_key(kCreds.secret_access_key, kScope, p)),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(signature(list_users(), kCreds, kScope, p),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, AuthorizationHeader_NamesScopeHeadersAndSignature) {
  const auto headers = sign_request(list_users(), kCreds, kScope, openssl_sigv4_primitives());
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"}));
}

TEST(SigV4, SessionToken_IsSignedAndSent) {
  SigV4Credentials creds = kCreds;
  creds.session_token = "TOKEN";
  const auto p = openssl_sigv4_primitives();
  EXPECT_NE(canonical_request(list_users(), kScope, "TOKEN").find("x-amz-security-token:TOKEN\n"), std::string::npos);
  const auto headers = sign_request(list_users(), creds, kScope, p);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[2].first, "X-Amz-Security-Token");
  EXPECT_NE(headers[0].second.find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
            std::string::npos);
  EXPECT_NE(signature(list_users(), creds, kScope, p), signature(list_users(), kCreds, kScope, p));
}

TEST(SigV4, Path_IsEncodedTwiceExceptForS3) {
  SigV4Request r{"GET", "h", "/things/a%3Ab/jobs/j", {}, {}, "x", true};
  EXPECT_NE(canonical_request(r, kScope).find("\n/things/a%253Ab/jobs/j\n"), std::string::npos);
  r.double_encode_path = false;
  EXPECT_NE(canonical_request(r, kScope).find("\n/things/a%3Ab/jobs/j\n"), std::string::npos);
}

TEST(SigV4, Query_IsEncodedAndSortedByEncodedName) {
  SigV4Request r{"GET", "h", "/", {{"b", "x y"}, {"a", "1/2"}, {"A", "~"}}, {}, "x", true};
  EXPECT_NE(canonical_request(r, kScope).find("\nA=~&a=1%2F2&b=x%20y\n"), std::string::npos);
}

TEST(SigV4, HeaderValues_AreTrimmedAndSpacesCollapsed) {
  SigV4Request r{"GET", "h", "/", {}, {{"X-Custom", "  a   b  "}}, "x", true};
  EXPECT_NE(canonical_request(r, kScope).find("\nx-custom:a b\n"), std::string::npos);
}

TEST(SigV4, AmzDate_FromUnixTimeAndBack) {
  EXPECT_EQ(amz_date_from_unix(1440938160), "20150830T123600Z");
  EXPECT_EQ(unix_from_amz_date("20150830T123600Z"), 1440938160);
  EXPECT_FALSE(unix_from_amz_date("20150830T123600"));
  EXPECT_FALSE(unix_from_amz_date("20150231T000000Z"));  // no 31 February
  EXPECT_FALSE(unix_from_amz_date("2015-08-30T12:36Z"));
}

// The test suite's requests: GET https://example.amazonaws.com/ with Host and X-Amz-Date signed.
SigV4Request suite_request(QueryList query = {}) {
  return SigV4Request{"GET", "example.amazonaws.com", "/", std::move(query), {},
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true};
}
const SigV4Scope kSuiteScope{"20150830T123600Z", "us-east-1", "service"};

TEST(SigV4, TestSuite_GetVanilla) {
  EXPECT_EQ(signature(suite_request(), kCreds, kSuiteScope, openssl_sigv4_primitives()),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, TestSuite_GetVanillaQueryOrderKeyCase) {
  EXPECT_EQ(signature(suite_request({{"Param2", "value2"}, {"Param1", "value1"}}), kCreds, kSuiteScope,
                      openssl_sigv4_primitives()),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, SignedHost_DropsOnlyTheSchemesDefaultPort) {
  EXPECT_EQ(signed_host("https", "iot.eu-west-1.amazonaws.com:443"), "iot.eu-west-1.amazonaws.com");
  EXPECT_EQ(signed_host("http", "127.0.0.1:80"), "127.0.0.1");
  EXPECT_EQ(signed_host("HTTPS", "h:443"), "h");
  EXPECT_EQ(signed_host("http", "127.0.0.1:8080"), "127.0.0.1:8080");
  EXPECT_EQ(signed_host("http", "h:443"), "h:443");   // 443 is not http's default
  EXPECT_EQ(signed_host("https", "h:4430"), "h:4430");
  EXPECT_EQ(signed_host("https", "[::1]:443"), "[::1]");
}

TEST(SigV4, RepeatedHeaders_JoinInOrder) {
  const CanonicalParts parts{"GET", "/", {}, {{"X-A", "2"}, {"host", "h"}, {"x-a", " 1 "}}, "x", true};
  EXPECT_NE(canonical_request(parts).find("\nhost:h\nx-a:2,1\n\nhost;x-a\n"), std::string::npos);
}

TEST(SigV4, PercentDecode_LeavesPlusAndMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%3Ab+c%2"), "a:b+c%2");
  EXPECT_EQ(percent_decode("%zz%41"), "%zzA");
}

TEST(SigV4, UriEncode_KeepsUnreservedOnly) {
  EXPECT_EQ(uri_encode("aZ09-_.~ /+=$"), "aZ09-_.~%20%2F%2B%3D%24");
  EXPECT_EQ(uri_encode("a/b c", true), "a/b%20c");
}

}  // namespace
}  // namespace awsfota::sigv4
