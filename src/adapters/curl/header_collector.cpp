#include "adapters/curl/header_collector.hpp"

#include <cctype>

namespace awsfota::curl {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_length(std::string_view v) {
  if (v.empty() || v.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

int parse_status(std::string_view status_line) {
  // "HTTP/1.1 206 Partial Content" or "HTTP/2 206"
  const auto sp = status_line.find(' ');
  if (sp == std::string_view::npos || status_line.size() < sp + 4) return 0;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    const char c = status_line[i];
    if (c < '0' || c > '9') return 0;
    code = code * 10 + (c - '0');
  }
  return code;
}

}  // namespace

HeaderCollector::Line HeaderCollector::feed(std::string_view raw) {
  const std::string_view line = trim(raw);
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    head_ = download::ResponseHead{};
    has_location_ = false;
    head_.status = parse_status(line);
    return Line::Header;
  }
  if (line.empty()) {
    const int s = head_.status;
    const bool interim = (s >= 100 && s < 200) || (follow_ && has_location_ && s >= 300 && s < 400 && s != 304);
    return interim ? Line::InterimHeadComplete : Line::FinalHeadComplete;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return Line::Header;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "Content-Range")) {
    head_.content_range = std::string(value);
  } else if (iequals(name, "Content-Length")) {
    head_.content_length = parse_length(value);
  } else if (iequals(name, "ETag")) {
    head_.etag = std::string(value);
  } else if (iequals(name, "Location")) {
    has_location_ = !value.empty();
  }
  return Line::Header;
}

}  // namespace awsfota::curl
