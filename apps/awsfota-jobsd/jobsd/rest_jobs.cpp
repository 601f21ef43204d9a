// The job operations of the control-plane REST API: /jobs/...
#include <algorithm>
#include <optional>

#include "jobsd/rest_common.hpp"
#include "jobsd/rest_rollout.hpp"

namespace awsfota::jobsd::rest {

// /jobs, /jobs/J, /jobs/J/cancel, /jobs/J/job-document, /jobs/J/things
json Api::route_jobs(const std::vector<std::string>& p, std::string& operation) {
  const std::string& m = request_.method;
  const std::size_t n = p.size();
  auto is = [&](std::size_t i, const char* text) { return i < n && p[i] == text; };
  if (n == 1 && m == "GET") {
    operation = "ListJobs";
    return list_jobs();
  }
  if (n < 2) throw not_implemented(request_);
  const std::string& job_id = p[1];
  refuse_not_implemented(json::object(), request_);  // namespaceId in the query
  if (n == 2 && m == "PUT") {
    operation = "CreateJob";
    return create_job(job_id);
  }
  if (n == 2 && m == "PATCH") {
    operation = "UpdateJob";
    return update_job(job_id);
  }
  if (n == 2 && m == "GET") {
    operation = "DescribeJob";
    return {{"job", job_json(value_or_throw(service_.describe_job(job_id)))}};
  }
  if (n == 2 && m == "DELETE") {
    operation = "DeleteJob";
    value_or_throw(service_.delete_job(job_id, query_flag(request_, "force"), now_ms_, out_));
    return json::object();
  }
  if (n == 3 && is(2, "cancel") && m == "PUT") {
    operation = "CancelJob";
    const json body = parse_body(request_.body);
    CancelJobRequest c{job_id, query_flag(request_, "force"), string_field(body, "reasonCode").value_or(""),
                       string_field(body, "comment").value_or("")};
    const Job job = value_or_throw(service_.cancel_job(c, now_ms_, out_));
    json r = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}};
    if (!job.description.empty()) r["description"] = job.description;
    return r;
  }
  if (n == 3 && is(2, "job-document") && m == "GET") {
    operation = "GetJobDocument";
    // As AWS does: the document as created, placeholders and all (devices get them replaced).
    return {{"document", value_or_throw(service_.describe_job(job_id)).job.document}};
  }
  if (n == 3 && is(2, "things") && m == "GET") {
    operation = "ListJobExecutionsForJob";
    json list = json::array();
    for (const Execution& e : value_or_throw(service_.list_executions_for_job(job_id, status_filter(request_)))) {
      list.push_back({{"thingArn", arn("thing", e.thing_name)}, {"jobExecutionSummary", execution_summary(e)}});
    }
    return paged(request_, std::move(list), "executionSummaries");
  }
  throw not_implemented(request_);
}

// ListJobs: by status, targetSelection and the thing group a job targets (thingGroupName, or
// thingGroupId, which is the group's name here).
json Api::list_jobs() {
  std::optional<JobState> state;
  if (auto s = query_value(request_, "status")) {
    state = parse_job_state(*s);
    if (!state) throw invalid("status: '" + *s + "' is not a job status");
  }
  const auto selection = query_value(request_, "targetSelection");
  auto group = query_value(request_, "thingGroupName");
  if (!group) group = query_value(request_, "thingGroupId");
  if (group) (void)value_or_throw(service_.describe_thing_group(*group));
  json jobs = json::array();
  for (const Job& job : service_.list_jobs(state)) {
    if (selection && job.target_selection != *selection) continue;
    if (group && std::find(job.target_groups.begin(), job.target_groups.end(), *group) == job.target_groups.end()) {
      continue;
    }
    json s = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}, {"targetSelection", job.target_selection},
              {"status", std::string(to_string(job.state))}, {"createdAt", seconds(job.created_at_ms)},
              {"lastUpdatedAt", seconds(job.last_updated_at_ms)}};
    if (group) s["thingGroupId"] = *group;
    if (job.completed_at_ms) s["completedAt"] = seconds(*job.completed_at_ms);
    jobs.push_back(std::move(s));
  }
  return paged(request_, std::move(jobs), "jobs");
}

