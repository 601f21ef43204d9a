// dfu::BootControl over RAUC: which slot runs comes from RAUC (its BootSlot, which it takes from the
// kernel command line's rauc.slot= or from `rauc service --override-boot-slot`), and the trial is
// RAUC's: its install already made the new slot primary, Mark("good", "booted") confirms it, and
// Mark("bad", "booted") plus Mark("active", "other") send the next boot back.
//
// awsfota keeps one small record of its own (RaucBootRecord, a file): which slot an update of its
// own is on trial in, so that a boot into the other slot after that install reads as the
// bootloader's fallback (BootStatus::reverted_from) and not as "nothing happened".
//
//   SdBusRauc rauc({.bus = "system"});
//   RaucBootControl boot(rauc, {.record = "/var/lib/awsfota/rauc.boot"});
//   auto s = boot.status();              // Trial after the reboot into the new slot
//   if (self_test_ok()) boot.confirm();  // Mark good
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/adapters/rauc/rauc_service.hpp"
#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::rauc {

// What awsfota remembers about RAUC slots across reboots.
struct RaucBootRecord {
  std::optional<dfu::Slot> trial;          // installed by awsfota, primary, not confirmed yet
  bool rejected = false;                   // revert() ran while that trial was running
  std::optional<dfu::Slot> reverted_from;  // a trial the boot left (until acknowledge_revert())
  friend bool operator==(const RaucBootRecord&, const RaucBootRecord&) = default;
};

// "trial=B\nrejected=0\nreverted=\n". Unknown keys are ignored; a bad value is an error.
[[nodiscard]] std::string encode_rauc_boot_record(const RaucBootRecord& record);
[[nodiscard]] Expected<RaucBootRecord, dfu::BootError> decode_rauc_boot_record(std::string_view text);

struct RaucBootOptions {
  std::string bootname_a = "A";  // the RAUC bootname of what awsfota calls slot A
  std::string bootname_b = "B";
  std::filesystem::path record;  // the RaucBootRecord file (its folder must exist)
};

class RaucBootControl final : public dfu::BootControl {
 public:
  RaucBootControl(RaucService& rauc, RaucBootOptions options) : rauc_(rauc), options_(std::move(options)) {}

  [[nodiscard]] Expected<dfu::BootStatus, dfu::BootError> status() override;
  // Records the trial of `slot`, which RAUC's install has already made primary.
  [[nodiscard]] Expected<void, dfu::BootError> request_trial(dfu::Slot slot) override;
  [[nodiscard]] Expected<void, dfu::BootError> confirm() override;
  [[nodiscard]] Expected<void, dfu::BootError> revert() override;
  [[nodiscard]] Expected<void, dfu::BootError> acknowledge_revert() override;

  // The slot a RAUC bootname stands for (InvalidRequest for a bootname that is neither).
  [[nodiscard]] Expected<dfu::Slot, dfu::BootError> slot_of(std::string_view bootname) const;
  // The slot RAUC will boot next (GetPrimary, mapped through GetSlotStatus to its bootname).
  [[nodiscard]] Expected<dfu::Slot, dfu::BootError> primary_slot();
  [[nodiscard]] Expected<dfu::Slot, dfu::BootError> booted_slot();

 private:
  [[nodiscard]] Expected<RaucBootRecord, dfu::BootError> load() const;
  [[nodiscard]] Expected<void, dfu::BootError> save(const RaucBootRecord& record) const;
  [[nodiscard]] const std::string& bootname_of(dfu::Slot slot) const;

  RaucService& rauc_;
  RaucBootOptions options_;
};

}  // namespace awsfota::rauc
