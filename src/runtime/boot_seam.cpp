#include "awsfota/runtime/boot_seam.hpp"

namespace awsfota::runtime {

fota::BootOutcome boot_outcome_of(const dfu::BootStatus& status) noexcept {
  // Before reverted_from, which a rejected trial sets too: the revert has not happened yet.
  if (status.state == dfu::BootState::RevertPending) return fota::BootOutcome::RevertPending;
  if (status.reverted_from) return fota::BootOutcome::Reverted;
  switch (status.state) {
    case dfu::BootState::Trial: return fota::BootOutcome::Trial;
    case dfu::BootState::TrialPending: return fota::BootOutcome::TrialPending;
    case dfu::BootState::RevertPending:
    case dfu::BootState::Confirmed: break;
  }
  return fota::BootOutcome::Normal;
}

BootSeam::BootSeam(dfu::BootControl& boot, DfuStaging& staging, std::function<void()> reboot,
                   bool modem_update_applied, fota::Logger* logger)
    : boot_(boot), staging_(staging), reboot_(std::move(reboot)), modem_update_applied_(modem_update_applied),
      logger_(logger) {}

void BootSeam::log(fota::LogLevel level, const std::string& message) {
  if (logger_) logger_->log(level, message);
}

fota::BootOutcome BootSeam::boot_outcome() {
  if (modem_update_applied_) return fota::BootOutcome::Trial;
  auto status = boot_.status();
  if (!status) {
    // Without a readable boot state nothing can be on trial that we know of; the job (if any) then
    // ends as the checkpoint table says for a normal boot.
    log(fota::LogLevel::Error, "boot state unreadable: " + status.error().reason);
    return fota::BootOutcome::Normal;
  }
  return boot_outcome_of(*status);
}

void BootSeam::schedule_trial(fota::ImageKind kind) {
  auto scheduled = staging_.schedule();
  if (!listener_) return;
  if (!scheduled) {
    listener_->on_failed(fota::ErrorCause::Dfu, "scheduling the " + std::string(fota::to_string(kind)) +
                                                    " update failed: " + scheduled.error().reason);
    return;
  }
  listener_->on_trial_scheduled();
}

void BootSeam::confirm_running_image() {
  if (!modem_update_applied_) {
    if (auto confirmed = boot_.confirm(); !confirmed) {
      if (listener_) listener_->on_failed(fota::ErrorCause::Dfu, "confirming the running image failed: " + confirmed.error().reason);
      return;
    }
  }
  if (listener_) listener_->on_confirmed();
}

void BootSeam::reject_running_image() {
  if (modem_update_applied_) {
    log(fota::LogLevel::Warning, "the modem applied its update already; it cannot be taken back from here");
    return;
  }
  if (auto reverted = boot_.revert(); !reverted) log(fota::LogLevel::Error, "revert failed: " + reverted.error().reason);
}

void BootSeam::acknowledge_revert() {
  if (auto acknowledged = boot_.acknowledge_revert(); !acknowledged)
    log(fota::LogLevel::Error, "clearing the earlier revert failed: " + acknowledged.error().reason);
}

void BootSeam::request_reboot() {
  if (reboot_) reboot_();
  else log(fota::LogLevel::Warning, "a reboot is due but no reboot action is configured");
}

}  // namespace awsfota::runtime
