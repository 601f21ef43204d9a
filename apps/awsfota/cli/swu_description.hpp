// What `awsfota job create --image FILE.swu` reads from a .swu: its first cpio entry, which SWUpdate
// requires to be sw-description, and the software's version in it. Pure; the .swu's signature and
// content are SWUpdate's to check on the device.
//
//   auto text = read_sw_description(swu_bytes);      // the first entry, when it is sw-description
//   auto version = sw_description_version(*text);    // "2.0.0" from `software = { version = "2.0.0"; ... }`
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

// The content of the archive's first entry (cpio "newc" 070701 or "crc" 070702). An error says what
// is wrong: not cpio, a header field that is no hex, an entry past the end, a first entry of another name.
[[nodiscard]] Expected<std::string, std::string> read_sw_description(std::span<const std::uint8_t> swu);

// The software's version: the `version` setting nearest the top of the description (libconfig
// `version = "1.0";` or JSON `"version": "1.0"`), skipping strings and comments. None when absent.
[[nodiscard]] std::optional<std::string> sw_description_version(std::string_view text);

}  // namespace awsfota::cli
