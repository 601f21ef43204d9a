// AWS IoT Jobs MQTT message bodies: encode and decode every request, response and notification.
//
// Pure: no I/O. Both directions exist for every message, because the device encodes requests and
// decodes responses while the local service (awsfota-jobsd) does the reverse.
//
// Decoding is tolerant where AWS or the nRF Connect SDK reference is (absent optional fields,
// `expectedVersion` as a number or as a quoted number, unknown fields ignored) and strict where it
// matters (types of required fields, statusDetails as a map of string to string within AWS's limits,
// the 32,768-character job document limit).
//
//   using namespace awsfota::jobs;
//   UpdateExecutionRequest req{.status = JobStatus::InProgress,
//                              .status_details = StatusDetails{{"phase", "downloading"}},
//                              .expected_version = 2, .client_token = "t-17"};
//   std::string body = encode(req);
//   auto accepted = decode_update_execution_accepted(payload);
//   if (!accepted) log(accepted.error().message);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::jobs {

// AWS IoT Jobs limits.
inline constexpr std::size_t kMaxJobDocumentLength = 32768;
inline constexpr std::size_t kMaxStatusDetailKeyLength = 128;    // keys of [a-zA-Z0-9:_-]
inline constexpr std::size_t kMaxStatusDetailValueLength = 1024;
inline constexpr std::size_t kMaxClientTokenLength = 64;

enum class JobStatus { Queued, InProgress, Succeeded, Failed, TimedOut, Rejected, Removed, Canceled };

// "QUEUED", "IN_PROGRESS", ...
[[nodiscard]] std::string_view to_string(JobStatus status) noexcept;
[[nodiscard]] std::optional<JobStatus> parse_job_status(std::string_view text) noexcept;
// SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED and CANCELED end an execution for good.
[[nodiscard]] bool is_terminal(JobStatus status) noexcept;

using StatusDetails = std::map<std::string, std::string>;

struct DecodeError {
  // Names the field path and what is wrong with it, e.g.
  // "execution.versionNumber: expected an integer, got string".
  std::string message;
};

// Checks AWS's statusDetails rules: key 1..128 of [a-zA-Z0-9:_-], value 1..1,024 characters (UTF-8
// code points) with no control characters (AWS refuses those too).
[[nodiscard]] Expected<void, DecodeError> validate_status_details(const StatusDetails& details);
// At most 64 characters; empty is allowed (the reference sends "").
[[nodiscard]] bool is_valid_client_token(std::string_view token) noexcept;

// --- shared pieces -------------------------------------------------------------------------------

struct JobExecution {
  std::string job_id;
  std::string thing_name;
  std::optional<std::string> job_document;  // the document as compact JSON text, when included
  JobStatus status = JobStatus::Queued;
  StatusDetails status_details;
  std::optional<std::int64_t> queued_at;      // seconds since the epoch
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> last_updated_at;
  std::int64_t version_number = 0;
  std::int64_t execution_number = 0;
  // Only when a step or in-progress timeout runs; AWS may time the execution out up to 60 s later.
  std::optional<std::int64_t> approximate_seconds_before_timed_out;

  friend bool operator==(const JobExecution&, const JobExecution&) = default;
};

struct JobExecutionState {
  JobStatus status = JobStatus::Queued;
  StatusDetails status_details;
  std::int64_t version_number = 0;

  friend bool operator==(const JobExecutionState&, const JobExecutionState&) = default;
};

struct JobExecutionSummary {
  std::string job_id;
  std::optional<std::int64_t> queued_at;
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> last_updated_at;
  std::int64_t version_number = 0;
  std::int64_t execution_number = 0;

  friend bool operator==(const JobExecutionSummary&, const JobExecutionSummary&) = default;
};

// --- requests (device to service) ----------------------------------------------------------------

// $aws/things/T/jobs/get
struct GetPendingRequest {
  std::string client_token;
  friend bool operator==(const GetPendingRequest&, const GetPendingRequest&) = default;
};

// $aws/things/T/jobs/start-next
struct StartNextRequest {
  std::optional<StatusDetails> status_details;
  std::optional<std::int64_t> step_timeout_in_minutes;
  std::string client_token;
  friend bool operator==(const StartNextRequest&, const StartNextRequest&) = default;
};

// $aws/things/T/jobs/J/get
struct DescribeExecutionRequest {
  std::optional<std::int64_t> execution_number;
  bool include_job_document = true;
  std::string client_token;
  friend bool operator==(const DescribeExecutionRequest&, const DescribeExecutionRequest&) = default;
};

// $aws/things/T/jobs/J/update
struct UpdateExecutionRequest {
  JobStatus status = JobStatus::InProgress;
  std::optional<StatusDetails> status_details;
  std::optional<std::int64_t> expected_version;  // decoded from a number or a quoted number
  std::optional<std::int64_t> execution_number;
  bool include_job_execution_state = false;
  bool include_job_document = false;
  std::optional<std::int64_t> step_timeout_in_minutes;
  std::string client_token;
  friend bool operator==(const UpdateExecutionRequest&, const UpdateExecutionRequest&) = default;
};

// --- responses and notifications (service to device) --------------------------------------------

// .../get/accepted
struct GetPendingAccepted {
  std::vector<JobExecutionSummary> in_progress_jobs;
  std::vector<JobExecutionSummary> queued_jobs;
  std::int64_t timestamp = 0;
  std::string client_token;
  friend bool operator==(const GetPendingAccepted&, const GetPendingAccepted&) = default;
};

