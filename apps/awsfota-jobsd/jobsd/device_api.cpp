// The device side of the service: the AWS IoT Jobs MQTT API, one function per request kind.
#include <nlohmann/json.hpp>

#include "awsfota/jobs/messages.hpp"
#include "awsfota/jobs/topics.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {
namespace {

using jobs::RejectedCode;

constexpr std::string_view kThingsPrefix = "$aws/things/";

// The thing of "$aws/things/T/jobs/...", or empty when the topic is not a jobs topic.
std::string jobs_topic_thing(std::string_view topic) {
  if (topic.substr(0, kThingsPrefix.size()) != kThingsPrefix) return {};
  const std::string_view rest = topic.substr(kThingsPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash, 6) != "/jobs/") return {};
  return std::string(rest.substr(0, slash));
}

std::string topic_of(jobs::TopicKind kind, jobs::Reply reply, const std::string& thing, const std::string& job_id) {
  auto t = jobs::build_topic({kind, reply, thing, job_id});
  if (t) return *t;
  // Only reachable for a job id the topic classifier accepted but the builder refuses; answer on the
  // literal request topic so the device still hears back.
  std::string fallback = std::string(kThingsPrefix) + thing + "/jobs/" + job_id;
  return fallback + (reply == jobs::Reply::Accepted ? "/accepted" : "/rejected");
}

// Untrusted text for a message: printable ASCII kept, anything else (bad UTF-8 included) as '?'.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 256));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

// The request body as JSON, or why it is not a request body. Empty means {} as AWS reads it.
struct ParsedBody {
  std::string client_token;  // echoed even when the rest of the body is wrong
  std::optional<std::string> invalid_json;
};

ParsedBody parse_body(std::string_view payload) {
  ParsedBody body;
  if (payload.empty()) return body;
  auto json = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
  if (json.is_discarded()) {
    body.invalid_json = "the payload is not valid JSON";
  } else if (!json.is_object()) {
    body.invalid_json = "the payload is JSON but not a JSON object";
  } else if (auto it = json.find("clientToken"); it != json.end() && it->is_string()) {
    body.client_token = it->get<std::string>();
  }
  return body;
}

struct Responder {
  jobs::TopicKind kind;
  std::string thing;
  std::string job_id;
  std::int64_t now_s;
  Reaction& reaction;
  std::string op;

  void reject(RejectedCode code, std::string message, const std::string& client_token,
              std::optional<jobs::JobExecutionState> state = std::nullopt) {
    jobs::RejectedMessage m;
    m.code = code;
    m.code_text = std::string(jobs::to_string(code));
    m.message = message;
    m.client_token = client_token;
    m.timestamp = now_s;
    m.execution_state = std::move(state);
    reaction.messages.insert(reaction.messages.begin(),
                             {topic_of(kind, jobs::Reply::Rejected, thing, job_id), jobs::encode(m)});
    log("rejected " + m.code_text + ": " + message);
  }

  void accept(std::string payload, const std::string& summary) {
    reaction.messages.insert(reaction.messages.begin(),
                             {topic_of(kind, jobs::Reply::Accepted, thing, job_id), std::move(payload)});
    log("accepted" + (summary.empty() ? std::string() : " " + summary));
  }

  void log(const std::string& outcome) {
    std::string line = "request thing=" + thing + " op=" + op;
    if (!job_id.empty()) line += " job=" + job_id;
    reaction.log.push_back(line + " -> " + outcome);
  }
};

jobs::JobExecutionState state_of(const Execution& e) { return {e.status, e.status_details, e.version_number}; }

}  // namespace

