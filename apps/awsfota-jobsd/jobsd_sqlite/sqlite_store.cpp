#include "jobsd_sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace awsfota::jobsd {
namespace {

// Records are rows keyed by their identity, with the rest as one JSON column: the schema stays one
// line per table while the records grow fields.
constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
-- FULL, not NORMAL: under WAL, NORMAL lets a power loss roll back commits whose accepted replies are already published.
PRAGMA synchronous=FULL;
CREATE TABLE IF NOT EXISTS things (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS thing_groups (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (job_id TEXT NOT NULL, thing_name TEXT NOT NULL, record TEXT NOT NULL,
                                       PRIMARY KEY (job_id, thing_name));
)sql";

using nlohmann::json;

template <class T>
void put_optional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <class T>
std::optional<T> get_optional(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

json to_json(const Thing& t) { return {{"name", t.name}, {"createdAt", t.created_at_ms}}; }
Thing thing_from(const json& j) { return {j.at("name").get<std::string>(), j.at("createdAt").get<std::int64_t>()}; }

json to_json(const ThingGroup& g) { return {{"name", g.name}, {"things", g.things}, {"createdAt", g.created_at_ms}}; }
ThingGroup group_from(const json& j) {
  return {j.at("name").get<std::string>(), j.at("things").get<std::set<std::string>>(),
          j.at("createdAt").get<std::int64_t>()};
}

json to_json(const Job& job) {
  json j = {{"jobId", job.job_id},
            {"sequence", job.sequence},
            {"document", job.document},
            {"description", job.description},
            {"targetThings", job.target_things},
            {"targetGroups", job.target_groups},
            {"targetSelection", job.target_selection},
            {"state", std::string(to_string(job.state))},
            {"forceCanceled", job.force_canceled},
            {"reasonCode", job.reason_code},
            {"comment", job.comment},
            {"createdAt", job.created_at_ms},
            {"lastUpdatedAt", job.last_updated_at_ms}};
  put_optional(j, "inProgressTimeoutInMinutes", job.in_progress_timeout_minutes);
  put_optional(j, "presignedExpiresInSec", job.presigned_expires_in_sec);
  if (!job.presigned_role_arn.empty()) j["presignedRoleArn"] = job.presigned_role_arn;
  put_optional(j, "maximumPerMinute", job.max_per_minute);
  if (!job.rollout_waiting.empty()) j["rolloutWaiting"] = job.rollout_waiting;
  j["rolloutWindowStart"] = job.rollout_window_start_ms;
  j["rolloutWindowCount"] = job.rollout_window_count;
  put_optional(j, "completedAt", job.completed_at_ms);
  if (const auto& r = job.exponential_rate) {
    json rate = {{"baseRatePerMinute", r->base_per_minute}, {"incrementFactor", r->increment_factor}};
    put_optional(rate, "numberOfNotifiedThings", r->notified_things);
    put_optional(rate, "numberOfSucceededThings", r->succeeded_things);
    j["exponentialRate"] = rate;
    j["rolloutRateIncreases"] = job.rollout_rate_increases;
  }
  if (!job.abort_criteria.empty()) {
    json list = json::array();
    for (const auto& c : job.abort_criteria) {
      list.push_back({{"failureType", std::string(to_string(c.failure_type))},
                      {"thresholdPercentage", c.threshold_percentage},
                      {"minNumberOfExecutedThings", c.min_executed_things}});
    }
    j["abortCriteria"] = list;
  }
  return j;
}

Job job_from(const json& j) {
  Job job;
  job.job_id = j.at("jobId").get<std::string>();
  job.sequence = j.at("sequence").get<std::int64_t>();
  job.document = j.at("document").get<std::string>();
  job.description = j.at("description").get<std::string>();
  job.target_things = j.at("targetThings").get<std::vector<std::string>>();
  job.target_groups = j.at("targetGroups").get<std::vector<std::string>>();
  job.target_selection = j.at("targetSelection").get<std::string>();
  job.state = parse_job_state(j.at("state").get<std::string>()).value_or(JobState::InProgress);
  job.force_canceled = j.at("forceCanceled").get<bool>();
  job.reason_code = j.at("reasonCode").get<std::string>();
  job.comment = j.at("comment").get<std::string>();
  job.created_at_ms = j.at("createdAt").get<std::int64_t>();
  job.last_updated_at_ms = j.at("lastUpdatedAt").get<std::int64_t>();
  job.in_progress_timeout_minutes = get_optional<std::int64_t>(j, "inProgressTimeoutInMinutes");
  job.presigned_expires_in_sec = get_optional<std::int64_t>(j, "presignedExpiresInSec");
  // Records written before roleArn was kept have none.
  job.presigned_role_arn = get_optional<std::string>(j, "presignedRoleArn").value_or("");
  job.completed_at_ms = get_optional<std::int64_t>(j, "completedAt");
  job.max_per_minute = get_optional<std::int64_t>(j, "maximumPerMinute");
  job.rollout_waiting = get_optional<std::vector<std::string>>(j, "rolloutWaiting").value_or(std::vector<std::string>{});
  job.rollout_window_start_ms = get_optional<std::int64_t>(j, "rolloutWindowStart").value_or(0);
  job.rollout_window_count = get_optional<std::int64_t>(j, "rolloutWindowCount").value_or(0);
  // Records written before exponential rates and abort rules have neither: the job had none.
  if (auto rate = j.find("exponentialRate"); rate != j.end()) {
    job.exponential_rate = ExponentialRate{rate->at("baseRatePerMinute").get<std::int64_t>(),
                                           rate->at("incrementFactor").get<double>(),
                                           get_optional<std::int64_t>(*rate, "numberOfNotifiedThings"),
                                           get_optional<std::int64_t>(*rate, "numberOfSucceededThings")};
    job.rollout_rate_increases = get_optional<std::int64_t>(j, "rolloutRateIncreases").value_or(0);
  }
  for (const auto& c : get_optional<json>(j, "abortCriteria").value_or(json::array())) {
    const auto type = parse_failure_type(c.at("failureType").get<std::string>());
    if (!type) throw json::other_error::create(501, "job " + job.job_id + ": unknown abort failureType", &c);
    job.abort_criteria.push_back({*type, c.at("thresholdPercentage").get<double>(),
                                  c.at("minNumberOfExecutedThings").get<std::int64_t>()});
  }
  return job;
}

json to_json(const Execution& e) {
  json j = {{"jobId", e.job_id},
            {"thingName", e.thing_name},
            {"status", std::string(jobs::to_string(e.status))},
            {"statusDetails", e.status_details},
            {"queuedAt", e.queued_at_ms},
            {"lastUpdatedAt", e.last_updated_at_ms},
            {"versionNumber", e.version_number},
            {"executionNumber", e.execution_number},
            {"forceCanceled", e.force_canceled}};
  put_optional(j, "startedAt", e.started_at_ms);
  put_optional(j, "stepDeadline", e.step_deadline_ms);
  put_optional(j, "inProgressDeadline", e.in_progress_deadline_ms);
  return j;
}

Expected<Execution, StoreError> execution_from(const json& j) {
  Execution e;
  e.job_id = j.at("jobId").get<std::string>();
  e.thing_name = j.at("thingName").get<std::string>();
  const auto status = jobs::parse_job_status(j.at("status").get<std::string>());
  if (!status) return unexpected(StoreError{"execution " + e.job_id + "/" + e.thing_name + ": unknown status"});
  e.status = *status;
  e.status_details = j.at("statusDetails").get<StatusDetails>();
  e.queued_at_ms = j.at("queuedAt").get<std::int64_t>();
  e.last_updated_at_ms = j.at("lastUpdatedAt").get<std::int64_t>();
  e.version_number = j.at("versionNumber").get<std::int64_t>();
  e.execution_number = j.at("executionNumber").get<std::int64_t>();
  e.force_canceled = j.at("forceCanceled").get<bool>();
  e.started_at_ms = get_optional<std::int64_t>(j, "startedAt");
  e.step_deadline_ms = get_optional<std::int64_t>(j, "stepDeadline");
  e.in_progress_deadline_ms = get_optional<std::int64_t>(j, "inProgressDeadline");
  return e;
}

StoreError sqlite_error(sqlite3* db, const std::string& what) {
  return StoreError{"sqlite: " + what + ": " + sqlite3_errmsg(db)};
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::string column(int index) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

// Runs `sql` once per (key..., record) row; the record is the last parameter.
Expected<void, StoreError> write_rows(sqlite3* db, const char* sql, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return {};
  Statement stmt(db, sql);
  if (!stmt.ok()) return unexpected(sqlite_error(db, "prepare"));
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) stmt.bind(static_cast<int>(i + 1), row[i]);
    if (stmt.step() != SQLITE_DONE) return unexpected(sqlite_error(db, "write"));
    stmt.reset();
  }
  return {};
}

Expected<std::vector<json>, StoreError> read_records(sqlite3* db, const char* sql) {
  Statement stmt(db, sql);
  if (!stmt.ok()) return unexpected(sqlite_error(db, "prepare"));
  std::vector<json> out;
  int rc = SQLITE_ROW;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto record = json::parse(stmt.column(0), nullptr, false);
    if (record.is_discarded()) return unexpected(StoreError{"sqlite: a stored record is not JSON"});
    out.push_back(std::move(record));
  }
  if (rc != SQLITE_DONE) return unexpected(sqlite_error(db, "read"));
  return out;
}

Expected<void, StoreError> write_changes(sqlite3* db, const StoreChanges& changes) {
  std::vector<std::vector<std::string>> deleted;
  for (const auto& id : changes.deleted_jobs) deleted.push_back({id});
  std::vector<std::vector<std::string>> deleted_things, deleted_executions;
  for (const auto& name : changes.deleted_things) deleted_things.push_back({name});
  for (const auto& [job_id, thing] : changes.deleted_executions) deleted_executions.push_back({job_id, thing});
  std::vector<std::vector<std::string>> things, groups, job_rows, executions;
  for (const auto& t : changes.things) things.push_back({t.name, to_json(t).dump()});
  for (const auto& g : changes.groups) groups.push_back({g.name, to_json(g).dump()});
  for (const auto& j : changes.jobs) job_rows.push_back({j.job_id, to_json(j).dump()});
  for (const auto& e : changes.executions) executions.push_back({e.job_id, e.thing_name, to_json(e).dump()});

  const std::pair<const char*, const std::vector<std::vector<std::string>>*> steps[] = {
      {"DELETE FROM executions WHERE job_id = ?1", &deleted},
      {"DELETE FROM jobs WHERE job_id = ?1", &deleted},
      {"DELETE FROM things WHERE name = ?1", &deleted_things},
      {"DELETE FROM executions WHERE job_id = ?1 AND thing_name = ?2", &deleted_executions},
      {"INSERT OR REPLACE INTO things (name, record) VALUES (?1, ?2)", &things},
      {"INSERT OR REPLACE INTO thing_groups (name, record) VALUES (?1, ?2)", &groups},
      {"INSERT OR REPLACE INTO jobs (job_id, record) VALUES (?1, ?2)", &job_rows},
      {"INSERT OR REPLACE INTO executions (job_id, thing_name, record) VALUES (?1, ?2, ?3)", &executions},
  };
  for (const auto& [sql, rows] : steps) {
    if (auto written = write_rows(db, sql, *rows); !written) return written;
  }
  return {};
}

}  // namespace

