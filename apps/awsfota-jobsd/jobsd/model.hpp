// The records the local Jobs service keeps: things, thing groups, jobs and job executions.
//
// Plain values, shared by the service core (which decides), the store (which keeps them) and the
// control plane (which shows them). Times are milliseconds since the epoch; the MQTT messages carry
// seconds, as AWS's do.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/jobs/messages.hpp"

namespace awsfota::jobsd {

using jobs::JobStatus;
using jobs::StatusDetails;

struct Thing {
  std::string name;
  std::int64_t created_at_ms = 0;
  friend bool operator==(const Thing&, const Thing&) = default;
};

struct ThingGroup {
  std::string name;
  std::set<std::string> things;
  std::int64_t created_at_ms = 0;
  friend bool operator==(const ThingGroup&, const ThingGroup&) = default;
};

// A job's own status, as AWS IoT shows it in describe-job (not an execution's status).
enum class JobState { InProgress, Canceled, Completed, DeletionInProgress };
[[nodiscard]] std::string_view to_string(JobState state) noexcept;
[[nodiscard]] std::optional<JobState> parse_job_state(std::string_view text) noexcept;

// abortConfig.criteriaList: which terminal statuses count as failures of a rule (ALL: any of the three).
enum class FailureType { Failed, Rejected, TimedOut, All };
[[nodiscard]] std::string_view to_string(FailureType type) noexcept;
[[nodiscard]] std::optional<FailureType> parse_failure_type(std::string_view text) noexcept;

// One abort rule (AWS's AbortCriteria; its only action is CANCEL): once at least
// min_executed_things things have been notified, a share of failures of `failure_type` at or above
// threshold_percentage cancels the job.
struct AbortCriteria {
  FailureType failure_type = FailureType::Failed;
  double threshold_percentage = 0;    // 0..100, at most two decimals
  std::int64_t min_executed_things = 1;
  friend bool operator==(const AbortCriteria&, const AbortCriteria&) = default;
};

// jobExecutionsRolloutConfig.exponentialRate: the rate starts at base_per_minute and is multiplied by
// increment_factor each time one of the criteria is met again (the k-th increase once k times
// notified_things things were notified or k times succeeded_things succeeded), never above the cap.
struct ExponentialRate {
  std::int64_t base_per_minute = 1;  // 1..1000
  double increment_factor = 2;       // 1.1..5, one decimal
  std::optional<std::int64_t> notified_things;
  std::optional<std::int64_t> succeeded_things;
  friend bool operator==(const ExponentialRate&, const ExponentialRate&) = default;
};

struct Job {
  std::string job_id;
  std::int64_t sequence = 0;  // creation order: breaks ties between executions queued in the same millisecond
  std::string document;       // compact JSON text, placeholders not yet replaced
  std::string description;
  std::vector<std::string> target_things;  // names, as given
  std::vector<std::string> target_groups;  // names, as given
  std::string target_selection = "SNAPSHOT";
  std::optional<std::int64_t> in_progress_timeout_minutes;
  std::optional<std::int64_t> presigned_expires_in_sec;  // presignedUrlConfig.expiresInSec
  std::string presigned_role_arn;                        // presignedUrlConfig.roleArn; empty: none given
  // jobExecutionsRolloutConfig.maximumPerMinute: at most this many executions are queued (and their
  // things notified) per minute window; the other targets wait, in order, in rollout_waiting.
  std::optional<std::int64_t> max_per_minute;
  std::vector<std::string> rollout_waiting;
  std::int64_t rollout_window_start_ms = 0;  // when the current window opened
  std::int64_t rollout_window_count = 0;     // executions queued in it
  std::optional<ExponentialRate> exponential_rate;
  std::int64_t rollout_rate_increases = 0;  // how often the exponential rate has grown so far
  std::vector<AbortCriteria> abort_criteria;
  JobState state = JobState::InProgress;
  bool force_canceled = false;
  std::string reason_code;
  std::string comment;
  std::int64_t created_at_ms = 0;
  std::int64_t last_updated_at_ms = 0;
  std::optional<std::int64_t> completed_at_ms;
  friend bool operator==(const Job&, const Job&) = default;
};

struct Execution {
  std::string job_id;
  std::string thing_name;
  JobStatus status = JobStatus::Queued;
  StatusDetails status_details;
  std::int64_t queued_at_ms = 0;
  std::optional<std::int64_t> started_at_ms;
  std::int64_t last_updated_at_ms = 0;
  std::int64_t version_number = 1;
  std::int64_t execution_number = 1;
  bool force_canceled = false;
  // When the execution times out unless it reaches a terminal status first.
  std::optional<std::int64_t> step_deadline_ms;         // from stepTimeoutInMinutes
  std::optional<std::int64_t> in_progress_deadline_ms;  // from the job's inProgressTimeoutInMinutes
  friend bool operator==(const Execution&, const Execution&) = default;
};

// `e` ended by the service rather than the device (canceled, timed out, removed): the next version,
// updated now, its timers stopped.
[[nodiscard]] inline Execution ended_by_service(const Execution& e, JobStatus status, std::int64_t now_ms) {
  Execution ended = e;
  ended.status = status;
  ended.version_number += 1;
  ended.last_updated_at_ms = now_ms;
  ended.step_deadline_ms.reset();
  ended.in_progress_deadline_ms.reset();
  return ended;
}

[[nodiscard]] inline bool is_pending(JobStatus s) noexcept {
  return s == JobStatus::Queued || s == JobStatus::InProgress;
}

}  // namespace awsfota::jobsd
