// The registry side of the control plane beyond creation: leaving a group, deleting a thing, listing groups.
#include <algorithm>

#include "jobsd/control_errors.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {
namespace {

// An execution that no longer applies because its thing left the target (AWS's numberOfRemovedThings:
// "no longer scheduled to execute the job because they have been deleted or have been removed from the
// group that was a target of the job").
Execution removed(const Execution& e, std::int64_t now_ms) { return ended_by_service(e, JobStatus::Removed, now_ms); }

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Expected<void, ControlError> Service::remove_thing_from_group(const std::string& thing, const std::string& group,
                                                              std::int64_t now_ms, std::vector<OutgoingMessage>& out) {
  auto found = existing_group_for(thing, group);
  if (!found) return unexpected(found.error());
  if ((*found)->things.count(thing) == 0) return {};  // AWS answers success for a thing not in the group
  ThingGroup updated = **found;
  updated.things.erase(thing);
  StoreChanges changes;
  changes.groups.push_back(updated);
  // The thing still belongs to a job that names it, or another of its groups the thing is still in.
  auto still_targeted = [&](const Job& job) {
    if (contains(job.target_things, thing)) return true;
    return std::any_of(job.target_groups.begin(), job.target_groups.end(), [&](const std::string& g) {
      if (g == group) return false;
      auto other = groups_.find(g);
      return other != groups_.end() && other->second.things.count(thing) != 0;
    });
  };
  for (const auto& [id, job] : jobs_) {
    if (job.state != JobState::InProgress || !contains(job.target_groups, group) || still_targeted(job)) continue;
    // Only work not yet started: an IN_PROGRESS execution belongs to the device until it reports.
    if (const Execution* e = find_execution(thing, id); e != nullptr && e->status == JobStatus::Queued) {
      changes.executions.push_back(removed(*e, now_ms));
    }
    if (contains(job.rollout_waiting, thing)) {
      Job rolled = job;
      std::erase(rolled.rollout_waiting, thing);
      changes.jobs.push_back(std::move(rolled));
    }
  }
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return {};
}

Expected<void, ControlError> Service::delete_thing(const std::string& name, std::optional<std::int64_t> expected_version,
                                                   std::int64_t now_ms, std::vector<OutgoingMessage>& out) {
  // AWS: deleting a thing that does not exist succeeds.
  if (things_.find(name) == things_.end()) return {};
  // Things here are never updated, so each stays at version 1.
  if (expected_version && *expected_version != 1) {
    return fail(ControlErrorCode::VersionConflict,
                "expectedVersion " + std::to_string(*expected_version) + " but thing " + name + " is at version 1");
  }
  StoreChanges changes;
  changes.deleted_things.push_back(name);
  for (const auto& [group_name, group] : groups_) {
    if (group.things.count(name) == 0) continue;
    ThingGroup updated = group;
    updated.things.erase(name);
    changes.groups.push_back(std::move(updated));
  }
  for (auto it = executions_.lower_bound({name, std::string()}); it != executions_.end() && it->first.first == name;
       ++it) {
    if (is_pending(it->second.status)) changes.executions.push_back(removed(it->second, now_ms));
  }
  for (const auto& [id, job] : jobs_) {
    if (!contains(job.rollout_waiting, name)) continue;
    Job rolled = job;
    std::erase(rolled.rollout_waiting, name);
    changes.jobs.push_back(std::move(rolled));
  }
  if (auto stored = commit(std::move(changes), now_ms, out); !stored) return internal(stored.error());
  return {};
}

Expected<const ThingGroup*, ControlError> Service::existing_group_for(const std::string& thing,
                                                                     const std::string& group) const {
  if (things_.find(thing) == things_.end()) {
    return fail(ControlErrorCode::ResourceNotFound, "thing " + thing + " does not exist");
  }
  auto it = groups_.find(group);
  if (it == groups_.end()) return fail(ControlErrorCode::ResourceNotFound, "thing group " + group + " does not exist");
  return &it->second;
}

std::vector<ThingGroup> Service::list_thing_groups() const {
  std::vector<ThingGroup> out;
  for (const auto& [name, g] : groups_) out.push_back(g);
  return out;
}

}  // namespace awsfota::jobsd
