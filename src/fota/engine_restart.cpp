// Start-up: continue the job of a checkpoint, using what the boot control found.
//
// Before the reboot (claiming .. awaiting_reboot) the engine first asks the service whether the job is
// still there (state Checking), which also brings a fresh presigned URL and versionNumber. After the
// reboot the confirm step is local and needs no network; its report follows when connected.
#include "fota/engine_impl.hpp"

namespace awsfota::fota {

using store::CheckpointPhase;

void EngineImpl::restore(const store::Checkpoint& cp) {
  job = JobContext{};
  job->id = cp.job_id;
  job->version = cp.version_number;
  job->execution_number = cp.execution_number;
  job->phase = cp.phase;
  job->url = cp.url;
  job->size = cp.size;
  job->sha256 = cp.sha256;
  job->fw_version = cp.fw_version;
  job->committed = cp.committed_offset;
  job->total = cp.total;
  job->image = static_cast<ImageKind>(cp.image_kind);
  job->url_refreshes = cp.url_refreshes;
  job->last_report_time = now;
  job->last_report_percent = percent_of(cp.committed_offset, cp.total != 0 ? cp.total : cp.size.value_or(0));
  if (cp.phase == CheckpointPhase::Reporting) {
    auto status = jobs::parse_job_status(cp.report_status).value_or(jobs::JobStatus::Failed);
    job->final_report = PendingUpdate{UpdatePurpose::Final, status, cp.report_details};
  }
}

void EngineImpl::rolled_back(const std::string& reason) {
  out.emplace_back(DropStaged{});
  Event rb = job_event(EventKind::RolledBack);
  rb.cause = ErrorCause::RolledBack;
  rb.message = reason;
  emit(rb);
  rb.kind = EventKind::Error;
  emit(rb);
  report(jobs::JobStatus::Failed, failed_details("confirming", ErrorCause::RolledBack, reason));
}

void EngineImpl::start(const Started& s) {
  boot = s.boot;
  if (boot == BootOutcome::RevertPending) {
    // A rejected trial still runs (the process restarted before the reboot back): for the job of the
    // checkpoint that is the end of its trial, as if the bootloader had reverted; then reboot.
    reboot_back = true;
    boot = BootOutcome::Reverted;
  }
  state = State::Idle;
  if (!s.checkpoint_error.empty()) {
    std::string message = "checkpoint unusable, starting without a job: " + s.checkpoint_error;
    log(LogLevel::Warning, message);
    emit(make_event(EventKind::Error, {}, ErrorCause::Internal, message));
    out.emplace_back(ClearCheckpoint{});
    out.emplace_back(DropStaged{});
  }
  if (!s.checkpoint) {
    if (boot == BootOutcome::Trial) {
      log(LogLevel::Warning, "running a trial image that no job knows of: confirm() keeps it, else it reverts");
    }
    go_idle();
    return reboot_back_when_idle({});
  }
  restore(*s.checkpoint);
  const char* reverted = reboot_back ? "the new image was rejected; the device goes back to the previous image"
                                     : "the bootloader went back to the previous image";
  switch (job->phase) {
    case CheckpointPhase::Reporting:
      state = State::Reporting;
      enqueue_update(job->final_report);
      if (boot == BootOutcome::Trial && job->final_report.status == jobs::JobStatus::Failed) {
        out.emplace_back(RejectRunningImage{});
        reboot_back = true;
      }
      return;
    case CheckpointPhase::Claiming:
    case CheckpointPhase::Downloading:
    case CheckpointPhase::Downloaded:
      break;
    case CheckpointPhase::Verified:
    case CheckpointPhase::AwaitingReboot:
      if (boot == BootOutcome::Trial) return enter_trial();
      if (boot == BootOutcome::Reverted) return rolled_back(reverted);
      if (boot == BootOutcome::Normal && job->phase == CheckpointPhase::AwaitingReboot) {
        state = State::AwaitingReboot;  // for the statusDetails phase of the report
        return fail(ErrorCause::RolledBack, "the device restarted on its previous image, not the new one");
      }
      break;
    case CheckpointPhase::Trial:
      if (boot == BootOutcome::Trial) return enter_trial();
      state = State::Trial;
      return rolled_back(boot == BootOutcome::Reverted ? reverted
                                                        : "the new image was not confirmed; the previous image runs");
    case CheckpointPhase::Confirming:
      if (boot == BootOutcome::Trial) {
        state = State::Confirming;
        out.emplace_back(ConfirmRunningImage{});  // the earlier confirm did not take effect
        return;
      }
      state = State::Confirming;
      if (boot == BootOutcome::Normal) return image_confirmed();
      return rolled_back(reverted);
  }
  state = State::Checking;
  want_describe(true, false, false);
}

void EngineImpl::resume_after_check(const Dispatch& d) {
  if (d.described->document) {
    const jobs::JobDocument& doc = *d.described->document;
    job->url = doc.location.url();
  } else {
    log(LogLevel::Warning, "resuming with the checkpoint's URL: " + d.described->document_error);
  }
  if (job->phase == CheckpointPhase::Claiming) {
    enqueue_update({UpdatePurpose::Claim, jobs::JobStatus::InProgress, downloading_details(0, job->size.value_or(0))});
    state = State::Claiming;
    return;
  }
  Event e = job_event(EventKind::Start);
  e.message = "resumed";
  emit(std::move(e));
  switch (job->phase) {
    case CheckpointPhase::Downloading:
      out.emplace_back(PrepareStaging{job->id, job->size, job->committed});
      state = State::Preparing;
      return;
    case CheckpointPhase::Verified:
      if (boot == BootOutcome::TrialPending) return trial_scheduled();
      [[fallthrough]];  // not scheduled (or unknown): check the staged image again, then schedule
    case CheckpointPhase::Downloaded:
      out.emplace_back(VerifyStaged{job->id, job->size ? job->size : std::optional(job->committed), job->sha256});
      state = State::Verifying;
      return;
    case CheckpointPhase::AwaitingReboot:
      return trial_scheduled();
    default:
      log(LogLevel::Bug, "checking a job in phase " + std::string(store::to_string(job->phase)));
  }
}

}  // namespace awsfota::fota
