// The control side of the service: what the REST API (and the tests) call to manage things and jobs.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "awsfota/jobs/topics.hpp"
#include "jobsd/control_errors.hpp"
#include "jobsd/fields.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {
namespace {

bool is_valid_group_name(std::string_view name) {
  // AWS: 1..128 of [a-zA-Z0-9:_-], the same alphabet as thing names.
  return jobs::is_valid_thing_name(name);
}

// Checks the document and returns it compact, as the service stores and hands it out.
Expected<std::string, ControlError> compact_document(const std::string& document) {
  if (document.empty()) return fail(ControlErrorCode::InvalidRequest, "document: empty");
  if (document.size() > jobs::kMaxJobDocumentLength) {
    return fail(ControlErrorCode::InvalidRequest, "document: " + std::to_string(document.size()) +
                                                      " characters, more than the 32768 AWS allows");
  }
  // ordered_json keeps the author's key order, as AWS hands the document back.
  auto json = nlohmann::ordered_json::parse(document, nullptr, false);
  if (json.is_discarded()) return fail(ControlErrorCode::InvalidRequest, "document: not valid JSON");
  if (!json.is_object()) return fail(ControlErrorCode::InvalidRequest, "document: not a JSON object");
  return json.dump();
}

}  // namespace

Expected<void, ControlError> check_job_limits(std::optional<std::int64_t> in_progress_timeout_minutes,
                                              std::optional<std::int64_t> presigned_expires_in_sec) {
  if (const auto t = in_progress_timeout_minutes; t && (*t < 1 || *t > kMaxTimeoutMinutes)) {
    return fail(ControlErrorCode::InvalidRequest,
                "timeoutConfig.inProgressTimeoutInMinutes must be 1..10080, got " + std::to_string(*t));
  }
  if (const auto s = presigned_expires_in_sec;
      s && (*s < kMinPresignedExpiresSec || *s > kMaxPresignedExpiresSec)) {
    return fail(ControlErrorCode::InvalidRequest,
                "presignedUrlConfig.expiresInSec must be 60..3600, got " + std::to_string(*s));
  }
  return {};
}

Expected<Thing, ControlError> Service::create_thing(const std::string& name, std::int64_t now_ms) {
  if (!jobs::is_valid_thing_name(name)) {
    return fail(ControlErrorCode::InvalidRequest, "thingName '" + name + "': must be 1..128 of [a-zA-Z0-9:_-]");
  }
  // AWS answers create-thing of an existing thing with the existing thing (it is idempotent).
  if (auto it = things_.find(name); it != things_.end()) return it->second;
  Thing thing{name, now_ms};
  StoreChanges changes;
  changes.things.push_back(thing);
  std::vector<OutgoingMessage> none;
  if (auto stored = commit(std::move(changes), now_ms, none); !stored) return internal(stored.error());
  return thing;
}

Expected<ThingGroup, ControlError> Service::create_thing_group(const std::string& name, std::int64_t now_ms) {
  if (!is_valid_group_name(name)) {
    return fail(ControlErrorCode::InvalidRequest, "thingGroupName '" + name + "': must be 1..128 of [a-zA-Z0-9:_-]");
  }
  if (auto it = groups_.find(name); it != groups_.end()) return it->second;
  ThingGroup group{name, {}, now_ms};
  StoreChanges changes;
  changes.groups.push_back(group);
  std::vector<OutgoingMessage> none;
  if (auto stored = commit(std::move(changes), now_ms, none); !stored) return internal(stored.error());
  return group;
}

Expected<void, ControlError> Service::add_thing_to_group(const std::string& thing, const std::string& group,
                                                         std::int64_t now_ms, std::vector<OutgoingMessage>& out) {
  auto found = existing_group_for(thing, group);
  if (!found) return unexpected(found.error());
  ThingGroup updated = **found;
  updated.things.insert(thing);
  StoreChanges changes;
  changes.groups.push_back(std::move(updated));
  for (const auto& [id, job] : jobs_) {
    const bool targets_group =
        std::find(job.target_groups.begin(), job.target_groups.end(), group) != job.target_groups.end();
    if (job.target_selection != "CONTINUOUS" || job.state != JobState::InProgress || !targets_group ||
        find_execution(thing, id) != nullptr ||
        std::find(job.rollout_waiting.begin(), job.rollout_waiting.end(), thing) != job.rollout_waiting.end()) {
      continue;
    }
    changes.executions.push_back(queued_execution(id, thing, now_ms));
  }
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return {};
}

