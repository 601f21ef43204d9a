// Automatic aborts (abortConfig): a job whose failures reach a rule's threshold is canceled, as AWS
// does it: its QUEUED executions are canceled and its waiting targets dropped; IN_PROGRESS executions
// run on (AWS cancels only QUEUED ones on an abort) and may still end as the device reports.
#include <cstdio>
#include <set>

#include "jobsd/rollout.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {
namespace {

bool counts_as(FailureType type, JobStatus status) {
  switch (type) {
    case FailureType::Failed: return status == JobStatus::Failed;
    case FailureType::Rejected: return status == JobStatus::Rejected;
    case FailureType::TimedOut: return status == JobStatus::TimedOut;
    case FailureType::All:
      return status == JobStatus::Failed || status == JobStatus::Rejected || status == JobStatus::TimedOut;
  }
  return false;
}

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

std::optional<AbortVerdict> tripped_abort_rule(const std::vector<AbortCriteria>& criteria,
                                               const std::map<JobStatus, std::int64_t>& by_status,
                                               std::int64_t notified) {
  for (const AbortCriteria& rule : criteria) {
    if (notified < rule.min_executed_things || notified == 0) continue;
    std::int64_t failures = 0;
    for (const auto& [status, n] : by_status) failures += counts_as(rule.failure_type, status) ? n : 0;
    if (failures == 0) continue;
    // In integers of hundredths of a percent (the threshold's precision), so that 1 failure in 10 trips
    // a threshold of 10 exactly, with no rounding of 1/10 in between.
    const auto threshold = static_cast<std::int64_t>(rule.threshold_percentage * 100 + 0.5);
    if (failures * 10'000 >= threshold * notified) return AbortVerdict{rule, failures, notified};
  }
  return std::nullopt;
}

std::string abort_comment(const AbortVerdict& v) {
  return "Aborted by abortConfig: " + std::to_string(v.failures) + " of " + std::to_string(v.notified) +
         " notified things ended " + std::string(to_string(v.rule.failure_type)) + " (" +
         percent(100.0 * static_cast<double>(v.failures) / static_cast<double>(v.notified)) +
         "%), at or above thresholdPercentage " + percent(v.rule.threshold_percentage) + " with minNumberOfExecutedThings " +
         std::to_string(v.rule.min_executed_things);
}

void Service::apply_abort_rules(StoreChanges& changes, std::int64_t now_ms) const {
  std::set<std::string> touched;
  for (const auto& e : changes.executions) touched.insert(e.job_id);
  for (const auto& job_id : touched) {
    const Job* changed_job = changes.find_job(job_id);
    const Job* job = changed_job != nullptr ? changed_job : find_job(job_id);
    if (job == nullptr || job->state != JobState::InProgress || job->abort_criteria.empty()) continue;

    // The job's counts as they will be once `changes` is committed, without copying the executions:
    // this runs on every device update.
    std::map<JobStatus, std::int64_t> by_status;
    std::int64_t notified = 0;
    for (const Execution* e : executions_of_job(job_id)) {
      by_status[e->status] += 1;
      notified += 1;
    }
    for (const auto& e : changes.executions) {
      if (e.job_id != job_id) continue;
      if (const Execution* before = find_execution(e.thing_name, job_id)) {
        by_status[before->status] -= 1;
      } else {
        notified += 1;
      }
      by_status[e.status] += 1;
    }
    const auto verdict = tripped_abort_rule(job->abort_criteria, by_status, notified);
    if (!verdict) continue;

    std::map<std::string, const Execution*> merged;
    for (const Execution* e : executions_of_job(job_id)) merged[e->thing_name] = e;
    for (const auto& e : changes.executions) {
      if (e.job_id == job_id) merged[e.thing_name] = &e;
    }
    Job aborted = *job;
    aborted.state = JobState::Canceled;
    aborted.reason_code = kAbortReasonCode;
    aborted.comment = abort_comment(*verdict);
    aborted.last_updated_at_ms = now_ms;
    aborted.rollout_waiting.clear();
    std::vector<Execution> canceled;
    for (const auto& [thing, e] : merged) {
      if (e->status != JobStatus::Queued) continue;
      Execution c = *e;
      c.status = JobStatus::Canceled;
      c.version_number += 1;
      c.last_updated_at_ms = now_ms;
      canceled.push_back(std::move(c));
    }
    // `merged` points into changes.executions: change them only once it is no longer read.
    for (auto& c : canceled) changes.put(std::move(c));
    changes.put(std::move(aborted));
  }
}

}  // namespace awsfota::jobsd
