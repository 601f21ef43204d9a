// `awsfota job create`'s rollout and abort flags, checked against AWS's ranges (botocore's iot
// 2015-05-28 model and the API reference) before anything is sent, and turned into CreateJob's
// jobExecutionsRolloutConfig and abortConfig. Pure.
//
//   RolloutFlags f;
//   f.abort_on = {"FAILED:10:20"};                 // cancel when 10 % of 20+ executed things FAILED
//   f.exponential = "2,2.0,5";                     // 2/min, x2.0 after every 5 SUCCEEDED
//   auto plan = parse_rollout_flags(f);            // Expected<RolloutPlan, std::string>: the bad flag, named
//   if (plan) params.rollout = *plan;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

// One entry of abortConfig.criteriaList (action is always CANCEL, the only one AWS has).
struct AbortCriterion {
  std::string failure_type;          // FAILED, REJECTED, TIMED_OUT or ALL
  double threshold_percentage = 0;   // (0, 100], at most two decimals
  std::int64_t min_executed = 1;     // minNumberOfExecutedThings, >= 1

  friend bool operator==(const AbortCriterion&, const AbortCriterion&) = default;
};

// exponentialRate: start at base_per_minute, multiply by increment_factor each time `threshold`
// more things have succeeded (or, with by_notified, have been notified).
struct ExponentialRate {
  std::int64_t base_per_minute = 1;  // 1..1000
  double increment_factor = 2;       // 1.1..5, one decimal
  std::int64_t threshold = 1;        // >= 1
  bool by_notified = false;          // numberOfNotifiedThings instead of numberOfSucceededThings

  friend bool operator==(const ExponentialRate&, const ExponentialRate&) = default;
};

struct RolloutPlan {
  std::vector<AbortCriterion> abort_criteria;      // empty: no abortConfig
  std::optional<std::int64_t> maximum_per_minute;  // constant rate
  std::optional<ExponentialRate> exponential;      // or an exponential one (never both)
};

// The flags as typed; empty/unset when not given.
struct RolloutFlags {
  std::string abort_percent;                     // --abort-on-failure-percent P (as typed: decimals count)
  std::optional<std::int64_t> abort_min_things;  // --abort-min-things N
  std::string abort_failure_type;                // --abort-failure-type TYPE (default ALL)
  std::vector<std::string> abort_on;             // --abort-on TYPE:PERCENT:MIN, repeatable
  std::optional<std::int64_t> rollout_rate;      // --rollout-rate N
  std::string exponential;                       // --rollout-exponential BASE,FACTOR,N
  std::string increase_on;                       // --rollout-increase-on succeeded|notified (default succeeded)
};

// AWS's ranges (RolloutRatePerMinute, IncrementFactor, AbortThresholdPercentage, ...).
inline constexpr std::int64_t kMaxRolloutPerMinute = 1000;
inline constexpr double kMinIncrementFactor = 1.1;
inline constexpr double kMaxIncrementFactor = 5.0;

// The plan, or a one-line message naming the flag and the rule it breaks.
[[nodiscard]] Expected<RolloutPlan, std::string> parse_rollout_flags(const RolloutFlags& flags);

// The JSON objects CreateJob takes ("abortConfig", "jobExecutionsRolloutConfig"); "" when there is none.
[[nodiscard]] std::string abort_config_json(const RolloutPlan& plan);
[[nodiscard]] std::string rollout_config_json(const RolloutPlan& plan);

}  // namespace awsfota::cli
