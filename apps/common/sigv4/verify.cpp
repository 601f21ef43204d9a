#include "sigv4/verify.hpp"

#include <algorithm>

namespace awsfota::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto l = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return l(x) == l(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

const std::string* header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return &v;
  return nullptr;
}

bool is_lower_hex(std::string_view s, std::size_t size) {
  return s.size() == size &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Compares without stopping at the first difference, so that the time taken says nothing about how
// much of a guessed signature was right.
bool same_signature(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

QueryList split_query(std::string_view query) {
  QueryList out;
  if (query.empty()) return out;
  for (auto item : split(query, '&')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    out.emplace_back(percent_decode(item.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
  }
  return out;
}

Unexpected<VerifyFailure> fail(Failure kind, std::string message) {
  return unexpected(VerifyFailure{kind, std::move(message)});
}

// "Signature expired: <date> is now earlier than <now - 5 min> (<now> - 5 min.)", AWS's wording.
std::optional<VerifyFailure> check_skew(std::string_view amz_date, std::int64_t sent, std::int64_t now,
                                        std::int64_t max_skew) {
  const std::string minutes = std::to_string(max_skew / 60) + " min.)";
  if (sent < now - max_skew) {
    return VerifyFailure{Failure::ClockSkew, "Signature expired: " + std::string(amz_date) + " is now earlier than " +
                                                 amz_date_from_unix(now - max_skew) + " (" + amz_date_from_unix(now) +
                                                 " - " + minutes};
  }
  if (sent > now + max_skew) {
    return VerifyFailure{Failure::ClockSkew, "Signature not yet current: " + std::string(amz_date) +
                                                 " is still later than " + amz_date_from_unix(now + max_skew) + " (" +
                                                 amz_date_from_unix(now) + " + " + minutes};
  }
  return std::nullopt;
}

std::optional<VerifyFailure> check_scope(const ParsedAuthorization& auth, std::string_view amz_date,
                                         const VerifyPolicy& policy) {
  if (auth.date != amz_date.substr(0, 8)) {
    return VerifyFailure{Failure::WrongScope,
                         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                             auth.date + "' != '" + std::string(amz_date.substr(0, 8)) + "', from '" +
                             std::string(amz_date) + "'."};
  }
  if (auth.region != policy.region) {
    return VerifyFailure{Failure::WrongScope,
                         "Credential should be scoped to a valid region, not '" + auth.region + "'. "};
  }
  if (std::find(policy.services.begin(), policy.services.end(), auth.service) == policy.services.end()) {
    return VerifyFailure{Failure::WrongScope, "Credential should be scoped to correct service: '" +
                                                  (policy.services.empty() ? std::string() : policy.services.front()) +
                                                  "'. "};
  }
  return std::nullopt;
}

}  // namespace

std::string_view error_code(Failure kind) {
  switch (kind) {
    case Failure::MissingAuthentication: return "MissingAuthenticationTokenException";
    case Failure::IncompleteSignature: return "IncompleteSignatureException";
    case Failure::UnknownKey: return "UnrecognizedClientException";
    case Failure::ClockSkew:
    case Failure::WrongScope:
    case Failure::BodyHashMismatch:
    case Failure::BadSignature: return "InvalidSignatureException";
  }
  return "InvalidSignatureException";
}

int http_status(Failure) { return 403; }

Expected<ParsedAuthorization, std::string> parse_authorization(std::string_view header) {
  header = trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (header.size() > kAlgorithm.size() && header[kAlgorithm.size()] != ' ')) {
    return unexpected(std::string("Authorization header requires the AWS4-HMAC-SHA256 algorithm, got '") +
                      std::string(header.substr(0, header.find(' '))) + "'.");
  }
  header.remove_prefix(kAlgorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  for (auto part : split(header, ',')) {
    part = trim(part);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "Credential") credential = value;
    if (name == "SignedHeaders") signed_headers = value;
    if (name == "Signature") signature = value;
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!missing.empty()) return unexpected(missing + "Authorization=" + std::string(kAlgorithm));
  const auto scope = split(*credential, '/');
  if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[4] != "aws4_request") {
    return unexpected("Credential should be of the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, not '" +
                      std::string(*credential) + "'.");
  }
  if (!is_lower_hex(*signature, 64)) return unexpected(std::string("Signature should be 64 lowercase hex digits."));
  ParsedAuthorization out{std::string(scope[0]), std::string(scope[1]), std::string(scope[2]), std::string(scope[3]),
                          {}, std::string(*signature)};
  for (auto name : split(*signed_headers, ';')) {
    if (name.empty()) return unexpected(std::string("SignedHeaders holds an empty header name."));
    out.signed_headers.emplace_back(name);
  }
  return out;
}

Expected<Verified, VerifyFailure> verify_request(const ReceivedRequest& request, const VerifyPolicy& policy,
                                                 const SecretLookup& secret_of, std::int64_t now_unix,
                                                 const SigV4Primitives& primitives) {
  const std::string* authorization = header(request.headers, "authorization");
  if (!authorization) return fail(Failure::MissingAuthentication, "Missing Authentication Token");
  auto auth = parse_authorization(*authorization);
  if (!auth) return fail(Failure::IncompleteSignature, auth.error());
  const std::string* amz_date = header(request.headers, "x-amz-date");
  if (!amz_date) {
    return fail(Failure::IncompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                "Authorization=" + std::string(kAlgorithm));
  }
  const auto sent = unix_from_amz_date(*amz_date);
  if (!sent) return fail(Failure::IncompleteSignature, "X-Amz-Date must be of the form YYYYMMDDTHHMMSSZ, not '" + *amz_date + "'.");
  if (std::find(auth->signed_headers.begin(), auth->signed_headers.end(), "host") == auth->signed_headers.end())
    return fail(Failure::IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (auto skew = check_skew(*amz_date, *sent, now_unix, policy.max_skew_seconds)) return unexpected(*skew);
  if (auto scope = check_scope(*auth, *amz_date, policy)) return unexpected(*scope);
  const auto secret = secret_of(auth->access_key_id);
  if (!secret) return fail(Failure::UnknownKey, "The security token included in the request is invalid.");

  const std::string body_hash = hex_lower(primitives.sha256(request.body));
  if (const std::string* claimed = header(request.headers, "x-amz-content-sha256"); claimed && *claimed != body_hash)
    return fail(Failure::BodyHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");

  const std::string_view target(request.target);
  const auto question = target.find('?');
  CanonicalParts parts;
  parts.method = request.method;
  parts.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) parts.query = split_query(target.substr(question + 1));
  for (const auto& name : auth->signed_headers) {
    bool found = false;
    for (const auto& [n, v] : request.headers) {
      if (!iequals(n, name)) continue;
      parts.signed_headers.emplace_back(name, v);
      found = true;
    }
    if (!found) parts.signed_headers.emplace_back(name, "");
  }
  parts.payload_sha256 = body_hash;
  const SigV4Scope scope{*amz_date, auth->region, auth->service};
  const std::string expected = signature_of(canonical_request(parts), *secret, scope, primitives);
  if (!same_signature(expected, auth->signature)) {
    return fail(Failure::BadSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method. Consult the service documentation for details.");
  }
  return Verified{auth->access_key_id};
}

}  // namespace awsfota::sigv4
