// Private: the engine's data and the helpers its transition handlers share.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/fota/engine.hpp"
#include "awsfota/jobs/job_document.hpp"
#include "awsfota/jobs/messages.hpp"

namespace awsfota::fota {

// Why a status update is sent; handlers react to the acceptance of some of them.
enum class UpdatePurpose { Claim, Progress, Phase, AwaitingReboot, Final };

struct PendingUpdate {
  UpdatePurpose purpose = UpdatePurpose::Progress;
  jobs::JobStatus status = jobs::JobStatus::InProgress;
  jobs::StatusDetails details;
};

struct JobContext {
  std::string id;
  std::int64_t version = 0;  // latest versionNumber known
  bool version_known = true; // false for a job whose versionNumber could not be read: no expectedVersion
  std::int64_t execution_number = 0;
  store::CheckpointPhase phase = store::CheckpointPhase::Claiming;  // last persisted
  std::string url;
  std::optional<std::uint64_t> size;
  std::optional<std::string> sha256;
  std::optional<std::string> fw_version;
  std::uint64_t committed = 0;
  std::uint64_t total = 0;
  ImageKind image = ImageKind::Unknown;
  std::uint32_t url_refreshes = 0;
  PendingUpdate final_report;       // valid in Reporting
  bool reboot_requested = false;    // RebootRequested emitted
  bool reboot_sent = false;         // RequestReboot emitted
  int last_event_percent = -1;
  int last_report_percent = -1;
  int last_install_percent = -1;      // INSTALL_PROGRESS: the last event's and report's
  std::string last_install_step;
  int last_install_report_percent = -1;
  Millis last_report_time{0};
};

// Outstanding requests to the Jobs service. A slot is "wanted" until answered; `token` is empty while
// the request still has to be (re)sent, which happens whenever the engine is connected.
struct UpdateSlot {
  std::optional<PendingUpdate> current;  // sent (or to send) and not yet answered
  std::optional<PendingUpdate> next;     // waits for `current`; newer progress replaces it
  std::string token;
  bool held = false;                     // waiting for a re-read of the version (VersionMismatch)
};
struct DescribeSlot {
  bool wanted = false;
  bool check = false;    // restart: does the job still exist, and its fresh document
  bool refresh = false;  // URL expired: the fresh document
  bool resync = false;   // VersionMismatch: the current versionNumber
  std::string token;
};
struct NextSlot {
  bool wanted = false;
  std::string token;
};

// What a J/get/accepted for the job in hand brought, for the Checking and RefreshingUrl handlers.
struct DescribeResult {
  std::optional<jobs::JobDocument> document;
  std::string document_error;
};

// What the table dispatches: the kind, the original input and any decoded message data.
struct Dispatch {
  Dispatch(InputKind k, const InputEvent* e) : kind(k), event(e) {}
  InputKind kind = InputKind::Started;
  const InputEvent* event = nullptr;
  const jobs::JobParseResult* notice = nullptr;   // JobNotice
  bool notice_from_notify = false;
  const PendingUpdate* accepted = nullptr;        // UpdateAccepted
  const DescribeResult* described = nullptr;      // DescribeAccepted
  std::string ended_reason;                        // JobEnded
};

struct EngineImpl {
  explicit EngineImpl(EngineConfig c) : config(std::move(c)) {}

  EngineConfig config;
  State state = State::Created;
  bool connected = false;
  BootOutcome boot = BootOutcome::Normal;
  bool trial_checked_in = false;  // see Engine::trial_checked_in()
  bool reboots_deferred = false;
  // The running image was rejected (a failed trial): a reboot takes the device back to its previous
  // image. Asked for once no job is held; until that reboot no job is taken (either slot is in use).
  bool reboot_back = false;
  bool reboot_back_sent = false;  // RequestReboot emitted for it
  ErrorCause reboot_back_cause = ErrorCause::SelfTestFailed;  // why, for its RebootRequested event
  std::optional<JobContext> job;
  UpdateSlot update;
  DescribeSlot describe;
  NextSlot next;
  std::uint64_t token_counter = 0;
  bool response_timer_armed = false;
  std::optional<Millis> confirm_deadline;
  // Executions (job id, executionNumber) finished or given up on in this run: a re-delivered notice
  // of one of them is stale and never starts it again.
  std::deque<std::pair<std::string, std::int64_t>> finished;
  void remember_finished();

