#include "cli/rauc_manifest.hpp"

namespace awsfota::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool printable(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

Expected<RaucManifest, std::string> parse_rauc_manifest(std::string_view text) {
  constexpr std::size_t kMaxText = 64 * 1024;
  if (text.size() > kMaxText) return unexpected(std::string("the manifest is larger than 64 KiB"));
  RaucManifest manifest;
  std::string_view section;
  bool saw_update = false;
  for (std::size_t number = 1; !text.empty(); ++number) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const std::string where = "line " + std::to_string(number) + ": ";
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (!printable(line)) return unexpected(where + "a control character");
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) return unexpected(where + "a section header without its ']'");
      section = line.substr(1, line.size() - 2);
      saw_update = saw_update || section == "update";
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return unexpected(where + "neither a [section] nor key=value");
    if (section.empty()) return unexpected(where + "a key before any [section]");
    if (section != "update") continue;
    const std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "version") manifest.version = value;
    else if (key == "compatible") manifest.compatible = value;
  }
  if (!saw_update) return unexpected(std::string("the manifest has no [update] section"));
  if (manifest.compatible.empty()) return unexpected(std::string("the manifest's [update] section has no compatible"));
  return manifest;
}

}  // namespace awsfota::cli
