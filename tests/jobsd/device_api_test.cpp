// The device side: every request kind and every rejection code the service produces.
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class DeviceApi : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2"});
    create_job("j1", {"t1"});
    now += 1000;
    create_job("j2", {"t1", "t2"});
    now += 1000;
  }

  // Starts j1 on t1 (version 2).
  void start_j1() {
    auto r = send("t1", "start-next", "{}");
    ASSERT_EQ(body(r.messages, topic("t1", "start-next/accepted"))["execution"]["jobId"], "j1");
  }
};

TEST_F(DeviceApi, GetPending_ListsInProgressAndQueuedOldestFirstAndEchoesToken) {
  start_j1();
  auto r = send("t1", "get", R"({"clientToken":"tok-1"})");
  ASSERT_EQ(r.messages.size(), 1U);
  auto b = body(r.messages, topic("t1", "get/accepted"));
  EXPECT_EQ(b["clientToken"], "tok-1");
  ASSERT_EQ(b["inProgressJobs"].size(), 1U);
  EXPECT_EQ(b["inProgressJobs"][0]["jobId"], "j1");
  EXPECT_EQ(b["inProgressJobs"][0]["versionNumber"], 2);
  EXPECT_EQ(b["inProgressJobs"][0]["executionNumber"], kFirstExecutionNumber);
  ASSERT_EQ(b["queuedJobs"].size(), 1U);
  EXPECT_EQ(b["queuedJobs"][0]["jobId"], "j2");
  EXPECT_EQ(b["timestamp"], now / 1000);
  ASSERT_EQ(r.log.size(), 1U);
  EXPECT_NE(r.log[0].find("op=get"), std::string::npos);
}

// AWS lists at most 10 pending executions in get/accepted and notify together: IN_PROGRESS first,
// then QUEUED, oldest first. The rest are there (start-next reaches them in turn), just not listed.
TEST_F(DeviceApi, GetPendingAndNotify_ListAtMostTenPendingExecutionsTogether) {
  start_j1();
  for (int i = 0; i < 11; ++i) {
    now += 1000;
    create_job("k" + std::to_string(i), {"t1"});
  }
  now += 1000;
  auto out = create_job("last", {"t1"});  // 14 pending on t1: j1 IN_PROGRESS, j2, k0..k10, last QUEUED
  auto n = body(out, topic("t1", "notify"));
  ASSERT_EQ(n["jobs"]["IN_PROGRESS"].size(), 1U);
  ASSERT_EQ(n["jobs"]["QUEUED"].size(), 9U);
  EXPECT_EQ(n["jobs"]["QUEUED"][0]["jobId"], "j2");
  EXPECT_EQ(n["jobs"]["QUEUED"][8]["jobId"], "k7");

  auto b = body(send("t1", "get", "{}").messages, topic("t1", "get/accepted"));
  ASSERT_EQ(b["inProgressJobs"].size(), 1U);
  EXPECT_EQ(b["inProgressJobs"][0]["jobId"], "j1");
  ASSERT_EQ(b["queuedJobs"].size(), 9U);
  EXPECT_EQ(b["queuedJobs"][0]["jobId"], "j2");
  EXPECT_EQ(b["queuedJobs"][8]["jobId"], "k7");
  EXPECT_EQ(service->list_executions_for_thing("t1")->size(), 14U) << "all are kept, only the lists are capped";
}

TEST_F(DeviceApi, GetPending_AcceptsEmptyPayloadAndAnswersEmptyListsForIdleThing) {
  add_things({"idle"});
  auto b = body(send("idle", "get", "").messages, topic("idle", "get/accepted"));
  EXPECT_TRUE(b["inProgressJobs"].empty());
  EXPECT_TRUE(b["queuedJobs"].empty());
}

