// Boot control for devices that boot with GRUB: dfu::BootControl over the GRUB environment block,
// with RAUC's GRUB variables, so that GRUB itself picks the slot (packaging/grub/awsfota.cfg) and a
// board already set up for RAUC keeps its environment. (Not RAUC's example grub.cfg as it is: that one
// clears the TRY flags of good slots whenever it boots its first entry, so a failed trial would be
// tried again instead of ending as a revert.)
//
//   ORDER      the slots in the order GRUB tries them ("A B", "B A")
//   A_OK B_OK  1: the slot may be booted; 0: it holds no bootable image (or a rejected one)
//   A_TRY B_TRY  1: GRUB started the slot and nothing has said since that it came up; GRUB skips it
//
// GRUB boots the first slot in ORDER with OK=1 and TRY=0, saving its TRY=1 before it boots it, and
// tells the kernel which one (`rauc.slot=B`). The running slot is read from that kernel command line
// (dfu::read_booted_slot), never from the environment. awsfota keeps two variables of its own beside
// RAUC's: AWSFOTA_TRIAL (the slot a trial was requested for, while it is pending or running) and
// AWSFOTA_REVERTED (a trial that ended in a revert, until acknowledge_revert()).
//
// Every call first settles the boot that is running, as RAUC's `mark-good` would: the running slot,
// unless it is a trial not yet confirmed, is marked good (its TRY back to 0, so GRUB boots it again);
// a trial slot that GRUB left (its TRY is 1 but another slot runs) or that revert() rejected becomes
// the revert on record (BootStatus::reverted_from) and is marked bad. So status() may write the
// environment, once per boot; the agent's start is then this boot's "the system came up".
// docs/boot.md has the whole mapping.
//
//   awsfota::grub::GrubBootControl boot({.env_file = "/boot/grub/grubenv", .cmdline_file = "/proc/cmdline"});
//   auto s = boot.status();            // running B on trial: s->state == dfu::BootState::Trial
//   if (s && s->state == dfu::BootState::Trial) (void)(self_test_ok() ? boot.confirm() : boot.revert());
#pragma once

#include <filesystem>
#include <utility>

#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::grub {

struct GrubBootConfig {
  std::filesystem::path env_file = "/boot/grub/grubenv";  // must exist (`grub-editenv FILE create`)
  std::filesystem::path cmdline_file = "/proc/cmdline";   // where the bootloader's rauc.slot= is read
};

class GrubBootControl final : public dfu::BootControl {
 public:
  explicit GrubBootControl(GrubBootConfig config) : config_(std::move(config)) {}
  [[nodiscard]] Expected<dfu::BootStatus, dfu::BootError> status() override;
  [[nodiscard]] Expected<void, dfu::BootError> request_trial(dfu::Slot slot) override;
  [[nodiscard]] Expected<void, dfu::BootError> confirm() override;
  [[nodiscard]] Expected<void, dfu::BootError> revert() override;
  [[nodiscard]] Expected<void, dfu::BootError> acknowledge_revert() override;

  [[nodiscard]] const GrubBootConfig& config() const { return config_; }

 private:
  GrubBootConfig config_;
};

}  // namespace awsfota::grub
