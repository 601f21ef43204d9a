// The local AWS IoT Jobs service, as a pure core: requests and control-plane calls in, messages to
// publish out. It does no I/O of its own: time is an argument, the records live behind a Store, and
// the program (main.cpp) carries messages between this core and the MQTT broker.
//
// Device side (MQTT): handle() answers get, start-next, J/get (J may be $next) and J/update with
// .../accepted or .../rejected, and adds notify / notify-next for every thing whose pending list or
// next execution changed. tick() times executions out; next_deadline_ms() says when to call it.
// Control side: create/cancel/delete jobs, cancel executions, things and groups, describe and list.
//
//   MemoryStore store;
//   auto service = Service::open(store, Config{.minute_ms = 1000});
//   std::vector<OutgoingMessage> out;
//   (void)service->create_thing("sensor-7", now_ms);
//   (void)service->create_job({.job_id = "j1", .things = {"sensor-7"}, .document = R"({"op":"x"})"}, now_ms, out);
//   auto r = service->handle("$aws/things/sensor-7/jobs/start-next", R"({"clientToken":"c1"})", now_ms);
//   // r.messages: start-next/accepted (execution j1, IN_PROGRESS, versionNumber 2), notify
//   for (auto& m : service->tick(later_ms).messages) publish(m.topic, m.payload);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"
#include "jobsd/model.hpp"
#include "jobsd/presign.hpp"
#include "jobsd/rollout.hpp"
#include "jobsd/store.hpp"

namespace awsfota::jobsd {

// The executionNumber of the first execution a fresh database queues; each new one takes the next.
// AWS's model makes it a long, and AWS's numbers run past 2^31: 0x1'8000'0001 is past 2^32 and cut to 32 bits
// reads as 2147483649 (unsigned) or a negative number (signed), so a device that keeps executionNumber
// in 32 bits answers with a number the service does not know, here rather than on AWS. Executions
// loaded from an older database keep the numbers they had (1).
inline constexpr std::int64_t kFirstExecutionNumber = 0x1'8000'0001;

struct Config {
  // How long a "minute" of timeoutConfig and stepTimeoutInMinutes lasts; tests make it a second.
  std::int64_t minute_ms = 60'000;
  // Replaces ${aws:iot:s3-presigned-url:URL} placeholders; without one they are handed out unchanged.
  std::optional<LinkSigner> signer{};
  // Link lifetime for a job created without presignedUrlConfig.
  std::int64_t default_presigned_expires_sec = 3600;
  // Device API requests a thing may make per second (a fixed one-second window of the injected time);
  // more are answered RequestThrottled, as AWS does past its limits. 0: no limit.
  std::int64_t thing_requests_per_second = 0;
  // How long a deleted job shows DELETION_IN_PROGRESS before tick() removes it and its executions.
  std::int64_t job_deletion_ms = 1000;
};

struct OutgoingMessage {
  std::string topic;
  std::string payload;
  friend bool operator==(const OutgoingMessage&, const OutgoingMessage&) = default;
};

// What one input produced: messages to publish in order, and log lines (one per request handled).
struct Reaction {
  std::vector<OutgoingMessage> messages;
  std::vector<std::string> log;
};

// Control-plane failures, one per AWS exception the REST API will map them to.
enum class ControlErrorCode {
  InvalidRequest,          // a field breaks AWS's rules; the message names it
  ResourceNotFound,        // no such thing, group, job or execution
  ResourceAlreadyExists,   // create of a name that exists
  InvalidStateTransition,  // e.g. cancel of a completed job, delete of a running job without force
  VersionConflict,         // expectedVersion is stale
  LimitExceeded,           // e.g. more than 10 jobs in DELETION_IN_PROGRESS
  Internal,                // the store failed; nothing changed
};
[[nodiscard]] std::string_view to_string(ControlErrorCode code) noexcept;

struct ControlError {
  ControlErrorCode code = ControlErrorCode::Internal;
  std::string message;
};

struct CreateJobRequest {
  std::string job_id{};
  std::vector<std::string> things{};
  std::vector<std::string> groups{};
  std::string document{};  // JSON object text, at most 32,768 characters
  std::string description{};
  std::string target_selection = "SNAPSHOT";
  std::optional<std::int64_t> in_progress_timeout_minutes{};  // 1..10080
  std::optional<std::int64_t> presigned_expires_in_sec{};     // 60..3600
  std::string presigned_role_arn{};  // required when the document has a presigned-URL placeholder
  std::optional<std::int64_t> max_per_minute{};               // rollout rate, 1..1000
  std::optional<ExponentialRate> exponential_rate{};          // grows from its base up to max_per_minute
  std::vector<AbortCriteria> abort_criteria{};                // abortConfig.criteriaList
};

// UpdateJob: each field given replaces the job's; the others stay.
struct UpdateJobRequest {
  std::string job_id{};
  std::optional<std::string> description{};
  std::optional<std::int64_t> in_progress_timeout_minutes{};
  std::optional<std::int64_t> presigned_expires_in_sec{};
  std::optional<std::string> presigned_role_arn{};
};

struct CancelJobRequest {
  std::string job_id{};
  bool force = false;
  std::string reason_code{};
  std::string comment{};
};

struct CancelExecutionRequest {
  std::string job_id{};
  std::string thing_name{};
  bool force = false;
  std::optional<std::int64_t> expected_version{};
  std::optional<StatusDetails> status_details{};
};

struct JobDescription {
  Job job;
  std::map<JobStatus, std::int64_t> executions_by_status;  // AWS's jobProcessDetails
};

class Service {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<Service>, StoreError> open(Store& store, Config config);