Expected<Job, ControlError> Service::create_job(const CreateJobRequest& request, std::int64_t now_ms,
                                                std::vector<OutgoingMessage>& out) {
  if (!jobs::is_valid_job_id(request.job_id)) {
    return fail(ControlErrorCode::InvalidRequest, "jobId '" + request.job_id + "': must be 1..64 of [a-zA-Z0-9_-]");
  }
  if (const Job* existing = find_job(request.job_id)) {
    return fail(ControlErrorCode::ResourceAlreadyExists,
                "job " + request.job_id + (existing->state == JobState::DeletionInProgress
                                               ? " is being deleted; its id can be used again once it is gone"
                                               : " already exists"));
  }
  auto document = compact_document(request.document);
  if (!document) return unexpected(document.error());
  if (!request.description.empty()) {
    if (auto bad = check_free_text("description", request.description)) return fail(ControlErrorCode::InvalidRequest, *bad);
  }
  // AWS needs the role it assumes to presign the URLs; without one it refuses the job.
  if (request.presigned_role_arn.empty() && request.document.find(kPresignedPrefix) != std::string::npos) {
    return fail(ControlErrorCode::InvalidRequest,
                "presignedUrlConfig.roleArn: the document has a presigned-URL placeholder (" +
                    std::string(kPresignedPrefix) + "...}), which needs the role that presigns it");
  }
  if (request.target_selection != "SNAPSHOT" && request.target_selection != "CONTINUOUS") {
    return fail(ControlErrorCode::InvalidRequest,
                "targetSelection '" + request.target_selection + "': must be SNAPSHOT or CONTINUOUS");
  }
  if (auto limits = check_job_limits(request.in_progress_timeout_minutes, request.presigned_expires_in_sec);
      !limits) {
    return unexpected(limits.error());
  }
  if (auto bad = rollout_config_error(request.max_per_minute, request.exponential_rate)) {
    return fail(ControlErrorCode::InvalidRequest, std::move(*bad));
  }
  if (auto bad = abort_config_error(request.abort_criteria)) return fail(ControlErrorCode::InvalidRequest, std::move(*bad));
  if (request.things.empty() && request.groups.empty()) {
    return fail(ControlErrorCode::InvalidRequest, "targets: at least one thing or thing group is required");
  }
  std::set<std::string> targets;
  for (const auto& t : request.things) {
    if (things_.find(t) == things_.end()) return fail(ControlErrorCode::ResourceNotFound, "thing " + t + " does not exist");
    targets.insert(t);
  }
  for (const auto& g : request.groups) {
    auto it = groups_.find(g);
    if (it == groups_.end()) return fail(ControlErrorCode::ResourceNotFound, "thing group " + g + " does not exist");
    targets.insert(it->second.things.begin(), it->second.things.end());
  }

  Job job;
  job.job_id = request.job_id;
  job.sequence = next_sequence_;
  job.document = std::move(*document);
  job.description = request.description;
  job.target_things = request.things;
  job.target_groups = request.groups;
  job.target_selection = request.target_selection;
  job.in_progress_timeout_minutes = request.in_progress_timeout_minutes;
  job.presigned_expires_in_sec = request.presigned_expires_in_sec;
  job.presigned_role_arn = request.presigned_role_arn;
  job.max_per_minute = request.max_per_minute;
  job.exponential_rate = request.exponential_rate;
  job.abort_criteria = request.abort_criteria;
  job.created_at_ms = now_ms;
  job.last_updated_at_ms = now_ms;

  StoreChanges changes;
  queue_executions(job, std::vector<std::string>(targets.begin(), targets.end()), now_ms, changes);
  changes.jobs.push_back(job);
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  next_sequence_ += 1;
  return *find_job(job.job_id);
}

