// HTTP Range requests and Content-Range answers (RFC 9110 section 14), the parts a downloader needs.
// Pure: no I/O.
//
//   range_header_value(1000)        == "bytes=1000-"       // open-ended: the rest of the file
//   range_header_value(0, 2047)     == "bytes=0-2047"      // a fixed fragment (last byte inclusive)
//   auto cr = parse_content_range("bytes 1000-1999/5000");  // cr->first 1000, cr->last 1999, cr->total 5000
//   auto un = parse_content_range("bytes */5000");          // unsatisfied (416): no range, total 5000
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::download {

// The value of a Range header ("bytes=OFFSET-" or "bytes=OFFSET-LAST"); LAST is inclusive, >= OFFSET.
[[nodiscard]] std::string range_header_value(std::uint64_t offset,
                                             std::optional<std::uint64_t> last = std::nullopt);

struct ContentRange {
  // Set for "bytes A-B/..."; absent for the unsatisfied form "bytes */TOTAL".
  std::optional<std::uint64_t> first{};
  std::optional<std::uint64_t> last{};   // inclusive
  std::optional<std::uint64_t> total{};  // absent when the server sends "/*" (length unknown)

  [[nodiscard]] bool satisfied() const noexcept { return first.has_value(); }
  friend bool operator==(const ContentRange&, const ContentRange&) = default;
};

// Parses a Content-Range header value. Accepts optional surrounding whitespace and a case-insensitive
// "bytes" unit. Rejects, with a reason naming the fault: other units, missing parts, non-digits,
// numbers past 2^63, last < first, last >= total, "*/*".
[[nodiscard]] Expected<ContentRange, std::string> parse_content_range(std::string_view value);

}  // namespace awsfota::download
