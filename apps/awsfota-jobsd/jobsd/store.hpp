// Where the service keeps its records, so that a restart loses nothing.
//
// Contract: load() returns everything apply() has committed, in any order. apply() commits one
// change set atomically (all of it or none of it): deletions first, then upserts keyed by
// thing name, group name, job id and (job id, thing name). A failed apply() leaves the store as it
// was and says why; the service then answers InternalError and keeps its old state.
//
//   MemoryStore store;                      // tests; SqliteStore for the program
//   auto service = Service::open(store, config);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"
#include "jobsd/model.hpp"

namespace awsfota::jobsd {

struct StoreError {
  std::string message;
};

struct StoredState {
  std::vector<Thing> things;
  std::vector<ThingGroup> groups;
  std::vector<Job> jobs;
  std::vector<Execution> executions;
};

struct StoreChanges {
  std::vector<std::string> deleted_jobs;  // the job and all its executions
  std::vector<std::string> deleted_things;  // the thing only; its executions stay, as AWS keeps them
  std::vector<std::pair<std::string, std::string>> deleted_executions;  // (job id, thing name)
  std::vector<Thing> things;
  std::vector<ThingGroup> groups;
  std::vector<Job> jobs;
  std::vector<Execution> executions;

  // The job this change set already holds, to change it further; nullptr when it holds none.
  [[nodiscard]] Job* find_job(const std::string& job_id);
  // Adds a record, replacing the change set's earlier version of the same one.
  void put(Job job);
  void put(Execution execution);

  [[nodiscard]] bool empty() const noexcept {
    return deleted_jobs.empty() && deleted_things.empty() && deleted_executions.empty() && things.empty() && groups.empty() && jobs.empty() && executions.empty();
  }
};

class Store {
 public:
  virtual ~Store() = default;
  [[nodiscard]] virtual Expected<StoredState, StoreError> load() = 0;
  [[nodiscard]] virtual Expected<void, StoreError> apply(const StoreChanges& changes) = 0;
};

// Keeps the records in memory; `fail_next_apply` lets tests see how the service handles a store failure.
class MemoryStore final : public Store {
 public:
  [[nodiscard]] Expected<StoredState, StoreError> load() override;
  [[nodiscard]] Expected<void, StoreError> apply(const StoreChanges& changes) override;

  bool fail_next_apply = false;
  int applies = 0;

 private:
  StoredState state_;
};

}  // namespace awsfota::jobsd
