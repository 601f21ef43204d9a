// Private to the jobs layer: the small part of URL syntax a firmware location needs.
//
// Problems are thrown as FieldError (InvalidValue) naming `field`, like the other readers of the layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/jobs/job_document.hpp"

namespace awsfota::jobs::detail {

struct Authority {
  std::string host;  // without brackets
  std::optional<std::uint16_t> port;
};

// "host", "host:8443", "[::1]:8443". No user information, no empty host, port 1..65535.
[[nodiscard]] Authority parse_authority(std::string_view text, const std::string& field);

// "https://host[:port]/path?query" (scheme http or https, any case). A fragment is dropped.
[[nodiscard]] FirmwareLocation parse_url(std::string_view url, const std::string& field);

// The path with exactly one leading '/' (added or collapsed), so that host + path never gives "//",
// and without a fragment ("#..."), which a server never sees.
// Spaces and control characters are refused: a server would not see the path the document meant.
[[nodiscard]] std::string normalize_path(std::string_view path, const std::string& field);

}  // namespace awsfota::jobs::detail
