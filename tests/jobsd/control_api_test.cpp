// The control side: jobs, executions, things and groups, and the notifications they cause.
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

class ControlApi : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2"});
  }
  std::vector<OutgoingMessage> out;
};

TEST_F(ControlApi, CreateJob_QueuesOneExecutionPerTargetAndNotifiesEach) {
  auto messages = create_job("j1", {"t1", "t2"});
  for (const char* thing : {"t1", "t2"}) {
    auto n = body(messages, topic(thing, "notify"));
    EXPECT_EQ(n["jobs"]["QUEUED"][0]["jobId"], "j1") << thing;
    EXPECT_EQ(n["jobs"]["QUEUED"][0]["versionNumber"], 1);
    auto next = body(messages, topic(thing, "notify-next"));
    EXPECT_EQ(next["execution"]["jobId"], "j1");
    EXPECT_EQ(next["execution"]["status"], "QUEUED");
    EXPECT_EQ(next["execution"]["jobDocument"]["operation"], "app_fw_update");
    EXPECT_EQ(next["timestamp"], now / 1000);
  }
  EXPECT_EQ(messages.size(), 4U);
  auto d = service->describe_job("j1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->job.state, JobState::InProgress);
  EXPECT_EQ(d->executions_by_status[JobStatus::Queued], 2);
}

TEST_F(ControlApi, CreateJob_SecondJobNotifiesListButNotNext) {
  (void)create_job("j1", {"t1"});
  now += 1000;
  auto messages = create_job("j2", {"t1"});
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(body(messages, topic("t1", "notify"))["jobs"]["QUEUED"].size(), 2U);
}

TEST_F(ControlApi, CreateJob_TargetsGroupMembers) {
  ASSERT_TRUE(service->create_thing_group("fleet", now));
  ASSERT_TRUE(service->add_thing_to_group("t2", "fleet", now, out));
  CreateJobRequest request{.job_id = "g1", .groups = {"fleet"}, .document = "{}"};
  ASSERT_TRUE(service->create_job(request, now, out));
  EXPECT_TRUE(service->describe_execution("g1", "t2"));
  EXPECT_FALSE(service->describe_execution("g1", "t1"));
  EXPECT_EQ(service->describe_thing_group("fleet")->things.count("t2"), 1U);
}

TEST_F(ControlApi, CreateJob_SnapshotOfEmptyGroupsIsCompletedAtOnce) {
  ASSERT_TRUE(service->create_thing_group("empty", now));
  CreateJobRequest snapshot{.job_id = "s0", .groups = {"empty"}, .document = "{}"};
  ASSERT_TRUE(service->create_job(snapshot, now, out));
  const auto described = service->describe_job("s0");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->job.state, JobState::Completed) << "no execution will ever end it";
  EXPECT_TRUE(described->executions_by_status.empty());
  // A continuous job waits for things to join its groups.
  CreateJobRequest continuous{.job_id = "c0", .groups = {"empty"}, .document = "{}", .target_selection = "CONTINUOUS"};
  ASSERT_TRUE(service->create_job(continuous, now, out));
  EXPECT_EQ(service->describe_job("c0")->job.state, JobState::InProgress);
}