  Millis now{0};
  std::vector<Action> out;

  // --- table (engine_table.cpp) ---
  void dispatch(const Dispatch& d);
  [[nodiscard]] bool has_row(State s, InputKind k) const noexcept;

  // --- protocol (engine_protocol.cpp) ---
  void on_message(const InputEvent& event, const MqttMessage& m);
  void on_connected();
  void on_disconnected();
  void on_messages_lost();
  void on_response_timeout();
  void on_describe_accepted(const InputEvent& event, const jobs::ExecutionAccepted& a);
  void on_update_accepted(const InputEvent& event, const jobs::UpdateExecutionAccepted& a);
  enum class Request { Next, Describe, Update };
  void on_rejected(const InputEvent& event, Request request, const jobs::RejectedMessage& r);
  void ended(const InputEvent& event, const std::string& reason);
  void enqueue_update(PendingUpdate u);
  void want_describe(bool check, bool refresh, bool resync);
  void want_next();
  void clear_requests();
  void flush();
  [[nodiscard]] std::string new_token();

  // --- flow (engine_flow.cpp, engine_restart.cpp) ---
  void start(const Started& s);
  void restore(const store::Checkpoint& cp);
  void rolled_back(const std::string& reason);
  void offer(const jobs::JobParseResult& r);
  void notice_while_busy(const Dispatch& d);
  void claim_accepted(const Dispatch& d);
  void resume_after_check(const Dispatch& d);
  void staging_ready(const DfuStagingReady& r);
  void download_progress(const DownloadProgress& p);
  void install_progress(const DfuInstallProgress& p);
  void download_finished(const DownloadFinished& f);
  void url_expired();
  void url_refreshed(const Dispatch& d);
  void image_verified(const DfuImageVerified& v);
  void trial_scheduled();
  void awaiting_reboot_accepted(const Dispatch& d);
  void allow_reboot();
  void enter_trial();
  void app_confirm_trial();
  void trial_failed(ErrorCause cause, const std::string& reason);
  void image_confirmed();
  void report_accepted(const Dispatch& d);
  void fail(ErrorCause cause, const std::string& detail);
  void app_cancel();
  void job_ended(const std::string& reason);
  void abandon(const std::string& reason);
  void report(jobs::JobStatus status, jobs::StatusDetails details);
  void drop_job(EventKind kind, ErrorCause cause, const std::string& message);
  void go_idle();
  void request_reboot();
  void reboot_back_when_idle(const std::string& job_id);
  void allow_reboot_back();

  // --- outputs ---
  void emit(Event e);
  void log(LogLevel level, std::string message);
  void persist();
  void set_phase(store::CheckpointPhase phase);
  [[nodiscard]] store::Checkpoint checkpoint() const;
  [[nodiscard]] Event job_event(EventKind kind) const;
  [[nodiscard]] bool before_reboot() const noexcept;
};

inline Event make_event(EventKind kind, std::string job_id = {}, ErrorCause cause = ErrorCause::None,
                        std::string message = {}) {
  Event e;
  e.kind = kind;
  e.job_id = std::move(job_id);
  e.cause = cause;
  e.message = std::move(message);
  return e;
}

// status.cpp: the statusDetails a user sees in the console, within AWS's limits.
[[nodiscard]] jobs::StatusDetails downloading_details(std::uint64_t committed, std::uint64_t total);
[[nodiscard]] jobs::StatusDetails phase_details(std::string_view phase);
[[nodiscard]] jobs::StatusDetails awaiting_reboot_details(ImageKind kind);
[[nodiscard]] jobs::StatusDetails succeeded_details(std::string_view reason, const std::optional<std::string>& fw);
[[nodiscard]] jobs::StatusDetails failed_details(std::string_view phase, ErrorCause cause, std::string_view reason);
[[nodiscard]] std::string clip_status_value(std::string_view text);
[[nodiscard]] int percent_of(std::uint64_t part, std::uint64_t whole) noexcept;

}  // namespace awsfota::fota
