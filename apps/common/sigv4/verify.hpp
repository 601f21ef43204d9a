// Verifying SigV4 on a received request, as an AWS endpoint does: the Authorization header parsed, the
// date within the clock skew, the credential scope, the key known, the body hash, the signature. Pure:
// the caller brings the time, the secrets and the crypto primitives. The failures carry AWS's error
// codes and messages for the IoT control plane (what `aws iot ...` prints).
//
//   VerifyPolicy policy{.region = "us-east-1", .services = {"iot", "execute-api"}};
//   auto ok = verify_request(received, policy, [&](std::string_view id) { return secrets.find(id); },
//                            now_unix, openssl_sigv4_primitives());
//   if (!ok) respond(http_status(ok.error().kind), error_code(ok.error().kind), ok.error().message);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/expected.hpp"
#include "sigv4/sigv4.hpp"

namespace awsfota::sigv4 {

// What the server received. target is the request target as on the wire (still percent-encoded).
struct ReceivedRequest {
  std::string method;
  std::string target;  // "/things/t%3A1?maxResults=5"
  HeaderList headers;  // as received, names in any case
  std::string body;
};

// Which check failed; each maps to one AWS error code (error_code()).
enum class Failure {
  MissingAuthentication,  // no Authorization header: MissingAuthenticationTokenException
  IncompleteSignature,    // a malformed Authorization header, no X-Amz-Date: IncompleteSignatureException
  UnknownKey,             // the access key id is not configured: UnrecognizedClientException
  ClockSkew,              // X-Amz-Date more than max_skew_seconds away: InvalidSignatureException
  WrongScope,             // credential scope of another date, region or service: InvalidSignatureException
  BodyHashMismatch,       // x-amz-content-sha256 is not the body's hash: InvalidSignatureException
  BadSignature,           // the signature does not match: InvalidSignatureException
};

struct VerifyFailure {
  Failure kind;
  std::string message;  // AWS's wording where AWS has one
};

[[nodiscard]] std::string_view error_code(Failure kind);
[[nodiscard]] int http_status(Failure kind);  // 403 for all, as the IoT endpoint answers them

struct VerifyPolicy {
  std::string region;
  // Accepted signing names; the first is named in errors. The IoT control plane takes "iot" (current
  // botocore) and "execute-api" (older botocore, Debian's AWS CLI v2).
  std::vector<std::string> services;
  std::int64_t max_skew_seconds = 300;
};

// The secret for an access key id, nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

struct Verified {
  std::string access_key_id;
};

struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;     // YYYYMMDD of the credential scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // as listed, lowercase
  std::string signature;
};

// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date,
// Signature=<64 hex>"; the error says what is missing or malformed.
[[nodiscard]] Expected<ParsedAuthorization, std::string> parse_authorization(std::string_view header);

[[nodiscard]] Expected<Verified, VerifyFailure> verify_request(const ReceivedRequest& request,
                                                               const VerifyPolicy& policy,
                                                               const SecretLookup& secret_of, std::int64_t now_unix,
                                                               const SigV4Primitives& primitives);

}  // namespace awsfota::sigv4
