// The service's shared machinery: loading, committing a change set, what a thing has pending,
// notifications, timeouts and the read-only queries.
#include <algorithm>
#include <set>

#include "awsfota/jobs/topics.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {

// What a device can see of its pending work; notify goes out when `pending` changes, notify-next when
// `next` does.
struct Service::ThingView {
  std::vector<std::pair<std::string, JobStatus>> pending;
  std::optional<std::pair<std::string, std::int64_t>> next;  // job id, execution number
};

std::string_view to_string(ControlErrorCode code) noexcept {
  switch (code) {
    case ControlErrorCode::InvalidRequest: return "InvalidRequest";
    case ControlErrorCode::ResourceNotFound: return "ResourceNotFound";
    case ControlErrorCode::ResourceAlreadyExists: return "ResourceAlreadyExists";
    case ControlErrorCode::InvalidStateTransition: return "InvalidStateTransition";
    case ControlErrorCode::VersionConflict: return "VersionConflict";
    case ControlErrorCode::LimitExceeded: return "LimitExceeded";
    case ControlErrorCode::Internal: return "Internal";
  }
  return "Internal";
}

Expected<std::unique_ptr<Service>, StoreError> Service::open(Store& store, Config config) {
  auto loaded = store.load();
  if (!loaded) return unexpected(loaded.error());
  std::unique_ptr<Service> service(new Service(store, std::move(config)));
  for (auto& t : loaded->things) service->things_.emplace(t.name, std::move(t));
  for (auto& g : loaded->groups) service->groups_.emplace(g.name, std::move(g));
  for (auto& j : loaded->jobs) {
    service->next_sequence_ = std::max(service->next_sequence_, j.sequence + 1);
    service->jobs_.emplace(j.job_id, std::move(j));
  }
  for (auto& e : loaded->executions) {
    service->next_execution_number_ = std::max(service->next_execution_number_, e.execution_number + 1);
    ExecutionKey key{e.thing_name, e.job_id};
    service->executions_.emplace(std::move(key), std::move(e));
  }
  return service;
}

// --- lookups ---------------------------------------------------------------------------------------

const Execution* Service::find_execution(const std::string& thing, const std::string& job_id) const {
  auto it = executions_.find({thing, job_id});
  return it == executions_.end() ? nullptr : &it->second;
}

