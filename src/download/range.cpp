#include "awsfota/download/range.hpp"

#include <cstdint>
#include <limits>

namespace awsfota::download {
namespace {

// Sizes beyond this cannot be represented by libcurl's signed offsets; treat them as garbage.
constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

Expected<std::uint64_t, std::string> parse_number(std::string_view s, std::string_view what) {
  if (s.empty()) return unexpected("the " + std::string(what) + " is missing");
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return unexpected("the " + std::string(what) + " is not a decimal number");
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (kMaxOffset - digit) / 10) return unexpected("the " + std::string(what) + " is too large");
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

std::string range_header_value(std::uint64_t offset, std::optional<std::uint64_t> last) {
  std::string v = "bytes=" + std::to_string(offset) + "-";
  if (last) v += std::to_string(*last);
  return v;
}

Expected<ContentRange, std::string> parse_content_range(std::string_view value) {
  std::string_view s = trim(value);
  const auto space = s.find_first_of(" \t");
  if (space == std::string_view::npos) return unexpected(std::string("it is not of the form \"bytes A-B/TOTAL\""));
  if (!iequals(s.substr(0, space), "bytes")) return unexpected(std::string("its unit is not \"bytes\""));
  s = trim(s.substr(space));
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return unexpected(std::string("the \"/TOTAL\" part is missing"));
  const std::string_view range = s.substr(0, slash);
  const std::string_view total = s.substr(slash + 1);

  ContentRange cr;
  if (total != "*") {
    auto t = parse_number(total, "total");
    if (!t) return unexpected(t.error());
    cr.total = *t;
  }
  if (range == "*") {
    if (!cr.total) return unexpected(std::string("\"*/*\" says nothing"));
    return cr;
  }
  const auto dash = range.find('-');
  if (dash == std::string_view::npos) return unexpected(std::string("the range has no '-'"));
  auto first = parse_number(range.substr(0, dash), "first byte position");
  if (!first) return unexpected(first.error());
  auto last = parse_number(range.substr(dash + 1), "last byte position");
  if (!last) return unexpected(last.error());
  if (*last < *first) return unexpected(std::string("its last byte comes before its first"));
  if (cr.total && *last >= *cr.total) return unexpected(std::string("its last byte is beyond the total size"));
  cr.first = *first;
  cr.last = *last;
  return cr;
}

}  // namespace awsfota::download
