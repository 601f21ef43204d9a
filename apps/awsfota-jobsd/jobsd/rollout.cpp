// Staged rollouts: how many targets get their execution in each minute window, and how an
// exponential rate grows.
#include "jobsd/rollout.hpp"

#include <algorithm>
#include <cmath>

#include "jobsd/service.hpp"

namespace awsfota::jobsd {
namespace {

// AWS takes incrementFactor with one decimal and thresholdPercentage with two.
bool has_at_most_decimals(double value, int decimals) {
  const double scaled = value * std::pow(10.0, decimals);
  return std::fabs(scaled - std::round(scaled)) < 1e-6;
}

}  // namespace

std::optional<std::string> rollout_config_error(const std::optional<std::int64_t>& max_per_minute,
                                                const std::optional<ExponentialRate>& rate) {
  if (max_per_minute && (*max_per_minute < 1 || *max_per_minute > kMaxRolloutPerMinute)) {
    return "jobExecutionsRolloutConfig.maximumPerMinute must be 1..1000, got " + std::to_string(*max_per_minute);
  }
  if (!rate) return std::nullopt;
  const std::string at = "jobExecutionsRolloutConfig.exponentialRate.";
  if (rate->base_per_minute < 1 || rate->base_per_minute > kMaxRolloutPerMinute) {
    return at + "baseRatePerMinute must be 1..1000, got " + std::to_string(rate->base_per_minute);
  }
  if (max_per_minute && rate->base_per_minute > *max_per_minute) {
    return at + "baseRatePerMinute " + std::to_string(rate->base_per_minute) + " is above maximumPerMinute " +
           std::to_string(*max_per_minute);
  }
  if (!(rate->increment_factor >= kMinIncrementFactor - 1e-9 && rate->increment_factor <= kMaxIncrementFactor) ||
      !has_at_most_decimals(rate->increment_factor, 1)) {
    return at + "incrementFactor must be 1.1..5 with at most one decimal, got " + std::to_string(rate->increment_factor);
  }
  if (!rate->notified_things && !rate->succeeded_things) {
    return at + "rateIncreaseCriteria needs numberOfNotifiedThings or numberOfSucceededThings";
  }
  for (const auto& [name, value] : {std::pair{"numberOfNotifiedThings", rate->notified_things},
                                    std::pair{"numberOfSucceededThings", rate->succeeded_things}}) {
    if (value && *value < 1) return at + "rateIncreaseCriteria." + name + " must be at least 1, got " + std::to_string(*value);
  }
  return std::nullopt;
}

std::optional<std::string> abort_config_error(const std::vector<AbortCriteria>& criteria) {
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    const AbortCriteria& c = criteria[i];
    const std::string at = "abortConfig.criteriaList[" + std::to_string(i) + "].";
    if (!(c.threshold_percentage >= 0 && c.threshold_percentage <= 100) || !has_at_most_decimals(c.threshold_percentage, 2)) {
      return at + "thresholdPercentage must be 0..100 with at most two decimals, got " +
             std::to_string(c.threshold_percentage);
    }
    if (c.min_executed_things < 1) {
      return at + "minNumberOfExecutedThings must be at least 1, got " + std::to_string(c.min_executed_things);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> rollout_rate_per_minute(const Job& job) {
  if (!job.exponential_rate) return job.max_per_minute;
  const ExponentialRate& r = *job.exponential_rate;
  const double cap = static_cast<double>(job.max_per_minute.value_or(kMaxRolloutPerMinute));
  const double grown = static_cast<double>(r.base_per_minute) *
                       std::pow(r.increment_factor, static_cast<double>(job.rollout_rate_increases));
  // 1e-9: 10 x 1.1^2 is 12.100000000000001 or 12.099999999999998 depending on rounding; both mean 12.
  return static_cast<std::int64_t>(std::floor(std::min(cap, grown) + 1e-9));
}

std::int64_t earned_rate_increases(const Job& job, std::int64_t notified, std::int64_t succeeded) {
  if (!job.exponential_rate) return job.rollout_rate_increases;
  const ExponentialRate& r = *job.exponential_rate;
  std::int64_t earned = job.rollout_rate_increases;
  if (r.notified_things) earned = std::max(earned, notified / *r.notified_things);
  if (r.succeeded_things) earned = std::max(earned, succeeded / *r.succeeded_things);
  // Past the cap more increases change nothing; bounding them keeps factor^increases finite.
  return std::min<std::int64_t>(earned, 64);
}

Execution queued_execution(const std::string& job_id, const std::string& thing, std::int64_t now_ms) {
  Execution e;
  e.job_id = job_id;
  e.thing_name = thing;
  e.queued_at_ms = now_ms;
  e.last_updated_at_ms = now_ms;
  return e;
}

// --- the service's side ----------------------------------------------------------------------------

void Service::queue_executions(Job& job, const std::vector<std::string>& things, std::int64_t now_ms,
                               StoreChanges& changes) const {
  job.rollout_waiting.insert(job.rollout_waiting.end(), things.begin(), things.end());
  release_rollout(job, now_ms, changes);
}

void Service::release_rollout(Job& job, std::int64_t now_ms, StoreChanges& changes) const {
  std::size_t release = job.rollout_waiting.size();
  if (job.max_per_minute || job.exponential_rate) {
    if (now_ms >= job.rollout_window_start_ms + config_.minute_ms) {
      job.rollout_window_start_ms = now_ms;
      job.rollout_window_count = 0;
      // The rate changes only between windows: a minute is notified at one rate.
      std::int64_t notified = 0;
      std::int64_t succeeded = 0;
      for (const Execution* e : executions_of_job(job.job_id)) {
        notified += 1;
        succeeded += e->status == JobStatus::Succeeded ? 1 : 0;
      }
      job.rollout_rate_increases = earned_rate_increases(job, notified, succeeded);
    }
    const std::int64_t rate = rollout_rate_per_minute(job).value_or(kMaxRolloutPerMinute);
    const auto room = static_cast<std::size_t>(std::max<std::int64_t>(0, rate - job.rollout_window_count));
    release = std::min(release, room);
    job.rollout_window_count += static_cast<std::int64_t>(release);
  }
  for (std::size_t i = 0; i < release; ++i) {
    changes.executions.push_back(queued_execution(job.job_id, job.rollout_waiting[i], now_ms));
  }
  job.rollout_waiting.erase(job.rollout_waiting.begin(),
                            job.rollout_waiting.begin() + static_cast<std::ptrdiff_t>(release));
}

}  // namespace awsfota::jobsd