TEST_F(ControlApi, ContinuousJobReachesThingsAddedToItsGroupLater) {
  ASSERT_TRUE(service->create_thing_group("fleet", now));
  ASSERT_TRUE(service->add_thing_to_group("t1", "fleet", now, out));
  CreateJobRequest continuous{.job_id = "c1", .groups = {"fleet"}, .document = "{}", .target_selection = "CONTINUOUS"};
  CreateJobRequest snapshot{.job_id = "s1", .groups = {"fleet"}, .document = "{}"};
  ASSERT_TRUE(service->create_job(continuous, now, out));
  ASSERT_TRUE(service->create_job(snapshot, now, out));
  out.clear();
  now += 1000;
  ASSERT_TRUE(service->add_thing_to_group("t2", "fleet", now, out));
  EXPECT_EQ(service->describe_execution("c1", "t2")->status, JobStatus::Queued);
  EXPECT_FALSE(service->describe_execution("s1", "t2")) << "a snapshot job keeps the targets it had";
  EXPECT_EQ(body(out, topic("t2", "notify-next"))["execution"]["jobId"], "c1");
  // A continuous job stays IN_PROGRESS when its executions end, waiting for more things.
  (void)send("t1", "c1/update", R"({"status":"SUCCEEDED"})");
  (void)send("t2", "c1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_EQ(service->describe_job("c1")->job.state, JobState::InProgress);
}

TEST_F(ControlApi, CreateJob_RejectsEachBadFieldByName) {
  struct Case {
    CreateJobRequest request;
    ControlErrorCode code;
    const char* names;
  };
  (void)create_job("dup", {"t1"});
  const std::vector<Case> cases = {
      {{.job_id = "bad id", .things = {"t1"}, .document = "{}"}, ControlErrorCode::InvalidRequest, "jobId"},
      {{.job_id = std::string(65, 'a'), .things = {"t1"}, .document = "{}"}, ControlErrorCode::InvalidRequest, "jobId"},
      {{.job_id = "dup", .things = {"t1"}, .document = "{}"}, ControlErrorCode::ResourceAlreadyExists, "exists"},
      {{.job_id = "j", .things = {"t1"}, .document = "{oops"}, ControlErrorCode::InvalidRequest, "document"},
      {{.job_id = "j", .things = {"t1"}, .document = "[]"}, ControlErrorCode::InvalidRequest, "document"},
      {{.job_id = "j", .things = {"t1"}, .document = R"({"a":")" + std::string(32768, 'x') + "\"}"},
       ControlErrorCode::InvalidRequest, "32768"},
      {{.job_id = "j", .things = {"ghost"}, .document = "{}"}, ControlErrorCode::ResourceNotFound, "ghost"},
      {{.job_id = "j", .groups = {"nogroup"}, .document = "{}"}, ControlErrorCode::ResourceNotFound, "nogroup"},
      {{.job_id = "j", .document = "{}"}, ControlErrorCode::InvalidRequest, "targets"},
      {{.job_id = "j", .things = {"t1"}, .document = "{}", .target_selection = "SOMETIMES"},
       ControlErrorCode::InvalidRequest, "targetSelection"},
      {{.job_id = "j", .things = {"t1"}, .document = "{}", .in_progress_timeout_minutes = 0},
       ControlErrorCode::InvalidRequest, "inProgressTimeoutInMinutes"},
      {{.job_id = "j", .things = {"t1"}, .document = "{}", .presigned_expires_in_sec = 59},
       ControlErrorCode::InvalidRequest, "expiresInSec"},
      {{.job_id = "j", .things = {"t1"}, .document = "{}", .presigned_expires_in_sec = 3601},
       ControlErrorCode::InvalidRequest, "expiresInSec"},
  };
  for (const auto& c : cases) {
    auto r = service->create_job(c.request, now, out);
    ASSERT_FALSE(r) << c.names;
    EXPECT_EQ(r.error().code, c.code) << c.names;
    EXPECT_NE(r.error().message.find(c.names), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(service->describe_job("j"));
}

TEST_F(ControlApi, CreateThing_IsIdempotentAndChecksTheName) {
  EXPECT_EQ(service->create_thing("t1", now + 5)->created_at_ms, now);
  auto bad = service->create_thing("no/slash", now);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ControlErrorCode::InvalidRequest);
  EXPECT_EQ(service->list_things().size(), 2U);
}

TEST_F(ControlApi, CancelJob_WithoutForceCancelsOnlyQueuedExecutions) {
  (void)create_job("j1", {"t1", "t2"});
  (void)send("t1", "start-next", "{}");
  auto canceled = service->cancel_job({.job_id = "j1", .reason_code = "OOPS", .comment = "bad build"}, now, out);
  ASSERT_TRUE(canceled);
  EXPECT_EQ(canceled->state, JobState::Canceled);
  EXPECT_EQ(canceled->comment, "bad build");
  EXPECT_EQ(service->describe_execution("j1", "t2")->status, JobStatus::Canceled);
  EXPECT_EQ(service->describe_execution("j1", "t2")->version_number, 2);
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::InProgress);
  // t2 hears that nothing is next any more; t1 hears nothing.
  EXPECT_FALSE(body(out, topic("t2", "notify-next")).contains("execution"));
  EXPECT_TRUE(body(out, topic("t2", "notify"))["jobs"]["QUEUED"].empty());
  EXPECT_EQ(find(out, topic("t1", "notify-next")), nullptr);
  // The running execution may still finish.
  auto r = send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  EXPECT_NE(find(r.messages, topic("t1", "j1/update/accepted")), nullptr);
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Canceled);
}