Expected<std::unique_ptr<SqliteStore>, StoreError> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    StoreError error{"sqlite: cannot open " + path + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close(db);
    return unexpected(std::move(error));
  }
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    StoreError error{"sqlite: " + path + " is not usable as the service's database: " +
                     (message != nullptr ? message : "unknown error")};
    sqlite3_free(message);
    sqlite3_close(db);
    return unexpected(std::move(error));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(db));
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

Expected<StoredState, StoreError> SqliteStore::load() {
  StoredState state;
  try {
    auto things = read_records(db_, "SELECT record FROM things");
    if (!things) return unexpected(things.error());
    for (const auto& j : *things) state.things.push_back(thing_from(j));
    auto groups = read_records(db_, "SELECT record FROM thing_groups");
    if (!groups) return unexpected(groups.error());
    for (const auto& j : *groups) state.groups.push_back(group_from(j));
    auto jobs_rows = read_records(db_, "SELECT record FROM jobs");
    if (!jobs_rows) return unexpected(jobs_rows.error());
    for (const auto& j : *jobs_rows) state.jobs.push_back(job_from(j));
    auto executions = read_records(db_, "SELECT record FROM executions");
    if (!executions) return unexpected(executions.error());
    for (const auto& j : *executions) {
      auto e = execution_from(j);
      if (!e) return unexpected(e.error());
      state.executions.push_back(std::move(*e));
    }
  } catch (const json::exception& e) {
    // A record written by another version of the service, or edited by hand.
    return unexpected(StoreError{std::string("sqlite: a stored record has an unexpected shape: ") + e.what()});
  }
  return state;
}

Expected<void, StoreError> SqliteStore::apply(const StoreChanges& changes) {
  if (changes.empty()) return {};
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return unexpected(sqlite_error(db_, "begin"));
  }
  auto written = write_changes(db_, changes);
  if (!written) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return written;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    StoreError error = sqlite_error(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return unexpected(std::move(error));
  }
  return {};
}

}  // namespace awsfota::jobsd
