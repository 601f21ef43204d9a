#include "awsfota/dfu/booted_slot.hpp"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace awsfota::dfu {
namespace {

BootError cmdline_error(std::string reason) { return BootError{BootErrorCode::InvalidRequest, std::move(reason)}; }

Expected<Slot, BootError> slot_named(std::string_view key, std::string_view value) {
  if (value == "A" || value == "a") return Slot::A;
  if (value == "B" || value == "b") return Slot::B;
  return unexpected(cmdline_error(std::string(key) + "=" + std::string(value) + ": the slot must be A or B"));
}

}  // namespace

Expected<Slot, BootError> booted_slot_from_cmdline(std::string_view cmdline) {
  std::optional<Slot> rauc;
  std::optional<Slot> ours;
  std::size_t at = 0;
  while (at < cmdline.size()) {
    const std::size_t start = cmdline.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(cmdline.find_first_of(" \t\n", start), cmdline.size());
    const std::string_view arg = cmdline.substr(start, end - start);
    at = end;
    const std::size_t eq = arg.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = arg.substr(0, eq);
    if (key != "rauc.slot" && key != "awsfota.slot") continue;
    auto slot = slot_named(key, arg.substr(eq + 1));
    if (!slot) return slot;
    (key == "rauc.slot" ? rauc : ours) = *slot;
  }
  if (rauc && ours && *rauc != *ours) {
    return unexpected(cmdline_error(std::string("rauc.slot=") + to_string(*rauc) + " and awsfota.slot=" + to_string(*ours) +
                                    " disagree"));
  }
  if (rauc) return *rauc;
  if (ours) return *ours;
  return unexpected(cmdline_error(
      "no rauc.slot= or awsfota.slot= argument: the bootloader's script must pass the slot it started"));
}

Expected<Slot, BootError> read_booted_slot(const std::filesystem::path& cmdline_file) {
  std::ifstream in(cmdline_file);
  if (!in) return unexpected(BootError{BootErrorCode::Io, cmdline_file.string() + ": cannot be read"});
  std::ostringstream text;
  text << in.rdbuf();
  auto slot = booted_slot_from_cmdline(text.str());
  if (!slot) return unexpected(BootError{slot.error().code, cmdline_file.string() + ": " + slot.error().reason});
  return slot;
}

}  // namespace awsfota::dfu