const Job* Service::find_job(const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::vector<const Execution*> Service::executions_of_job(const std::string& job_id) const {
  std::vector<const Execution*> out;
  for (const auto& [key, e] : executions_) {
    if (key.second == job_id) out.push_back(&e);
  }
  return out;
}

// Oldest first: in-progress executions before queued ones, as AWS picks the next one.
std::vector<const Execution*> Service::pending_of(const std::string& thing) const {
  std::vector<const Execution*> out;
  for (auto it = executions_.lower_bound({thing, std::string()}); it != executions_.end() && it->first.first == thing;
       ++it) {
    if (is_pending(it->second.status)) out.push_back(&it->second);
  }
  auto sequence = [this](const Execution* e) {
    const Job* job = find_job(e->job_id);
    return job == nullptr ? 0 : job->sequence;
  };
  std::sort(out.begin(), out.end(), [&](const Execution* a, const Execution* b) {
    const bool a_running = a->status == JobStatus::InProgress;
    const bool b_running = b->status == JobStatus::InProgress;
    if (a_running != b_running) return a_running;
    if (a->queued_at_ms != b->queued_at_ms) return a->queued_at_ms < b->queued_at_ms;
    return sequence(a) < sequence(b);
  });
  return out;
}

std::vector<const Execution*> Service::listed_of(const std::string& thing) const {
  auto pending = pending_of(thing);
  if (pending.size() > kMaxListedExecutions) pending.resize(kMaxListedExecutions);
  return pending;
}

const Execution* Service::next_of(const std::string& thing) const {
  auto pending = pending_of(thing);
  return pending.empty() ? nullptr : pending.front();
}

Service::ThingView Service::view_of(const std::string& thing) const {
  ThingView view;
  for (const Execution* e : pending_of(thing)) view.pending.emplace_back(e->job_id, e->status);
  std::sort(view.pending.begin(), view.pending.end());
  if (const Execution* next = next_of(thing)) view.next = std::make_pair(next->job_id, next->execution_number);
  return view;
}

// --- documents and messages ------------------------------------------------------------------------

std::string Service::document_for_device(const Job& job, std::int64_t now_ms) const {
  if (!config_.signer) return job.document;
  const std::int64_t lifetime = job.presigned_expires_in_sec.value_or(config_.default_presigned_expires_sec);
  return replace_presigned_placeholders(job.document, *config_.signer, now_ms / 1000 + lifetime, lifetime);
}

jobs::JobExecutionSummary Service::to_summary(const Execution& e) {
  jobs::JobExecutionSummary s;
  s.job_id = e.job_id;
  s.queued_at = e.queued_at_ms / 1000;
  if (e.started_at_ms) s.started_at = *e.started_at_ms / 1000;
  s.last_updated_at = e.last_updated_at_ms / 1000;
  s.version_number = e.version_number;
  s.execution_number = e.execution_number;
  return s;
}

jobs::JobExecution Service::to_message(const Execution& e, bool with_document, std::int64_t now_ms) const {
  jobs::JobExecution m;
  m.job_id = e.job_id;
  m.thing_name = e.thing_name;
  if (with_document) {
    if (const Job* job = find_job(e.job_id)) m.job_document = document_for_device(*job, now_ms);
  }
  m.status = e.status;
  m.status_details = e.status_details;
  m.queued_at = e.queued_at_ms / 1000;
  if (e.started_at_ms) m.started_at = *e.started_at_ms / 1000;
  m.last_updated_at = e.last_updated_at_ms / 1000;
  m.version_number = e.version_number;
  m.execution_number = e.execution_number;
  // As AWS's JobExecution: only while a timer runs, the nearer of the two, and never below zero (a
  // deadline may pass a moment before tick() times the execution out).
  std::optional<std::int64_t> deadline;
  for (const auto& d : {e.step_deadline_ms, e.in_progress_deadline_ms}) {
    if (d && (!deadline || *d < *deadline)) deadline = d;
  }
  if (deadline) m.approximate_seconds_before_timed_out = std::max<std::int64_t>(0, (*deadline - now_ms) / 1000);
  return m;
}

void Service::notify_thing(const std::string& thing, const ThingView& before, std::int64_t now_ms,
                           std::vector<OutgoingMessage>& out) const {
  const ThingView after = view_of(thing);
  const std::int64_t now_s = now_ms / 1000;
  if (after.pending != before.pending) {
    jobs::NotifyMessage notify;
    notify.timestamp = now_s;
    for (const Execution* e : listed_of(thing)) {
      (e->status == JobStatus::InProgress ? notify.in_progress : notify.queued).push_back(to_summary(*e));
    }
    out.push_back({jobs::notify_filter(thing), jobs::encode(notify)});
  }
  if (after.next != before.next) out.push_back(notify_next_message(thing, now_ms));
}

OutgoingMessage Service::notify_next_message(const std::string& thing, std::int64_t now_ms) const {
  jobs::NotifyNextMessage next;
  next.timestamp = now_ms / 1000;
  if (const Execution* e = next_of(thing)) next.execution = to_message(*e, true, now_ms);
  return {jobs::notify_next_filter(thing), jobs::encode(next)};
}

std::vector<OutgoingMessage> Service::announce_next(std::int64_t now_ms) const {
  std::vector<OutgoingMessage> out;
  for (const auto& [name, thing] : things_) {
    if (next_of(name) != nullptr) out.push_back(notify_next_message(name, now_ms));
  }
  return out;
}

// --- committing ------------------------------------------------------------------------------------

void Service::complete_finished_jobs(StoreChanges& changes, std::int64_t now_ms) const {
  std::set<std::string> touched;
  for (const auto& e : changes.executions) touched.insert(e.job_id);
  // A changed job counts too: a SNAPSHOT job created for empty groups has no execution that could
  // ever end it, so it is complete as soon as it exists.
  for (const auto& j : changes.jobs) touched.insert(j.job_id);
  for (const auto& key : changes.deleted_executions) touched.insert(key.first);
  for (const auto& job_id : touched) {
    const Job* changed_job = changes.find_job(job_id);
    const Job* job = changed_job != nullptr ? changed_job : find_job(job_id);
    if (job == nullptr) continue;
    const Job& current = *job;
    if (current.state != JobState::InProgress || current.target_selection != "SNAPSHOT" ||
        !current.rollout_waiting.empty()) {
      continue;
    }

    std::map<std::string, JobStatus> statuses;
    for (const Execution* e : executions_of_job(job_id)) statuses[e->thing_name] = e->status;
    for (const auto& e : changes.executions) {
      if (e.job_id == job_id) statuses[e.thing_name] = e.status;
    }
    for (const auto& [deleted_job, thing] : changes.deleted_executions) {
      if (deleted_job == job_id) statuses.erase(thing);
    }
    const bool all_done = std::all_of(statuses.begin(), statuses.end(),
                                      [](const auto& kv) { return jobs::is_terminal(kv.second); });
    if (!all_done) continue;
    Job done = current;
    done.state = JobState::Completed;
    done.completed_at_ms = now_ms;
    done.last_updated_at_ms = now_ms;
    changes.put(std::move(done));
  }
}

Expected<void, StoreError> Service::commit(StoreChanges changes, std::int64_t now_ms,
                                           std::vector<OutgoingMessage>& out) {
  apply_abort_rules(changes, now_ms);  // before completion: a tripped job ends CANCELED, not COMPLETED
  complete_finished_jobs(changes, now_ms);
  // A new execution gets its number here, whichever path queued it; the counter moves on only once
  // the store has taken the change set.
  std::int64_t next_number = next_execution_number_;
  for (auto& e : changes.executions) {
    if (executions_.find({e.thing_name, e.job_id}) == executions_.end()) e.execution_number = next_number++;
  }

  std::set<std::string> affected;
  for (const auto& e : changes.executions) affected.insert(e.thing_name);
  for (const auto& id : changes.deleted_jobs) {
    for (const Execution* e : executions_of_job(id)) affected.insert(e->thing_name);
  }
  for (const auto& key : changes.deleted_executions) affected.insert(key.second);
  std::map<std::string, ThingView> before;
  for (const auto& thing : affected) before.emplace(thing, view_of(thing));

  if (auto stored = store_->apply(changes); !stored) return stored;
  next_execution_number_ = next_number;

  for (const auto& id : changes.deleted_jobs) {
    jobs_.erase(id);
    std::erase_if(executions_, [&](const auto& kv) { return kv.first.second == id; });
  }
  for (const auto& name : changes.deleted_things) things_.erase(name);
  for (const auto& [job_id, thing] : changes.deleted_executions) executions_.erase({thing, job_id});
  for (auto& t : changes.things) things_[t.name] = std::move(t);
  for (auto& g : changes.groups) groups_[g.name] = std::move(g);
  for (auto& j : changes.jobs) jobs_[j.job_id] = std::move(j);
  for (auto& e : changes.executions) {
    ExecutionKey key{e.thing_name, e.job_id};
    executions_[std::move(key)] = std::move(e);
  }
  for (const auto& [thing, view] : before) notify_thing(thing, view, now_ms, out);
  return {};
}

// --- timeouts --------------------------------------------------------------------------------------

std::optional<std::int64_t> Service::next_deadline_ms() const {
  std::optional<std::int64_t> earliest;
  for (const auto& [key, e] : executions_) {
    for (const auto& d : {e.step_deadline_ms, e.in_progress_deadline_ms}) {
      if (d && (!earliest || *d < *earliest)) earliest = d;
    }
  }
  if (const auto deletion = next_deletion_ms(); deletion && (!earliest || *deletion < *earliest)) earliest = deletion;
  for (const auto& [id, job] : jobs_) {
    if (job.rollout_waiting.empty() || job.state != JobState::InProgress) continue;
    const std::int64_t window_end = job.rollout_window_start_ms + config_.minute_ms;
    if (!earliest || window_end < *earliest) earliest = window_end;
  }
  return earliest;
}

Reaction Service::tick(std::int64_t now_ms) {
  Reaction reaction;
  StoreChanges changes;
  for (const auto& [key, e] : executions_) {
    const bool step_due = e.step_deadline_ms && *e.step_deadline_ms <= now_ms;
    const bool run_due = e.in_progress_deadline_ms && *e.in_progress_deadline_ms <= now_ms;
    if (!step_due && !run_due) continue;
    Execution timed_out = ended_by_service(e, JobStatus::TimedOut, now_ms);
    reaction.log.push_back("timeout thing=" + e.thing_name + " job=" + e.job_id + " -> TIMED_OUT (" +
                           (step_due ? "step timer" : "in-progress timer") + ")");
    changes.executions.push_back(std::move(timed_out));
  }
  for (const auto& [id, job] : jobs_) {
    if (job.rollout_waiting.empty() || job.state != JobState::InProgress ||
        now_ms < job.rollout_window_start_ms + config_.minute_ms) {
      continue;
    }
    Job rolled = job;
    const std::size_t before = changes.executions.size();
    release_rollout(rolled, now_ms, changes);
    reaction.log.push_back("rollout job=" + id + " queued " + std::to_string(changes.executions.size() - before) +
                           ", " + std::to_string(rolled.rollout_waiting.size()) + " waiting");
    changes.jobs.push_back(std::move(rolled));
  }
  finish_deletions(now_ms, changes, reaction.log);
  if (changes.empty()) return reaction;
  if (auto stored = commit(std::move(changes), now_ms, reaction.messages); !stored) {
    reaction.log.push_back("timeout not recorded, will retry: " + stored.error().message);
  }
  return reaction;
}

// --- read-only control-plane queries ---------------------------------------------------------------

std::vector<Thing> Service::list_things() const {
  std::vector<Thing> out;
  for (const auto& [name, t] : things_) out.push_back(t);
  return out;
}

Expected<ThingGroup, ControlError> Service::describe_thing_group(const std::string& name) const {
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    return unexpected(ControlError{ControlErrorCode::ResourceNotFound, "thing group " + name + " does not exist"});
  }
  return it->second;
}

