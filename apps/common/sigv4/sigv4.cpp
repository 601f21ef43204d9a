#include "sigv4/sigv4.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace awsfota::sigv4 {
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

// Lowercased names, sorted by name (stable, so repeats keep their order), repeats joined with ','.
HeaderList canonical_headers(const HeaderList& headers) {
  HeaderList h;
  for (const auto& [name, value] : headers) h.emplace_back(lower(name), normalize_value(value));
  std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  HeaderList merged;
  for (auto& [name, value] : h) {
    if (!merged.empty() && merged.back().first == name) {
      merged.back().second += "," + value;
    } else {
      merged.emplace_back(std::move(name), std::move(value));
    }
  }
  return merged;
}

HeaderList signer_headers(const SigV4Request& request, const std::string& amz_date, const std::string& token) {
  HeaderList h;
  h.emplace_back("host", request.host);
  h.emplace_back("x-amz-date", amz_date);
  if (!token.empty()) h.emplace_back("x-amz-security-token", token);
  h.insert(h.end(), request.headers.begin(), request.headers.end());
  return h;
}

std::string_view as_chars(const Digest32& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};  // NOLINT: bytes as a key
}

// The byte two hex digits stand for ("3A" -> ':'), nullopt for anything else.
std::optional<char> hex_byte(std::string_view two) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(two.data(), two.data() + two.size(), value, 16);
  if (two.size() != 2 || error != std::errc() || end != two.data() + two.size()) return std::nullopt;
  return static_cast<char>(value);
}

}  // namespace

std::string signed_host(std::string_view scheme, std::string_view authority) {
  const std::string default_port = lower(scheme) == "https" ? ":443" : lower(scheme) == "http" ? ":80" : "";
  if (!default_port.empty() && authority.size() > default_port.size() &&
      authority.substr(authority.size() - default_port.size()) == default_port) {
    return std::string(authority.substr(0, authority.size() - default_port.size()));
  }
  return std::string(authority);
}

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

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto byte = s[i] == '%' && i + 2 < s.size() ? hex_byte(s.substr(i + 1, 2)) : std::nullopt;
    if (byte) {
      out.push_back(*byte);
      i += 2;
    } else {
      out.push_back(s[i]);
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

std::string signed_header_names(const HeaderList& headers) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const CanonicalParts& parts) {
  std::string out = parts.method + "\n";
  const std::string path = parts.path.empty() ? std::string("/") : parts.path;
  out += (parts.double_encode_path ? uri_encode(path, true) : path) + "\n";
  QueryList query;
  for (const auto& [k, v] : parts.query) query.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(query.begin(), query.end());
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (i) out += '&';
    out += query[i].first + "=" + query[i].second;
  }
  out += "\n";
  for (const auto& [name, value] : canonical_headers(parts.signed_headers)) out += name + ":" + value + "\n";
  out += "\n" + signed_header_names(parts.signed_headers) + "\n" + parts.payload_sha256;
  return out;
}

std::string signed_header_names(const SigV4Request& request, const std::string& session_token) {
  return signed_header_names(signer_headers(request, {}, session_token));
}

std::string canonical_request(const SigV4Request& request, const SigV4Scope& scope, const std::string& session_token) {
  return canonical_request(CanonicalParts{request.method, request.path, request.query,
                                          signer_headers(request, scope.amz_date, session_token),
                                          request.payload_sha256, request.double_encode_path});
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

std::string signature_of(std::string_view canonical_request_text, std::string_view secret_access_key,
                         const SigV4Scope& scope, const SigV4Primitives& primitives) {
  const std::string sts = string_to_sign(scope, canonical_request_text, primitives);
  const Digest32 key = signing_key(secret_access_key, scope, primitives);
  return hex_lower(primitives.hmac_sha256(as_chars(key), sts));
}

std::string signature(const SigV4Request& request, const SigV4Credentials& credentials, const SigV4Scope& scope,
                      const SigV4Primitives& primitives) {
  return signature_of(canonical_request(request, scope, credentials.session_token), credentials.secret_access_key,
                      scope, primitives);
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

std::optional<std::int64_t> unix_from_amz_date(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (d[i] < '0' || d[i] > '9') return -1;
      v = v * 10 + (d[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  const int year = digits(0, 4), month = digits(4, 2), day = digits(6, 2);
  const int hour = digits(9, 2), minute = digits(11, 2), second = digits(13, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::int64_t t = static_cast<std::int64_t>(timegm(&tm));
  if (amz_date_from_unix(t) != d) return std::nullopt;  // 20150231 and the like
  return t;
}

}  // namespace awsfota::sigv4
