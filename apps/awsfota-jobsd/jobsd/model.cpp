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

std::string_view to_string(JobState state) noexcept {
  for (const auto& [s, text] : kJobStates) {
    if (s == state) return text;
  }
  return "IN_PROGRESS";
}

std::optional<JobState> parse_job_state(std::string_view text) noexcept {
  for (const auto& [s, name] : kJobStates) {
    if (name == text) return s;
  }
  return std::nullopt;
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
  for (const auto& t : changes.things) upsert(state_.things, t, [](const Thing& r) { return r.name; });
  for (const auto& g : changes.groups) upsert(state_.groups, g, [](const ThingGroup& r) { return r.name; });
  for (const auto& j : changes.jobs) upsert(state_.jobs, j, [](const Job& r) { return r.job_id; });
  for (const auto& e : changes.executions) {
    upsert(state_.executions, e, [](const Execution& r) { return std::make_pair(r.job_id, r.thing_name); });
  }
  return {};
}

}  // namespace awsfota::jobsd
