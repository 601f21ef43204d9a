// Staged rollouts (jobExecutionsRolloutConfig) and automatic aborts (abortConfig): the rules, as pure
// functions of a job and the counts of its executions. The service (rollout.cpp, abort.cpp) applies
// them when it commits a change; the REST API (rest_rollout.cpp) reads and shows the settings.
//
//   Job job;                                   // maximumPerMinute 100, exponentialRate 10 x2 per 50 notified
//   job.max_per_minute = 100;
//   job.exponential_rate = ExponentialRate{.base_per_minute = 10, .increment_factor = 2, .notified_things = 50};
//   job.rollout_rate_increases = earned_rate_increases(job, /*notified=*/120, /*succeeded=*/0);  // 2
//   rollout_rate_per_minute(job);              // 40
//
//   std::vector<AbortCriteria> rules = {{FailureType::Failed, 10.0, 20}};
//   auto verdict = tripped_abort_rule(rules, {{JobStatus::Failed, 3}}, /*notified=*/25);  // 12% >= 10%
//   abort_comment(*verdict);   // says which rule tripped and on what counts
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jobsd/model.hpp"

namespace awsfota::jobsd {

// AWS's limits on the rollout and abort settings.
inline constexpr std::int64_t kMaxRolloutPerMinute = 1000;  // maximumPerMinute, baseRatePerMinute
inline constexpr double kMinIncrementFactor = 1.1;
inline constexpr double kMaxIncrementFactor = 5.0;

// The reasonCode describe-job shows on a job the abort rules canceled (AWS documents none; ours).
inline constexpr const char* kAbortReasonCode = "ABORT_CRITERIA_MET";

// Why the settings break AWS's rules (naming the field), or nothing when they are valid.
[[nodiscard]] std::optional<std::string> rollout_config_error(const std::optional<std::int64_t>& max_per_minute,
                                                              const std::optional<ExponentialRate>& rate);
[[nodiscard]] std::optional<std::string> abort_config_error(const std::vector<AbortCriteria>& criteria);

// How many things the job may notify in a minute now; nothing when it rolls out without a limit.
// The exponential rate is base x factor^increases (rounded down), never above maximumPerMinute (or
// kMaxRolloutPerMinute without one).
[[nodiscard]] std::optional<std::int64_t> rollout_rate_per_minute(const Job& job);

// The number of rate increases the counts have earned (never fewer than the job already has): the
// k-th increase needs k x numberOfNotifiedThings notified or k x numberOfSucceededThings succeeded.
[[nodiscard]] std::int64_t earned_rate_increases(const Job& job, std::int64_t notified, std::int64_t succeeded);

// A queued execution of `job_id` for `thing`, as a rollout creates it.
[[nodiscard]] Execution queued_execution(const std::string& job_id, const std::string& thing, std::int64_t now_ms);

struct AbortVerdict {
  AbortCriteria rule;
  std::int64_t failures = 0;  // executions in the rule's failure statuses
  std::int64_t notified = 0;  // things notified (executions created) so far
};

// The first rule that trips: at least min_executed_things notified, at least one failure of its type,
// and failures / notified x 100 at or above its thresholdPercentage.
[[nodiscard]] std::optional<AbortVerdict> tripped_abort_rule(const std::vector<AbortCriteria>& criteria,
                                                             const std::map<JobStatus, std::int64_t>& by_status,
                                                             std::int64_t notified);
// The comment describe-job shows on an aborted job.
[[nodiscard]] std::string abort_comment(const AbortVerdict& verdict);

}  // namespace awsfota::jobsd
