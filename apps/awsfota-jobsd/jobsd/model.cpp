#include "jobsd/model.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "jobsd/store.hpp"

namespace awsfota::jobsd {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 4> kJobStates = {{
    {JobState::InProgress, "IN_PROGRESS"},
    {JobState::Canceled, "CANCELED"},
    {JobState::Completed, "COMPLETED"},
    {JobState::DeletionInProgress, "DELETION_IN_PROGRESS"},
}};

constexpr std::array<std::pair<FailureType, std::string_view>, 4> kFailureTypes = {{
    {FailureType::Failed, "FAILED"},
    {FailureType::Rejected, "REJECTED"},
    {FailureType::TimedOut, "TIMED_OUT"},
    {FailureType::All, "ALL"},
}};

// An enum's AWS name from its table (the first entry's for a value not in it), and back.
template <class Enum, std::size_t N>
std::string_view name_in(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return table[0].second;
}
template <class Enum, std::size_t N>
std::optional<Enum> value_in(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

template <class T, class Key>
void upsert(std::vector<T>& records, const T& record, Key key) {
  auto it = std::find_if(records.begin(), records.end(), [&](const T& r) { return key(r) == key(record); });
  if (it == records.end()) {
    records.push_back(record);
  } else {
    *it = record;
  }
}

}  // namespace

std::string_view to_string(JobState state) noexcept { return name_in(kJobStates, state); }
std::optional<JobState> parse_job_state(std::string_view text) noexcept { return value_in(kJobStates, text); }
std::string_view to_string(FailureType type) noexcept { return name_in(kFailureTypes, type); }
std::optional<FailureType> parse_failure_type(std::string_view text) noexcept { return value_in(kFailureTypes, text); }

Job* StoreChanges::find_job(const std::string& job_id) {
  auto it = std::find_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.job_id == job_id; });
  return it == jobs.end() ? nullptr : &*it;
}
void StoreChanges::put(Job job) { upsert(jobs, job, [](const Job& r) { return r.job_id; }); }
void StoreChanges::put(Execution execution) {
  upsert(executions, execution, [](const Execution& r) { return std::make_pair(r.job_id, r.thing_name); });
}

Expected<StoredState, StoreError> MemoryStore::load() { return state_; }

Expected<void, StoreError> MemoryStore::apply(const StoreChanges& changes) {
  if (fail_next_apply) {
    fail_next_apply = false;
    return unexpected(StoreError{"memory store: failure injected by the test"});
  }
  ++applies;
  for (const auto& id : changes.deleted_jobs) {
    std::erase_if(state_.jobs, [&](const Job& j) { return j.job_id == id; });
    std::erase_if(state_.executions, [&](const Execution& e) { return e.job_id == id; });
  }
  for (const auto& name : changes.deleted_things) {
    std::erase_if(state_.things, [&](const Thing& t) { return t.name == name; });
  }
  for (const auto& key : changes.deleted_executions) {
    std::erase_if(state_.executions,
                  [&](const Execution& e) { return e.job_id == key.first && e.thing_name == key.second; });
  }
  for (const auto& t : changes.things) upsert(state_.things, t, [](const Thing& r) { return r.name; });
  for (const auto& g : changes.groups) upsert(state_.groups, g, [](const ThingGroup& r) { return r.name; });
  for (const auto& j : changes.jobs) upsert(state_.jobs, j, [](const Job& r) { return r.job_id; });
  for (const auto& e : changes.executions) {
    upsert(state_.executions, e, [](const Execution& r) { return std::make_pair(r.job_id, r.thing_name); });
  }
  return {};
}

}  // namespace awsfota::jobsd
