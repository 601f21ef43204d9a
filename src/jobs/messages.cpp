#include "awsfota/jobs/messages.hpp"

#include <array>
#include <utility>

#include "awsfota/jobs/topics.hpp"
#include "jobs/json_reader.hpp"

namespace awsfota::jobs {

namespace {

using detail::describe;
using detail::fail;
using detail::FieldError;
using detail::FieldProblem;
using detail::IntRange;
using detail::Json;
using detail::ObjectReader;
using detail::read_job_id;

constexpr std::array<std::pair<JobStatus, std::string_view>, 8> kStatusNames{{
    {JobStatus::Queued, "QUEUED"},
    {JobStatus::InProgress, "IN_PROGRESS"},
    {JobStatus::Succeeded, "SUCCEEDED"},
    {JobStatus::Failed, "FAILED"},
    {JobStatus::TimedOut, "TIMED_OUT"},
    {JobStatus::Rejected, "REJECTED"},
    {JobStatus::Removed, "REMOVED"},
    {JobStatus::Canceled, "CANCELED"},
}};

constexpr std::array<std::pair<RejectedCode, std::string_view>, 9> kRejectedCodeNames{{
    {RejectedCode::InvalidTopic, "InvalidTopic"},
    {RejectedCode::InvalidJson, "InvalidJson"},
    {RejectedCode::InvalidRequest, "InvalidRequest"},
    {RejectedCode::InvalidStateTransition, "InvalidStateTransition"},
    {RejectedCode::ResourceNotFound, "ResourceNotFound"},
    {RejectedCode::VersionMismatch, "VersionMismatch"},
    {RejectedCode::InternalError, "InternalError"},
    {RejectedCode::RequestThrottled, "RequestThrottled"},
    {RejectedCode::TerminalStateReached, "TerminalStateReached"},
}};

// Versions, execution numbers and timestamps: never negative.
constexpr IntRange kCounter{0, detail::kMaxSafeInteger};
// A long in AWS's model that the device only reads: any value is taken, so an odd one cannot cost a
// notification.
constexpr IntRange kAnySafeInteger{-detail::kMaxSafeInteger, detail::kMaxSafeInteger};
// AWS: 1 to 10,080 minutes (7 days); -1 clears the step timer on update.
constexpr IntRange kStepTimeout{-1, 10080};

// --- encoding --------------------------------------------------------------------------------------

void put_optional(Json& out, const char* key, const std::optional<std::int64_t>& value) {
  if (value) {
    out[key] = *value;
  }
}

void put_client_token(Json& out, const std::string& token) {
  if (!token.empty()) {
    out["clientToken"] = token;
  }
}

// The document travels as JSON inside the message. Text that is not JSON (a caller's mistake) is sent
// as a string so that nothing is lost and the receiver's decoder names the problem.
Json document_json(const std::string& text) {
  std::string why;
  auto parsed = detail::parse_json(text, why);
  return parsed ? std::move(*parsed) : Json(text);
}

Json status_details_json(const StatusDetails& details) {
  Json out = Json::object();
  for (const auto& [key, value] : details) {
    out[key] = value;
  }
  return out;
}

Json to_json(const JobExecution& e) {
  Json out = Json::object();
  out["jobId"] = e.job_id;
  if (!e.thing_name.empty()) {
    out["thingName"] = e.thing_name;
  }
  if (e.job_document) {
    out["jobDocument"] = document_json(*e.job_document);
  }
  out["status"] = to_string(e.status);
  if (!e.status_details.empty()) {
    out["statusDetails"] = status_details_json(e.status_details);
  }
  put_optional(out, "queuedAt", e.queued_at);
  put_optional(out, "startedAt", e.started_at);
  put_optional(out, "lastUpdatedAt", e.last_updated_at);
  out["versionNumber"] = e.version_number;
  out["executionNumber"] = e.execution_number;
  put_optional(out, "approximateSecondsBeforeTimedOut", e.approximate_seconds_before_timed_out);
  return out;
}

Json to_json(const JobExecutionState& s) {
  Json out = Json::object();
  out["status"] = to_string(s.status);
  if (!s.status_details.empty()) {
    out["statusDetails"] = status_details_json(s.status_details);
  }
  out["versionNumber"] = s.version_number;
  return out;
}

Json to_json(const JobExecutionSummary& s) {
  Json out = Json::object();
  out["jobId"] = s.job_id;
  put_optional(out, "queuedAt", s.queued_at);
  put_optional(out, "startedAt", s.started_at);
  put_optional(out, "lastUpdatedAt", s.last_updated_at);
  out["versionNumber"] = s.version_number;
  out["executionNumber"] = s.execution_number;
  return out;
}

Json to_json(const std::vector<JobExecutionSummary>& summaries) {
  Json out = Json::array();
  for (const auto& s : summaries) {
    out.push_back(to_json(s));
  }
  return out;
}

// --- decoding --------------------------------------------------------------------------------------

std::string read_client_token(const ObjectReader& r) {
  std::string token = r.optional_string("clientToken").value_or(std::string{});
  if (!is_valid_client_token(token)) {
    fail(FieldProblem::InvalidValue, r.path_of("clientToken"),
         "is " + std::to_string(detail::utf8_length(token)) + " characters long (at most " +
             std::to_string(kMaxClientTokenLength) + ")");
  }
  return token;
}

StatusDetails read_status_details(const ObjectReader& r) {
  const Json* value = r.find("statusDetails");
  return value == nullptr ? StatusDetails{} : detail::read_status_details(*value, r.path_of("statusDetails"));
}

std::optional<StatusDetails> read_optional_status_details(const ObjectReader& r) {
  const Json* value = r.find("statusDetails");
  if (value == nullptr) {
    return std::nullopt;
  }
  return detail::read_status_details(*value, r.path_of("statusDetails"));
}

std::optional<std::int64_t> read_step_timeout(const ObjectReader& r) {
  auto minutes = r.optional_int("stepTimeoutInMinutes", kStepTimeout);
  if (minutes && *minutes == 0) {
    fail(FieldProblem::InvalidValue, r.path_of("stepTimeoutInMinutes"),
         "0 is not allowed (1 to 10080 minutes, or -1 to clear the timer)");
  }
  return minutes;
}

std::optional<std::string> read_job_document(const ObjectReader& r) {
  const Json* value = r.find("jobDocument");
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_object()) {
    fail(FieldProblem::WrongType, r.path_of("jobDocument"), "expected an object, got " + describe(*value));
  }
  std::string text = detail::dump_compact(*value);
  const std::size_t length = detail::utf8_length(text);
  if (length > kMaxJobDocumentLength) {
    fail(FieldProblem::InvalidValue, r.path_of("jobDocument"),
         "is " + std::to_string(length) + " characters long (AWS allows at most " +
             std::to_string(kMaxJobDocumentLength) + ")");
  }
  return text;
}

JobExecution read_execution(const ObjectReader& r) {
  JobExecution e;
  e.job_id = read_job_id(r, "jobId");
  if (auto thing = r.optional_string("thingName")) {
    if (!is_valid_thing_name(*thing)) {
      fail(FieldProblem::InvalidValue, r.path_of("thingName"),
           "\"" + thing->substr(0, 80) + "\" is not a thing name (1 to 128 of letters, digits, ':', '_' and '-')");
    }
    e.thing_name = std::move(*thing);
  }
  e.job_document = read_job_document(r);
  if (const Json* status = r.find("status")) {
    e.status = detail::read_status(*status, r.path_of("status"));
  }
  e.status_details = read_status_details(r);
  e.queued_at = r.optional_int("queuedAt", kCounter);
  e.started_at = r.optional_int("startedAt", kCounter);
  e.last_updated_at = r.optional_int("lastUpdatedAt", kCounter);
  e.version_number = r.required_int("versionNumber", kCounter);
  e.execution_number = r.optional_int("executionNumber", kCounter).value_or(0);
  e.approximate_seconds_before_timed_out = r.optional_int("approximateSecondsBeforeTimedOut", kAnySafeInteger);
  return e;
}

JobExecutionState read_execution_state(const ObjectReader& r) {
  JobExecutionState s;
  s.status = detail::read_status(r.required("status"), r.path_of("status"));
  s.status_details = read_status_details(r);
  s.version_number = r.optional_int("versionNumber", kCounter).value_or(0);
  return s;
}

JobExecutionSummary read_summary(const ObjectReader& r) {
  JobExecutionSummary s;
  s.job_id = read_job_id(r, "jobId");
  s.queued_at = r.optional_int("queuedAt", kCounter);
  s.started_at = r.optional_int("startedAt", kCounter);
  s.last_updated_at = r.optional_int("lastUpdatedAt", kCounter);
  s.version_number = r.optional_int("versionNumber", kCounter).value_or(0);
  s.execution_number = r.optional_int("executionNumber", kCounter).value_or(0);
  return s;
}

std::vector<JobExecutionSummary> read_summaries(const ObjectReader& r, std::string_view key) {
  std::vector<JobExecutionSummary> out;
  const Json* list = r.find(key);
  if (list == nullptr) {
    return out;
  }
  const std::string path = r.path_of(key);
  if (!list->is_array()) {
    fail(FieldProblem::WrongType, path, "expected an array, got " + describe(*list));
  }
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    out.push_back(read_summary(ObjectReader((*list)[i], path + "[" + std::to_string(i) + "]")));
  }
  return out;
}

