// fota::BootControl over dfu::BootControl (RecordBootControl over FileBootRecordStore on a Linux
// device), the staging area's schedule() and a reboot action that the agent supplies.
//
//   BootSeam boot(record_boot, staging, [] { std::system("systemctl reboot"); });
//   boot.set_listener(&bridge);      // on_trial_scheduled / on_confirmed / on_failed, synchronously
//   fota::BootOutcome o = boot.boot_outcome();   // from the boot status the boot step left
//
// Boot outcome, read from dfu::BootControl::status() (the boot step must have run before):
//   reverted_from set -> Reverted; state Trial -> Trial; TrialPending -> TrialPending; else Normal.
// A modem update has no slot to try: when the modem applied a staged update at its init (the Device
// passes modem_update_applied), the new modem firmware is what runs "on trial", so the outcome is
// Trial and confirm_running_image() has nothing left to do.
#pragma once

#include <functional>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/fota/seams.hpp"
#include "awsfota/runtime/dfu_staging.hpp"

namespace awsfota::runtime {

// The pure rule above.
[[nodiscard]] fota::BootOutcome boot_outcome_of(const dfu::BootStatus& status) noexcept;

class BootSeam final : public fota::BootControl {
 public:
  BootSeam(dfu::BootControl& boot, DfuStaging& staging, std::function<void()> reboot,
           bool modem_update_applied = false, fota::Logger* logger = nullptr);
  void set_listener(DfuListener* listener) { listener_ = listener; }

  [[nodiscard]] fota::BootOutcome boot_outcome() override;
  void schedule_trial(fota::ImageKind kind) override;
  void confirm_running_image() override;
  void reject_running_image() override;
  void acknowledge_revert() override;
  void request_reboot() override;

 private:
  void log(fota::LogLevel level, const std::string& message);

  dfu::BootControl& boot_;
  DfuStaging& staging_;
  std::function<void()> reboot_;
  bool modem_update_applied_;
  fota::Logger* logger_;
  DfuListener* listener_ = nullptr;
};

}  // namespace awsfota::runtime
