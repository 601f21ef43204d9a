// AWS Signature Version 4: one canonicalization for the operator CLI, which signs, and awsfota-jobsd,
// which verifies (sigv4/verify.hpp). Pure: no clock, no crypto library.
//
// The caller brings the HMAC-SHA256 and SHA-256 primitives (sigv4/openssl_primitives.hpp) and the
// time, so the canonicalization can be tested against AWS's published example values.
//
//   SigV4Request req{.method = "GET", .host = signed_host("https", "iot.eu-west-1.amazonaws.com:443"),
//                    .path = "/jobs", .query = {{"maxResults", "10"}}};
//   SigV4Scope scope{.amz_date = "20150830T123600Z", .region = "eu-west-1", .service = "iot"};
//   auto headers = sign_request(req, creds, scope, primitives);   // Authorization, X-Amz-Date, ...
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awsfota::sigv4 {

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
  std::string service;   // signing name: "iot" for the IoT control plane, "s3" for S3
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;
  std::string host;  // as in the Host header: see signed_host()
  std::string path;  // URI-encoded once (as sent on the wire), starts with '/'
  QueryList query;   // decoded names and values
  HeaderList headers;         // extra headers to sign (content-type, x-amz-content-sha256, ...)
  std::string payload_sha256; // lowercase hex; the SHA-256 of an empty body when there is none
  // S3 signs the path as sent; every other service encodes it a second time.
  bool double_encode_path = true;
};

// The parts of a canonical request once the caller has picked the headers to sign: what the signer
// and the verifier share. Header names in any case; values as received (trimmed here).
struct CanonicalParts {
  std::string method;
  std::string path;  // as sent on the wire
  QueryList query;   // decoded
  HeaderList signed_headers;
  std::string payload_sha256;
  bool double_encode_path = true;
};

// The Host header a client sends for a URL's authority: without the scheme's default port (":443" for
// https, ":80" for http), as curl sends it and botocore signs it.
//   signed_host("https", "iot.eu-west-1.amazonaws.com:443")  // "iot.eu-west-1.amazonaws.com"
//   signed_host("http", "127.0.0.1:8080")                    // "127.0.0.1:8080"
[[nodiscard]] std::string signed_host(std::string_view scheme, std::string_view authority);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
// (uppercase). With keep_slash, '/' stays too (paths).
[[nodiscard]] std::string uri_encode(std::string_view text, bool keep_slash = false);
// %XX sequences decoded (a malformed one stays as it is); '+' stays '+', as SigV4 reads queries.
[[nodiscard]] std::string percent_decode(std::string_view text);

[[nodiscard]] std::string hex_lower(const Digest32& digest);

// The canonical request from its parts: method, canonical URI, sorted canonical query, the headers
// lowercased, trimmed and sorted (repeated names joined with ','), the signed header names, the hash.
[[nodiscard]] std::string canonical_request(const CanonicalParts& parts);
// "content-type;host;x-amz-date" for a list of headers (any case, any order, repeats once).
[[nodiscard]] std::string signed_header_names(const HeaderList& headers);

// The canonical request the signer makes. The signed headers are `host`, `x-amz-date`,
// `x-amz-security-token` (when a token is given) and request.headers.
[[nodiscard]] std::string canonical_request(const SigV4Request& request, const SigV4Scope& scope,
                                            const std::string& session_token = {});
[[nodiscard]] std::string signed_header_names(const SigV4Request& request, const std::string& session_token = {});
[[nodiscard]] std::string credential_scope(const SigV4Scope& scope);
[[nodiscard]] std::string string_to_sign(const SigV4Scope& scope, std::string_view canonical_request_text,
                                         const SigV4Primitives& primitives);
[[nodiscard]] Digest32 signing_key(std::string_view secret_access_key, const SigV4Scope& scope,
                                   const SigV4Primitives& primitives);
// The signature of a canonical request under a secret.
[[nodiscard]] std::string signature_of(std::string_view canonical_request_text, std::string_view secret_access_key,
                                       const SigV4Scope& scope, const SigV4Primitives& primitives);
[[nodiscard]] std::string signature(const SigV4Request& request, const SigV4Credentials& credentials,
                                    const SigV4Scope& scope, const SigV4Primitives& primitives);

// The headers to add to the request: Authorization, X-Amz-Date and X-Amz-Security-Token (when a session
// token is given). The caller also sends request.headers and Host as signed.
[[nodiscard]] HeaderList sign_request(const SigV4Request& request, const SigV4Credentials& credentials,
                                      const SigV4Scope& scope, const SigV4Primitives& primitives);

// "20150830T123600Z" for a Unix time, and back (nullopt for anything but that exact form).
[[nodiscard]] std::string amz_date_from_unix(std::int64_t seconds);
[[nodiscard]] std::optional<std::int64_t> unix_from_amz_date(std::string_view amz_date);

}  // namespace awsfota::sigv4
