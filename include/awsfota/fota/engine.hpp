// The FOTA engine: a sans-IO state machine. Feed it an Input, execute the Actions it returns.
//
// It never does I/O, never reads a clock and never calls back: every input carries `now`, and every
// effect (MQTT publish, download, DFU operation, checkpoint, timer, reboot, event, log line) comes
// back as an Action for the caller to execute in order. The application-facing wrapper that does this
// with seams is Fota (fota.hpp); tests drive the engine directly.
//
//   using namespace awsfota::fota;
//   auto engine = Engine::create(EngineConfig{.thing_name = "sensor-7", .running_version = "v1.0.0"});
//   if (!engine) die(engine.error().message);
//   execute(engine->handle({now(), Started{BootOutcome::Normal, std::nullopt, {}}}));
//   execute(engine->handle({now(), MqttConnected{}}));   // -> Subscribe x3, Publish $next/get
//   execute(engine->handle({now(), MqttMessage{topic, payload}}));
//
// The states and their transitions are one table in src/fota/engine_table.cpp (and docs/engine.md).
// An input that the current state does not expect yields a Log action at level Bug and changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "awsfota/expected.hpp"
#include "awsfota/fota/types.hpp"
#include "awsfota/store/checkpoint.hpp"

namespace awsfota::fota {

// ---- inputs -------------------------------------------------------------------------------------

// First input, exactly once: what was found at start-up. `checkpoint_error` non-empty means a
// checkpoint existed but could not be used (the engine starts clean and says so).
struct Started {
  BootOutcome boot = BootOutcome::Normal;
  std::optional<store::Checkpoint> checkpoint;
  std::string checkpoint_error;
};
struct MqttConnected {};
struct MqttDisconnected {};
struct MqttMessage {
  std::string topic;
  std::string payload;
};
// The downloader durably committed `committed_offset` bytes of `total` (0 when not yet known).
struct DownloadProgress {
  std::uint64_t committed_offset = 0;  // durably staged: what the checkpoint records
  std::uint64_t total = 0;
  std::uint64_t received = 0;          // received so far, >= committed_offset (0: the same as it):
                                       //   what DL_PROGRESS and the reported progress count
};
struct DownloadFinished {
  std::uint64_t size = 0;  // bytes staged in all
};
struct DownloadFailed {
  ErrorCause cause = ErrorCause::DownloadFailed;
  std::string detail;
};
// The server refused the URL as expired (e.g. S3 answered 403 to a presigned URL).
struct DownloadUrlExpired {};
struct DfuErasePending {};
struct DfuStagingReady {
  bool erased = false;      // true when the target erased the staging area (the EraseDone event fires)
  std::uint64_t kept = 0;   // staged bytes kept, <= PrepareStaging::keep_bytes: the download resumes here
};
struct DfuImageVerified {
  ImageKind kind = ImageKind::Unknown;
};
struct DfuTrialScheduled {};
struct DfuImageConfirmed {};
struct DfuFailed {
  ErrorCause cause = ErrorCause::Dfu;
  std::string detail;
};
// An installer that runs the install itself (RAUC) reports how far it is, during verify.
struct DfuInstallProgress {
  int percent = 0;   // 0..100
  std::string step;  // the installer's words for what it does now
};
struct TimerExpired {
  TimerId id = TimerId::Response;
};
// The checkpoint store failed to save (the action came before); the job cannot be kept safe.
struct CheckpointSaveFailed {
  std::string detail;
};
struct AppConfirm {};  // the application confirms the running image (its self-test passed)
struct AppSelfTestFailed {
  std::string reason;
};
struct AppCancel {};
struct AppDeferReboot {};
struct AppAllowReboot {};
// Jobs messages were dropped before they reached the engine (the runtime's queue was full): whatever
// they said, a new job or the end of the one in hand, is unknown, so the engine asks the service again.
struct MessagesLost {};

using InputEvent = std::variant<Started, MqttConnected, MqttDisconnected, MqttMessage, DownloadProgress,
                                DownloadFinished, DownloadFailed, DownloadUrlExpired, DfuErasePending,
                                DfuStagingReady, DfuImageVerified, DfuTrialScheduled, DfuImageConfirmed, DfuFailed,
                                TimerExpired, CheckpointSaveFailed, AppConfirm, AppSelfTestFailed, AppCancel,
                                AppDeferReboot, AppAllowReboot, MessagesLost, DfuInstallProgress>;

struct Input {
  Millis now{0};
  InputEvent event;
};

// ---- actions ------------------------------------------------------------------------------------

struct Subscribe {
  std::string filter;
  int qos = 1;
};
struct Publish {
  std::string topic;
  std::string payload;
  int qos = 1;
};
// Fetch `url` from byte `offset` into the staging area. Results: DownloadProgress / Finished / Failed /
// UrlExpired. The downloader may check `sha256` itself; the verify step always does.
struct StartDownload {
  std::string job_id;
  std::string url;
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> expected_size;
  std::optional<std::string> sha256;
};
struct StopDownload {};
// Make the staging area ready for `expected_size` bytes, keeping the first `keep_bytes` (a resume).
// Results: optionally DfuErasePending, then DfuStagingReady or DfuFailed.
struct PrepareStaging {
  std::string job_id;
  std::optional<std::uint64_t> expected_size;
  std::uint64_t keep_bytes = 0;
};
// Verify the staged image (size, sha256, image format and signature). Result: DfuImageVerified / DfuFailed.
struct VerifyStaged {
  std::string job_id;
  std::optional<std::uint64_t> expected_size;
  std::optional<std::string> sha256;
};
// Result: DfuTrialScheduled / DfuFailed.
struct ScheduleTrialBoot {
  ImageKind kind = ImageKind::Unknown;
};
// Forget the staged image and any scheduled trial of it. Best effort; no result.
struct DropStaged {};
// Make the running trial image permanent. Result: DfuImageConfirmed / DfuFailed.
struct ConfirmRunningImage {};
// Do not keep the running trial image: the next boot goes back to the previous one. No result.
struct RejectRunningImage {};
// A new job starts: an earlier revert (BootOutcome::Reverted) belongs to a job already reported, so
// the boot control must stop reporting it. Best effort; no result.
struct AcknowledgeRevert {};
struct PersistCheckpoint {
  store::Checkpoint checkpoint;
};
struct ClearCheckpoint {};
// Arm timer `id` to expire at `deadline` (replacing an armed one of the same id).
struct StartTimer {
  TimerId id = TimerId::Response;
  Millis deadline{0};
};
struct CancelTimer {
  TimerId id = TimerId::Response;
};
struct RequestReboot {};
struct EmitEvent {
  Event event;
};
enum class LogLevel { Debug, Info, Warning, Error, Bug };
[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;
struct Log {
  LogLevel level = LogLevel::Info;
  std::string message;
};

using Action = std::variant<Subscribe, Publish, StartDownload, StopDownload, PrepareStaging, VerifyStaged,
                            ScheduleTrialBoot, DropStaged, ConfirmRunningImage, RejectRunningImage, AcknowledgeRevert,
                            PersistCheckpoint, ClearCheckpoint, StartTimer, CancelTimer, RequestReboot, EmitEvent,
                            Log>;

// ---- the engine ---------------------------------------------------------------------------------

enum class State {
  Created,         // waiting for Started
  Idle,            // no job in hand
  Claiming,        // IN_PROGRESS sent for a new job; waiting for its acceptance
  Checking,        // restarted with a checkpoint: asking the service whether the job still exists
  Preparing,       // staging area being prepared (maybe erased)
  Downloading,
  RefreshingUrl,   // URL expired: asking the service for the job document again
  Verifying,       // staged image being verified
  Scheduling,      // trial boot being scheduled
  AwaitingReboot,  // `awaiting_reboot` reported; reboot requested or deferred
  Trial,           // new image on trial: waiting for the application's confirm (Confirm timer armed)
  Confirming,      // confirm of the running image issued
  Reporting,       // SUCCEEDED or FAILED decided; waiting for the report's acceptance
};
[[nodiscard]] std::string_view to_string(State state) noexcept;

// The kinds the transition table is keyed on: the input alternatives, with MqttMessage refined into
// what the message means for this device.
enum class InputKind {
  Started, Connected, Disconnected,
  JobNotice,         // notify-next or $next/get/accepted (ours): the next pending job, or none
  UpdateAccepted,    // acceptance of our outstanding status update
  DescribeAccepted,  // J/get/accepted answering our outstanding request
  JobEnded,          // the service says the job in hand is over (canceled, removed, terminal)
  DownloadProgress, DownloadFinished, DownloadFailed, DownloadUrlExpired,
  DfuErasePending, DfuStagingReady, DfuImageVerified, DfuTrialScheduled, DfuImageConfirmed, DfuFailed,
  ResponseTimeout, ConfirmTimeout, CheckpointSaveFailed,
  AppConfirm, AppSelfTestFailed, AppCancel, AppDeferReboot, AppAllowReboot,
  MessagesLost,      // Jobs messages were dropped before the engine saw them: ask the service again
  DfuInstallProgress,
};
[[nodiscard]] std::string_view to_string(InputKind kind) noexcept;

struct ConfigError {
  std::string message;
};

struct EngineImpl;

class Engine {
 public:
  [[nodiscard]] static Expected<Engine, ConfigError> create(EngineConfig config);
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  // Processes one input and returns the actions to execute, in order.
  [[nodiscard]] std::vector<Action> handle(const Input& input);

  [[nodiscard]] State state() const noexcept;
  // The job in hand ("" when none).
  [[nodiscard]] const std::string& job_id() const noexcept;
  // In a trial boot: the service accepted this boot's report on the job ("confirming") and said the
  // job is IN_PROGRESS, so the new image has a working MQTT session and can read its job. The agent's
  // health check without a self-test command waits for it before it confirms.
  [[nodiscard]] bool trial_checked_in() const noexcept;
  // True when the transition table has a row for this kind in the current state (used by the facade
  // to tell the application whether a call such as cancel() applies now).
  [[nodiscard]] bool accepts(InputKind kind) const noexcept;
  // Whether an MQTT message on `topic` is the engine's (a Jobs reply or notification of this thing).
  [[nodiscard]] bool is_mine(std::string_view topic) const;

 private:
  explicit Engine(std::unique_ptr<EngineImpl> impl);
  std::unique_ptr<EngineImpl> impl_;
};

}  // namespace awsfota::fota
