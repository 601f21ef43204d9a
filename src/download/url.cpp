#include "awsfota/download/url.hpp"

#include <cctype>

namespace awsfota::download {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True when the query has a parameter named `name` (case-insensitive).
bool has_param(std::string_view query, std::string_view name) {
  const std::string q = lower(query);
  const std::string n = lower(name);
  std::size_t pos = 0;
  while (pos <= q.size()) {
    const auto amp = q.find('&', pos);
    const std::string_view item = std::string_view(q).substr(pos, amp == std::string::npos ? q.npos : amp - pos);
    const std::string_view key = item.substr(0, item.find('='));
    if (key == n) return true;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return false;
}

std::string_view query_of(std::string_view url) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = url.substr(q + 1);
  return query.substr(0, query.find('#'));
}

}  // namespace

std::string url_scheme(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  for (char c : url.substr(0, sep)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  }
  return lower(url.substr(0, sep));
}

std::string url_host(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) return lower(authority.substr(1, authority.find(']') - 1));
  return lower(authority.substr(0, authority.find(':')));
}

std::string redact_url(std::string_view url) {
  std::string out;
  std::string_view rest = url;
  const auto sep = url.find("://");
  if (sep != std::string_view::npos) {
    out = std::string(url.substr(0, sep + 3));
    rest = url.substr(sep + 3);
    // Drop "user:password@" from the authority (it ends at the first '/', '?' or '#').
    const auto authority_end = rest.find_first_of("/?#");
    const auto at = rest.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  }
  const auto cut = rest.find_first_of("?#");
  out += rest.substr(0, cut);
  if (cut != std::string_view::npos && rest[cut] == '?') out += "?<redacted>";
  return out;
}

bool is_presigned_s3_url(std::string_view url) {
  const std::string_view q = query_of(url);
  if (q.empty()) return false;
  if (has_param(q, "X-Amz-Signature") || has_param(q, "X-Amz-Expires") || has_param(q, "X-Amz-Credential")) {
    return true;
  }
  return has_param(q, "Signature") && has_param(q, "Expires");
}

}  // namespace awsfota::download