Reaction Service::handle(std::string_view topic, std::string_view payload, std::int64_t now_ms) {
  auto classified = jobs::classify_topic(topic);
  if (classified) {
    if (classified->reply != jobs::Reply::None || classified->kind == jobs::TopicKind::Notify ||
        classified->kind == jobs::TopicKind::NotifyNext) {
      return {};  // a reply or notification: ours, echoed back by the broker
    }
    const char* op = classified->kind == jobs::TopicKind::GetPending       ? "get"
                     : classified->kind == jobs::TopicKind::StartNext      ? "start-next"
                     : classified->kind == jobs::TopicKind::UpdateExecution ? "update"
                                                                           : "describe";
    // AWS IoT refuses MQTT payloads past 128 KB; the stack's broker does too, this covers any other broker.
    if (payload.size() > kMaxRequestPayloadBytes) {
      Reaction reaction;
      Responder r{classified->kind, classified->thing, classified->job_id, now_ms / 1000, reaction, op};
      r.reject(RejectedCode::InvalidRequest,
               "the payload is " + std::to_string(payload.size()) + " bytes, over the limit of " +
                   std::to_string(kMaxRequestPayloadBytes) + " (128 KB)",
               parse_body(payload).client_token);
      return reaction;
    }
    if (throttled(classified->thing, now_ms)) {
      Reaction reaction;
      Responder r{classified->kind, classified->thing, classified->job_id, now_ms / 1000, reaction, op};
      r.reject(RejectedCode::RequestThrottled,
               "thing " + classified->thing + " made more than " + std::to_string(config_.thing_requests_per_second) +
                   " requests in a second; retry later",
               parse_body(payload).client_token);
      return reaction;
    }
    switch (classified->kind) {
      case jobs::TopicKind::GetPending: return get_pending(classified->thing, payload, now_ms);
      case jobs::TopicKind::StartNext: return start_next(classified->thing, payload, now_ms);
      case jobs::TopicKind::DescribeExecution:
        return describe(classified->thing, classified->job_id, payload, now_ms);
      case jobs::TopicKind::UpdateExecution:
        return update(classified->thing, classified->job_id, payload, now_ms);
      default: return {};
    }
  }
  // A jobs topic of a real thing that names no operation AWS knows: AWS answers InvalidTopic.
  Reaction reaction;
  const std::string thing = jobs_topic_thing(topic);
  if (thing.empty() || !jobs::is_valid_thing_name(thing) || topic.ends_with("/accepted") ||
      topic.ends_with("/rejected")) {
    return reaction;
  }
  jobs::RejectedMessage m;
  m.code = RejectedCode::InvalidTopic;
  m.code_text = "InvalidTopic";
  m.message = "not a Jobs API topic: " + printable(topic) + " (" + printable(classified.error().message) + ")";
  m.client_token = parse_body(payload).client_token;
  m.timestamp = now_ms / 1000;
  reaction.messages.push_back({std::string(topic) + "/rejected", jobs::encode(m)});
  reaction.log.push_back("request thing=" + thing + " topic=" + printable(topic) + " -> rejected InvalidTopic");
  return reaction;
}

bool Service::throttled(const std::string& thing, std::int64_t now_ms) {
  if (config_.thing_requests_per_second <= 0) return false;
  RequestWindow& w = request_windows_[thing];
  if (now_ms >= w.start_ms + 1000 || now_ms < w.start_ms) w = {now_ms, 0};
  if (w.count >= config_.thing_requests_per_second) return true;
  ++w.count;
  return false;
}

Reaction Service::get_pending(const std::string& thing, std::string_view payload, std::int64_t now_ms) {
  Reaction reaction;
  Responder r{jobs::TopicKind::GetPending, thing, "", now_ms / 1000, reaction, "get"};
  const ParsedBody body = parse_body(payload);
  if (body.invalid_json) {
    r.reject(RejectedCode::InvalidJson, *body.invalid_json, body.client_token);
    return reaction;
  }
  auto request = jobs::decode_get_pending_request(payload);
  if (!request) {
    r.reject(RejectedCode::InvalidRequest, request.error().message, body.client_token);
    return reaction;
  }
  jobs::GetPendingAccepted accepted;
  accepted.timestamp = now_ms / 1000;
  accepted.client_token = request->client_token;
  for (const Execution* e : listed_of(thing)) {
    (e->status == JobStatus::InProgress ? accepted.in_progress_jobs : accepted.queued_jobs).push_back(to_summary(*e));
  }
  r.accept(jobs::encode(accepted), std::to_string(accepted.in_progress_jobs.size()) + " in progress, " +
                                       std::to_string(accepted.queued_jobs.size()) + " queued");
  return reaction;
}