  // --- device side ---
  // One MQTT message the service received. Its own replies and notifications (which the broker may
  // echo back, depending on what the program subscribed to) and non-jobs topics give an empty Reaction.
  // With Config::thing_requests_per_second set, a thing's requests past it are answered RequestThrottled;
  // a payload past kMaxRequestPayloadBytes is answered InvalidRequest.
  [[nodiscard]] Reaction handle(std::string_view topic, std::string_view payload, std::int64_t now_ms);
  // Moves executions whose timers ran out to TIMED_OUT and notifies their things, and queues the next
  // window of a rate-limited rollout (maximumPerMinute, exponentialRate) once its minute has passed.
  [[nodiscard]] Reaction tick(std::int64_t now_ms);
  // The earliest timer of any execution or rollout window, if one is running.
  [[nodiscard]] std::optional<std::int64_t> next_deadline_ms() const;
  // notify-next for every thing with a pending execution. AWS never sends these unprompted: the
  // program publishes them when its MQTT link comes up only with --announce-next-on-connect (off by
  // default), for devices under development that do not ask on connect yet.
  [[nodiscard]] std::vector<OutgoingMessage> announce_next(std::int64_t now_ms) const;

  // --- control side: notifications for the devices are appended to `out` ---
  [[nodiscard]] Expected<Thing, ControlError> create_thing(const std::string& name, std::int64_t now_ms);
  [[nodiscard]] Expected<ThingGroup, ControlError> create_thing_group(const std::string& name, std::int64_t now_ms);
  // A thing added to a group joins the CONTINUOUS jobs that target the group (queued and notified at
  // once: as on AWS, the rollout rate governs only the targets the job had when it was created).
  [[nodiscard]] Expected<void, ControlError> add_thing_to_group(const std::string& thing, const std::string& group,
                                                                std::int64_t now_ms, std::vector<OutgoingMessage>& out);
  [[nodiscard]] std::vector<Thing> list_things() const;
  [[nodiscard]] Expected<ThingGroup, ControlError> describe_thing_group(const std::string& name) const;

