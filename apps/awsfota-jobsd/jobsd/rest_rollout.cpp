#include "jobsd/rest_rollout.hpp"

#include <optional>

namespace awsfota::jobsd {
namespace {

using nlohmann::json;

// The member `name` of `j` as T, nothing when absent; an error naming `at` + name when of another type.
struct Fields {
  const json& j;
  std::string at;
  std::string error;

  const json* find(const char* name) {
    auto it = j.find(name);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<std::int64_t> integer(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer()) return fail<std::int64_t>(name, "must be an integer");
    return v->get<std::int64_t>();
  }
  std::optional<double> number(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) return fail<double>(name, "must be a number");
    return v->get<double>();
  }
  std::optional<std::string> text(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return fail<std::string>(name, "must be a string");
    return v->get<std::string>();
  }
  const json* object(const char* name) {
    const json* v = find(name);
    if (v != nullptr && !v->is_object()) return fail<const json*>(name, "must be an object").value_or(nullptr);
    return v;
  }
  template <class T>
  std::optional<T> required(const char* name, std::optional<T> value) {
    if (!value && error.empty()) error = at + name + ": required";
    return value;
  }
  template <class T>
  std::optional<T> fail(const char* name, const char* why) {
    if (error.empty()) error = at + name + ": " + why;
    return std::nullopt;
  }
};

std::optional<ExponentialRate> read_exponential_rate(const json& j, std::string& error) {
  Fields f{j, "jobExecutionsRolloutConfig.exponentialRate.", {}};
  ExponentialRate r;
  const auto base = f.required("baseRatePerMinute", f.integer("baseRatePerMinute"));
  const auto factor = f.required("incrementFactor", f.number("incrementFactor"));
  const json* criteria = f.object("rateIncreaseCriteria");
  if (criteria == nullptr) f.required<int>("rateIncreaseCriteria", std::nullopt);
  if (!f.error.empty()) {
    error = f.error;
    return std::nullopt;
  }
  Fields c{*criteria, f.at + "rateIncreaseCriteria.", {}};
  r.base_per_minute = *base;
  r.increment_factor = *factor;
  r.notified_things = c.integer("numberOfNotifiedThings");
  r.succeeded_things = c.integer("numberOfSucceededThings");
  error = c.error;
  return r;
}

Expected<std::vector<AbortCriteria>, std::string> read_criteria(const json& abort) {
  auto list = abort.find("criteriaList");
  if (list == abort.end() || !list->is_array() || list->empty()) {
    return unexpected(std::string("abortConfig.criteriaList: a list of at least one criterion is required"));
  }
  std::vector<AbortCriteria> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = "abortConfig.criteriaList[" + std::to_string(i) + "].";
    if (!(*list)[i].is_object()) return unexpected(at.substr(0, at.size() - 1) + ": must be an object");
    Fields f{(*list)[i], at, {}};
    const auto type = f.required("failureType", f.text("failureType"));
    const auto action = f.required("action", f.text("action"));
    const auto threshold = f.required("thresholdPercentage", f.number("thresholdPercentage"));
    const auto min_things = f.required("minNumberOfExecutedThings", f.integer("minNumberOfExecutedThings"));
    if (!f.error.empty()) return unexpected(f.error);
    const auto failure_type = parse_failure_type(*type);
    if (!failure_type) return unexpected(at + "failureType '" + *type + "': must be FAILED, REJECTED, TIMED_OUT or ALL");
    if (*action != "CANCEL") return unexpected(at + "action '" + *action + "': must be CANCEL");
    out.push_back({*failure_type, *threshold, *min_things});
  }
  return out;
}

}  // namespace

Expected<void, std::string> read_rollout_and_abort(const json& body, CreateJobRequest& out) {
  Fields top{body, "", {}};
  if (const json* rollout = top.object("jobExecutionsRolloutConfig")) {
    Fields f{*rollout, "jobExecutionsRolloutConfig.", {}};
    out.max_per_minute = f.integer("maximumPerMinute");
    if (const json* rate = f.object("exponentialRate")) {
      std::string error;
      out.exponential_rate = read_exponential_rate(*rate, error);
      if (!error.empty()) return unexpected(error);
    }
    if (!f.error.empty()) return unexpected(f.error);
  }
  if (const json* abort = top.object("abortConfig")) {
    auto criteria = read_criteria(*abort);
    if (!criteria) return unexpected(criteria.error());
    out.abort_criteria = std::move(*criteria);
  }
  if (!top.error.empty()) return unexpected(top.error);
  return {};
}

void add_rollout_and_abort(json& job_json, const Job& job) {
  json rollout = json::object();
  if (job.max_per_minute) rollout["maximumPerMinute"] = *job.max_per_minute;
  if (const auto& r = job.exponential_rate) {
    json criteria = json::object();
    if (r->notified_things) criteria["numberOfNotifiedThings"] = *r->notified_things;
    if (r->succeeded_things) criteria["numberOfSucceededThings"] = *r->succeeded_things;
    rollout["exponentialRate"] = {{"baseRatePerMinute", r->base_per_minute},
                                  {"incrementFactor", r->increment_factor},
                                  {"rateIncreaseCriteria", criteria}};
  }
  if (!rollout.empty()) job_json["jobExecutionsRolloutConfig"] = rollout;
  if (!job.abort_criteria.empty()) {
    json list = json::array();
    for (const AbortCriteria& c : job.abort_criteria) {
      list.push_back({{"failureType", std::string(to_string(c.failure_type))},
                      {"action", "CANCEL"},
                      {"thresholdPercentage", c.threshold_percentage},
                      {"minNumberOfExecutedThings", c.min_executed_things}});
    }
    job_json["abortConfig"] = {{"criteriaList", list}};
  }
  if (!job.rollout_waiting.empty() && job.state == JobState::InProgress && job_json.contains("targets")) {
    job_json["jobProcessDetails"]["processingTargets"] = job_json["targets"];
  }
}

}  // namespace awsfota::jobsd
