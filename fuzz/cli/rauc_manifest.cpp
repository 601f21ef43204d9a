// `awsfota job create --image BUNDLE` reads the version from the manifest of a bundle it was handed:
// any text must give a manifest or an error, never a crash, and what it keeps must be one line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/rauc_manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = awsfota::cli::parse_rauc_manifest(text);
  if (!manifest) return 0;
  if (manifest->compatible.empty()) __builtin_trap();
  for (const auto* field : {&manifest->compatible, &manifest->version}) {
    for (const char c : *field) {
      if (c == '\n' || c == '\r') __builtin_trap();
    }
  }
  return 0;
}