Reaction Service::start_next(const std::string& thing, std::string_view payload, std::int64_t now_ms) {
  Reaction reaction;
  Responder r{jobs::TopicKind::StartNext, thing, "", now_ms / 1000, reaction, "start-next"};
  const ParsedBody body = parse_body(payload);
  if (body.invalid_json) {
    r.reject(RejectedCode::InvalidJson, *body.invalid_json, body.client_token);
    return reaction;
  }
  auto request = jobs::decode_start_next_request(payload);
  if (!request) {
    r.reject(RejectedCode::InvalidRequest, request.error().message, body.client_token);
    return reaction;
  }
  const auto step = request->step_timeout_in_minutes;
  if (step && (*step < 1 || *step > kMaxTimeoutMinutes)) {
    r.reject(RejectedCode::InvalidRequest, "stepTimeoutInMinutes must be 1..10080, got " + std::to_string(*step),
             request->client_token);
    return reaction;
  }
  jobs::StartNextAccepted accepted;
  accepted.timestamp = now_ms / 1000;
  accepted.client_token = request->client_token;
  const Execution* next = next_of(thing);
  if (next == nullptr) {
    r.accept(jobs::encode(accepted), "nothing pending");
    return reaction;
  }
  if (next->status == JobStatus::Queued) {
    Execution started = *next;
    started.status = JobStatus::InProgress;
    if (request->status_details) started.status_details = *request->status_details;
    started.version_number += 1;
    started.started_at_ms = now_ms;
    started.last_updated_at_ms = now_ms;
    if (step) started.step_deadline_ms = now_ms + *step * config_.minute_ms;
    if (const Job* job = find_job(next->job_id); job != nullptr && job->in_progress_timeout_minutes) {
      started.in_progress_deadline_ms = now_ms + *job->in_progress_timeout_minutes * config_.minute_ms;
    }
    const std::string job_id = started.job_id;
    StoreChanges changes;
    changes.executions.push_back(std::move(started));
    if (auto stored = commit(std::move(changes), now_ms, reaction.messages); !stored) {
      r.reject(RejectedCode::InternalError, "the service could not record the change: " + stored.error().message,
               request->client_token);
      return reaction;
    }
    next = find_execution(thing, job_id);
  }
  accepted.execution = to_message(*next, true, now_ms);
  r.accept(jobs::encode(accepted), next->job_id + " " + std::string(jobs::to_string(next->status)) + " v" +
                                       std::to_string(next->version_number));
  return reaction;
}

Reaction Service::describe(const std::string& thing, const std::string& job_id, std::string_view payload,
                           std::int64_t now_ms) {
  Reaction reaction;
  Responder r{jobs::TopicKind::DescribeExecution, thing, job_id, now_ms / 1000, reaction, "describe"};
  const ParsedBody body = parse_body(payload);
  if (body.invalid_json) {
    r.reject(RejectedCode::InvalidJson, *body.invalid_json, body.client_token);
    return reaction;
  }
  auto request = jobs::decode_describe_execution_request(payload);
  if (!request) {
    r.reject(RejectedCode::InvalidRequest, request.error().message, body.client_token);
    return reaction;
  }
  jobs::DescribeExecutionAccepted accepted;
  accepted.timestamp = now_ms / 1000;
  accepted.client_token = request->client_token;
  const bool next = job_id == jobs::kNextJobId;
  const Execution* e = next ? next_of(thing) : find_execution(thing, job_id);
  if (e == nullptr && next) {
    r.accept(jobs::encode(accepted), "nothing pending");
    return reaction;
  }
  if (e == nullptr || (request->execution_number && *request->execution_number != e->execution_number)) {
    r.reject(RejectedCode::ResourceNotFound,
             e == nullptr ? "job " + job_id + " has no execution on thing " + thing
                          : "job " + job_id + " has no execution number " + std::to_string(*request->execution_number) +
                                " on thing " + thing,
             request->client_token);
    return reaction;
  }
  if (jobs::is_terminal(e->status)) {
    // AWS attaches executionState only to InvalidStateTransition and VersionMismatch, not to this.
    r.reject(RejectedCode::TerminalStateReached,
             "the execution of job " + job_id + " is " + std::string(jobs::to_string(e->status)),
             request->client_token);
    return reaction;
  }
  accepted.execution = to_message(*e, request->include_job_document, now_ms);
  r.accept(jobs::encode(accepted), e->job_id + " " + std::string(jobs::to_string(e->status)) + " v" +
                                       std::to_string(e->version_number));
  return reaction;
}

