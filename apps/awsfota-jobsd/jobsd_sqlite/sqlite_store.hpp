// The service's Store on SQLite (WAL journal), so that jobs, executions, things and groups survive a
// restart. The only file of the service that includes SQLite.
//
//   auto store = SqliteStore::open("run/stack-a/jobsd.db");
//   if (!store) die(store.error().message);
//   auto service = Service::open(**store, config);
#pragma once

#include <memory>
#include <string>

#include "jobsd/store.hpp"

struct sqlite3;

namespace awsfota::jobsd {

class SqliteStore final : public Store {
 public:
  // Creates the file and its tables when missing. Fails when the file cannot be opened or is not a
  // database of this service.
  [[nodiscard]] static Expected<std::unique_ptr<SqliteStore>, StoreError> open(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] Expected<StoredState, StoreError> load() override;
  [[nodiscard]] Expected<void, StoreError> apply(const StoreChanges& changes) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace awsfota::jobsd