  [[nodiscard]] Expected<Job, ControlError> create_job(const CreateJobRequest& request, std::int64_t now_ms,
                                                       std::vector<OutgoingMessage>& out);
  [[nodiscard]] Expected<Job, ControlError> cancel_job(const CancelJobRequest& request, std::int64_t now_ms,
                                                       std::vector<OutgoingMessage>& out);
  [[nodiscard]] Expected<void, ControlError> delete_job(const std::string& job_id, bool force, std::int64_t now_ms,
                                                        std::vector<OutgoingMessage>& out);
  [[nodiscard]] Expected<Execution, ControlError> cancel_execution(const CancelExecutionRequest& request,
                                                                   std::int64_t now_ms,
                                                                   std::vector<OutgoingMessage>& out);
  // control_lifecycle.cpp: UpdateJob, DeleteJobExecution.
  [[nodiscard]] Expected<Job, ControlError> update_job(const UpdateJobRequest& request, std::int64_t now_ms);
  [[nodiscard]] Expected<void, ControlError> delete_execution(const std::string& job_id, const std::string& thing,
                                                              std::int64_t execution_number, bool force,
                                                              std::int64_t now_ms, std::vector<OutgoingMessage>& out);
  // control_registry.cpp: the thing's QUEUED executions of the jobs that reach it only through the group
  // go to REMOVED. Deleting a thing moves all its pending executions to REMOVED and takes it out of its groups.
  [[nodiscard]] Expected<void, ControlError> remove_thing_from_group(const std::string& thing, const std::string& group,
                                                                     std::int64_t now_ms,
                                                                     std::vector<OutgoingMessage>& out);
  [[nodiscard]] Expected<void, ControlError> delete_thing(const std::string& name,
                                                          std::optional<std::int64_t> expected_version,
                                                          std::int64_t now_ms, std::vector<OutgoingMessage>& out);
  [[nodiscard]] std::vector<ThingGroup> list_thing_groups() const;

  [[nodiscard]] Expected<JobDescription, ControlError> describe_job(const std::string& job_id) const;
  // The document as a device would get it now (placeholders replaced).
  [[nodiscard]] Expected<std::string, ControlError> get_job_document(const std::string& job_id,
                                                                     std::int64_t now_ms) const;
  [[nodiscard]] std::vector<Job> list_jobs(std::optional<JobState> state = std::nullopt) const;
  [[nodiscard]] Expected<Execution, ControlError> describe_execution(const std::string& job_id,
                                                                     const std::string& thing_name) const;
  [[nodiscard]] Expected<std::vector<Execution>, ControlError> list_executions_for_job(
      const std::string& job_id, std::optional<JobStatus> status = std::nullopt) const;
  [[nodiscard]] Expected<std::vector<Execution>, ControlError> list_executions_for_thing(
      const std::string& thing_name, std::optional<JobStatus> status = std::nullopt) const;

 private:
  using ExecutionKey = std::pair<std::string, std::string>;  // (thing, job)
  struct ThingView;  // a thing's pending list and next execution, to see what changed

  Service(Store& store, Config config) : store_(&store), config_(std::move(config)) {}

  // device side (device_api.cpp)
  Reaction get_pending(const std::string& thing, std::string_view payload, std::int64_t now_ms);
  Reaction start_next(const std::string& thing, std::string_view payload, std::int64_t now_ms);
  Reaction describe(const std::string& thing, const std::string& job_id, std::string_view payload,
                    std::int64_t now_ms);
  Reaction update(const std::string& thing, const std::string& job_id, std::string_view payload,
                  std::int64_t now_ms);