Reaction Service::update(const std::string& thing, const std::string& job_id, std::string_view payload,
                         std::int64_t now_ms) {
  Reaction reaction;
  Responder r{jobs::TopicKind::UpdateExecution, thing, job_id, now_ms / 1000, reaction, "update"};
  const ParsedBody body = parse_body(payload);
  if (body.invalid_json) {
    r.reject(RejectedCode::InvalidJson, *body.invalid_json, body.client_token);
    return reaction;
  }
  auto request = jobs::decode_update_execution_request(payload);
  if (!request) {
    r.reject(RejectedCode::InvalidRequest, request.error().message, body.client_token);
    return reaction;
  }
  const std::string& token = request->client_token;
  const Execution* e = find_execution(thing, job_id);
  if (e == nullptr || (request->execution_number && *request->execution_number != e->execution_number)) {
    r.reject(RejectedCode::ResourceNotFound, "job " + job_id + " has no such execution on thing " + thing, token);
    return reaction;
  }
  if (jobs::is_terminal(e->status)) {
    // UpdateJobExecution's only state error in AWS's model (its own example: SUCCEEDED -> IN_PROGRESS),
    // with the state the device has to see.
    r.reject(RejectedCode::InvalidStateTransition,
             "the execution is already " + std::string(jobs::to_string(e->status)) + "; it cannot change to " +
                 std::string(jobs::to_string(request->status)),
             token, state_of(*e));
    return reaction;
  }
  if (request->expected_version && *request->expected_version != e->version_number) {
    r.reject(RejectedCode::VersionMismatch,
             "expectedVersion " + std::to_string(*request->expected_version) + " but the execution is at version " +
                 std::to_string(e->version_number),
             token, state_of(*e));
    return reaction;
  }
  const JobStatus to = request->status;
  if (to != JobStatus::InProgress && to != JobStatus::Succeeded && to != JobStatus::Failed &&
      to != JobStatus::Rejected) {
    r.reject(RejectedCode::InvalidStateTransition,
             "a device may set IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, not " + std::string(jobs::to_string(to)),
             token, state_of(*e));
    return reaction;
  }
  const auto step = request->step_timeout_in_minutes;
  if (step && *step != -1 && (*step < 1 || *step > kMaxTimeoutMinutes)) {
    r.reject(RejectedCode::InvalidRequest,
             "stepTimeoutInMinutes must be 1..10080 or -1, got " + std::to_string(*step), token);
    return reaction;
  }

  Execution updated = *e;
  updated.status = to;
  if (request->status_details) updated.status_details = *request->status_details;
  updated.version_number += 1;
  updated.last_updated_at_ms = now_ms;
  if (e->status == JobStatus::Queued && to == JobStatus::InProgress) {
    updated.started_at_ms = now_ms;
    if (const Job* job = find_job(job_id); job != nullptr && job->in_progress_timeout_minutes) {
      updated.in_progress_deadline_ms = now_ms + *job->in_progress_timeout_minutes * config_.minute_ms;
    }
  }
  if (jobs::is_terminal(to)) {
    updated.step_deadline_ms.reset();
    updated.in_progress_deadline_ms.reset();
  } else if (step) {
    if (*step == -1) {
      updated.step_deadline_ms.reset();
    } else {
      updated.step_deadline_ms = now_ms + *step * config_.minute_ms;
    }
  }
  StoreChanges changes;
  changes.executions.push_back(updated);
  if (auto stored = commit(std::move(changes), now_ms, reaction.messages); !stored) {
    r.reject(RejectedCode::InternalError, "the service could not record the change: " + stored.error().message, token);
    return reaction;
  }
  jobs::UpdateExecutionAccepted accepted;
  accepted.timestamp = now_ms / 1000;
  accepted.client_token = token;
  if (request->include_job_execution_state) accepted.execution_state = state_of(updated);
  if (request->include_job_document) {
    if (const Job* job = find_job(job_id)) accepted.job_document = document_for_device(*job, now_ms);
  }
  r.accept(jobs::encode(accepted), std::string(jobs::to_string(to)) + " v" + std::to_string(updated.version_number));
  return reaction;
}

}  // namespace awsfota::jobsd
