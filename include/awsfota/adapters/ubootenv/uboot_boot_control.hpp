// The U-Boot backend of dfu::BootControl: U-Boot picks the slot at every boot with the shipped
// packaging/u-boot/boot.cmd; awsfota reads and writes its environment with libubootenv (so every storage
// its fw_env.config describes works: a file, an MTD partition, an eMMC offset, redundant copies).
//
// Variables are RAUC's (BOOT_ORDER, BOOT_A_LEFT, BOOT_B_LEFT), so a board set up for RAUC works
// unchanged, plus AWSFOTA_TRIAL (which slot awsfota asked to try, to tell U-Boot's fallback from a normal
// boot). The running slot comes only from the kernel command line (rauc.slot= / awsfota.slot=). Every
// call that changes something writes all its variables with ONE libuboot_env_store (docs/boot.md: the
// mapping table and why a power cut at any point leaves a bootable board).
//
//   ubootenv::UBootBootControl boot({.fw_env_config = "/etc/fw_env.config", .cmdline_file = "/proc/cmdline"});
//   auto s = boot.status();                        // s->active: what U-Boot started
//   if (s && s->state == dfu::BootState::Trial && self_test_ok()) (void)boot.confirm();
#pragma once

#include <filesystem>

#include "awsfota/adapters/ubootenv/uboot_vars.hpp"
#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::ubootenv {

struct UBootOptions {
  std::filesystem::path fw_env_config = "/etc/fw_env.config";  // libubootenv's, as fw_printenv reads it
  std::filesystem::path cmdline_file = "/proc/cmdline";        // where the bootloader's slot argument is
};

class UBootBootControl final : public dfu::BootControl {
 public:
  explicit UBootBootControl(UBootOptions options) : options_(std::move(options)) {}

  // Corrupt: an unreadable environment (no valid copy) or a bad variable, named. InvalidRequest: the
  // command line names no slot. Io: fw_env.config or the command line file cannot be read.
  [[nodiscard]] Expected<dfu::BootStatus, dfu::BootError> status() override;
  [[nodiscard]] Expected<void, dfu::BootError> request_trial(dfu::Slot slot) override;
  // Also at every boot of a confirmed slot (the agent does it at start): restores its attempts, as
  // RAUC's "mark good" does, since boot.cmd takes one at each boot.
  [[nodiscard]] Expected<void, dfu::BootError> confirm() override;
  [[nodiscard]] Expected<void, dfu::BootError> revert() override;
  [[nodiscard]] Expected<void, dfu::BootError> acknowledge_revert() override;

  // The variables as they are now (for logs and tests).
  [[nodiscard]] Expected<UBootVars, dfu::BootError> read_vars();

 private:
  using Rule = std::function<Expected<UBootVars, dfu::BootError>(const UBootVars&, dfu::Slot running)>;
  // Reads the running slot and the variables, applies `rule`, and stores once when anything changed.
  Expected<void, dfu::BootError> update(const Rule& rule);

  UBootOptions options_;
};

}  // namespace awsfota::ubootenv
