#include "jobs/url.hpp"

#include "jobs/json_reader.hpp"

namespace awsfota::jobs::detail {

namespace {

constexpr std::size_t kShown = 80;

std::string shown(std::string_view text) {
  std::string out = "\"";
  for (const char c : text.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  out += text.size() > kShown ? "...\"" : "\"";
  return out;
}

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 reg-name without percent-encoding: what DNS names and IPv4 addresses use.
bool is_host_char(char c) noexcept { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) {
      return false;
    }
  }
  return true;
}

std::uint16_t parse_port(std::string_view text, const std::string& field) {
  if (text.empty()) {
    fail(FieldProblem::InvalidValue, field, "the port after ':' is empty");
  }
  constexpr std::size_t kMaxDigits = 5;
  unsigned long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || text.size() > kMaxDigits) {
      fail(FieldProblem::InvalidValue, field, "port " + shown(text) + " is not a number from 1 to 65535");
    }
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value == 0 || value > 65535) {
    fail(FieldProblem::InvalidValue, field, "port " + shown(text) + " is not a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Authority parse_authority(std::string_view text, const std::string& field) {
  if (text.find('@') != std::string_view::npos) {
    fail(FieldProblem::InvalidValue, field,
         "user information (\"user@\") is not allowed in a download location; put credentials elsewhere "
         "or use a presigned URL");
  }
  if (text.empty()) {
    fail(FieldProblem::InvalidValue, field, "the host is empty");
  }
  Authority out;
  std::string_view port_text;
  bool has_port = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      fail(FieldProblem::InvalidValue, field, "IPv6 address " + shown(text) + " has no closing ']'");
    }
    const std::string_view address = text.substr(1, close - 1);
    bool valid = address.find(':') != std::string_view::npos;
    for (const char c : address) {
      valid = valid && (is_hex(c) || c == ':' || c == '.');
    }
    if (!valid) {
      fail(FieldProblem::InvalidValue, field, shown(address) + " is not an IPv6 address");
    }
    out.host = std::string(address);
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        fail(FieldProblem::InvalidValue, field, "unexpected " + shown(after) + " after the IPv6 address");
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = text.find(':');
    const std::string_view host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = text.substr(colon + 1);
      if (port_text.find(':') != std::string_view::npos) {
        fail(FieldProblem::InvalidValue, field,
             shown(text) + " has more than one ':'; an IPv6 address must be written in brackets, like [::1]");
      }
    }
    if (host.empty()) {
      fail(FieldProblem::InvalidValue, field, "the host is empty");
    }
    for (const char c : host) {
      if (!is_host_char(c)) {
        fail(FieldProblem::InvalidValue, field,
             "host " + shown(host) + " has a character other than letters, digits, '-', '.', '_' and '~'");
      }
    }
    out.host = std::string(host);
  }
  if (has_port) {
    out.port = parse_port(port_text, field);
  }
  return out;
}

std::string normalize_path(std::string_view path, const std::string& field) {
  if (const auto fragment = path.find('#'); fragment != std::string_view::npos) {
    path = path.substr(0, fragment);  // a fragment is never sent to a server
  }
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      fail(FieldProblem::InvalidValue, field,
           "path " + shown(path) + " has a space or control character; encode it as %20 or similar");
    }
  }
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  std::string out = "/";
  out += path;
  return out;
}

FirmwareLocation parse_url(std::string_view url, const std::string& field) {
  const auto separator = url.find("://");
  if (separator == std::string_view::npos) {
    fail(FieldProblem::InvalidValue, field, shown(url) + " is not an absolute URL (expected https://host/path)");
  }
  const std::string_view scheme = url.substr(0, separator);
  FirmwareLocation location;
  if (equals_ignoring_case(scheme, "https")) {
    location.https = true;
  } else if (equals_ignoring_case(scheme, "http")) {
    location.https = false;
  } else {
    fail(FieldProblem::InvalidValue, field, "scheme " + shown(scheme) + " is not supported (use https or http)");
  }
  std::string_view rest = url.substr(separator + 3);
  if (const auto fragment = rest.find('#'); fragment != std::string_view::npos) {
    rest = rest.substr(0, fragment);  // a fragment is never sent to a server
  }
  const auto authority_end = rest.find_first_of("/?");
  const Authority authority = parse_authority(rest.substr(0, authority_end), field);
  location.host = authority.host;
  location.port = authority.port;
  const std::string_view path = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  location.path = normalize_path(path, field);
  return location;
}

}  // namespace awsfota::jobs::detail