TEST_F(DeviceApi, StartNext_StartsOldestQueuedWithDetailsDocumentAndNotify) {
  auto r = send("t1", "start-next", R"({"statusDetails":{"phase":"downloading"},"clientToken":"c"})");
  ASSERT_FALSE(r.messages.empty());
  EXPECT_EQ(r.messages[0].topic, topic("t1", "start-next/accepted"));  // the answer comes first
  auto e = body(r.messages, topic("t1", "start-next/accepted"))["execution"];
  EXPECT_EQ(e["jobId"], "j1");
  EXPECT_EQ(e["thingName"], "t1");
  EXPECT_EQ(e["status"], "IN_PROGRESS");
  EXPECT_EQ(e["statusDetails"]["phase"], "downloading");
  EXPECT_EQ(e["versionNumber"], 2);
  EXPECT_EQ(e["jobDocument"]["operation"], "app_fw_update");
  EXPECT_EQ(e["startedAt"], now / 1000);
  // The pending list changed (j1 moved to IN_PROGRESS); the next execution did not.
  auto n = body(r.messages, topic("t1", "notify"));
  EXPECT_EQ(n["jobs"]["IN_PROGRESS"][0]["jobId"], "j1");
  EXPECT_EQ(n["jobs"]["QUEUED"][0]["jobId"], "j2");
  EXPECT_EQ(find(r.messages, topic("t1", "notify-next")), nullptr);
}

TEST_F(DeviceApi, StartNext_ReturnsTheRunningExecutionUnchanged) {
  start_j1();
  auto r = send("t1", "start-next", R"({"statusDetails":{"phase":"again"}})");
  ASSERT_EQ(r.messages.size(), 1U);
  auto e = body(r.messages, topic("t1", "start-next/accepted"))["execution"];
  EXPECT_EQ(e["jobId"], "j1");
  EXPECT_EQ(e["versionNumber"], 2);
  EXPECT_FALSE(e.contains("statusDetails") && e["statusDetails"].contains("phase"));
}

TEST_F(DeviceApi, StartNext_WithNothingPendingAcceptsWithoutExecution) {
  add_things({"idle"});
  auto b = body(send("idle", "start-next", R"({"clientToken":"x"})").messages, topic("idle", "start-next/accepted"));
  EXPECT_FALSE(b.contains("execution"));
  EXPECT_EQ(b["clientToken"], "x");
}

