#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "jobsd/service.hpp"
#include "jobsd_sqlite/sqlite_store.hpp"

namespace awsfota::jobsd {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("jobsd-sqlite-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "jobsd.db").string(); }
  std::filesystem::path dir;
};

TEST_F(SqliteStoreTest, RoundTripsEveryRecordField) {
  StoreChanges changes;
  changes.things.push_back({"t1", 11});
  changes.groups.push_back({"g", {"t1"}, 12});
  Job job;
  job.job_id = "j1";
  job.sequence = 4;
  job.document = R"({"a":1})";
  job.description = "d";
  job.target_things = {"t1"};
  job.target_groups = {"g"};
  job.in_progress_timeout_minutes = 7;
  job.presigned_expires_in_sec = 300;
  job.presigned_role_arn = "arn:aws:iam::123456789012:role/presign";
  job.state = JobState::Canceled;
  job.force_canceled = true;
  job.reason_code = "r";
  job.comment = "c";
  job.created_at_ms = 1;
  job.last_updated_at_ms = 2;
  job.completed_at_ms = 3;
  job.max_per_minute = 10;
  job.rollout_waiting = {"t2", "t3"};
  job.rollout_window_start_ms = 13;
  job.rollout_window_count = 10;
  job.exponential_rate = ExponentialRate{2, 1.5, 20, 5};
  job.rollout_rate_increases = 3;
  job.abort_criteria = {{FailureType::TimedOut, 12.25, 7}, {FailureType::All, 50, 1}};
  changes.jobs.push_back(job);
  Execution e;
  e.job_id = "j1";
  e.thing_name = "t1";
  e.status = JobStatus::InProgress;
  e.status_details = {{"phase", "downloading"}};
  e.queued_at_ms = 5;
  e.started_at_ms = 6;
  e.last_updated_at_ms = 7;
  e.version_number = 3;
  e.execution_number = 0x1'8000'0001;  // past 32 bits, as the service numbers them
  e.step_deadline_ms = 8;
  e.in_progress_deadline_ms = 9;
  changes.executions.push_back(e);
  {
    auto store = SqliteStore::open(db());
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->apply(changes));
  }
  auto store = SqliteStore::open(db());
  ASSERT_TRUE(store);
  auto state = (*store)->load();
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->things.size(), 1U);
  EXPECT_EQ(state->things[0], changes.things[0]);
  ASSERT_EQ(state->groups.size(), 1U);
  EXPECT_EQ(state->groups[0], changes.groups[0]);
  ASSERT_EQ(state->jobs.size(), 1U);
  EXPECT_EQ(state->jobs[0], job);
  ASSERT_EQ(state->executions.size(), 1U);
  EXPECT_EQ(state->executions[0], e);

  StoreChanges deletion;
  deletion.deleted_jobs.push_back("j1");
  ASSERT_TRUE((*store)->apply(deletion));
  state = (*store)->load();
  EXPECT_TRUE(state->jobs.empty());
  EXPECT_TRUE(state->executions.empty());
  EXPECT_EQ(state->things.size(), 1U);
}

TEST_F(SqliteStoreTest, DeletesThingsAndSingleExecutions) {
  auto store = SqliteStore::open(db());
  ASSERT_TRUE(store);
  StoreChanges changes;
  changes.things = {{"t1", 1}, {"t2", 1}};
  Job job;
  job.job_id = "j1";
  changes.jobs.push_back(job);
  for (const char* t : {"t1", "t2"}) {
    Execution e;
    e.job_id = "j1";
    e.thing_name = t;
    changes.executions.push_back(e);
  }
  ASSERT_TRUE((*store)->apply(changes));
  StoreChanges deletion;
  deletion.deleted_things.push_back("t1");
  deletion.deleted_executions.emplace_back("j1", "t2");
  ASSERT_TRUE((*store)->apply(deletion));
  auto state = (*store)->load();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->things.size(), 1U);
  EXPECT_EQ(state->things[0].name, "t2");
  ASSERT_EQ(state->executions.size(), 1U);
  EXPECT_EQ(state->executions[0].thing_name, "t1");  // a deleted thing's executions stay, as on AWS
}

// A database written before rollout rates, abort rules and presignedUrlConfig.roleArn were kept still loads.
TEST_F(SqliteStoreTest, LoadsAJobRecordWrittenBeforeExponentialRatesAndAbortRules) {
  {
    auto store = SqliteStore::open(db());
    ASSERT_TRUE(store);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  const char* old_record =
      R"(INSERT INTO jobs VALUES ('j1', '{"jobId":"j1","sequence":1,"document":"{}","description":"",)"
      R"("targetThings":["t1"],"targetGroups":[],"targetSelection":"SNAPSHOT","state":"IN_PROGRESS",)"
      R"("forceCanceled":false,"reasonCode":"","comment":"","createdAt":1,"lastUpdatedAt":1,)"
      R"("maximumPerMinute":5,"rolloutWindowStart":1,"rolloutWindowCount":1}'))";
  ASSERT_EQ(sqlite3_exec(raw, old_record, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);

  auto store = SqliteStore::open(db());
  ASSERT_TRUE(store);
  auto state = (*store)->load();
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->jobs.size(), 1U);
  EXPECT_EQ(state->jobs[0].max_per_minute, 5);
  EXPECT_EQ(state->jobs[0].exponential_rate, std::nullopt);
  EXPECT_EQ(state->jobs[0].rollout_rate_increases, 0);
  EXPECT_TRUE(state->jobs[0].abort_criteria.empty());
  EXPECT_TRUE(state->jobs[0].presigned_role_arn.empty());
}

TEST_F(SqliteStoreTest, UsesWriteAheadLog) {
  auto store = SqliteStore::open(db());
  ASSERT_TRUE(store);
  StoreChanges changes;
  changes.things.push_back({"t1", 1});
  ASSERT_TRUE((*store)->apply(changes));
  EXPECT_TRUE(std::filesystem::exists(dir / "jobsd.db-wal"));
}

TEST_F(SqliteStoreTest, ServiceRestartKeepsJobsAndExecutions) {
  std::vector<OutgoingMessage> out;
  {
    auto store = SqliteStore::open(db());
    ASSERT_TRUE(store);
    auto service = Service::open(**store, Config{});
    ASSERT_TRUE(service);
    ASSERT_TRUE((*service)->create_thing("t1", 1000));
    ASSERT_TRUE((*service)->create_job({.job_id = "j1", .things = {"t1"}, .document = "{}"}, 1000, out));
    (void)(*service)->handle("$aws/things/t1/jobs/start-next", "{}", 2000);
  }
  auto store = SqliteStore::open(db());
  ASSERT_TRUE(store);
  auto service = Service::open(**store, Config{});
  ASSERT_TRUE(service);
  auto e = (*service)->describe_execution("j1", "t1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, JobStatus::InProgress);
  EXPECT_EQ(e->version_number, 2);
  auto r = (*service)->handle("$aws/things/t1/jobs/j1/update", R"({"status":"SUCCEEDED","expectedVersion":2})", 3000);
  ASSERT_FALSE(r.messages.empty());
  EXPECT_EQ(r.messages[0].topic, "$aws/things/t1/jobs/j1/update/accepted");
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(db()) << "this is not sqlite, just text that is long enough to have a header........";
  auto store = SqliteStore::open(db());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("jobsd.db"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace awsfota::jobsd
