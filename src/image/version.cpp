#include "awsfota/image/version.hpp"

#include <charconv>
#include <limits>

namespace awsfota::image {

std::string to_string(const ImageVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.revision) + "+" +
         std::to_string(v.build);
}

namespace {
// Parses a decimal number up to `max` and advances `text`; false on no digits or overflow.
bool take_number(std::string_view& text, std::uint64_t max, std::uint64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr == text.data() || out > max) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  return true;
}
}  // namespace

std::optional<ImageVersion> parse_version(std::string_view text) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  std::uint64_t parts[3] = {0, 0, 0};
  const std::uint64_t limits[3] = {0xff, 0xff, 0xffff};
  for (int i = 0; i < 3; ++i) {
    if (!take_number(text, limits[i], parts[i])) return std::nullopt;
    if (text.empty() || text.front() == '+') break;
    if (text.front() != '.' || i == 2) return std::nullopt;
    text.remove_prefix(1);
  }
  std::uint64_t build = 0;
  if (!text.empty()) {
    if (text.front() != '+') return std::nullopt;
    text.remove_prefix(1);
    if (!take_number(text, std::numeric_limits<std::uint32_t>::max(), build) || !text.empty()) return std::nullopt;
  }
  return ImageVersion{static_cast<std::uint8_t>(parts[0]), static_cast<std::uint8_t>(parts[1]),
                      static_cast<std::uint16_t>(parts[2]), static_cast<std::uint32_t>(build)};
}

std::strong_ordering compare_versions(const ImageVersion& a, const ImageVersion& b, bool with_build) {
  if (auto c = a.major <=> b.major; c != 0) return c;
  if (auto c = a.minor <=> b.minor; c != 0) return c;
  if (auto c = a.revision <=> b.revision; c != 0) return c;
  return with_build ? a.build <=> b.build : std::strong_ordering::equal;
}

bool is_allowed_upgrade(const ImageVersion& candidate, const ImageVersion& running, const DowngradePolicy& policy) {
  if (policy.allow_downgrade) return true;
  const auto order = compare_versions(candidate, running, policy.compare_build);
  return order > 0 || (order == 0 && policy.allow_same);
}

}  // namespace awsfota::image