// .../start-next/accepted and .../J/get/accepted: `execution` is absent when nothing is pending.
struct ExecutionAccepted {
  std::optional<JobExecution> execution;
  std::int64_t timestamp = 0;
  std::string client_token;
  friend bool operator==(const ExecutionAccepted&, const ExecutionAccepted&) = default;
};
using StartNextAccepted = ExecutionAccepted;
using DescribeExecutionAccepted = ExecutionAccepted;

// .../J/update/accepted
struct UpdateExecutionAccepted {
  std::optional<JobExecutionState> execution_state;
  std::optional<std::string> job_document;  // compact JSON text, when asked for
  std::int64_t timestamp = 0;
  std::string client_token;
  friend bool operator==(const UpdateExecutionAccepted&, const UpdateExecutionAccepted&) = default;
};

// $aws/things/T/jobs/notify: {"timestamp", "jobs": {"QUEUED": [...], "IN_PROGRESS": [...]}}
struct NotifyMessage {
  std::vector<JobExecutionSummary> queued;
  std::vector<JobExecutionSummary> in_progress;
  std::int64_t timestamp = 0;
  friend bool operator==(const NotifyMessage&, const NotifyMessage&) = default;
};

// $aws/things/T/jobs/notify-next: `execution` absent when nothing is pending any more.
struct NotifyNextMessage {
  std::optional<JobExecution> execution;
  std::int64_t timestamp = 0;
  friend bool operator==(const NotifyNextMessage&, const NotifyNextMessage&) = default;
};

enum class RejectedCode {
  InvalidTopic,
  InvalidJson,
  InvalidRequest,
  InvalidStateTransition,
  ResourceNotFound,
  VersionMismatch,
  InternalError,
  RequestThrottled,
  TerminalStateReached,
  Unknown,  // a code this library does not know; `code_text` keeps it
};
[[nodiscard]] std::string_view to_string(RejectedCode code) noexcept;
[[nodiscard]] RejectedCode parse_rejected_code(std::string_view text) noexcept;

// Any .../rejected
struct RejectedMessage {
  RejectedCode code = RejectedCode::Unknown;
  std::string code_text;  // as received (or to_string(code) when encoding with an empty one)
  std::string message;
  std::string client_token;
  std::int64_t timestamp = 0;
  std::optional<JobExecutionState> execution_state;
  friend bool operator==(const RejectedMessage&, const RejectedMessage&) = default;
};

// --- encode: compact JSON text ------------------------------------------------------------------
// Optional fields that are absent are left out, and so are an empty clientToken, empty statusDetails of
// an execution or execution state, and false include* flags of an update (DescribeExecutionRequest
// always states includeJobDocument, since AWS's default for it is true). A job_document string is
// embedded as JSON, not as a string; the caller passes valid JSON there (as decode produces), and text
// that is not JSON is sent as a string so that the receiver's decoder reports it. Encoding does not
// validate: check statusDetails and client tokens with the functions above before sending.
// For every decoded value x, decode(encode(x)) == x.
[[nodiscard]] std::string encode(const GetPendingRequest& message);
[[nodiscard]] std::string encode(const StartNextRequest& message);
[[nodiscard]] std::string encode(const DescribeExecutionRequest& message);
[[nodiscard]] std::string encode(const UpdateExecutionRequest& message);
[[nodiscard]] std::string encode(const GetPendingAccepted& message);
[[nodiscard]] std::string encode(const ExecutionAccepted& message);
[[nodiscard]] std::string encode(const UpdateExecutionAccepted& message);
[[nodiscard]] std::string encode(const NotifyMessage& message);
[[nodiscard]] std::string encode(const NotifyNextMessage& message);
[[nodiscard]] std::string encode(const RejectedMessage& message);

// --- decode ---------------------------------------------------------------------------------------
// An empty payload decodes as an empty object for requests (AWS accepts an empty body there).
// Tolerant: unknown fields are ignored, a null field counts as absent, absent optional fields take
// their defaults, expectedVersion may be a quoted number ("3"). Strict: types of fields (an integer
// field given 1.5 or "1" is an error, except expectedVersion), statuses and rejection codes are
// strings, versions, execution numbers and timestamps are integers from 0 to 2^53 - 1,
// stepTimeoutInMinutes is 1..10080 or -1, job ids and thing names follow AWS's rules, statusDetails
// and clientToken follow the checks above, and a jobDocument is a JSON object of at most 32,768
// characters in compact form. JSON nested deeper than 64 levels is refused.
[[nodiscard]] Expected<GetPendingRequest, DecodeError> decode_get_pending_request(std::string_view payload);
[[nodiscard]] Expected<StartNextRequest, DecodeError> decode_start_next_request(std::string_view payload);
[[nodiscard]] Expected<DescribeExecutionRequest, DecodeError> decode_describe_execution_request(std::string_view payload);
[[nodiscard]] Expected<UpdateExecutionRequest, DecodeError> decode_update_execution_request(std::string_view payload);
[[nodiscard]] Expected<GetPendingAccepted, DecodeError> decode_get_pending_accepted(std::string_view payload);
[[nodiscard]] Expected<ExecutionAccepted, DecodeError> decode_execution_accepted(std::string_view payload);
[[nodiscard]] Expected<UpdateExecutionAccepted, DecodeError> decode_update_execution_accepted(std::string_view payload);
[[nodiscard]] Expected<NotifyMessage, DecodeError> decode_notify(std::string_view payload);
[[nodiscard]] Expected<NotifyNextMessage, DecodeError> decode_notify_next(std::string_view payload);
[[nodiscard]] Expected<RejectedMessage, DecodeError> decode_rejected(std::string_view payload);

}  // namespace awsfota::jobs
