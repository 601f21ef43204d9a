// Image versions (MCUboot's major.minor.revision+build) and the anti-downgrade rule (pure).
//
//   using namespace awsfota::image;
//   auto running = parse_version("v1.0.2");          // also "1.0.2+7", "1.0"
//   if (!is_allowed_upgrade(new_header.version, *running, {})) refuse("downgrade");
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awsfota::image {

struct ImageVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t revision = 0;
  std::uint32_t build = 0;

  friend bool operator==(const ImageVersion&, const ImageVersion&) = default;
};

// "1.2.3+4"
[[nodiscard]] std::string to_string(const ImageVersion& version);

// Accepts an optional leading 'v', then major[.minor[.revision]][+build], each within its field's range.
[[nodiscard]] std::optional<ImageVersion> parse_version(std::string_view text);

// Orders by major, minor, revision and, when `with_build`, build number (MCUboot's downgrade
// prevention ignores the build number by default).
[[nodiscard]] std::strong_ordering compare_versions(const ImageVersion& a, const ImageVersion& b,
                                                    bool with_build = false);

struct DowngradePolicy {
  bool allow_downgrade = false;  // anything goes
  bool allow_same = true;        // re-installing the running version (e.g. a retried job)
  bool compare_build = false;
};

[[nodiscard]] bool is_allowed_upgrade(const ImageVersion& candidate, const ImageVersion& running,
                                      const DowngradePolicy& policy);

}  // namespace awsfota::image
