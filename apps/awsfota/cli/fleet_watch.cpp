#include "cli/fleet_watch.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace awsfota::cli {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* object(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

std::optional<std::int64_t> whole(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? std::optional(it->get<std::int64_t>()) : std::nullopt;
}

bool is_failure(const std::string& status) { return status == "FAILED" || status == "TIMED_OUT" || status == "REJECTED"; }

RolloutPlan rollout_of(const json& job) {
  RolloutPlan plan;
  if (const json* r = object(job, "jobExecutionsRolloutConfig")) {
    plan.maximum_per_minute = whole(*r, "maximumPerMinute");
    if (const json* e = object(*r, "exponentialRate")) {
      ExponentialRate rate;
      rate.base_per_minute = whole(*e, "baseRatePerMinute").value_or(0);
      if (auto f = e->find("incrementFactor"); f != e->end() && f->is_number()) rate.increment_factor = f->get<double>();
      if (const json* c = object(*e, "rateIncreaseCriteria")) {
        rate.by_notified = c->contains("numberOfNotifiedThings");
        rate.threshold = whole(*c, rate.by_notified ? "numberOfNotifiedThings" : "numberOfSucceededThings").value_or(0);
      }
      plan.exponential = rate;
    }
  }
  if (const json* a = object(job, "abortConfig"))
    if (auto list = a->find("criteriaList"); list != a->end() && list->is_array())
      for (const auto& c : *list) {
        if (!c.is_object()) continue;
        AbortCriterion criterion{text(c, "failureType"), 0, whole(c, "minNumberOfExecutedThings").value_or(0)};
        if (auto p = c.find("thresholdPercentage"); p != c.end() && p->is_number())
          criterion.threshold_percentage = p->get<double>();
        plan.abort_criteria.push_back(criterion);
      }
  return plan;
}

}  // namespace

RequestPacer::RequestPacer(double rate, std::function<double()> now, std::function<void(double)> sleep)
    : interval_(rate > 0 ? 1.0 / rate : 0.0), now_(std::move(now)), sleep_(std::move(sleep)) {}

void RequestPacer::acquire() {
  double now = now_();
  if (next_ && now < *next_) {
    sleep_(*next_ - now);
    now = *next_;
  }
  next_ = now + interval_;
}

Expected<JobProgress, std::string> parse_job_progress(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  const json* job = j.is_object() ? object(j, "job") : nullptr;
  if (job == nullptr) return unexpected(std::string("DescribeJob: the answer has no job object"));
  JobProgress p;
  p.status = text(*job, "status");
  p.target_selection = text(*job, "targetSelection");
  p.reason_code = text(*job, "reasonCode");
  p.comment = text(*job, "comment");
  p.rollout = rollout_of(*job);
  return p;
}

FleetWatcher::FleetWatcher(std::string job_id, ApiCall call, RequestPacer& pacer)
    : job_id_(std::move(job_id)), call_(std::move(call)), pacer_(pacer) {}

Expected<std::string, std::string> FleetWatcher::call(const ApiRequest& request) {
  pacer_.acquire();
  return call_(request);
}

Expected<FleetSnapshot, std::string> FleetWatcher::poll(std::size_t describe_budget) {
  auto job_body = call(describe_job_request(job_id_));
  if (!job_body) return unexpected(job_body.error());
  auto job = parse_job_progress(*job_body);
  if (!job) return unexpected(job.error());
  auto executions = collect_pages<ExecutionSummary>(
      "ListJobExecutionsForJob", [&](const std::string& token) -> Expected<Page<ExecutionSummary>, std::string> {
        auto body = call(list_job_executions_for_job_request(job_id_, token, kListExecutionsPageSize));
        if (!body) return unexpected(body.error());
        return parse_list_job_executions(*body);
      });
  if (!executions) return unexpected(executions.error());

  for (const auto& e : *executions) {
    ThingState& t = things_[e.thing_name];
    const bool first_sight = t.row.thing.empty();
    t.started_at = e.started_at;
    t.last_updated_at = e.last_updated_at;
    if (!first_sight && t.row.status == e.status) continue;
    if (first_sight) t.row = make_watch_row(e.thing_name, e.status, {});
    t.row.status = e.status;  // its details are those of the old status until it is described
    const bool queued = std::find(to_describe_.begin(), to_describe_.end(), e.thing_name) != to_describe_.end();
    // QUEUED, CANCELED and REMOVED executions have no device report worth reading.
    const bool reported = e.status != "QUEUED" && e.status != "CANCELED" && e.status != "REMOVED";
    if (reported && !queued) to_describe_.push_back(e.thing_name);
  }
  // Failures first: their reasons are what an operator needs soonest.
  std::stable_partition(to_describe_.begin(), to_describe_.end(),
                        [&](const std::string& thing) { return is_failure(things_[thing].row.status); });
  for (std::size_t n = 0; n < describe_budget && !to_describe_.empty(); ++n) {
    const std::string thing = to_describe_.front();
    auto body = call(describe_job_execution_request(thing, job_id_));
    if (!body) return unexpected(body.error());
    auto ex = parse_describe_job_execution(*body);
    if (!ex) return unexpected(ex.error());
    to_describe_.pop_front();
    ThingState& t = things_[thing];
    t.row = make_watch_row(thing, ex->status.empty() ? t.row.status : ex->status, ex->status_details);
  }

  FleetSnapshot snapshot;
  snapshot.job = *job;
  for (const auto& [name, state] : things_) snapshot.things.push_back(state);
  snapshot.describes_pending = to_describe_.size();
  const bool all_done = !snapshot.things.empty() && std::all_of(snapshot.things.begin(), snapshot.things.end(), [](const ThingState& t) {
    return is_terminal_status(t.row.status);
  });
  const bool rolling_out = job->status == "IN_PROGRESS" && job->target_selection != "CONTINUOUS";
  const bool job_over = job->status == "COMPLETED" || job->status == "CANCELED" || job->status == "DELETION_IN_PROGRESS";
  snapshot.finished = snapshot.describes_pending == 0 && ((all_done && !rolling_out) || (snapshot.things.empty() && job_over));
  return snapshot;
}

}  // namespace awsfota::cli