Expected<Job, ControlError> Service::cancel_job(const CancelJobRequest& request, std::int64_t now_ms,
                                                std::vector<OutgoingMessage>& out) {
  const Job* job = find_job(request.job_id);
  if (job == nullptr) return fail(ControlErrorCode::ResourceNotFound, "job " + request.job_id + " does not exist");
  // CancelJob's errors in AWS's model have no InvalidStateTransitionException: a job that cannot be
  // canceled is an InvalidRequestException.
  if (job->state == JobState::Completed) {
    return fail(ControlErrorCode::InvalidRequest, "job " + request.job_id + " is already completed");
  }
  if (job->state == JobState::DeletionInProgress) {
    return fail(ControlErrorCode::InvalidRequest, "job " + request.job_id + " is being deleted");
  }
  if (job->state == JobState::Canceled && !request.force) {
    return fail(ControlErrorCode::InvalidRequest,
                "job " + request.job_id + " is already canceled; use force to cancel its in-progress executions");
  }
  if (!request.reason_code.empty()) {
    if (auto bad = check_reason_code(request.reason_code)) return fail(ControlErrorCode::InvalidRequest, *bad);
  }
  if (!request.comment.empty()) {
    if (auto bad = check_free_text("comment", request.comment)) return fail(ControlErrorCode::InvalidRequest, *bad);
  }
  StoreChanges changes;
  Job canceled = *job;
  canceled.state = JobState::Canceled;
  canceled.force_canceled = canceled.force_canceled || request.force;
  if (!request.reason_code.empty()) canceled.reason_code = request.reason_code;
  if (!request.comment.empty()) canceled.comment = request.comment;
  canceled.last_updated_at_ms = now_ms;
  canceled.rollout_waiting.clear();  // targets not yet rolled out never get an execution
  changes.jobs.push_back(std::move(canceled));
  for (const Execution* e : executions_of_job(request.job_id)) {
    const bool cancels = e->status == JobStatus::Queued || (request.force && e->status == JobStatus::InProgress);
    if (!cancels) continue;
    Execution c = ended_by_service(*e, JobStatus::Canceled, now_ms);
    c.force_canceled = e->status == JobStatus::InProgress;
    changes.executions.push_back(std::move(c));
  }
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return *find_job(request.job_id);
}

// AWS: without force only a COMPLETED or CANCELED job may be deleted; deletion takes a while, during
// which the job shows DELETION_IN_PROGRESS (tick() finishes it) and another delete is refused.
Expected<void, ControlError> Service::delete_job(const std::string& job_id, bool force, std::int64_t now_ms,
                                                 std::vector<OutgoingMessage>& out) {
  const Job* job = find_job(job_id);
  if (job == nullptr) return fail(ControlErrorCode::ResourceNotFound, "job " + job_id + " does not exist");
  if (job->state == JobState::DeletionInProgress) {
    return fail(ControlErrorCode::InvalidStateTransition, "job " + job_id + " is already being deleted");
  }
  if (job->state == JobState::InProgress && !force) {
    return fail(ControlErrorCode::InvalidStateTransition,
                "job " + job_id + " is IN_PROGRESS; only a COMPLETED or CANCELED job can be deleted without force");
  }
  const auto deleting = std::count_if(jobs_.begin(), jobs_.end(), [](const auto& kv) {
    return kv.second.state == JobState::DeletionInProgress;
  });
  if (static_cast<std::size_t>(deleting) >= kMaxJobsBeingDeleted) {
    return fail(ControlErrorCode::LimitExceeded, "10 jobs are already being deleted; try again once one is gone");
  }
  Job marked = *job;
  marked.state = JobState::DeletionInProgress;
  marked.last_updated_at_ms = now_ms;
  marked.rollout_waiting.clear();
  StoreChanges changes;
  changes.jobs.push_back(std::move(marked));
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return {};
}

Expected<Execution, ControlError> Service::cancel_execution(const CancelExecutionRequest& request, std::int64_t now_ms,
                                                            std::vector<OutgoingMessage>& out) {
  const Execution* e = find_execution(request.thing_name, request.job_id);
  if (e == nullptr) {
    return fail(ControlErrorCode::ResourceNotFound,
                "job " + request.job_id + " has no execution on thing " + request.thing_name);
  }
  if (jobs::is_terminal(e->status)) {
    return fail(ControlErrorCode::InvalidStateTransition,
                "the execution is already " + std::string(jobs::to_string(e->status)));
  }
  if (e->status == JobStatus::InProgress && !request.force) {
    return fail(ControlErrorCode::InvalidStateTransition, "the execution is IN_PROGRESS; cancel it with force");
  }
  if (request.expected_version && *request.expected_version != e->version_number) {
    return fail(ControlErrorCode::VersionConflict, "expectedVersion " + std::to_string(*request.expected_version) +
                                                       " but the execution is at version " +
                                                       std::to_string(e->version_number));
  }
  if (request.status_details) {
    if (auto valid = jobs::validate_status_details(*request.status_details); !valid) {
      return fail(ControlErrorCode::InvalidRequest, "statusDetails: " + valid.error().message);
    }
  }
  Execution c = ended_by_service(*e, JobStatus::Canceled, now_ms);
  c.force_canceled = e->status == JobStatus::InProgress;
  if (request.status_details) c.status_details = *request.status_details;
  StoreChanges changes;
  changes.executions.push_back(c);
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return c;
}

}  // namespace awsfota::jobsd
