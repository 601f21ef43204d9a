// URL helpers for logs and error handling. Pure: no I/O.
//
// Presigned URLs carry a signature in their query string: anyone holding it can fetch the file until
// it expires, so the query never goes into a log or an error message.
//
//   redact_url("https://b.s3.amazonaws.com/fw.bin?X-Amz-Signature=abc")
//       == "https://b.s3.amazonaws.com/fw.bin?<redacted>"
//   is_presigned_s3_url("https://b.s3.amazonaws.com/fw.bin?X-Amz-Expires=60&X-Amz-Signature=abc") == true
#pragma once

#include <string>
#include <string_view>

namespace awsfota::download {

// The URL without its query, fragment and user:password part ("?<redacted>" marks a dropped query).
[[nodiscard]] std::string redact_url(std::string_view url);

// True when the query holds S3 signature parameters (SigV4 X-Amz-Signature / X-Amz-Expires /
// X-Amz-Credential, or SigV2 Signature together with Expires): a 403 then means the link expired.
[[nodiscard]] bool is_presigned_s3_url(std::string_view url);

// "http", "https", ... in lower case, or "" when the URL has no "scheme://" prefix.
[[nodiscard]] std::string url_scheme(std::string_view url);

// The host name in lower case, without user, port or IPv6 brackets ("b.s3.amazonaws.com", "::1"), or
// "" when the URL has no "scheme://" prefix.
[[nodiscard]] std::string url_host(std::string_view url);

}  // namespace awsfota::download
