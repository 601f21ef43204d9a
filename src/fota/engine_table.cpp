// The engine's transition table: every (state, input kind) pair the engine expects, in one place.
// A pair not listed here is a bug in the caller or a seam: it is logged at level Bug and changes
// nothing. Rows with kAnyState apply in every state that has no row of its own for that kind.
#include <array>
#include <type_traits>

#include "fota/engine_impl.hpp"

namespace awsfota::fota {
namespace {

using Handler = void (*)(EngineImpl&, const Dispatch&);

struct Row {
  State state;
  InputKind kind;
  Handler handler;
};

constexpr State kAnyState = static_cast<State>(-1);

template <class T>
const T& input(const Dispatch& d) {
  return std::get<T>(*d.event);
}

// Handlers of more than a line live in engine_flow.cpp / engine_protocol.cpp; the table says which.
constexpr void nothing(EngineImpl&, const Dispatch&) {}
void start(EngineImpl& e, const Dispatch& d) { e.start(input<Started>(d)); }
void connected(EngineImpl& e, const Dispatch&) { e.on_connected(); }
void connected_idle(EngineImpl& e, const Dispatch&) { e.want_next(); e.on_connected(); }
void disconnected(EngineImpl& e, const Dispatch&) { e.on_disconnected(); }
void messages_lost(EngineImpl& e, const Dispatch&) { e.on_messages_lost(); }
void response_timeout(EngineImpl& e, const Dispatch&) { e.on_response_timeout(); }
void offer(EngineImpl& e, const Dispatch& d) { e.offer(*d.notice); }
void notice_busy(EngineImpl& e, const Dispatch& d) { e.notice_while_busy(d); }
void claim_accepted(EngineImpl& e, const Dispatch& d) { e.claim_accepted(d); }
void resume(EngineImpl& e, const Dispatch& d) { e.resume_after_check(d); }
void erase_pending(EngineImpl& e, const Dispatch&) { e.emit(e.job_event(EventKind::ErasePending)); }
void staging_ready(EngineImpl& e, const Dispatch& d) { e.staging_ready(input<DfuStagingReady>(d)); }
void progress(EngineImpl& e, const Dispatch& d) { e.download_progress(input<DownloadProgress>(d)); }
void finished(EngineImpl& e, const Dispatch& d) { e.download_finished(input<DownloadFinished>(d)); }
void download_failed(EngineImpl& e, const Dispatch& d) {
  const auto& f = input<DownloadFailed>(d);
  e.fail(f.cause, f.detail);
}
void dfu_failed(EngineImpl& e, const Dispatch& d) {
  const auto& f = input<DfuFailed>(d);
  e.fail(f.cause, f.detail);
}
void url_expired(EngineImpl& e, const Dispatch&) { e.url_expired(); }
void url_refreshed(EngineImpl& e, const Dispatch& d) { e.url_refreshed(d); }
void install_progress(EngineImpl& e, const Dispatch& d) { e.install_progress(input<DfuInstallProgress>(d)); }
void verified(EngineImpl& e, const Dispatch& d) { e.image_verified(input<DfuImageVerified>(d)); }
void scheduled(EngineImpl& e, const Dispatch&) { e.trial_scheduled(); }
void reboot_status_accepted(EngineImpl& e, const Dispatch& d) { e.awaiting_reboot_accepted(d); }
void defer_reboot(EngineImpl& e, const Dispatch&) { e.reboots_deferred = true; }
void allow_reboot_later(EngineImpl& e, const Dispatch&) {
  e.reboots_deferred = false;
  e.allow_reboot_back();
}
void allow_reboot_now(EngineImpl& e, const Dispatch&) { e.allow_reboot(); }
void confirm_trial(EngineImpl& e, const Dispatch&) { e.app_confirm_trial(); }
void self_test_failed(EngineImpl& e, const Dispatch& d) {
  const auto& r = input<AppSelfTestFailed>(d).reason;
  e.trial_failed(ErrorCause::SelfTestFailed, r.empty() ? "self-test failed" : "self-test failed: " + r);
}
void confirm_timeout(EngineImpl& e, const Dispatch&) {
  if (!e.confirm_deadline || e.now < *e.confirm_deadline) {
    return e.log(LogLevel::Debug, "confirm timer expired early or after it was canceled: ignored");
  }
  e.trial_failed(ErrorCause::SelfTestFailed,
                 "the new image was not confirmed within " +
                     std::to_string(e.config.confirm_timeout.count() / 1000) + " s");
}
void confirmed(EngineImpl& e, const Dispatch&) { e.image_confirmed(); }
void confirm_failed(EngineImpl& e, const Dispatch& d) {
  e.trial_failed(ErrorCause::Dfu, "confirming the new image failed: " + input<DfuFailed>(d).detail);
}
void report_accepted(EngineImpl& e, const Dispatch& d) { e.report_accepted(d); }
void job_ended(EngineImpl& e, const Dispatch& d) { e.job_ended(d.ended_reason); }
void cancel(EngineImpl& e, const Dispatch&) { e.app_cancel(); }
void store_failed_fail(EngineImpl& e, const Dispatch& d) {
  e.fail(ErrorCause::Internal, "checkpoint could not be saved: " + input<CheckpointSaveFailed>(d).detail);
}
void store_failed_log(EngineImpl& e, const Dispatch& d) {
  e.log(LogLevel::Error, "checkpoint could not be saved: " + input<CheckpointSaveFailed>(d).detail);
}
// Without a job: the application confirms a trial image that no checkpoint knew of (e.g. the job was
// canceled in the cloud after the reboot). Confirming is still the application's call to make.
void confirm_without_job(EngineImpl& e, const Dispatch&) {
  if (e.boot != BootOutcome::Trial) {
    e.log(LogLevel::Info, "confirm: the running image is not on trial; nothing to do");
    return;
  }
  e.out.emplace_back(ConfirmRunningImage{});
}
void confirmed_without_job(EngineImpl& e, const Dispatch&) {
  e.boot = BootOutcome::Normal;
  e.emit(make_event(EventKind::Confirmed));
}
void confirm_without_job_failed(EngineImpl& e, const Dispatch& d) {
  const auto& f = input<DfuFailed>(d);
  e.emit(make_event(EventKind::Error, {}, f.cause, "confirm failed: " + f.detail));
}

using S = State;
using K = InputKind;

// clang-format off
constexpr std::array kTable = {
  //  state             input kind                handler
  Row{S::Created,        K::Started,              start},

  Row{kAnyState,         K::Connected,            connected},
  Row{S::Idle,           K::Connected,            connected_idle},
  Row{kAnyState,         K::Disconnected,         disconnected},
  Row{kAnyState,         K::ResponseTimeout,      response_timeout},
  Row{kAnyState,         K::AppDeferReboot,       defer_reboot},
  Row{kAnyState,         K::AppAllowReboot,       allow_reboot_later},
  Row{kAnyState,         K::CheckpointSaveFailed, store_failed_log},
  Row{kAnyState,         K::MessagesLost,         messages_lost},

  Row{S::Idle,           K::JobNotice,            offer},
  Row{S::Idle,           K::AppConfirm,           confirm_without_job},
  Row{S::Idle,           K::DfuImageConfirmed,    confirmed_without_job},
  Row{S::Idle,           K::DfuFailed,            confirm_without_job_failed},

  Row{S::Claiming,       K::JobNotice,            notice_busy},
  Row{S::Claiming,       K::UpdateAccepted,       claim_accepted},
  Row{S::Claiming,       K::JobEnded,             job_ended},
  Row{S::Claiming,       K::AppCancel,            cancel},
  Row{S::Claiming,       K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Checking,       K::JobNotice,            notice_busy},
  Row{S::Checking,       K::DescribeAccepted,     resume},
  Row{S::Checking,       K::UpdateAccepted,       nothing},
  Row{S::Checking,       K::JobEnded,             job_ended},
  Row{S::Checking,       K::AppCancel,            cancel},
  Row{S::Checking,       K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Preparing,      K::JobNotice,            notice_busy},
  Row{S::Preparing,      K::UpdateAccepted,       nothing},
  Row{S::Preparing,      K::DfuErasePending,      erase_pending},
  Row{S::Preparing,      K::DfuStagingReady,      staging_ready},
  Row{S::Preparing,      K::DfuFailed,            dfu_failed},
  Row{S::Preparing,      K::JobEnded,             job_ended},
  Row{S::Preparing,      K::AppCancel,            cancel},
  Row{S::Preparing,      K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Downloading,    K::JobNotice,            notice_busy},
  Row{S::Downloading,    K::UpdateAccepted,       nothing},
  Row{S::Downloading,    K::DownloadProgress,     progress},
  Row{S::Downloading,    K::DownloadFinished,     finished},
  Row{S::Downloading,    K::DownloadFailed,       download_failed},
  Row{S::Downloading,    K::DownloadUrlExpired,   url_expired},
  Row{S::Downloading,    K::JobEnded,             job_ended},
  Row{S::Downloading,    K::AppCancel,            cancel},
  Row{S::Downloading,    K::CheckpointSaveFailed, store_failed_fail},

  Row{S::RefreshingUrl,  K::JobNotice,            notice_busy},
  Row{S::RefreshingUrl,  K::UpdateAccepted,       nothing},
  Row{S::RefreshingUrl,  K::DescribeAccepted,     url_refreshed},
  Row{S::RefreshingUrl,  K::JobEnded,             job_ended},
  Row{S::RefreshingUrl,  K::AppCancel,            cancel},
  Row{S::RefreshingUrl,  K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Verifying,      K::JobNotice,            notice_busy},
  Row{S::Verifying,      K::UpdateAccepted,       nothing},
  Row{S::Verifying,      K::DfuImageVerified,     verified},
  Row{S::Verifying,      K::DfuInstallProgress,   install_progress},
  Row{S::Verifying,      K::DfuFailed,            dfu_failed},
  Row{S::Verifying,      K::JobEnded,             job_ended},
  Row{S::Verifying,      K::AppCancel,            cancel},
  Row{S::Verifying,      K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Scheduling,     K::JobNotice,            notice_busy},
  Row{S::Scheduling,     K::UpdateAccepted,       nothing},
  Row{S::Scheduling,     K::DfuTrialScheduled,    scheduled},
  Row{S::Scheduling,     K::DfuFailed,            dfu_failed},
  Row{S::Scheduling,     K::JobEnded,             job_ended},
  Row{S::Scheduling,     K::AppCancel,            cancel},
  Row{S::Scheduling,     K::CheckpointSaveFailed, store_failed_fail},

  Row{S::AwaitingReboot, K::JobNotice,            notice_busy},
  Row{S::AwaitingReboot, K::UpdateAccepted,       reboot_status_accepted},
  Row{S::AwaitingReboot, K::AppAllowReboot,       allow_reboot_now},
  Row{S::AwaitingReboot, K::JobEnded,             job_ended},
  Row{S::AwaitingReboot, K::AppCancel,            cancel},
  Row{S::AwaitingReboot, K::CheckpointSaveFailed, store_failed_fail},

  Row{S::Trial,          K::JobNotice,            notice_busy},
  Row{S::Trial,          K::UpdateAccepted,       nothing},
  Row{S::Trial,          K::AppConfirm,           confirm_trial},
  Row{S::Trial,          K::AppSelfTestFailed,    self_test_failed},
  Row{S::Trial,          K::ConfirmTimeout,       confirm_timeout},
  Row{S::Trial,          K::JobEnded,             job_ended},

  Row{S::Confirming,     K::JobNotice,            notice_busy},
  Row{S::Confirming,     K::UpdateAccepted,       nothing},
  Row{S::Confirming,     K::DfuImageConfirmed,    confirmed},
  Row{S::Confirming,     K::DfuFailed,            confirm_failed},
  Row{S::Confirming,     K::JobEnded,             job_ended},

  Row{S::Reporting,      K::JobNotice,            notice_busy},
  Row{S::Reporting,      K::UpdateAccepted,       report_accepted},
  Row{S::Reporting,      K::JobEnded,             job_ended},
};
// clang-format on

const Row* find_row(State state, InputKind kind) noexcept {
  const Row* any = nullptr;
  for (const Row& row : kTable) {
    if (row.kind != kind) continue;
    if (row.state == state) return &row;
    if (row.state == kAnyState) any = &row;
  }
  return state == State::Created ? nullptr : any;  // before Started, nothing but Started applies
}

}  // namespace

void EngineImpl::dispatch(const Dispatch& d) {
  const Row* row = find_row(state, d.kind);
  if (row == nullptr) {
    log(LogLevel::Bug, "unexpected input " + std::string(to_string(d.kind)) + " in state " +
                           std::string(to_string(state)) + ": ignored");
    return;
  }
  row->handler(*this, d);
}

bool EngineImpl::has_row(State s, InputKind k) const noexcept { return find_row(s, k) != nullptr; }

}  // namespace awsfota::fota
