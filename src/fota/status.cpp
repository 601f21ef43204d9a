// The statusDetails the engine reports: small maps of short strings, within AWS's limits
// (keys of [a-zA-Z0-9:_-], values 1..1,024 characters).
#include <string>

#include "fota/engine_impl.hpp"

namespace awsfota::fota {

std::string clip_status_value(std::string_view text) {
  if (text.empty()) return "-";
  if (text.size() <= jobs::kMaxStatusDetailValueLength) return std::string(text);
  std::size_t end = jobs::kMaxStatusDetailValueLength;
  // Do not cut a UTF-8 sequence in half: back up to the start of the character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0U) == 0x80U) --end;
  return std::string(text.substr(0, end));
}

int percent_of(std::uint64_t part, std::uint64_t whole) noexcept {
  if (whole == 0) return -1;
  if (part >= whole) return 100;
  // part < whole here; divide first for huge sizes so the product cannot overflow.
  std::uint64_t pct = whole > UINT64_MAX / 100 ? part / (whole / 100) : part * 100 / whole;
  return static_cast<int>(pct > 99 ? 99 : pct);
}

jobs::StatusDetails downloading_details(std::uint64_t committed, std::uint64_t total) {
  jobs::StatusDetails d{{"phase", "downloading"}, {"bytes", std::to_string(committed)}};
  int pct = percent_of(committed, total);
  if (pct >= 0) {
    d["percent"] = std::to_string(pct);
    d["total"] = std::to_string(total);
  }
  return d;
}

jobs::StatusDetails phase_details(std::string_view phase) { return {{"phase", std::string(phase)}}; }

jobs::StatusDetails awaiting_reboot_details(ImageKind kind) {
  return {{"phase", "awaiting_reboot"}, {"image", std::string(to_string(kind))}};
}

jobs::StatusDetails succeeded_details(std::string_view reason, const std::optional<std::string>& fw) {
  jobs::StatusDetails d{{"phase", "done"}, {"reason", clip_status_value(reason)}};
  if (fw && !fw->empty()) d["fwversion"] = clip_status_value(*fw);
  return d;
}

jobs::StatusDetails failed_details(std::string_view phase, ErrorCause cause, std::string_view reason) {
  return {{"phase", std::string(phase)},
          {"cause", std::string(to_string(cause))},
          {"reason", clip_status_value(reason)}};
}

}  // namespace awsfota::fota
