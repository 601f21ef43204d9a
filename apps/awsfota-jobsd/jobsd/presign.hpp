// Expiring download links for the local file server, and the replacement of AWS's presigned-URL
// placeholders in job documents.
//
// The links follow nginx's secure_link module as the stack configures it:
//   secure_link     $arg_md5,$arg_expires;
//   secure_link_md5 "$secure_link_expires$uri <secret>";
// that is md5 = base64url(MD5(expires + uri + " " + secret)) without padding, and nginx answers 403
// once `expires` (seconds since the epoch) has passed.
//
//   LinkSigner signer{"https://127.0.0.1:8443", "s3cret"};
//   signer.sign("/images/app.bin", 1700000000);
//   // "https://127.0.0.1:8443/images/app.bin?md5=...&expires=1700000000"
//   replace_presigned_placeholders(R"({"url":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/app.bin}"})",
//                                  signer, 1700000000);
//   // {"url":"https://127.0.0.1:8443/app.bin?md5=...&expires=1700000000"}
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace awsfota::jobsd {

// MD5 (RFC 1321). Only for nginx's secure_link scheme, which is what it is; never for integrity.
[[nodiscard]] std::array<std::uint8_t, 16> md5(std::string_view data) noexcept;
// RFC 4648 section 5 alphabet, no padding.
[[nodiscard]] std::string base64url(const std::uint8_t* data, std::size_t size);

// The placeholder AWS IoT Jobs replaces: ${aws:iot:s3-presigned-url:URL}
inline constexpr std::string_view kPresignedPrefix = "${aws:iot:s3-presigned-url:";

// How long the links are. Short: md5 and expires only. AwsLength: the same link followed by the query
// parameters of an S3 presigned URL made with a role's temporary credentials (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token,
// X-Amz-Signature), about 2.3 KB in all, so that a device's URL buffers meet what AWS hands out.
// nginx's secure_link reads md5 and expires only; the X-Amz-* values are filler derived from the link.
enum class LinkStyle { Short, AwsLength };

class LinkSigner {
 public:
  // `base_url` is scheme://host[:port] of the file server, without a trailing slash.
  LinkSigner(std::string base_url, std::string secret, LinkStyle style = LinkStyle::Short);

  // A link to `uri` (an absolute path, as nginx's $uri sees it) that expires at `expires_epoch_s`,
  // issued `lifetime_s` before that (X-Amz-Date and X-Amz-Expires of an AwsLength link).
  [[nodiscard]] std::string sign(std::string_view uri, std::int64_t expires_epoch_s,
                                 std::int64_t lifetime_s = 3600) const;

  [[nodiscard]] const std::string& base_url() const noexcept { return base_url_; }
  [[nodiscard]] LinkStyle style() const noexcept { return style_; }

 private:
  std::string base_url_;
  std::string secret_;
  LinkStyle style_;
};

// The file server path of an S3 object URL: the object key, whatever the addressing style.
//   https://BUCKET.s3.REGION.amazonaws.com/KEY, https://BUCKET.s3.amazonaws.com/KEY  (virtual-hosted) -> /KEY
//   https://s3.REGION.amazonaws.com/BUCKET/KEY, https://s3-REGION.amazonaws.com/BUCKET/KEY (path style) -> /KEY
// Any other URL: its path (url_path).
[[nodiscard]] std::string s3_object_path(std::string_view url);

// The path part of an absolute URL ("https://host:1/a/b?x" -> "/a/b"), or "/" when there is none.
[[nodiscard]] std::string url_path(std::string_view url);

// `document` with each ${aws:iot:s3-presigned-url:URL} replaced by signer.sign(s3_object_path(URL), expires),
// so that path-style and virtual-hosted URLs of one object give the same link.
// A placeholder without its closing brace is left as it is.
[[nodiscard]] std::string replace_presigned_placeholders(std::string_view document, const LinkSigner& signer,
                                                         std::int64_t expires_epoch_s, std::int64_t lifetime_s = 3600);

}  // namespace awsfota::jobsd
