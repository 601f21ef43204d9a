#include "cli/sigv4.hpp"

#include <algorithm>
#include <ctime>

namespace awsfota::cli {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

// Header values are trimmed and inner runs of spaces collapse to one, as SigV4 requires.
std::string normalize_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

HeaderList canonical_headers(const SigV4Request& request, const SigV4Scope& scope, const std::string& token) {
  HeaderList h;
  h.emplace_back("host", request.host);
  h.emplace_back("x-amz-date", scope.amz_date);
  if (!token.empty()) h.emplace_back("x-amz-security-token", token);
  for (const auto& [name, value] : request.headers) h.emplace_back(lower(name), normalize_value(value));
  std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return h;
}

std::string_view as_chars(const Digest32& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};  // NOLINT: bytes as a key
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0x0f]);
    }
  }
  return out;
}

std::string hex_lower(const Digest32& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::string signed_header_names(const SigV4Request& request, const std::string& session_token) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(request, {}, session_token)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const SigV4Request& request, const SigV4Scope& scope, const std::string& session_token) {
  std::string out = request.method + "\n";
  const std::string path = request.path.empty() ? std::string("/") : request.path;
  out += (request.double_encode_path ? uri_encode(path, true) : path) + "\n";
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : request.query) query.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(query.begin(), query.end());
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (i) out += '&';
    out += query[i].first + "=" + query[i].second;
  }
  out += "\n";
  for (const auto& [name, value] : canonical_headers(request, scope, session_token)) out += name + ":" + value + "\n";
  out += "\n" + signed_header_names(request, session_token) + "\n" + request.payload_sha256;
  return out;
}

std::string credential_scope(const SigV4Scope& scope) {
  return scope.amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string string_to_sign(const SigV4Scope& scope, std::string_view canonical_request_text,
                           const SigV4Primitives& primitives) {
  return "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + credential_scope(scope) + "\n" +
         hex_lower(primitives.sha256(canonical_request_text));
}

Digest32 signing_key(std::string_view secret_access_key, const SigV4Scope& scope, const SigV4Primitives& primitives) {
  const std::string k_secret = "AWS4" + std::string(secret_access_key);
  const Digest32 k_date = primitives.hmac_sha256(k_secret, scope.amz_date.substr(0, 8));
  const Digest32 k_region = primitives.hmac_sha256(as_chars(k_date), scope.region);
  const Digest32 k_service = primitives.hmac_sha256(as_chars(k_region), scope.service);
  return primitives.hmac_sha256(as_chars(k_service), "aws4_request");
}

std::string signature(const SigV4Request& request, const SigV4Credentials& credentials, const SigV4Scope& scope,
                      const SigV4Primitives& primitives) {
  const std::string sts =
      string_to_sign(scope, canonical_request(request, scope, credentials.session_token), primitives);
  const Digest32 key = signing_key(credentials.secret_access_key, scope, primitives);
  return hex_lower(primitives.hmac_sha256(as_chars(key), sts));
}

HeaderList sign_request(const SigV4Request& request, const SigV4Credentials& credentials, const SigV4Scope& scope,
                        const SigV4Primitives& primitives) {
  HeaderList out;
  out.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                                        credential_scope(scope) + ", SignedHeaders=" +
                                        signed_header_names(request, credentials.session_token) +
                                        ", Signature=" + signature(request, credentials, scope, primitives));
  out.emplace_back("X-Amz-Date", scope.amz_date);
  if (!credentials.session_token.empty()) out.emplace_back("X-Amz-Security-Token", credentials.session_token);
  return out;
}

std::string amz_date_from_unix(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace awsfota::cli
