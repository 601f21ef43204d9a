#include "jobsd/fleet_view.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "jobsd/rest_rollout.hpp"
#include "jobsd/rollout.hpp"

namespace awsfota::jobsd {
namespace {

using nlohmann::json;

// The order of the series' columns and of the page's legend: the path of a rollout, then the rest.
constexpr std::array kStatuses{JobStatus::Queued,   JobStatus::InProgress, JobStatus::Succeeded, JobStatus::Failed,
                               JobStatus::TimedOut, JobStatus::Rejected,   JobStatus::Removed,   JobStatus::Canceled};

bool is_failure(JobStatus s) {
  return s == JobStatus::Failed || s == JobStatus::TimedOut || s == JobStatus::Rejected;
}

json counts_json(const JobDescription& d) {
  json counts = json::object();
  for (JobStatus s : kStatuses) {
    const auto it = d.executions_by_status.find(s);
    counts[std::string(jobs::to_string(s))] = it == d.executions_by_status.end() ? 0 : it->second;
  }
  return counts;
}

std::int64_t executions_total(const JobDescription& d) {
  std::int64_t total = 0;
  for (const auto& [status, n] : d.executions_by_status) total += n;
  return total;
}

json summary_json(const JobDescription& d) {
  const Job& job = d.job;
  const auto waiting = static_cast<std::int64_t>(job.rollout_waiting.size());
  json j = {{"jobId", job.job_id},
            {"status", std::string(to_string(job.state))},
            {"targetSelection", job.target_selection},
            {"createdAt", job.created_at_ms},
            {"lastUpdatedAt", job.last_updated_at_ms},
            {"counts", counts_json(d)},
            {"waiting", waiting},
            {"targets", executions_total(d) + waiting}};
  if (job.completed_at_ms) j["completedAt"] = *job.completed_at_ms;
  return j;
}

// The status `e` had at `t`, or nothing before it was queued. Only the last status of an execution
// is kept, so a terminal one counts from lastUpdatedAt; a job's own updates never rewind those times.
std::optional<JobStatus> status_at(const Execution& e, std::int64_t t) {
  if (t < e.queued_at_ms) return std::nullopt;
  if (jobs::is_terminal(e.status) && t >= e.last_updated_at_ms) return e.status;
  if (e.started_at_ms && t >= *e.started_at_ms) return JobStatus::InProgress;
  return JobStatus::Queued;
}

std::size_t column_of(JobStatus s) {
  return static_cast<std::size_t>(std::find(kStatuses.begin(), kStatuses.end(), s) - kStatuses.begin());
}

json series_json(const Job& job, const std::vector<Execution>& executions, std::int64_t now_ms) {
  const std::int64_t start = job.created_at_ms;
  const std::int64_t end = std::max(start, job.completed_at_ms.value_or(now_ms));
  const auto gaps = static_cast<std::int64_t>(kFleetSeriesMaxPoints - 1);
  const std::int64_t step = std::max(kFleetSeriesMinStepMs, (end - start + gaps - 1) / gaps);
  json statuses = json::array();
  for (JobStatus s : kStatuses) statuses.push_back(std::string(jobs::to_string(s)));
  json points = json::array();
  // The last point is `end` itself, so the chart's right edge shows the counts of now.
  for (std::int64_t t = start;; t = std::min(t + step, end)) {
    std::array<std::int64_t, kStatuses.size()> row{};
    for (const Execution& e : executions) {
      if (const auto s = status_at(e, t)) ++row[column_of(*s)];
    }
    json point = json::array({t});
    for (std::int64_t n : row) point.push_back(n);
    points.push_back(std::move(point));
    if (t == end) break;
  }
  return {{"start", start}, {"end", end}, {"step", step}, {"statuses", std::move(statuses)}, {"points", std::move(points)}};
}

json failed_json(std::vector<Execution> executions, std::size_t& total) {
  std::erase_if(executions, [](const Execution& e) { return !is_failure(e.status); });
  total = executions.size();
  std::sort(executions.begin(), executions.end(), [](const Execution& a, const Execution& b) {
    return a.last_updated_at_ms != b.last_updated_at_ms ? a.last_updated_at_ms > b.last_updated_at_ms
                                                        : a.thing_name < b.thing_name;
  });
  if (executions.size() > kFleetMaxFailedListed) executions.resize(kFleetMaxFailedListed);
  json failed = json::array();
  for (const Execution& e : executions) {
    failed.push_back({{"thingName", e.thing_name},
                      {"status", std::string(jobs::to_string(e.status))},
                      {"statusDetails", e.status_details},
                      {"lastUpdatedAt", e.last_updated_at_ms}});
  }
  return failed;
}

// The rollout and abort settings in AWS's names (as describe-job shows them), and where they stand.
json rollout_json(const Job& job, const json& aws) {
  json rollout = {{"waiting", static_cast<std::int64_t>(job.rollout_waiting.size())}};
  rollout["maximumPerMinute"] = job.max_per_minute ? json(*job.max_per_minute) : json(nullptr);
  const auto config = aws.find("jobExecutionsRolloutConfig");
  if (config != aws.end() && config->contains("exponentialRate")) {
    rollout["exponentialRate"] = (*config)["exponentialRate"];
    rollout["rateIncreases"] = job.rollout_rate_increases;
  }
  if (const auto rate = rollout_rate_per_minute(job)) {
    rollout["currentRatePerMinute"] = *rate;
    rollout["windowStart"] = job.rollout_window_start_ms;
    rollout["windowCount"] = job.rollout_window_count;
  }
  return rollout;
}

json abort_json(const Job& job, const json& aws) {
  const auto config = aws.find("abortConfig");
  json abort = {{"criteriaList", config == aws.end() ? json::array() : (*config)["criteriaList"]},
                {"aborted", job.reason_code == kAbortReasonCode}};
  if (job.reason_code == kAbortReasonCode) abort["reason"] = job.comment;
  return abort;
}

}  // namespace

std::string fleet_jobs_json(const Service& service, std::int64_t now_ms) {
  std::vector<Job> jobs = service.list_jobs();
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.sequence > b.sequence; });
  json list = json::array();
  for (const Job& job : jobs) {
    if (auto d = service.describe_job(job.job_id)) list.push_back(summary_json(*d));
  }
  return json{{"generatedAt", now_ms}, {"jobs", std::move(list)}}.dump();
}

Expected<std::string, ControlError> fleet_job_json(const Service& service, const std::string& job_id,
                                                   std::int64_t now_ms) {
  auto d = service.describe_job(job_id);
  if (!d) return unexpected(d.error());
  auto executions = service.list_executions_for_job(job_id);
  if (!executions) return unexpected(executions.error());
  json j = summary_json(*d);
  j["generatedAt"] = now_ms;
  if (!d->job.description.empty()) j["description"] = d->job.description;
  if (!d->job.reason_code.empty()) j["reasonCode"] = d->job.reason_code;
  if (!d->job.comment.empty()) j["comment"] = d->job.comment;
  j["forceCanceled"] = d->job.force_canceled;
  json aws = json::object();
  add_rollout_and_abort(aws, d->job);
  j["rollout"] = rollout_json(d->job, aws);
  j["abort"] = abort_json(d->job, aws);
  j["series"] = series_json(d->job, *executions, now_ms);
  std::size_t failed_total = 0;
  j["failed"] = failed_json(std::move(*executions), failed_total);
  j["failedTotal"] = failed_total;
  return j.dump();
}

}  // namespace awsfota::jobsd
