#include "cli/rollout_flags.hpp"

#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

namespace awsfota::cli {
namespace {

using nlohmann::json;

const std::set<std::string>& failure_types() {
  static const std::set<std::string> types{"FAILED", "REJECTED", "TIMED_OUT", "ALL"};
  return types;
}

// A plain decimal ("10", "10.5", "0.25") with at most max_decimals digits after the point; no sign,
// exponent, inf or nan, which AWS would not take either.
std::optional<double> parse_decimal(const std::string& text, int max_decimals) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
  if (whole.empty() || !digits(whole) || !digits(fraction)) return std::nullopt;
  if (dot != std::string::npos && fraction.empty()) return std::nullopt;
  if (static_cast<int>(fraction.size()) > max_decimals) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_count(const std::string& text) {
  std::int64_t value = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::string check_criterion(const std::string& flag, const AbortCriterion& c) {
  if (!failure_types().count(c.failure_type))
    return flag + ": failure type '" + c.failure_type + "' is not one of FAILED, REJECTED, TIMED_OUT, ALL";
  if (!(c.threshold_percentage > 0) || c.threshold_percentage > 100)
    return flag + ": the failure percentage must be above 0 and at most 100";
  if (c.min_executed < 1) return flag + ": the minimum number of executed things must be at least 1";
  return {};
}

Expected<std::vector<AbortCriterion>, std::string> abort_criteria(const RolloutFlags& f) {
  std::vector<AbortCriterion> criteria;
  const bool single = !f.abort_percent.empty() || f.abort_min_things || !f.abort_failure_type.empty();
  if (single) {
    if (f.abort_percent.empty())
      return unexpected(std::string("--abort-min-things and --abort-failure-type need --abort-on-failure-percent P"));
    auto percent = parse_decimal(f.abort_percent, 2);
    if (!percent)
      return unexpected("--abort-on-failure-percent '" + f.abort_percent +
                        "': expected a percentage with at most two digits after the point (AWS's limit)");
    if (!f.abort_min_things)
      return unexpected(std::string("--abort-on-failure-percent needs --abort-min-things N: how many things must have "
                                    "run the job before the rule may cancel it (AWS's minNumberOfExecutedThings)"));
    AbortCriterion c{f.abort_failure_type.empty() ? "ALL" : f.abort_failure_type, *percent, *f.abort_min_things};
    if (auto why = check_criterion("--abort-on-failure-percent", c); !why.empty()) return unexpected(why);
    criteria.push_back(c);
  }
  for (const auto& rule : f.abort_on) {
    const std::string flag = "--abort-on '" + rule + "'";
    const auto parts = split(rule, ':');
    if (parts.size() != 3) return unexpected(flag + ": expected TYPE:PERCENT:MIN_THINGS, e.g. FAILED:10:20");
    auto percent = parse_decimal(parts[1], 2);
    if (!percent) return unexpected(flag + ": '" + parts[1] + "' is not a percentage with at most two decimals");
    auto min = parse_count(parts[2]);
    if (!min) return unexpected(flag + ": '" + parts[2] + "' is not a number of things");
    AbortCriterion c{parts[0], *percent, *min};
    if (auto why = check_criterion(flag, c); !why.empty()) return unexpected(why);
    criteria.push_back(c);
  }
  std::set<std::string> seen;
  for (const auto& c : criteria)
    if (!seen.insert(c.failure_type).second)
      return unexpected("two abort rules for failure type " + c.failure_type + ": give one per type");
  return criteria;
}

Expected<ExponentialRate, std::string> exponential_rate(const std::string& text, const std::string& increase_on) {
  const std::string flag = "--rollout-exponential '" + text + "'";
  const auto parts = split(text, ',');
  if (parts.size() != 3)
    return unexpected(flag + ": expected BASE,FACTOR,AFTER_N (e.g. 2,2.0,5: 2 things a minute, doubled after every 5)");
  ExponentialRate r;
  auto base = parse_count(parts[0]);
  if (!base || *base < 1 || *base > kMaxRolloutPerMinute)
    return unexpected(flag + ": the base rate must be 1 to 1000 things a minute");
  auto factor = parse_decimal(parts[1], 1);
  if (!factor || *factor < kMinIncrementFactor - 1e-9 || *factor > kMaxIncrementFactor)
    return unexpected(flag + ": the increment factor must be 1.1 to 5.0 with one digit after the point");
  auto threshold = parse_count(parts[2]);
  if (!threshold || *threshold < 1) return unexpected(flag + ": the number of things before each increase must be at least 1");
  if (!increase_on.empty() && increase_on != "succeeded" && increase_on != "notified")
    return unexpected("--rollout-increase-on '" + increase_on + "': expected succeeded or notified");
  r.base_per_minute = *base;
  r.increment_factor = *factor;
  r.threshold = *threshold;
  r.by_notified = increase_on == "notified";
  return r;
}

}  // namespace

Expected<RolloutPlan, std::string> parse_rollout_flags(const RolloutFlags& f) {
  RolloutPlan plan;
  auto criteria = abort_criteria(f);
  if (!criteria) return unexpected(criteria.error());
  plan.abort_criteria = *criteria;
  if (f.rollout_rate && !f.exponential.empty())
    return unexpected(std::string("--rollout-rate and --rollout-exponential exclude each other: give one rate"));
  if (!f.increase_on.empty() && f.exponential.empty())
    return unexpected(std::string("--rollout-increase-on goes with --rollout-exponential"));
  if (f.rollout_rate) {
    if (*f.rollout_rate < 1 || *f.rollout_rate > kMaxRolloutPerMinute)
      return unexpected("--rollout-rate " + std::to_string(*f.rollout_rate) + ": must be 1 to 1000 things a minute");
    plan.maximum_per_minute = *f.rollout_rate;
  }
  if (!f.exponential.empty()) {
    auto rate = exponential_rate(f.exponential, f.increase_on);
    if (!rate) return unexpected(rate.error());
    plan.exponential = *rate;
  }
  return plan;
}

std::string abort_config_json(const RolloutPlan& plan) {
  if (plan.abort_criteria.empty()) return {};
  json list = json::array();
  for (const auto& c : plan.abort_criteria)
    list.push_back({{"failureType", c.failure_type},
                    {"action", "CANCEL"},
                    {"thresholdPercentage", c.threshold_percentage},
                    {"minNumberOfExecutedThings", c.min_executed}});
  return json{{"criteriaList", list}}.dump();
}

std::string rollout_config_json(const RolloutPlan& plan) {
  json config = json::object();
  if (plan.maximum_per_minute) config["maximumPerMinute"] = *plan.maximum_per_minute;
  if (plan.exponential) {
    const auto& e = *plan.exponential;
    config["exponentialRate"] = {
        {"baseRatePerMinute", e.base_per_minute},
        {"incrementFactor", e.increment_factor},
        {"rateIncreaseCriteria", {{e.by_notified ? "numberOfNotifiedThings" : "numberOfSucceededThings", e.threshold}}}};
  }
  return config.empty() ? std::string() : config.dump();
}

}  // namespace awsfota::cli
