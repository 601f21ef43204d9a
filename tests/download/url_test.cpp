#include <gtest/gtest.h>

#include "awsfota/download/url.hpp"

namespace awsfota::download {
namespace {

constexpr const char* kPresigned =
    "https://bucket.s3.eu-central-1.amazonaws.com/app_update.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20240101%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z"
    "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeefcafe";

TEST(RedactUrl, DropsTheSignedQuery) {
  const std::string r = redact_url(kPresigned);
  EXPECT_EQ(r, "https://bucket.s3.eu-central-1.amazonaws.com/app_update.bin?<redacted>");
  EXPECT_EQ(r.find("Signature"), std::string::npos);
}

TEST(RedactUrl, DropsUserInfoAndFragment) {
  EXPECT_EQ(redact_url("https://user:secret@host:8443/a/b.bin#frag"), "https://host:8443/a/b.bin");
}

TEST(RedactUrl, KeepsAPlainUrl) { EXPECT_EQ(redact_url("http://127.0.0.1:8080/f.bin"), "http://127.0.0.1:8080/f.bin"); }

TEST(RedactUrl, HandlesGarbageWithoutScheme) { EXPECT_EQ(redact_url("not a url?x=1"), "not a url?<redacted>"); }

TEST(PresignedUrl, RecognisesSigV4) { EXPECT_TRUE(is_presigned_s3_url(kPresigned)); }

TEST(PresignedUrl, RecognisesSigV2) {
  EXPECT_TRUE(is_presigned_s3_url("https://b.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=1700000000&Signature=x"));
}

TEST(PresignedUrl, IgnoresOrdinaryQueries) {
  EXPECT_FALSE(is_presigned_s3_url("https://example.com/fw.bin"));
  EXPECT_FALSE(is_presigned_s3_url("https://example.com/fw.bin?version=2&X-Amz-Signaturex=1"));
  EXPECT_FALSE(is_presigned_s3_url("https://example.com/X-Amz-Signature/fw.bin"));
  EXPECT_FALSE(is_presigned_s3_url("https://example.com/fw.bin?Signature=only"));
}

TEST(UrlScheme, LowerCasesAndRejectsMissingScheme) {
  EXPECT_EQ(url_scheme("HTTPS://h/p"), "https");
  EXPECT_EQ(url_scheme("http://h"), "http");
  EXPECT_EQ(url_scheme("h/p"), "");
  EXPECT_EQ(url_scheme("://h"), "");
  EXPECT_EQ(url_scheme("ht tp://h"), "");
}

TEST(UrlHost, IsTheNameWithoutUserPortOrBrackets) {
  EXPECT_EQ(url_host("https://B.s3.amazonaws.com/fw.bin?X-Amz-Signature=x"), "b.s3.amazonaws.com");
  EXPECT_EQ(url_host("http://user:pw@files.example:8080/fw.bin"), "files.example");
  EXPECT_EQ(url_host("https://[::1]:8443/fw.bin"), "::1");
  EXPECT_EQ(url_host("https://127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(url_host("files.example/fw.bin"), "");
}

}  // namespace
}  // namespace awsfota::download
