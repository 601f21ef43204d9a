#include <gtest/gtest.h>

#include <string>

#include "jobsd/presign.hpp"

namespace awsfota::jobsd {
namespace {

std::string md5_hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : md5(text)) {
    out += kHex[b >> 4U];
    out += kHex[b & 15U];
  }
  return out;
}

TEST(Md5, MatchesRfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, HandlesLengthsAroundTheBlockBoundary) {
  // 55 bytes fit one padded block, 56 need two: both must differ and be stable.
  const std::string a55(55, 'a'), a56(56, 'a'), a64(64, 'a');
  EXPECT_EQ(md5_hex(a55), "ef1772b6dff9a122358552954ad0df65");
  EXPECT_EQ(md5_hex(a56), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(md5_hex(a64), "014842d480b571495a4a0363793f7367");
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  const std::uint8_t bytes[] = {0xfb, 0xff, 0xfe, 0x01};
  EXPECT_EQ(base64url(bytes, 3), "-__-");
  EXPECT_EQ(base64url(bytes, 4), "-__-AQ");
  EXPECT_EQ(base64url(bytes, 0), "");
}

TEST(LinkSigner, SignsAsNginxSecureLinkExpects) {
  // Computed with: echo -n '1700000000/images/app.bin s3cret' | openssl md5 -binary | base64 | tr +/ -_ | tr -d =
  LinkSigner signer("https://127.0.0.1:8443/", "s3cret");
  EXPECT_EQ(signer.base_url(), "https://127.0.0.1:8443");
  EXPECT_EQ(signer.sign("/images/app.bin", 1700000000),
            "https://127.0.0.1:8443/images/app.bin?md5=VHi1om1h1mENjbr6ZRYGeg&expires=1700000000");
}

TEST(LinkSigner, DifferentExpiryOrSecretGivesDifferentLink) {
  LinkSigner a("http://h", "one"), b("http://h", "two");
  EXPECT_NE(a.sign("/f", 100), a.sign("/f", 101));
  EXPECT_NE(a.sign("/f", 100), b.sign("/f", 100));
}

TEST(UrlPath, TakesThePathOfAnAbsoluteUrl) {
  EXPECT_EQ(url_path("https://bucket.s3.eu-central-1.amazonaws.com/app_update.bin"), "/app_update.bin");
  EXPECT_EQ(url_path("https://host:8443/a/b.bin?x=1#f"), "/a/b.bin");
  EXPECT_EQ(url_path("https://host"), "/");
  EXPECT_EQ(url_path("fw/app.bin"), "/fw/app.bin");
}

TEST(PresignedPlaceholders, AreEachReplacedBySignedLink) {
  LinkSigner signer("https://127.0.0.1:8443", "k");
  const std::string doc =
      R"({"a":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/x.bin}","b":"${aws:iot:s3-presigned-url:https://b/y/z.bin}"})";
  EXPECT_EQ(replace_presigned_placeholders(doc, signer, 42),
            R"({"a":")" + signer.sign("/x.bin", 42) + R"(","b":")" + signer.sign("/y/z.bin", 42) + R"("})");
}

TEST(PresignedPlaceholders, LeavesDocumentsWithoutOrWithUnclosedPlaceholdersAlone) {
  LinkSigner signer("https://h", "k");
  EXPECT_EQ(replace_presigned_placeholders(R"({"url":"https://h/x"})", signer, 1), R"({"url":"https://h/x"})");
  EXPECT_EQ(replace_presigned_placeholders(R"({"u":"${aws:iot:s3-presigned-url:https://h/x)", signer, 1),
            R"({"u":"${aws:iot:s3-presigned-url:https://h/x)");
}

}  // namespace
}  // namespace awsfota::jobsd