std::int64_t read_timestamp(const ObjectReader& r) { return r.optional_int("timestamp", kCounter).value_or(0); }

enum class EmptyPayload { IsEmptyObject, IsError };

// Parses the payload and runs `read` on its top-level object; FieldError becomes DecodeError here so
// that no exception leaves the library.
template <class T, class Read>
Expected<T, DecodeError> decode_payload(std::string_view payload, EmptyPayload empty, Read read) {
  Json root = Json::object();
  if (!payload.empty() || empty == EmptyPayload::IsError) {
    if (payload.empty()) {
      return unexpected(DecodeError{"the message is empty (expected a JSON object)"});
    }
    std::string why;
    auto parsed = detail::parse_json(payload, why);
    if (!parsed) {
      return unexpected(DecodeError{"the message is " + why});
    }
    root = std::move(*parsed);
  }
  if (!root.is_object()) {
    return unexpected(DecodeError{"the message is " + describe(root) + ", not a JSON object"});
  }
  try {
    return read(ObjectReader(root, ""));
  } catch (const FieldError& e) {
    return unexpected(DecodeError{e.message()});
  } catch (const Json::exception& e) {
    return unexpected(DecodeError{std::string("the message could not be read: ") + e.what()});
  }
}

}  // namespace

// --- enums -----------------------------------------------------------------------------------------

