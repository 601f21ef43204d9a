// What `awsfota job create --image BUNDLE` reads from a RAUC bundle's manifest (manifest.raucm, an INI
// file): the [update] section's version and compatible. Pure; the bundle's bytes are RAUC's to check.
//
//   auto m = parse_rauc_manifest("[update]\ncompatible=board\nversion=2.0.0\n");
//   m->version == "2.0.0"
#pragma once

#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

struct RaucManifest {
  std::string compatible;
  std::string version;  // empty when the manifest has none
};

// Errors name the line ("line 3: ..."). At most 64 KiB of text is read.
[[nodiscard]] Expected<RaucManifest, std::string> parse_rauc_manifest(std::string_view text);

}  // namespace awsfota::cli