json Api::job_json(const JobDescription& d) const {
  const Job& job = d.job;
  json targets = json::array();
  for (const auto& t : job.target_things) targets.push_back(arn("thing", t));
  for (const auto& g : job.target_groups) targets.push_back(arn("thinggroup", g));
  auto count = [&](JobStatus s) {
    auto it = d.executions_by_status.find(s);
    return it == d.executions_by_status.end() ? std::int64_t{0} : it->second;
  };
  json j = {{"jobArn", arn("job", job.job_id)},
            {"jobId", job.job_id},
            {"targetSelection", job.target_selection},
            {"status", std::string(to_string(job.state))},
            {"forceCanceled", job.force_canceled},
            {"targets", targets},
            {"createdAt", seconds(job.created_at_ms)},
            {"lastUpdatedAt", seconds(job.last_updated_at_ms)},
            {"jobProcessDetails",
             {{"numberOfCanceledThings", count(JobStatus::Canceled)},
              {"numberOfSucceededThings", count(JobStatus::Succeeded)},
              {"numberOfFailedThings", count(JobStatus::Failed)},
              {"numberOfRejectedThings", count(JobStatus::Rejected)},
              {"numberOfQueuedThings", count(JobStatus::Queued)},
              {"numberOfInProgressThings", count(JobStatus::InProgress)},
              {"numberOfRemovedThings", count(JobStatus::Removed)},
              {"numberOfTimedOutThings", count(JobStatus::TimedOut)}}}};
  if (!job.description.empty()) j["description"] = job.description;
  if (!job.reason_code.empty()) j["reasonCode"] = job.reason_code;
  if (!job.comment.empty()) j["comment"] = job.comment;
  if (job.completed_at_ms) j["completedAt"] = seconds(*job.completed_at_ms);
  if (job.in_progress_timeout_minutes) j["timeoutConfig"] = {{"inProgressTimeoutInMinutes", *job.in_progress_timeout_minutes}};
  if (job.presigned_expires_in_sec || !job.presigned_role_arn.empty()) {
    json presigned = json::object();
    if (!job.presigned_role_arn.empty()) presigned["roleArn"] = job.presigned_role_arn;
    if (job.presigned_expires_in_sec) presigned["expiresInSec"] = *job.presigned_expires_in_sec;
    j["presignedUrlConfig"] = std::move(presigned);
  }
  add_rollout_and_abort(j, job);
  return j;
}

json Api::execution_summary(const Execution& e) const {
  json s = {{"status", std::string(jobs::to_string(e.status))}, {"queuedAt", seconds(e.queued_at_ms)},
            {"lastUpdatedAt", seconds(e.last_updated_at_ms)}, {"executionNumber", e.execution_number}};
  if (e.started_at_ms) s["startedAt"] = seconds(*e.started_at_ms);
  return s;
}

json Api::execution_json(const Execution& e) const {
  json x = {{"jobId", e.job_id}, {"status", std::string(jobs::to_string(e.status))},
            {"forceCanceled", e.force_canceled}, {"statusDetails", {{"detailsMap", e.status_details}}},
            {"thingArn", arn("thing", e.thing_name)}, {"queuedAt", seconds(e.queued_at_ms)},
            {"lastUpdatedAt", seconds(e.last_updated_at_ms)}, {"executionNumber", e.execution_number},
            {"versionNumber", e.version_number}};
  if (e.started_at_ms) x["startedAt"] = seconds(*e.started_at_ms);
  std::optional<std::int64_t> deadline = e.step_deadline_ms;
  if (e.in_progress_deadline_ms && (!deadline || *e.in_progress_deadline_ms < *deadline)) {
    deadline = e.in_progress_deadline_ms;
  }
  // AWS reports the remaining time of the earlier timer.
  if (deadline) x["approximateSecondsBeforeTimedOut"] = (*deadline - now_ms_) / 1000;
  return x;
}

}  // namespace awsfota::jobsd::rest
