// The later life of a job: UpdateJob, DeleteJobExecution, and the end of a deletion DeleteJob began.
#include <algorithm>

#include "jobsd/control_errors.hpp"
#include "jobsd/fields.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {

Expected<Job, ControlError> Service::update_job(const UpdateJobRequest& request, std::int64_t now_ms) {
  const Job* job = find_job(request.job_id);
  if (job == nullptr) return fail(ControlErrorCode::ResourceNotFound, "job " + request.job_id + " does not exist");
  if (job->state == JobState::DeletionInProgress) {
    return fail(ControlErrorCode::InvalidRequest, "job " + request.job_id + " is being deleted");
  }
  if (request.description) {
    if (auto bad = check_free_text("description", *request.description)) {
      return fail(ControlErrorCode::InvalidRequest, *bad);
    }
  }
  if (auto limits = check_job_limits(request.in_progress_timeout_minutes, request.presigned_expires_in_sec);
      !limits) {
    return unexpected(limits.error());
  }
  if (request.presigned_role_arn && request.presigned_role_arn->empty()) {
    return fail(ControlErrorCode::InvalidRequest, "presignedUrlConfig.roleArn: must not be empty");
  }
  Job updated = *job;
  if (request.description) updated.description = *request.description;
  // Executions started from now on get the new timeout; running ones keep the timer they started with.
  if (request.in_progress_timeout_minutes) updated.in_progress_timeout_minutes = request.in_progress_timeout_minutes;
  if (request.presigned_expires_in_sec) updated.presigned_expires_in_sec = request.presigned_expires_in_sec;
  if (request.presigned_role_arn) updated.presigned_role_arn = *request.presigned_role_arn;
  updated.last_updated_at_ms = now_ms;
  StoreChanges changes;
  changes.jobs.push_back(updated);
  std::vector<OutgoingMessage> none;  // nothing a device sees changes
  if (auto stored = commit(std::move(changes), now_ms, none); !stored) return internal(stored.error());
  return *find_job(request.job_id);
}

// AWS: without force only an execution in a terminal state may be deleted.
Expected<void, ControlError> Service::delete_execution(const std::string& job_id, const std::string& thing,
                                                       std::int64_t execution_number, bool force,
                                                       std::int64_t now_ms, std::vector<OutgoingMessage>& out) {
  const Execution* e = find_execution(thing, job_id);
  if (e == nullptr || e->execution_number != execution_number) {
    return fail(ControlErrorCode::ResourceNotFound, "job " + job_id + " has no execution number " +
                                                        std::to_string(execution_number) + " on thing " + thing);
  }
  if (!jobs::is_terminal(e->status) && !force) {
    return fail(ControlErrorCode::InvalidStateTransition,
                "the execution is " + std::string(jobs::to_string(e->status)) +
                    "; only a SUCCEEDED, FAILED, REJECTED, REMOVED, CANCELED or TIMED_OUT one can be deleted "
                    "without force");
  }
  StoreChanges changes;
  changes.deleted_executions.emplace_back(job_id, thing);
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return {};
}

std::optional<std::int64_t> Service::next_deletion_ms() const {
  std::optional<std::int64_t> earliest;
  for (const auto& [id, job] : jobs_) {
    if (job.state != JobState::DeletionInProgress) continue;
    const std::int64_t due = job.last_updated_at_ms + config_.job_deletion_ms;
    if (!earliest || due < *earliest) earliest = due;
  }
  return earliest;
}

void Service::finish_deletions(std::int64_t now_ms, StoreChanges& changes, std::vector<std::string>& log) const {
  for (const auto& entry : jobs_) {
    const std::string& id = entry.first;
    const Job& job = entry.second;
    if (job.state != JobState::DeletionInProgress || now_ms < job.last_updated_at_ms + config_.job_deletion_ms) {
      continue;
    }
    // A timeout found in the same tick must not bring an execution of the deleted job back.
    std::erase_if(changes.executions, [&](const Execution& e) { return e.job_id == id; });
    std::erase_if(changes.jobs, [&](const Job& j) { return j.job_id == id; });
    changes.deleted_jobs.push_back(id);
    log.push_back("delete job=" + id + " done");
  }
}

}  // namespace awsfota::jobsd