  // shared (service.cpp)
  [[nodiscard]] Expected<void, StoreError> commit(StoreChanges changes, std::int64_t now_ms,
                                                  std::vector<OutgoingMessage>& out);
  void complete_finished_jobs(StoreChanges& changes, std::int64_t now_ms) const;
  // Cancels the jobs whose abort rules the executions in `changes` trip (abort.cpp).
  void apply_abort_rules(StoreChanges& changes, std::int64_t now_ms) const;
  // (rollout.cpp) Queues executions of `job` for `things`, no more than its rate allows in the current
  // window; the rest wait in job.rollout_waiting for release_rollout() in a later window.
  void queue_executions(Job& job, const std::vector<std::string>& things, std::int64_t now_ms,
                        StoreChanges& changes) const;
  void release_rollout(Job& job, std::int64_t now_ms, StoreChanges& changes) const;
  // Jobs in DELETION_IN_PROGRESS for Config::job_deletion_ms are deleted with their executions (control_lifecycle.cpp).
  void finish_deletions(std::int64_t now_ms, StoreChanges& changes, std::vector<std::string>& log) const;
  [[nodiscard]] std::optional<std::int64_t> next_deletion_ms() const;
  // The group, when both the thing and the group exist (control_registry.cpp).
  [[nodiscard]] Expected<const ThingGroup*, ControlError> existing_group_for(const std::string& thing,
                                                                            const std::string& group) const;
  [[nodiscard]] ThingView view_of(const std::string& thing) const;
  [[nodiscard]] std::vector<const Execution*> pending_of(const std::string& thing) const;
  // The first kMaxListedExecutions of pending_of(): what get/accepted and notify list.
  [[nodiscard]] std::vector<const Execution*> listed_of(const std::string& thing) const;
  [[nodiscard]] const Execution* next_of(const std::string& thing) const;
  [[nodiscard]] const Execution* find_execution(const std::string& thing, const std::string& job_id) const;
  [[nodiscard]] const Job* find_job(const std::string& job_id) const;
  [[nodiscard]] std::vector<const Execution*> executions_of_job(const std::string& job_id) const;
  [[nodiscard]] std::string document_for_device(const Job& job, std::int64_t now_ms) const;
  [[nodiscard]] jobs::JobExecution to_message(const Execution& e, bool with_document, std::int64_t now_ms) const;
  // The summary that get/accepted and notify list for each pending execution.
  [[nodiscard]] static jobs::JobExecutionSummary to_summary(const Execution& e);
  void notify_thing(const std::string& thing, const ThingView& before, std::int64_t now_ms,
                    std::vector<OutgoingMessage>& out) const;
  // notify-next with the thing's next execution now, or without `execution` when nothing is pending.
  [[nodiscard]] OutgoingMessage notify_next_message(const std::string& thing, std::int64_t now_ms) const;

  Store* store_;
  Config config_;
  std::map<std::string, Thing> things_;
  std::map<std::string, ThingGroup> groups_;
  std::map<std::string, Job> jobs_;
  std::map<ExecutionKey, Execution> executions_;
  std::int64_t next_sequence_ = 1;
  std::int64_t next_execution_number_ = kFirstExecutionNumber;  // for the next execution committed
  struct RequestWindow {
    std::int64_t start_ms = 0;
    std::int64_t count = 0;
  };
  std::map<std::string, RequestWindow> request_windows_;  // per thing, for thing_requests_per_second
  [[nodiscard]] bool throttled(const std::string& thing, std::int64_t now_ms);
};

// get/accepted and notify list at most this many pending executions together (IN_PROGRESS first, then
// QUEUED, oldest first), as AWS does for jobs without a scheduling configuration (AWS IoT Jobs
// limits, "Maximum number of pending job executions").
inline constexpr std::size_t kMaxListedExecutions = 10;
// A step or in-progress timeout in minutes must lie in 1..10080 (seven days), as AWS requires.
inline constexpr std::int64_t kMaxTimeoutMinutes = 10080;
inline constexpr std::int64_t kMinPresignedExpiresSec = 60;
inline constexpr std::int64_t kMaxPresignedExpiresSec = 3600;
// AWS: "Only 10 jobs may have status DELETION_IN_PROGRESS at the same time".
inline constexpr std::size_t kMaxJobsBeingDeleted = 10;
// AWS IoT's limit on an MQTT payload (128 KB); bigger requests are rejected InvalidRequest.
inline constexpr std::size_t kMaxRequestPayloadBytes = 131072;

}  // namespace awsfota::jobsd