TEST_F(DeviceApi, StartNext_RejectsStepTimeoutOutOfRange) {
  auto b = body(send("t1", "start-next", R"({"stepTimeoutInMinutes":0,"clientToken":"s"})").messages,
                topic("t1", "start-next/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
  EXPECT_EQ(b["clientToken"], "s");
}

TEST_F(DeviceApi, DescribeNext_ReturnsNextPendingWithDocument) {
  auto b = body(send("t1", "$next/get", R"({"clientToken":""})").messages, topic("t1", "$next/get/accepted"));
  EXPECT_EQ(b["execution"]["jobId"], "j1");
  EXPECT_EQ(b["execution"]["status"], "QUEUED");
  EXPECT_EQ(b["execution"]["versionNumber"], 1);
  EXPECT_EQ(b["execution"]["jobDocument"]["operation"], "app_fw_update");
}

TEST_F(DeviceApi, DescribeNext_WithNothingPendingAcceptsWithoutExecution) {
  add_things({"idle"});
  auto b = body(send("idle", "$next/get", "{}").messages, topic("idle", "$next/get/accepted"));
  EXPECT_FALSE(b.contains("execution"));
}

TEST_F(DeviceApi, Describe_HonoursIncludeJobDocumentFalse) {
  auto b = body(send("t1", "j2/get", R"({"includeJobDocument":false})").messages, topic("t1", "j2/get/accepted"));
  EXPECT_EQ(b["execution"]["jobId"], "j2");
  EXPECT_FALSE(b["execution"].contains("jobDocument"));
}

TEST_F(DeviceApi, Describe_UnknownJobOrExecutionNumberIsResourceNotFound) {
  auto b = body(send("t1", "nope/get", R"({"clientToken":"k"})").messages, topic("t1", "nope/get/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  EXPECT_EQ(b["clientToken"], "k");
  b = body(send("t1", "j1/get", R"({"executionNumber":7})").messages, topic("t1", "j1/get/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  add_things({"t3"});  // j1 does not target t3
  b = body(send("t3", "j1/get", "{}").messages, topic("t3", "j1/get/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
}

TEST_F(DeviceApi, Describe_TerminalExecutionIsTerminalStateReachedWithoutState) {
  start_j1();
  (void)send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  auto b = body(send("t1", "j1/get", "{}").messages, topic("t1", "j1/get/rejected"));
  EXPECT_EQ(b["code"], "TerminalStateReached");
  EXPECT_FALSE(b.contains("executionState")) << "AWS attaches it only to InvalidStateTransition and VersionMismatch";
}

TEST_F(DeviceApi, Update_AcceptsProgressAndIncrementsVersion) {
  start_j1();
  auto r = send("t1", "j1/update",
                R"({"status":"IN_PROGRESS","statusDetails":{"progress":"50"},"expectedVersion":2,)"
                R"("includeJobExecutionState":true,"clientToken":"u1"})");
  auto b = body(r.messages, topic("t1", "j1/update/accepted"));
  EXPECT_EQ(b["executionState"]["status"], "IN_PROGRESS");
  EXPECT_EQ(b["executionState"]["versionNumber"], 3);
  EXPECT_EQ(b["executionState"]["statusDetails"]["progress"], "50");
  EXPECT_FALSE(b.contains("jobDocument"));
  EXPECT_EQ(b["clientToken"], "u1");
  EXPECT_EQ(r.messages.size(), 1U) << "a progress update changes neither the pending list nor the next job";
  EXPECT_EQ(service->describe_execution("j1", "t1")->version_number, 3);
}

TEST_F(DeviceApi, Update_LeavesStateAndDocumentOutUnlessAsked) {
  start_j1();
  auto b = body(send("t1", "j1/update", R"({"status":"IN_PROGRESS"})").messages, topic("t1", "j1/update/accepted"));
  EXPECT_FALSE(b.contains("executionState"));
  EXPECT_FALSE(b.contains("jobDocument"));
  b = body(send("t1", "j1/update", R"({"status":"IN_PROGRESS","includeJobDocument":true})").messages,
           topic("t1", "j1/update/accepted"));
  EXPECT_EQ(b["jobDocument"]["operation"], "app_fw_update");
}

TEST_F(DeviceApi, Update_AcceptsExpectedVersionAsQuotedNumber) {
  start_j1();
  auto r = send("t1", "j1/update", R"({"status":"IN_PROGRESS","statusDetails":null,"expectedVersion":"2","clientToken":""})");
  EXPECT_NE(find(r.messages, topic("t1", "j1/update/accepted")), nullptr);
}

TEST_F(DeviceApi, Update_StaleExpectedVersionIsVersionMismatchWithState) {
  start_j1();
  for (const char* version : {R"(1)", R"("1")"}) {
    auto r = send("t1", "j1/update", std::string(R"({"status":"IN_PROGRESS","expectedVersion":)") + version + "}");
    auto b = body(r.messages, topic("t1", "j1/update/rejected"));
    EXPECT_EQ(b["code"], "VersionMismatch") << version;
    EXPECT_EQ(b["executionState"]["versionNumber"], 2);
    EXPECT_EQ(b["executionState"]["status"], "IN_PROGRESS");
  }
  EXPECT_EQ(service->describe_execution("j1", "t1")->version_number, 2);
}

TEST_F(DeviceApi, Update_OfATerminalExecutionIsInvalidStateTransitionWithState) {
  start_j1();
  (void)send("t1", "j1/update", R"({"status":"FAILED","statusDetails":{"reason":"bad"}})");
  for (const char* status : {"IN_PROGRESS", "SUCCEEDED", "FAILED"}) {
    auto r = send("t1", "j1/update", std::string(R"({"status":")") + status + R"(","clientToken":"z"})");
    ASSERT_EQ(r.messages.size(), 1U) << status;
    auto b = body(r.messages, topic("t1", "j1/update/rejected"));
    EXPECT_EQ(b["code"], "InvalidStateTransition") << status;
    EXPECT_EQ(b["executionState"]["status"], "FAILED");
    EXPECT_EQ(b["executionState"]["statusDetails"]["reason"], "bad");
    EXPECT_EQ(b["executionState"]["versionNumber"], 3);
    EXPECT_EQ(b["clientToken"], "z");
  }
  EXPECT_EQ(service->describe_execution("j1", "t1")->version_number, 3);
}

TEST_F(DeviceApi, Update_StatusOnlyTheServiceSetsIsInvalidStateTransition) {
  start_j1();
  for (const char* status : {"QUEUED", "CANCELED", "TIMED_OUT", "REMOVED"}) {
    auto r = send("t1", "j1/update", std::string(R"({"status":")") + status + R"("})");
    auto b = body(r.messages, topic("t1", "j1/update/rejected"));
    EXPECT_EQ(b["code"], "InvalidStateTransition") << status;
    EXPECT_EQ(b["executionState"]["status"], "IN_PROGRESS");
  }
}

TEST_F(DeviceApi, Update_QueuedExecutionMayBeRejectedDirectly) {
  auto r = send("t1", "j2/update", R"({"status":"REJECTED","statusDetails":{"reason":"busy"}})");
  EXPECT_NE(find(r.messages, topic("t1", "j2/update/accepted")), nullptr);
  EXPECT_EQ(service->describe_execution("j2", "t1")->status, JobStatus::Rejected);
}

TEST_F(DeviceApi, Update_UnknownJobIsResourceNotFound) {
  auto b = body(send("t1", "nope/update", R"({"status":"IN_PROGRESS","clientToken":"n"})").messages,
                topic("t1", "nope/update/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  EXPECT_EQ(b["clientToken"], "n");
}

TEST_F(DeviceApi, Update_RejectsBadStepTimeout) {
  start_j1();
  auto b = body(send("t1", "j1/update", R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":10081})").messages,
                topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
}

TEST_F(DeviceApi, Update_SucceededEndsJobAndNotifiesNextJob) {
  start_j1();
  auto r = send("t1", "j1/update", R"({"status":"SUCCEEDED"})");
  auto next = body(r.messages, topic("t1", "notify-next"));
  EXPECT_EQ(next["execution"]["jobId"], "j2");
  EXPECT_EQ(body(r.messages, topic("t1", "notify"))["jobs"]["QUEUED"][0]["jobId"], "j2");
  EXPECT_EQ(service->describe_job("j1")->job.state, JobState::Completed);
  EXPECT_EQ(service->describe_job("j2")->job.state, JobState::InProgress);
}

TEST_F(DeviceApi, BadJsonIsInvalidJson) {
  for (const char* payload : {"{not json", "[1,2]", "\"text\""}) {
    auto b = body(send("t1", "get", payload).messages, topic("t1", "get/rejected"));
    EXPECT_EQ(b["code"], "InvalidJson") << payload;
    EXPECT_FALSE(b["message"].get<std::string>().empty());
  }
  auto b = body(send("t1", "j1/update", "{").messages, topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidJson");
}

TEST_F(DeviceApi, WrongFieldTypesAreInvalidRequestAndStillEchoToken) {
  auto b = body(send("t1", "j1/update", R"({"status":42,"clientToken":"w"})").messages,
                topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
  EXPECT_EQ(b["clientToken"], "w");
  b = body(send("t1", "j1/update", R"({"status":"DANCING"})").messages, topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
  b = body(send("t1", "get", R"({"clientToken":")" + std::string(65, 'x') + R"("})").messages,
           topic("t1", "get/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
}

TEST_F(DeviceApi, PayloadOverTheMqttLimitIsInvalidRequestAndChangesNothing) {
  // Valid JSON, so only the size can be the reason; the token still comes back.
  const std::string padding(kMaxRequestPayloadBytes, 'x');
  const std::string payload = R"({"status":"SUCCEEDED","clientToken":"big","pad":")" + padding + R"("})";
  auto r = send("t1", "j1/update", payload);
  ASSERT_EQ(r.messages.size(), 1U);
  auto b = body(r.messages, topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "InvalidRequest");
  EXPECT_EQ(b["clientToken"], "big");
  EXPECT_NE(b["message"].get<std::string>().find("131072"), std::string::npos) << b["message"];
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::Queued);
  // At the limit the request is read as usual (and then judged on its fields).
  const std::string at_limit = R"({"clientToken":"ok","x":")" +
                               std::string(kMaxRequestPayloadBytes - std::string(R"({"clientToken":"ok","x":""})").size(), 'y') + R"("})";
  ASSERT_EQ(at_limit.size(), kMaxRequestPayloadBytes);
  EXPECT_TRUE(find(send("t1", "get", at_limit).messages, topic("t1", "get/accepted")));
}

TEST_F(DeviceApi, AnnounceNext_NamesTheNextExecutionOfEveryThingWithPendingWork) {
  add_things({"idle"});
  start_j1();
  const auto messages = service->announce_next(now);
  ASSERT_EQ(messages.size(), 2U) << "t1 and t2; nothing for the idle thing";
  auto t1 = body(messages, topic("t1", "notify-next"))["execution"];
  EXPECT_EQ(t1["jobId"], "j1");
  EXPECT_EQ(t1["status"], "IN_PROGRESS");
  EXPECT_EQ(t1["jobDocument"]["operation"], "app_fw_update");
  EXPECT_EQ(body(messages, topic("t2", "notify-next"))["execution"]["jobId"], "j2");
  EXPECT_EQ(find(messages, topic("idle", "notify-next")), nullptr);
}

TEST_F(DeviceApi, ExecutionNumbers_ArePast32BitsAndOnePerExecution) {
  const std::int64_t j1 = service->describe_execution("j1", "t1")->execution_number;
  const std::int64_t j2_t1 = service->describe_execution("j2", "t1")->execution_number;
  const std::int64_t j2_t2 = service->describe_execution("j2", "t2")->execution_number;
  EXPECT_GT(j1, std::int64_t{1} << 32);
  EXPECT_NE(j1, j2_t1);
  EXPECT_NE(j2_t1, j2_t2);
  EXPECT_NE(j1, j2_t2);
  auto e = body(send("t1", "$next/get", "{}").messages, topic("t1", "$next/get/accepted"))["execution"];
  EXPECT_EQ(e["executionNumber"].get<std::int64_t>(), j1);
  // The number as a device that keeps it in 32 bits sends it back: not this execution.
  const auto cut = static_cast<std::int64_t>(static_cast<std::uint32_t>(j1));
  auto b = body(send("t1", "j1/get", R"({"executionNumber":)" + std::to_string(cut) + "}").messages,
                topic("t1", "j1/get/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  b = body(send("t1", "j1/update", R"({"status":"IN_PROGRESS","executionNumber":)" + std::to_string(cut) + "}").messages,
           topic("t1", "j1/update/rejected"));
  EXPECT_EQ(b["code"], "ResourceNotFound");
  EXPECT_NE(find(send("t1", "j1/update", R"({"status":"IN_PROGRESS","executionNumber":)" + std::to_string(j1) + "}")
                     .messages,
                 topic("t1", "j1/update/accepted")),
            nullptr);
}

TEST_F(DeviceApi, ExecutionNumbers_SurviveARestartAndOlderDatabasesKeepTheirs) {
  const std::int64_t j2_t2 = service->describe_execution("j2", "t2")->execution_number;
  // An execution from a database written before the numbers grew: it keeps its 1.
  StoreChanges old;
  Execution legacy{.job_id = "j2", .thing_name = "legacy", .queued_at_ms = now, .last_updated_at_ms = now};
  old.executions.push_back(legacy);
  ASSERT_TRUE(store.apply(old));
  reopen();
  EXPECT_EQ(service->describe_execution("j2", "t2")->execution_number, j2_t2);
  EXPECT_EQ(service->describe_execution("j2", "legacy")->execution_number, 1);
  add_things({"t3"});
  create_job("j3", {"t3"});
  EXPECT_GT(service->describe_execution("j3", "t3")->execution_number, j2_t2) << "numbers are not reused";
}

TEST_F(DeviceApi, UnknownOperationIsInvalidTopic) {
  auto r = service->handle("$aws/things/t1/jobs/bogus", R"({"clientToken":"q"})", now);
  auto b = body(r.messages, "$aws/things/t1/jobs/bogus/rejected");
  EXPECT_EQ(b["code"], "InvalidTopic");
  EXPECT_EQ(b["clientToken"], "q");
}

TEST_F(DeviceApi, IgnoresItsOwnRepliesNotificationsAndOtherTopics) {
  for (const char* t : {"$aws/things/t1/jobs/get/accepted", "$aws/things/t1/jobs/j1/update/rejected",
                        "$aws/things/t1/jobs/notify", "$aws/things/t1/jobs/notify-next",
                        "$aws/things/t1/jobs/bogus/rejected", "$aws/things/t1/shadow/update", "other/topic"}) {
    auto r = service->handle(t, "{}", now);
    EXPECT_TRUE(r.messages.empty()) << t;
    EXPECT_TRUE(r.log.empty()) << t;
  }
}

TEST_F(DeviceApi, StoreFailureIsInternalErrorAndChangesNothing) {
  store.fail_next_apply = true;
  auto r = send("t1", "start-next", R"({"clientToken":"i"})");
  auto b = body(r.messages, topic("t1", "start-next/rejected"));
  EXPECT_EQ(b["code"], "InternalError");
  EXPECT_EQ(r.messages.size(), 1U);
  EXPECT_EQ(service->describe_execution("j1", "t1")->status, JobStatus::Queued);
  // The next attempt works.
  EXPECT_NE(find(send("t1", "start-next", "{}").messages, topic("t1", "start-next/accepted")), nullptr);
}

TEST_F(DeviceApi, PresignedPlaceholdersAreSignedEachTimeTheDocumentIsHandedOut) {
  reopen(Config{.minute_ms = kMinute, .signer = LinkSigner("https://127.0.0.1:8443", "sec")});
  std::vector<OutgoingMessage> out;
  CreateJobRequest request{.job_id = "p1",
                           .things = {"t2"},
                           .document = R"({"url":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/fw/app.bin}"})",
                           .presigned_expires_in_sec = 120,
                           .presigned_role_arn = "arn:aws:iam::000000000000:role/presign"};
  ASSERT_TRUE(service->create_job(request, now, out));
  const LinkSigner signer("https://127.0.0.1:8443", "sec");
  auto first = body(send("t2", "p1/get", "{}").messages, topic("t2", "p1/get/accepted"));
  EXPECT_EQ(first["execution"]["jobDocument"]["url"], signer.sign("/fw/app.bin", now / 1000 + 120));
  now += 5000;
  auto second = body(send("t2", "p1/get", "{}").messages, topic("t2", "p1/get/accepted"));
  EXPECT_EQ(second["execution"]["jobDocument"]["url"], signer.sign("/fw/app.bin", now / 1000 + 120));
  EXPECT_EQ(service->get_job_document("p1", now).value(),
            R"({"url":")" + signer.sign("/fw/app.bin", now / 1000 + 120) + R"("})");
}

}  // namespace
}  // namespace awsfota::jobsd::testing