Expected<JobDescription, ControlError> Service::describe_job(const std::string& job_id) const {
  const Job* job = find_job(job_id);
  if (job == nullptr) return unexpected(ControlError{ControlErrorCode::ResourceNotFound, "job " + job_id + " does not exist"});
  JobDescription d{*job, {}};
  for (const Execution* e : executions_of_job(job_id)) d.executions_by_status[e->status] += 1;
  return d;
}

Expected<std::string, ControlError> Service::get_job_document(const std::string& job_id, std::int64_t now_ms) const {
  const Job* job = find_job(job_id);
  if (job == nullptr) return unexpected(ControlError{ControlErrorCode::ResourceNotFound, "job " + job_id + " does not exist"});
  return document_for_device(*job, now_ms);
}

std::vector<Job> Service::list_jobs(std::optional<JobState> state) const {
  std::vector<Job> out;
  for (const auto& [id, j] : jobs_) {
    if (!state || j.state == *state) out.push_back(j);
  }
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.sequence < b.sequence; });
  return out;
}

Expected<Execution, ControlError> Service::describe_execution(const std::string& job_id,
                                                              const std::string& thing_name) const {
  const Execution* e = find_execution(thing_name, job_id);
  if (e == nullptr) {
    return unexpected(ControlError{ControlErrorCode::ResourceNotFound,
                                   "job " + job_id + " has no execution on thing " + thing_name});
  }
  return *e;
}

Expected<std::vector<Execution>, ControlError> Service::list_executions_for_job(const std::string& job_id,
                                                                               std::optional<JobStatus> status) const {
  if (find_job(job_id) == nullptr) {
    return unexpected(ControlError{ControlErrorCode::ResourceNotFound, "job " + job_id + " does not exist"});
  }
  std::vector<Execution> out;
  for (const Execution* e : executions_of_job(job_id)) {
    if (!status || e->status == *status) out.push_back(*e);
  }
  return out;
}

Expected<std::vector<Execution>, ControlError> Service::list_executions_for_thing(
    const std::string& thing_name, std::optional<JobStatus> status) const {
  if (things_.find(thing_name) == things_.end()) {
    return unexpected(ControlError{ControlErrorCode::ResourceNotFound, "thing " + thing_name + " does not exist"});
  }
  std::vector<Execution> out;
  for (auto it = executions_.lower_bound({thing_name, std::string()});
       it != executions_.end() && it->first.first == thing_name; ++it) {
    if (!status || it->second.status == *status) out.push_back(it->second);
  }
  return out;
}

}  // namespace awsfota::jobsd
