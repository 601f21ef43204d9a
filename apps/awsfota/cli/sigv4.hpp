// AWS Signature Version 4 for the operator CLI (pure: no clock, no crypto library).
//
// The caller brings the HMAC-SHA256 and SHA-256 primitives and the time, so the canonicalization can
// be tested against AWS's published example values.
//
//   SigV4Request req{.method = "GET", .host = "iot.eu-west-1.amazonaws.com", .path = "/jobs",
//                    .query = {{"maxResults", "10"}}};
//   SigV4Scope scope{.amz_date = "20150830T123600Z", .region = "eu-west-1", .service = "execute-api"};
//   auto headers = sign_request(req, creds, scope, primitives);   // Authorization, X-Amz-Date, ...
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awsfota::cli {

using Digest32 = std::array<std::uint8_t, 32>;

struct SigV4Primitives {
  std::function<Digest32(std::string_view key, std::string_view data)> hmac_sha256;
  std::function<Digest32(std::string_view data)> sha256;
};

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

struct SigV4Scope {
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ" (UTC)
  std::string region;
  std::string service;   // signing name: "execute-api" for the IoT control plane, "s3" for S3
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;
  std::string host;  // as in the Host header: "host" or "host:port" for a non-default port
  std::string path;  // URI-encoded once (as sent on the wire), starts with '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  HeaderList headers;         // extra headers to sign (content-type, x-amz-content-sha256, ...)
  std::string payload_sha256; // lowercase hex; the SHA-256 of an empty body when there is none
  // S3 signs the path as sent; every other service encodes it a second time.
  bool double_encode_path = true;
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
// (uppercase). With keep_slash, '/' stays too (paths).
[[nodiscard]] std::string uri_encode(std::string_view text, bool keep_slash = false);

[[nodiscard]] std::string hex_lower(const Digest32& digest);

// The canonical request. The signed headers are `host`, `x-amz-date`, `x-amz-security-token` (when a
// token is given) and request.headers, lowercased and sorted.
[[nodiscard]] std::string canonical_request(const SigV4Request& request, const SigV4Scope& scope,
                                            const std::string& session_token = {});
// "content-type;host;x-amz-date"
[[nodiscard]] std::string signed_header_names(const SigV4Request& request, const std::string& session_token = {});
[[nodiscard]] std::string credential_scope(const SigV4Scope& scope);
[[nodiscard]] std::string string_to_sign(const SigV4Scope& scope, std::string_view canonical_request_text,
                                         const SigV4Primitives& primitives);
[[nodiscard]] Digest32 signing_key(std::string_view secret_access_key, const SigV4Scope& scope,
                                   const SigV4Primitives& primitives);
[[nodiscard]] std::string signature(const SigV4Request& request, const SigV4Credentials& credentials,
                                    const SigV4Scope& scope, const SigV4Primitives& primitives);

// The headers to add to the request: Authorization, X-Amz-Date and X-Amz-Security-Token (when a session
// token is given). The caller also sends request.headers and Host as signed.
[[nodiscard]] HeaderList sign_request(const SigV4Request& request, const SigV4Credentials& credentials,
                                      const SigV4Scope& scope, const SigV4Primitives& primitives);

// "20150830T123600Z" for a Unix time.
[[nodiscard]] std::string amz_date_from_unix(std::int64_t seconds);

}  // namespace awsfota::cli