std::string_view to_string(JobStatus status) noexcept {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "UNKNOWN";
}

std::optional<JobStatus> parse_job_status(std::string_view text) noexcept {
  for (const auto& [value, name] : kStatusNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

bool is_terminal(JobStatus status) noexcept {
  return status != JobStatus::Queued && status != JobStatus::InProgress;
}

std::string_view to_string(RejectedCode code) noexcept {
  for (const auto& [value, name] : kRejectedCodeNames) {
    if (value == code) {
      return name;
    }
  }
  return "Unknown";
}

RejectedCode parse_rejected_code(std::string_view text) noexcept {
  for (const auto& [value, name] : kRejectedCodeNames) {
    if (name == text) {
      return value;
    }
  }
  return RejectedCode::Unknown;
}

// --- encode ----------------------------------------------------------------------------------------

std::string encode(const GetPendingRequest& message) {
  Json out = Json::object();
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const StartNextRequest& message) {
  Json out = Json::object();
  if (message.status_details) {
    out["statusDetails"] = status_details_json(*message.status_details);
  }
  put_optional(out, "stepTimeoutInMinutes", message.step_timeout_in_minutes);
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const DescribeExecutionRequest& message) {
  Json out = Json::object();
  put_optional(out, "executionNumber", message.execution_number);
  out["includeJobDocument"] = message.include_job_document;
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const UpdateExecutionRequest& message) {
  Json out = Json::object();
  out["status"] = to_string(message.status);
  if (message.status_details) {
    out["statusDetails"] = status_details_json(*message.status_details);
  }
  put_optional(out, "expectedVersion", message.expected_version);
  put_optional(out, "executionNumber", message.execution_number);
  if (message.include_job_execution_state) {
    out["includeJobExecutionState"] = true;
  }
  if (message.include_job_document) {
    out["includeJobDocument"] = true;
  }
  put_optional(out, "stepTimeoutInMinutes", message.step_timeout_in_minutes);
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const GetPendingAccepted& message) {
  Json out = Json::object();
  out["inProgressJobs"] = to_json(message.in_progress_jobs);
  out["queuedJobs"] = to_json(message.queued_jobs);
  out["timestamp"] = message.timestamp;
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const ExecutionAccepted& message) {
  Json out = Json::object();
  if (message.execution) {
    out["execution"] = to_json(*message.execution);
  }
  out["timestamp"] = message.timestamp;
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const UpdateExecutionAccepted& message) {
  Json out = Json::object();
  if (message.execution_state) {
    out["executionState"] = to_json(*message.execution_state);
  }
  if (message.job_document) {
    out["jobDocument"] = document_json(*message.job_document);
  }
  out["timestamp"] = message.timestamp;
  put_client_token(out, message.client_token);
  return detail::dump_compact(out);
}

std::string encode(const NotifyMessage& message) {
  Json jobs = Json::object();
  if (!message.queued.empty()) {
    jobs["QUEUED"] = to_json(message.queued);
  }
  if (!message.in_progress.empty()) {
    jobs["IN_PROGRESS"] = to_json(message.in_progress);
  }
  Json out = Json::object();
  out["timestamp"] = message.timestamp;
  out["jobs"] = std::move(jobs);
  return detail::dump_compact(out);
}

std::string encode(const NotifyNextMessage& message) {
  Json out = Json::object();
  out["timestamp"] = message.timestamp;
  if (message.execution) {
    out["execution"] = to_json(*message.execution);
  }
  return detail::dump_compact(out);
}

std::string encode(const RejectedMessage& message) {
  Json out = Json::object();
  out["code"] = message.code_text.empty() ? std::string(to_string(message.code)) : message.code_text;
  if (!message.message.empty()) {
    out["message"] = message.message;
  }
  put_client_token(out, message.client_token);
  out["timestamp"] = message.timestamp;
  if (message.execution_state) {
    out["executionState"] = to_json(*message.execution_state);
  }
  return detail::dump_compact(out);
}

// --- decode ----------------------------------------------------------------------------------------

Expected<GetPendingRequest, DecodeError> decode_get_pending_request(std::string_view payload) {
  return decode_payload<GetPendingRequest>(payload, EmptyPayload::IsEmptyObject, [](const ObjectReader& r) {
    return GetPendingRequest{.client_token = read_client_token(r)};
  });
}

Expected<StartNextRequest, DecodeError> decode_start_next_request(std::string_view payload) {
  return decode_payload<StartNextRequest>(payload, EmptyPayload::IsEmptyObject, [](const ObjectReader& r) {
    StartNextRequest m;
    m.status_details = read_optional_status_details(r);
    m.step_timeout_in_minutes = read_step_timeout(r);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<DescribeExecutionRequest, DecodeError> decode_describe_execution_request(std::string_view payload) {
  return decode_payload<DescribeExecutionRequest>(payload, EmptyPayload::IsEmptyObject, [](const ObjectReader& r) {
    DescribeExecutionRequest m;
    m.execution_number = r.optional_int("executionNumber", kCounter);
    m.include_job_document = r.optional_bool("includeJobDocument", true);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<UpdateExecutionRequest, DecodeError> decode_update_execution_request(std::string_view payload) {
  return decode_payload<UpdateExecutionRequest>(payload, EmptyPayload::IsEmptyObject, [](const ObjectReader& r) {
    UpdateExecutionRequest m;
    m.status = detail::read_status(r.required("status"), r.path_of("status"));
    m.status_details = read_optional_status_details(r);
    m.expected_version = r.optional_int_or_numeric_string("expectedVersion", kCounter);
    m.execution_number = r.optional_int("executionNumber", kCounter);
    m.include_job_execution_state = r.optional_bool("includeJobExecutionState", false);
    m.include_job_document = r.optional_bool("includeJobDocument", false);
    m.step_timeout_in_minutes = read_step_timeout(r);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<GetPendingAccepted, DecodeError> decode_get_pending_accepted(std::string_view payload) {
  return decode_payload<GetPendingAccepted>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    GetPendingAccepted m;
    m.in_progress_jobs = read_summaries(r, "inProgressJobs");
    m.queued_jobs = read_summaries(r, "queuedJobs");
    m.timestamp = read_timestamp(r);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<ExecutionAccepted, DecodeError> decode_execution_accepted(std::string_view payload) {
  return decode_payload<ExecutionAccepted>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    ExecutionAccepted m;
    if (auto execution = r.optional_object("execution")) {
      m.execution = read_execution(*execution);
    }
    m.timestamp = read_timestamp(r);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<UpdateExecutionAccepted, DecodeError> decode_update_execution_accepted(std::string_view payload) {
  return decode_payload<UpdateExecutionAccepted>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    UpdateExecutionAccepted m;
    if (auto state = r.optional_object("executionState")) {
      m.execution_state = read_execution_state(*state);
    }
    m.job_document = read_job_document(r);
    m.timestamp = read_timestamp(r);
    m.client_token = read_client_token(r);
    return m;
  });
}

Expected<NotifyMessage, DecodeError> decode_notify(std::string_view payload) {
  return decode_payload<NotifyMessage>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    NotifyMessage m;
    if (auto jobs = r.optional_object("jobs")) {
      m.queued = read_summaries(*jobs, "QUEUED");
      m.in_progress = read_summaries(*jobs, "IN_PROGRESS");
    }
    m.timestamp = read_timestamp(r);
    return m;
  });
}

Expected<NotifyNextMessage, DecodeError> decode_notify_next(std::string_view payload) {
  return decode_payload<NotifyNextMessage>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    NotifyNextMessage m;
    if (auto execution = r.optional_object("execution")) {
      m.execution = read_execution(*execution);
    }
    m.timestamp = read_timestamp(r);
    return m;
  });
}

Expected<RejectedMessage, DecodeError> decode_rejected(std::string_view payload) {
  return decode_payload<RejectedMessage>(payload, EmptyPayload::IsError, [](const ObjectReader& r) {
    RejectedMessage m;
    m.code_text = r.required_string("code");
    if (m.code_text.empty()) {
      fail(FieldProblem::InvalidValue, "code", "is empty (expected an error code such as VersionMismatch)");
    }
    m.code = parse_rejected_code(m.code_text);
    m.message = r.optional_string("message").value_or(std::string{});
    m.client_token = read_client_token(r);
    m.timestamp = read_timestamp(r);
    if (auto state = r.optional_object("executionState")) {
      m.execution_state = read_execution_state(*state);
    }
    return m;
  });
}

}  // namespace awsfota::jobs
