// The U-Boot boot control's rules, pure: what RAUC's U-Boot variables (BOOT_ORDER, BOOT_A_LEFT,
// BOOT_B_LEFT) plus awsfota's AWSFOTA_TRIAL say about the boot, and how each BootControl call changes
// them. No I/O: UBootBootControl (uboot_boot_control.hpp) reads and writes them with libubootenv; the
// table in docs/boot.md is the same mapping in prose.
//
//   auto vars = ubootenv::parse_uboot_vars([&](std::string_view name) { return env_lookup(name); });
//   if (!vars) fail(vars.error().reason);   // "BOOT_ORDER=\"C A\": ..." names the variable
//   dfu::BootStatus s = ubootenv::status_of(*vars, running_slot_from_cmdline);
//   auto next = ubootenv::with_trial_requested(*vars, running, dfu::Slot::B);   // then store *next
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::ubootenv {

// Attempts a confirmed slot gets (RAUC's default), and the one boot a trial gets (MCUboot's "test once").
inline constexpr unsigned kConfirmedAttempts = 3;
inline constexpr unsigned kTrialAttempts = 1;
// U-Boot's setexpr counts in hexadecimal while `test -gt` reads decimal: both agree on 0..9 only.
inline constexpr unsigned kMaxAttempts = 9;

inline constexpr std::string_view kBootOrder = "BOOT_ORDER";
inline constexpr std::string_view kTrialVar = "AWSFOTA_TRIAL";
[[nodiscard]] std::string_view attempts_var(dfu::Slot slot);  // "BOOT_A_LEFT" / "BOOT_B_LEFT"

struct UBootVars {
  std::vector<dfu::Slot> order;           // BOOT_ORDER: 1 or 2 distinct slots, first = tried first
  std::array<unsigned, 2> left{0, 0};     // BOOT_A_LEFT, BOOT_B_LEFT (absent for a slot not in order: 0)
  std::optional<dfu::Slot> trial;         // AWSFOTA_TRIAL: the slot awsfota asked U-Boot to try

  [[nodiscard]] unsigned attempts(dfu::Slot s) const { return left[static_cast<unsigned>(s)]; }
  friend bool operator==(const UBootVars&, const UBootVars&) = default;
};

// name -> value, nullopt when the variable is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Corrupt errors name the variable and what is wrong with it. Slot names are RAUC's bootnames A and B.
[[nodiscard]] Expected<UBootVars, dfu::BootError> parse_uboot_vars(const EnvLookup& get);
[[nodiscard]] Expected<std::vector<dfu::Slot>, dfu::BootError> parse_boot_order(std::string_view text);
[[nodiscard]] Expected<unsigned, dfu::BootError> parse_attempts(std::string_view name, std::string_view text);

// The values to write for `vars` (each variable awsfota owns; nullopt = unset it).
[[nodiscard]] std::vector<std::pair<std::string, std::optional<std::string>>> env_values(const UBootVars& vars);

// `running`: the slot the kernel command line names (dfu::read_booted_slot), the only source of truth
// for which slot U-Boot started.
[[nodiscard]] dfu::BootStatus status_of(const UBootVars& vars, dfu::Slot running);

[[nodiscard]] Expected<UBootVars, dfu::BootError> with_trial_requested(const UBootVars& vars, dfu::Slot running,
                                                                      dfu::Slot slot);
// Trial running: it becomes the only slot in BOOT_ORDER. Confirmed: the running slot's attempts are
// restored (RAUC's "mark good" at every boot). TrialPending, RevertPending: unchanged.
[[nodiscard]] UBootVars with_confirmed(const UBootVars& vars, dfu::Slot running);
[[nodiscard]] UBootVars with_reverted(const UBootVars& vars, dfu::Slot running);
[[nodiscard]] UBootVars with_revert_acknowledged(const UBootVars& vars, dfu::Slot running);

}  // namespace awsfota::ubootenv