TEST_F(ControlApi, CancelJob_WithForceCancelsInProgressAndTheDeviceLearnsIt) {
  (void)create_job("j1", {"t1"});
  (void)send("t1", "start-next", "{}");
  ASSERT_FALSE(service->cancel_job({.job_id = "missing"}, now, out));
  ASSERT_TRUE(service->cancel_job({.job_id = "j1", .force = true}, now, out));
  auto next = body(out, topic("t1", "notify-next"));
  EXPECT_FALSE(next.contains("execution"));
  auto e = service->describe_execution("j1", "t1");
  EXPECT_EQ(e->status, JobStatus::Canceled);
  EXPECT_TRUE(e->force_canceled);
  auto b = body(send("t1", "j1/update", R"({"status":"IN_PROGRESS","expectedVersion":2})").messages,
                topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidStateTransition");
  EXPECT_EQ(b["executionState"]["status"], "CANCELED");
}

// CancelJob's error list in AWS's model has no InvalidStateTransitionException: these are InvalidRequest.
TEST_F(ControlApi, CancelJob_AgainNeedsForceAndCompletedJobCannotBeCanceled) {
  (void)create_job("j1", {"t1"});
  ASSERT_TRUE(service->cancel_job({.job_id = "j1"}, now, out));
  auto again = service->cancel_job({.job_id = "j1"}, now, out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ControlErrorCode::InvalidRequest);
  EXPECT_TRUE(service->cancel_job({.job_id = "j1", .force = true}, now, out));

  (void)create_job("j2", {"t2"});
  (void)send("t2", "j2/update", R"({"status":"SUCCEEDED"})");
  EXPECT_EQ(service->describe_job("j2")->job.state, JobState::Completed);
  auto done = service->cancel_job({.job_id = "j2", .force = true}, now, out);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ControlErrorCode::InvalidRequest);
}

TEST_F(ControlApi, CancelExecution_FollowsForceVersionAndTerminalRules) {
  (void)create_job("j1", {"t1", "t2"});
  (void)send("t1", "start-next", "{}");

  auto running = service->cancel_execution({.job_id = "j1", .thing_name = "t1"}, now, out);
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code, ControlErrorCode::InvalidStateTransition);
  auto stale = service->cancel_execution({.job_id = "j1", .thing_name = "t1", .force = true, .expected_version = 1},
                                         now, out);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ControlErrorCode::VersionConflict);
  auto forced = service->cancel_execution(
      {.job_id = "j1", .thing_name = "t1", .force = true, .expected_version = 2, .status_details = StatusDetails{{"why", "ops"}}},
      now, out);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, JobStatus::Canceled);
  EXPECT_EQ(forced->status_details.at("why"), "ops");
  EXPECT_FALSE(body(out, topic("t1", "notify-next")).contains("execution"));

  auto again = service->cancel_execution({.job_id = "j1", .thing_name = "t1", .force = true}, now, out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ControlErrorCode::InvalidStateTransition);
  auto missing = service->cancel_execution({.job_id = "j1", .thing_name = "nobody"}, now, out);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ControlErrorCode::ResourceNotFound);

  ASSERT_TRUE(service->cancel_execution({.job_id = "j1", .thing_name = "t2"}, now, out));
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Completed);  // every execution ended
}

