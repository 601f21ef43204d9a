// The job flow: what each transition of the table does, from taking a job to its reported outcome.
#include <algorithm>

#include "awsfota/jobs/topics.hpp"
#include "fota/engine_impl.hpp"

namespace awsfota::fota {
namespace {

constexpr std::size_t kMaxFinished = 16;

std::string phase_name(State state) {
  switch (state) {
    case State::Verifying:
    case State::Scheduling: return "verifying";
    case State::AwaitingReboot: return "awaiting_reboot";
    case State::Trial:
    case State::Confirming: return "confirming";
    default: return "downloading";
  }
}

}  // namespace

// ---- outputs ------------------------------------------------------------------------------------

void EngineImpl::emit(Event e) { out.emplace_back(EmitEvent{std::move(e)}); }

void EngineImpl::log(LogLevel level, std::string message) { out.emplace_back(Log{level, std::move(message)}); }

Event EngineImpl::job_event(EventKind kind) const {
  Event e = make_event(kind);
  if (job) {
    e.job_id = job->id;
    e.image = job->image;
  }
  return e;
}

store::Checkpoint EngineImpl::checkpoint() const {
  store::Checkpoint cp;
  cp.job_id = job->id;
  cp.version_number = job->version;
  cp.execution_number = job->execution_number;
  cp.phase = job->phase;
  cp.url = job->url;
  cp.size = job->size;
  cp.sha256 = job->sha256;
  cp.fw_version = job->fw_version;
  cp.committed_offset = job->committed;
  cp.total = job->total;
  cp.image_kind = static_cast<std::uint32_t>(job->image);
  cp.url_refreshes = job->url_refreshes;
  if (job->phase == store::CheckpointPhase::Reporting) {
    cp.report_status = std::string(jobs::to_string(job->final_report.status));
    cp.report_details = job->final_report.details;
  }
  return cp;
}

void EngineImpl::persist() { out.emplace_back(PersistCheckpoint{checkpoint()}); }

void EngineImpl::set_phase(store::CheckpointPhase phase) {
  job->phase = phase;
  persist();
}

bool EngineImpl::before_reboot() const noexcept {
  switch (state) {
    case State::Claiming:
    case State::Checking:
    case State::Preparing:
    case State::Downloading:
    case State::RefreshingUrl:
    case State::Verifying:
    case State::Scheduling:
    case State::AwaitingReboot: return true;
    default: return false;
  }
}

// ---- taking a job -------------------------------------------------------------------------------

void EngineImpl::offer(const jobs::JobParseResult& r) {
  if (r.status == jobs::JobParseStatus::NoJob) return log(LogLevel::Debug, "no pending job");
  if (reboot_back) {
    return log(LogLevel::Info, "job " + r.job_id + " waits: the device reboots back to its previous image first");
  }
  if (r.status == jobs::JobParseStatus::InvalidJob || !jobs::is_valid_job_id(r.job_id)) {
    return log(LogLevel::Warning, "job notice without a usable job: " + r.reason);
  }
  const std::int64_t execution = r.job ? r.job->execution_number : 0;
  for (const auto& [id, number] : finished) {
    if (id == r.job_id && (number == execution || execution == 0)) {
      return log(LogLevel::Info, "job " + r.job_id + " already ended in this run: stale notice ignored");
    }
  }
  job = JobContext{};
  job->id = r.job_id;
  job->last_report_time = now;
  if (r.status != jobs::JobParseStatus::Ok) {
    job->version = r.version_number.value_or(0);
    job->version_known = r.version_number.has_value();
    std::string reason = "invalid job document: " + r.reason;
    emit(make_event(EventKind::Error, r.job_id, ErrorCause::InvalidUpdate, reason));
    report(jobs::JobStatus::Failed, failed_details("downloading", ErrorCause::InvalidUpdate, reason));
    return;
  }
  const jobs::PendingJob& p = *r.job;
  job->version = p.version_number;
  job->execution_number = p.execution_number;
  job->url = p.document.location.url();
  job->size = p.document.size;
  job->sha256 = p.document.sha256;
  job->fw_version = p.document.fw_version;
  if (p.document.fw_version && same_fw_version(*p.document.fw_version, config.running_version)) {
    report(jobs::JobStatus::Succeeded, succeeded_details("already installed", job->fw_version));
    return;
  }
  if (config.document_options.compat == jobs::Compat::NrfAwsFota && !job->sha256) {
    // Taken as the reference takes it: said on every such job, so that no one mistakes it for a
    // checked download.
    const bool plain = !p.document.location.https;
    log(LogLevel::Warning, "job " + job->id + " is taken as the nRF Connect SDK AWS FOTA library takes it (compat " +
                               "nrf-aws-fota): no sha256, so its size is not checked" +
                               (plain ? " and it comes over plain http (" + job->url + ")" : std::string()) +
                               "; only the image's own checks vouch for the file");
  }
  // Before the checkpoint names this job: a revert still on record is an earlier job's (its checkpoint
  // is gone, so it was reported), and must not be read as the end of this job's trial after a restart.
  out.emplace_back(AcknowledgeRevert{});
  if (boot == BootOutcome::Reverted) boot = BootOutcome::Normal;
  set_phase(store::CheckpointPhase::Claiming);
  enqueue_update({UpdatePurpose::Claim, jobs::JobStatus::InProgress, downloading_details(0, job->size.value_or(0))});
  state = State::Claiming;
}

void EngineImpl::notice_while_busy(const Dispatch& d) {
  const jobs::JobParseResult& r = *d.notice;
  if (!r.job_id.empty() && r.job_id == job->id) return log(LogLevel::Debug, "duplicate notice of the job in hand");
  if (state == State::Reporting) return;  // the answer to the final report ends the job either way
  if (r.status == jobs::JobParseStatus::InvalidJob) return log(LogLevel::Warning, "unusable job notice: " + r.reason);
  if (r.status == jobs::JobParseStatus::NoJob) {
    return job_ended("nothing is pending for this thing any more: the job was canceled or removed");
  }
  // Another job is next: either it is newer and waits (asked for after this one), or ours ended in the
  // cloud. Reading our execution tells which.
  log(LogLevel::Info, "job " + r.job_id + " waits until " + job->id + " ends");
  want_describe(false, false, false);
}

void EngineImpl::claim_accepted(const Dispatch& d) {
  if (d.accepted->purpose != UpdatePurpose::Claim) return;
  Event e = job_event(EventKind::Start);
  e.message = "new";
  emit(std::move(e));
  job->last_report_time = now;
  job->last_report_percent = 0;
  out.emplace_back(PrepareStaging{job->id, job->size, 0});
  state = State::Preparing;
}

// ---- download -----------------------------------------------------------------------------------

void EngineImpl::staging_ready(const DfuStagingReady& r) {
  if (r.erased) emit(job_event(EventKind::EraseDone));
  state = State::Downloading;
  if (r.kept > job->committed) {
    log(LogLevel::Bug, "staging kept " + std::to_string(r.kept) + " bytes, more than the " +
                           std::to_string(job->committed) + " asked for: resuming at " + std::to_string(job->committed));
  } else if (r.kept < job->committed) {
    // E.g. the staging record was lost: what the checkpoint counted is not there to resume from.
    log(LogLevel::Warning, "only " + std::to_string(r.kept) + " of the " + std::to_string(job->committed) +
                               " staged bytes could be kept: the download resumes at " + std::to_string(r.kept));
    job->committed = r.kept;
    set_phase(store::CheckpointPhase::Downloading);
  }
  if (job->size && job->committed == *job->size && job->committed > 0) {
    return download_finished(DownloadFinished{job->committed});  // everything was staged before a restart
  }
  out.emplace_back(StartDownload{job->id, job->url, job->committed, job->size, job->sha256});
}

void EngineImpl::download_progress(const DownloadProgress& p) {
  if (p.total != 0) {
    if (job->size && p.total != *job->size) {
      return fail(ErrorCause::SizeMismatch, "the server has " + std::to_string(p.total) +
                                                " bytes, the job document says " + std::to_string(*job->size));
    }
    job->total = p.total;
  }
  if (p.committed_offset < job->committed || (job->total != 0 && p.committed_offset > job->total)) {
    return log(LogLevel::Bug, "download progress " + std::to_string(p.committed_offset) + " out of order: ignored");
  }
  if (p.committed_offset > job->committed) {
    job->committed = p.committed_offset;
    set_phase(store::CheckpointPhase::Downloading);
  }
  const std::uint64_t total = job->total != 0 ? job->total : job->size.value_or(0);
  // Events and reports follow the bytes received; the checkpoint only the durable ones.
  const std::uint64_t received = std::max(p.received, job->committed);
  const int pct = percent_of(received, total);
  if (pct < 0) return;
  if (pct != job->last_event_percent) {
    Event e = job_event(EventKind::DlProgress);
    e.percent = pct;
    emit(std::move(e));
    job->last_event_percent = pct;
  }
  const bool enough_percent = pct >= job->last_report_percent + static_cast<int>(config.progress_min_percent);
  const bool enough_time = now - job->last_report_time >= config.progress_min_interval;
  if (pct < 100 && enough_percent && enough_time) {
    enqueue_update({UpdatePurpose::Progress, jobs::JobStatus::InProgress, downloading_details(received, total)});
    job->last_report_percent = pct;
    job->last_report_time = now;
  }
}

// The installer's own progress (RAUC installs during verify): events on each change, reports as
// download progress is throttled, never a 100 % report (the verified phase report follows it).
void EngineImpl::install_progress(const DfuInstallProgress& p) {
  const int pct = std::clamp(p.percent, 0, 100);
  const std::string step = clip_status_value(p.step);
  if (pct != job->last_install_percent || step != job->last_install_step) {
    Event e = job_event(EventKind::InstallProgress);
    e.percent = pct;
    e.message = step;
    emit(std::move(e));
    job->last_install_percent = pct;
    job->last_install_step = step;
  }
  const bool enough_percent = pct >= job->last_install_report_percent + static_cast<int>(config.progress_min_percent);
  const bool enough_time = now - job->last_report_time >= config.progress_min_interval;
  if (pct < 100 && enough_percent && enough_time) {
    jobs::StatusDetails details{{"phase", "installing"}, {"percent", std::to_string(pct)}};
    if (!step.empty()) details["step"] = step;
    enqueue_update({UpdatePurpose::Progress, jobs::JobStatus::InProgress, std::move(details)});
    job->last_install_report_percent = pct;
    job->last_report_time = now;
  }
}

void EngineImpl::download_finished(const DownloadFinished& f) {
  if (job->size && f.size != *job->size) {
    return fail(ErrorCause::SizeMismatch, "downloaded " + std::to_string(f.size) + " bytes, the job document says " +
                                              std::to_string(*job->size));
  }
  job->committed = f.size;
  job->total = f.size;
  if (job->last_event_percent != 100) {
    Event e = job_event(EventKind::DlProgress);
    e.percent = 100;
    emit(std::move(e));
    job->last_event_percent = 100;
  }
  set_phase(store::CheckpointPhase::Downloaded);
  enqueue_update({UpdatePurpose::Phase, jobs::JobStatus::InProgress, phase_details("verifying")});
  out.emplace_back(VerifyStaged{job->id, f.size, job->sha256});
  state = State::Verifying;
}

void EngineImpl::url_expired() {
  if (job->url_refreshes >= config.max_url_refreshes) {
    return fail(ErrorCause::UrlExpired, "the download URL expired again after " +
                                            std::to_string(job->url_refreshes) + " refreshes");
  }
  ++job->url_refreshes;
  persist();
  // Said plainly: an operator reading the log sees why the download paused. (No byte offset: the
  // downloader goes on from the bytes it holds, which may be past the last one committed here.)
  log(LogLevel::Info, "job " + job->id + ": the download link expired; asking the service for a fresh job document (" +
                          "refresh " + std::to_string(job->url_refreshes) + " of " +
                          std::to_string(config.max_url_refreshes) + ")");
  want_describe(false, true, false);
  state = State::RefreshingUrl;
}

void EngineImpl::url_refreshed(const Dispatch& d) {
  if (!d.described->document) {
    return fail(ErrorCause::InvalidUpdate, "the refreshed job document is unusable: " + d.described->document_error);
  }
  job->url = d.described->document->location.url();
  persist();
  log(LogLevel::Info, "job " + job->id + ": fresh download link received; the download goes on where it stopped");
  out.emplace_back(StartDownload{job->id, job->url, job->committed, job->size, job->sha256});
  state = State::Downloading;
}

// ---- verify, schedule, reboot -------------------------------------------------------------------

void EngineImpl::image_verified(const DfuImageVerified& v) {
  job->image = v.kind;
  set_phase(store::CheckpointPhase::Verified);
  out.emplace_back(ScheduleTrialBoot{v.kind});
  state = State::Scheduling;
}

void EngineImpl::trial_scheduled() {
  set_phase(store::CheckpointPhase::AwaitingReboot);
  enqueue_update({UpdatePurpose::AwaitingReboot, jobs::JobStatus::InProgress, awaiting_reboot_details(job->image)});
  job->reboot_requested = false;
  job->reboot_sent = false;
  state = State::AwaitingReboot;
}

void EngineImpl::awaiting_reboot_accepted(const Dispatch& d) {
  if (d.accepted->purpose == UpdatePurpose::AwaitingReboot) request_reboot();
}

void EngineImpl::request_reboot() {
  if (job->reboot_requested) return;
  job->reboot_requested = true;
  persist();  // the versionNumber after `awaiting_reboot`, so the first report after the reboot matches
  Event e = job_event(EventKind::RebootRequested);
  e.deferred = reboots_deferred;
  emit(std::move(e));
  if (!reboots_deferred) {
    job->reboot_sent = true;
    out.emplace_back(RequestReboot{});
  }
}

void EngineImpl::allow_reboot() {
  reboots_deferred = false;
  if (job->reboot_requested && !job->reboot_sent) {
    job->reboot_sent = true;
    out.emplace_back(RequestReboot{});
  }
}

// ---- after the reboot ---------------------------------------------------------------------------

void EngineImpl::enter_trial() {
  set_phase(store::CheckpointPhase::Trial);
  confirm_deadline = now + config.confirm_timeout;
  out.emplace_back(StartTimer{TimerId::Confirm, *confirm_deadline});
  enqueue_update({UpdatePurpose::Phase, jobs::JobStatus::InProgress, phase_details("confirming")});
  trial_checked_in = false;
  state = State::Trial;
}

void EngineImpl::app_confirm_trial() {
  set_phase(store::CheckpointPhase::Confirming);
  out.emplace_back(CancelTimer{TimerId::Confirm});
  confirm_deadline.reset();
  out.emplace_back(ConfirmRunningImage{});
  state = State::Confirming;
}

void EngineImpl::image_confirmed() {
  boot = BootOutcome::Normal;
  emit(job_event(EventKind::Confirmed));
  report(jobs::JobStatus::Succeeded, succeeded_details("new image booted and confirmed", job->fw_version));
}

void EngineImpl::trial_failed(ErrorCause cause, const std::string& reason) {
  if (confirm_deadline) {
    out.emplace_back(CancelTimer{TimerId::Confirm});
    confirm_deadline.reset();
  }
  out.emplace_back(RejectRunningImage{});
  Event e = job_event(EventKind::Error);
  e.cause = cause;
  e.message = reason;
  emit(std::move(e));
  reboot_back = true;
  reboot_back_cause = cause;
  report(jobs::JobStatus::Failed, failed_details("confirming", cause, reason));
}

// ---- outcomes -----------------------------------------------------------------------------------

void EngineImpl::report(jobs::JobStatus status, jobs::StatusDetails details) {
  job->final_report = PendingUpdate{UpdatePurpose::Final, status, std::move(details)};
  enqueue_update(job->final_report);
  describe.check = false;
  describe.refresh = false;
  set_phase(store::CheckpointPhase::Reporting);
  state = State::Reporting;
}

void EngineImpl::report_accepted(const Dispatch& d) {
  if (d.accepted->purpose != UpdatePurpose::Final) return;
  const JobContext done = *job;
  out.emplace_back(ClearCheckpoint{});
  if (done.final_report.status == jobs::JobStatus::Succeeded) {
    auto reason = done.final_report.details.find("reason");
    Event e = make_event(EventKind::Done, done.id, ErrorCause::None,
                         reason == done.final_report.details.end() ? "" : reason->second);
    e.image = done.image;
    emit(std::move(e));
  }
  go_idle();
  reboot_back_when_idle(done.id);
}

// A failed trial: the device must go back to its previous image, which takes a reboot. Whichever way
// the job ended (reported, canceled or deleted meanwhile), and also with no job at all.
void EngineImpl::reboot_back_when_idle(const std::string& job_id) {
  if (!reboot_back || reboot_back_sent) return;
  Event e = make_event(EventKind::RebootRequested, job_id, reboot_back_cause, "back to the previous image");
  e.deferred = reboots_deferred;
  emit(std::move(e));
  allow_reboot_back();
}

void EngineImpl::allow_reboot_back() {
  if (!reboot_back || reboot_back_sent || reboots_deferred || job) return;
  reboot_back_sent = true;
  out.emplace_back(RequestReboot{});
}

void EngineImpl::fail(ErrorCause cause, const std::string& detail) {
  const std::string phase = phase_name(state);
  if (state == State::Downloading) out.emplace_back(StopDownload{});
  out.emplace_back(DropStaged{});
  Event e = job_event(EventKind::Error);
  e.cause = cause;
  e.message = detail;
  emit(std::move(e));
  report(jobs::JobStatus::Failed, failed_details(phase, cause, detail));
}

void EngineImpl::app_cancel() {
  const std::string phase = phase_name(state);
  if (state == State::Downloading) out.emplace_back(StopDownload{});
  out.emplace_back(DropStaged{});
  Event e = job_event(EventKind::Canceled);
  e.message = "canceled by the application";
  emit(std::move(e));
  report(jobs::JobStatus::Failed, failed_details(phase, ErrorCause::Canceled, "canceled on the device"));
}

void EngineImpl::job_ended(const std::string& reason) { drop_job(EventKind::Canceled, ErrorCause::None, reason); }

void EngineImpl::abandon(const std::string& reason) {
  if (!job) return;
  log(LogLevel::Error, reason);
  drop_job(EventKind::Canceled, ErrorCause::Internal, reason);
}

void EngineImpl::drop_job(EventKind kind, ErrorCause cause, const std::string& message) {
  if (before_reboot()) {
    if (state == State::Downloading) out.emplace_back(StopDownload{});
    out.emplace_back(DropStaged{});
  }
  if (confirm_deadline) {
    out.emplace_back(CancelTimer{TimerId::Confirm});
    confirm_deadline.reset();
  }
  if (state == State::Trial) {
    // The job ended while its image is on trial: the update is undone, as a cancel asks. Left
    // running, the unconfirmed image would hold both slots (no later job could install) until some
    // reboot happened to revert it.
    out.emplace_back(RejectRunningImage{});
    reboot_back = true;
    reboot_back_cause = ErrorCause::Canceled;
  }
  Event e = job_event(kind);
  e.cause = cause;
  e.message = message;
  const std::string id = job->id;
  emit(std::move(e));
  out.emplace_back(ClearCheckpoint{});
  go_idle();
  reboot_back_when_idle(id);
}

void EngineImpl::remember_finished() {
  finished.emplace_back(job->id, job->execution_number);
  if (finished.size() > kMaxFinished) finished.pop_front();
}

void EngineImpl::go_idle() {
  if (job) remember_finished();
  job.reset();
  clear_requests();
  state = State::Idle;
  want_next();
}

}  // namespace awsfota::fota
