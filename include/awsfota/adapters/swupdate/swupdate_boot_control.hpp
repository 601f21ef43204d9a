// dfu::BootControl over SWUpdate's convention: the bootloader's `ustate` (read and set through
// SWUpdate's own bootloader interface, GET/SET_UPDATE_STATE) says how an install stands after the
// reboot, and the bootloader's own counters (`upgrade_available`, `bootcount`, `bootlimit`,
// `altbootcmd`, set up by the product and its sw-description) fall back to the old copy when the new
// one is not confirmed. SWUpdate has no notion of slots: A and B here are awsfota's names for "the
// copy that ran before the install" and "the copy the install wrote", kept in a small record.
//
// After SWUpdate's install (ustate 1) and a reboot (another boot id than the install's):
//   ustate 1 or 2  -> a trial of the new copy; confirm() sets 0, revert() sets 3
//   ustate 3       -> the bootloader fell back (or awsfota rejected it): reverted_from
//   ustate 0       -> confirmed (a confirm() whose record was not written yet)
//
//   SocketSwupdate swu({});
//   SwupdateBootControl boot(swu, {.record = "/var/lib/awsfota/swupdate.boot"});
//   auto s = boot.status();              // Trial after the reboot into the new copy
//   if (self_test_ok()) boot.confirm();  // ustate=0
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/adapters/swupdate/swupdate_service.hpp"
#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::swupdate {

struct SwupdateBootRecord {
  dfu::Slot confirmed = dfu::Slot::A;
  std::optional<dfu::Slot> trial;          // installed by awsfota, not confirmed yet
  std::string install_boot;                // the boot id the install ran in ("" = none)
  std::string rejected_in;                 // the boot id in which revert() rejected the running trial
  std::optional<dfu::Slot> reverted_from;  // a trial the boot left (until acknowledge_revert())
  friend bool operator==(const SwupdateBootRecord&, const SwupdateBootRecord&) = default;
};

// "confirmed=A\ntrial=B\nboot=<id>\nrejected=<id>\nreverted=\n". Unknown keys are ignored.
[[nodiscard]] std::string encode_swupdate_boot_record(const SwupdateBootRecord& record);
[[nodiscard]] Expected<SwupdateBootRecord, dfu::BootError> decode_swupdate_boot_record(std::string_view text);

struct SwupdateBootOptions {
  std::filesystem::path record;                                     // the record file (its folder must exist)
  std::filesystem::path boot_id = "/proc/sys/kernel/random/boot_id";  // changes at every boot
};

class SwupdateBootControl final : public dfu::BootControl {
 public:
  SwupdateBootControl(SwupdateService& swupdate, SwupdateBootOptions options)
      : swupdate_(swupdate), options_(std::move(options)) {}

  [[nodiscard]] Expected<dfu::BootStatus, dfu::BootError> status() override;
  // Records the trial of `slot` (the copy SWUpdate's install just wrote) in this boot.
  [[nodiscard]] Expected<void, dfu::BootError> request_trial(dfu::Slot slot) override;
  [[nodiscard]] Expected<void, dfu::BootError> confirm() override;
  [[nodiscard]] Expected<void, dfu::BootError> revert() override;
  [[nodiscard]] Expected<void, dfu::BootError> acknowledge_revert() override;

 private:
  [[nodiscard]] Expected<SwupdateBootRecord, dfu::BootError> load() const;
  [[nodiscard]] Expected<void, dfu::BootError> save(const SwupdateBootRecord& record) const;
  [[nodiscard]] Expected<std::string, dfu::BootError> boot_id() const;
  // The record as this boot finds it: a trial whose boot is over is resolved by ustate.
  [[nodiscard]] Expected<SwupdateBootRecord, dfu::BootError> settled();

  SwupdateService& swupdate_;
  SwupdateBootOptions options_;
};

}  // namespace awsfota::swupdate