TEST_F(ControlApi, DeleteJob_NeedsForceUnlessCompletedOrCanceledAndShowsDeletionInProgress) {
  (void)create_job("j1", {"t1"});
  // Only QUEUED executions, but the job is IN_PROGRESS: AWS wants force.
  auto refused = service->delete_job("j1", false, now, out);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ControlErrorCode::InvalidStateTransition);
  (void)send("t1", "start-next", "{}");
  out.clear();
  ASSERT_TRUE(service->delete_job("j1", true, now, out));
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::DeletionInProgress);
  EXPECT_EQ(service->list_jobs(JobState::DeletionInProgress).size(), 1U);
  EXPECT_EQ(service->delete_job("j1", true, now, out).error().code, ControlErrorCode::InvalidStateTransition);
  EXPECT_EQ(service->cancel_job({.job_id = "j1", .force = true}, now, out).error().code, ControlErrorCode::InvalidRequest);
  auto reused = service->create_job({.job_id = "j1", .things = {"t1"}, .document = "{}"}, now, out);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ControlErrorCode::ResourceAlreadyExists);
  EXPECT_NE(reused.error().message.find("being deleted"), std::string::npos);

  EXPECT_EQ(service->next_deadline_ms(), now + Config{}.job_deletion_ms);
  EXPECT_TRUE(service->tick(now + Config{}.job_deletion_ms - 1).messages.empty());
  now += Config{}.job_deletion_ms;
  auto done = service->tick(now);
  EXPECT_FALSE(body(done.messages, topic("t1", "notify-next")).contains("execution"));
  EXPECT_FALSE(service->describe_job("j1"));
  EXPECT_FALSE(service->describe_execution("j1", "t1"));
  auto b = body(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  EXPECT_EQ(service->delete_job("j1", true, now, out).error().code, ControlErrorCode::ResourceNotFound);
  EXPECT_TRUE(service->create_job({.job_id = "j1", .things = {"t1"}, .document = "{}"}, now, out));
}

TEST_F(ControlApi, DeleteJob_OfACompletedOrCanceledJobNeedsNoForce) {
  (void)create_job("done", {"t1"});
  (void)send("t1", "done/update", R"({"status":"SUCCEEDED"})");
  EXPECT_TRUE(service->delete_job("done", false, now, out));
  (void)create_job("off", {"t2"});
  ASSERT_TRUE(service->cancel_job({.job_id = "off"}, now, out));
  EXPECT_TRUE(service->delete_job("off", false, now, out));
}

TEST_F(ControlApi, DeleteJob_NoMoreThanTenAtOnce) {
  for (int i = 0; i < 11; ++i) {
    const std::string id = "d" + std::to_string(i);
    (void)create_job(id, {"t1"});
    auto deleted = service->delete_job(id, true, now, out);
    if (i < 10) {
      EXPECT_TRUE(deleted) << i;
    } else {
      ASSERT_FALSE(deleted);
      EXPECT_EQ(deleted.error().code, ControlErrorCode::LimitExceeded);
    }
  }
}

TEST_F(ControlApi, Lists_FilterByStatusAndState) {
  (void)create_job("a", {"t1", "t2"});
  (void)create_job("b", {"t1"});
  (void)send("t1", "start-next", "{}");
  EXPECT_EQ(service->list_jobs().size(), 2U);
  EXPECT_EQ(service->list_jobs().front().job_id, "a");
  EXPECT_EQ(service->list_executions_for_job("a")->size(), 2U);
  EXPECT_EQ(service->list_executions_for_job("a", JobStatus::InProgress)->size(), 1U);
  EXPECT_EQ(service->list_executions_for_thing("t1")->size(), 2U);
  EXPECT_EQ(service->list_executions_for_thing("t1", JobStatus::Queued)->front().job_id, "b");
  EXPECT_EQ(service->list_executions_for_thing("ghost").error().code, ControlErrorCode::ResourceNotFound);
  EXPECT_EQ(service->list_executions_for_job("ghost").error().code, ControlErrorCode::ResourceNotFound);
  ASSERT_TRUE(service->cancel_job({.job_id = "b"}, now, out));
  EXPECT_EQ(service->list_jobs(JobState::Canceled).size(), 1U);
  EXPECT_EQ(service->get_job_document("a", now).value(), R"({"operation":"app_fw_update"})");
}

TEST_F(ControlApi, StateSurvivesReopeningTheStore) {
  (void)create_job("j1", {"t1"});
  (void)send("t1", "start-next", R"({"stepTimeoutInMinutes":5})");
  reopen();
  auto e = service->describe_execution("j1", "t1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, JobStatus::InProgress);
  EXPECT_EQ(service->next_deadline_ms(), now + 5 * kMinute);
  // Sequence numbers continue, so a new job sorts after the old one.
  (void)create_job("j2", {"t1"});
  EXPECT_GT(service->describe_job("j2")->job.sequence, service->describe_job("j1")->job.sequence);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
