// Fuzzes the U-Boot backend's reading of the environment (BOOT_ORDER, BOOT_x_LEFT, AWSFOTA_TRIAL as
// fw_printenv prints them: "name=value" lines; the first byte picks the running slot) and its rules on
// whatever it accepts: each rewrite must read back as written and leave a state the rules know.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "awsfota/adapters/ubootenv/uboot_vars.hpp"

namespace {

using awsfota::dfu::Slot;
using awsfota::ubootenv::UBootVars;

void check_round_trip(const UBootVars& v) {
  std::map<std::string, std::string, std::less<>> env;
  for (const auto& [name, value] : awsfota::ubootenv::env_values(v)) {
    if (value) env[name] = *value;
  }
  auto back = awsfota::ubootenv::parse_uboot_vars([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
  if (!back || !(*back == v)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Slot running = (data[0] & 1) ? Slot::B : Slot::A;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::map<std::string, std::string, std::less<>> env;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  auto v = awsfota::ubootenv::parse_uboot_vars([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
  if (!v) return 0;
  (void)awsfota::ubootenv::status_of(*v, running);
  check_round_trip(*v);
  check_round_trip(awsfota::ubootenv::with_confirmed(*v, running));
  check_round_trip(awsfota::ubootenv::with_reverted(*v, running));
  check_round_trip(awsfota::ubootenv::with_revert_acknowledged(*v, running));
  if (auto trial = awsfota::ubootenv::with_trial_requested(*v, running, awsfota::dfu::other_slot(running))) {
    if (awsfota::ubootenv::status_of(*trial, running).state != awsfota::dfu::BootState::TrialPending) __builtin_trap();
    check_round_trip(*trial);
  }
  return 0;
}
