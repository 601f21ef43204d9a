// The Jobs device API over the real broker: Mosquitto with TLS and ACL, the awsfota-jobsd program,
// devices on the mosquitto adapter, the control plane over HTTP.
#include <gtest/gtest.h>

#include <thread>

#include "jobsd/local_stack.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class StackProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalStack::start(dir.path(), {.minute_ms = 200});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
    ASSERT_EQ(stack->rest("POST", "/things/t1").status, 200);
    auto d = stack->device("t1");
    ASSERT_TRUE(d) << d.error();
    device = std::move(*d);
  }

  void create_job(const std::string& id, json extra = json::object()) {
    json body = {{"targets", {kThingArn + "t1"}}, {"document", R"({"operation":"app_fw_update","size":10})"}};
    body.update(extra);
    auto r = stack->rest("PUT", "/jobs/" + id, body.dump());
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }

  // Restarts the broker with the service frozen (SIGSTOP) until the device has reconnected and
  // subscribed again, so the device is back first every time; the test lets the service go on
  // (resume_service(), or TearDown when it failed before that).
  void restart_broker_with_the_device_back_first() {
    stack->pause_service();
    ASSERT_TRUE(stack->restart_broker());
    ASSERT_TRUE(device->wait_reconnected(milliseconds(10000)));
  }
  void TearDown() override {
    if (stack) stack->resume_service();  // harmless when it runs
  }

  std::string execution_status(const std::string& job) {
    return stack->rest("GET", "/things/t1/jobs/" + job).body["execution"]["status"].get<std::string>();
  }

  awsfota::testing::TempDir dir{"jobsd-stack"};
  std::unique_ptr<LocalStack> stack;
  std::unique_ptr<TestDevice> device;
};

TEST_F(StackProtocol, JobRunsToSucceededWithNotificationsAndVersions) {
  create_job("j1");
  auto next = device->wait_for(device->topic("notify-next"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body["execution"]["jobId"], "j1");
  EXPECT_EQ(next->body["execution"]["jobDocument"]["size"], 10);
  auto notify = device->wait_for(device->topic("notify"));
  ASSERT_TRUE(notify);
  EXPECT_EQ(notify->body["jobs"]["QUEUED"][0]["jobId"], "j1");

  auto started = device->request("start-next", R"({"statusDetails":{"phase":"downloading"},"clientToken":"s1"})");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->topic, device->topic("start-next/accepted"));
  EXPECT_EQ(started->body["clientToken"], "s1");
  EXPECT_EQ(started->body["execution"]["status"], "IN_PROGRESS");
  EXPECT_EQ(started->body["execution"]["versionNumber"], 2);

  // The reference's body: expectedVersion as a quoted number, statusDetails null.
  auto done = device->request("j1/update", R"({"status":"SUCCEEDED","statusDetails":null,"expectedVersion":"2",)"
                                           R"("includeJobExecutionState":true,"clientToken":""})");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->topic, device->topic("j1/update/accepted")) << done->body.dump();
  EXPECT_EQ(done->body["executionState"]["status"], "SUCCEEDED");
  EXPECT_EQ(done->body["executionState"]["versionNumber"], 3);
  auto empty = device->wait_for(device->topic("notify-next"));
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->body.contains("execution"));

  EXPECT_EQ(execution_status("j1"), "SUCCEEDED");
  EXPECT_EQ(stack->rest("GET", "/jobs/j1").body["job"]["status"], "COMPLETED");
}

TEST_F(StackProtocol, GetAndDescribeAnswerWithDocumentAsAsked) {
  create_job("j1");
  auto next = device->request("$next/get", R"({"clientToken":"n"})");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body["execution"]["jobId"], "j1");
  EXPECT_EQ(next->body["execution"]["jobDocument"]["operation"], "app_fw_update");
  auto bare = device->request("j1/get", R"({"includeJobDocument":false})");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->body["execution"].contains("jobDocument"));
  auto pending = device->request("get", R"({"clientToken":"g"})");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->body["queuedJobs"][0]["jobId"], "j1");
  EXPECT_EQ(pending->body["clientToken"], "g");
}

TEST_F(StackProtocol, EveryRejectionCodeReachesTheDevice) {
  create_job("j1");
  (void)device->request("start-next", "{}");
  struct Case {
    std::string op, payload, code;
  };
  const std::vector<Case> cases = {
      {"get", "{oops", "InvalidJson"},
      {"j1/update", R"({"status":7,"clientToken":"c1"})", "InvalidRequest"},
      {"nope/update", R"({"status":"IN_PROGRESS","clientToken":"c2"})", "ResourceNotFound"},
      {"j1/update", R"({"status":"IN_PROGRESS","expectedVersion":1,"clientToken":"c3"})", "VersionMismatch"},
      {"j1/update", R"({"status":"QUEUED","clientToken":"c4"})", "InvalidStateTransition"},
      {"bogus", R"({"clientToken":"c5"})", "InvalidTopic"},
  };
  for (const auto& c : cases) {
    auto r = device->request(c.op, c.payload);
    ASSERT_TRUE(r) << c.op;
    EXPECT_EQ(r->topic, device->topic(c.op + "/rejected"));
    EXPECT_EQ(r->body["code"], c.code) << c.op << " " << c.payload;
    if (c.payload.find("clientToken") != std::string::npos) {
      EXPECT_EQ(r->body["clientToken"].get<std::string>().substr(0, 1), "c") << c.code;
    }
  }
  (void)device->request("j1/update", R"({"status":"FAILED"})");
  auto terminal = device->request("j1/update", R"({"status":"IN_PROGRESS","clientToken":"c6"})");
  ASSERT_TRUE(terminal);
  EXPECT_EQ(terminal->body["code"], "InvalidStateTransition");
  EXPECT_EQ(terminal->body["executionState"]["status"], "FAILED");
  EXPECT_EQ(terminal->body["clientToken"], "c6");
}

TEST_F(StackProtocol, ForcedCancelReachesTheDevice) {
  create_job("j1");
  (void)device->request("start-next", "{}");
  (void)device->drain(milliseconds(50));
  ASSERT_EQ(stack->rest("PUT", "/jobs/j1/cancel?force=true", "{}").status, 200);
  auto next = device->wait_for(device->topic("notify-next"));
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->body.contains("execution"));
  auto rejected = device->request("j1/update", R"({"status":"IN_PROGRESS","expectedVersion":2})");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->body["code"], "InvalidStateTransition");
  EXPECT_EQ(rejected->body["executionState"]["status"], "CANCELED");
  auto described = device->request("j1/get", "{}");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->body["code"], "TerminalStateReached");
  EXPECT_FALSE(described->body.contains("executionState"));
}

TEST_F(StackProtocol, InProgressTimeoutWithFastClockEndsTimedOut) {
  create_job("j1", {{"timeoutConfig", {{"inProgressTimeoutInMinutes", 1}}}});  // 200 ms here
  (void)device->request("start-next", "{}");
  (void)device->wait_for(device->topic("notify-next"));  // the one from create-job
  auto timed_out = device->wait_for(device->topic("notify-next"), milliseconds(5000));
  ASSERT_TRUE(timed_out);
  EXPECT_FALSE(timed_out->body.contains("execution"));
  EXPECT_EQ(execution_status("j1"), "TIMED_OUT");
}

TEST_F(StackProtocol, StepTimeoutWithFastClockEndsTimedOut) {
  create_job("j1");
  auto started = device->request("start-next", R"({"stepTimeoutInMinutes":1})");
  ASSERT_TRUE(started);
  const bool timed_out = [&] {
    for (int i = 0; i < 100; ++i) {
      if (execution_status("j1") == "TIMED_OUT") return true;
      (void)device->drain(milliseconds(50));
    }
    return false;
  }();
  EXPECT_TRUE(timed_out);
}

TEST_F(StackProtocol, ServiceRestartMidJobKeepsState) {
  create_job("j1");
  auto started = device->request("start-next", R"({"clientToken":"before"})");
  ASSERT_TRUE(started);
  ASSERT_TRUE(stack->restart_service());
  // The device's connection to the broker survives; the service answers again on the same state.
  std::optional<Message> done;
  for (int attempt = 0; attempt < 20 && !done; ++attempt) {
    done = device->request("j1/update", R"({"status":"SUCCEEDED","expectedVersion":2})", milliseconds(500));
  }
  ASSERT_TRUE(done);
  EXPECT_EQ(done->topic, device->topic("j1/update/accepted")) << done->body.dump();
  EXPECT_EQ(execution_status("j1"), "SUCCEEDED");
}

// AWS publishes notify-next when a thing's next execution changes, never because the service itself
// reconnected: a device learns of pending work on connect by asking. So does it here by default.
TEST_F(StackProtocol, ServiceReconnectDoesNotResendNotifyNextByDefault) {
  create_job("j1");
  ASSERT_TRUE(device->wait_for(device->topic("notify-next")));  // the change: j1 became the next job
  ASSERT_TRUE(stack->restart_service());
  for (const auto& m : device->drain(milliseconds(1000))) {
    EXPECT_NE(m.topic, device->topic("notify-next")) << "re-announced without a change: " << m.body.dump();
  }
  auto asked = device->request("$next/get", R"({"clientToken":"ask"})");
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->body["execution"]["jobId"], "j1");
}

TEST(StackAnnounce, WithTheOptInFlagTheServiceAnnouncesTheNextJobOnEachConnect) {
  awsfota::testing::TempDir dir{"jobsd-announce"};
  auto stack = LocalStack::start(dir.path(), {.minute_ms = 200, .extra_args = {"--announce-next-on-connect"}});
  ASSERT_TRUE(stack) << stack.error();
  ASSERT_EQ((*stack)->rest("POST", "/things/t1").status, 200);
  auto device = (*stack)->device("t1");
  ASSERT_TRUE(device) << device.error();
  json body = {{"targets", {kThingArn + "t1"}}, {"document", R"({"operation":"app_fw_update"})"}};
  ASSERT_EQ((*stack)->rest("PUT", "/jobs/j1", body.dump()).status, 200);
  ASSERT_TRUE((*device)->wait_for((*device)->topic("notify-next")));
  ASSERT_TRUE((*stack)->restart_service());
  auto again = (*device)->wait_for((*device)->topic("notify-next"));
  ASSERT_TRUE(again) << "no notify-next after the service reconnected";
  EXPECT_EQ(again->body["execution"]["jobId"], "j1");
}

// A broker restart drops every connection; a device (with a short backoff) is often back before the
// service, and a request it sends then must still be answered: the broker keeps the service's
// persistent session and queues the request for it. The service is held off here (SIGSTOP) so that
// the device is back first every time.
TEST_F(StackProtocol, RequestSentBeforeTheServiceReconnectsAfterABrokerRestartIsAnswered) {
  create_job("j1");
  auto started = device->request("start-next", R"({"clientToken":"before"})");
  ASSERT_TRUE(started);
  ASSERT_NO_FATAL_FAILURE(restart_broker_with_the_device_back_first());
  // The device's subscriptions are made again before it publishes (same connection, in order).
  device->publish(device->topic("j1/update"), R"({"status":"IN_PROGRESS","statusDetails":{"phase":"awaiting_reboot"},)"
                                              R"("expectedVersion":2,"clientToken":"after"})");
  EXPECT_FALSE(device->wait_for(device->topic("j1/update/accepted"), milliseconds(300)))
      << "the paused service cannot have answered yet";
  stack->resume_service();
  auto answer = device->wait_for(device->topic("j1/update/accepted"), milliseconds(10000));
  ASSERT_TRUE(answer) << "the request sent while the service was away was lost";
  EXPECT_EQ(answer->body["clientToken"], "after");
  EXPECT_EQ(stack->rest("GET", "/things/t1/jobs/j1").body["execution"]["statusDetails"]["detailsMap"]["phase"],
            "awaiting_reboot");
}

// What the service cannot publish while it is off the broker, it keeps: a job created meanwhile reaches
// the device once the service is back, without the device asking. The service is held off (SIGSTOP)
// until the device has reconnected and subscribed again, so the notice cannot arrive before it listens.
TEST_F(StackProtocol, JobCreatedWhileTheServiceIsOffTheBrokerIsNotifiedOnceItIsBack) {
  stack->stop_broker();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stack->service_log().find("mqtt down") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_NE(stack->service_log().find("mqtt down"), std::string::npos) << "the service did not notice the broker go";
  create_job("j1");
  ASSERT_NO_FATAL_FAILURE(restart_broker_with_the_device_back_first());
  stack->resume_service();
  auto next = device->wait_for(device->topic("notify-next"), milliseconds(10000));
  ASSERT_TRUE(next) << "the notice of a job created while the service was off the broker was lost";
  EXPECT_EQ(next->body["execution"]["jobId"], "j1");
}

}  // namespace
}  // namespace awsfota::jobsd::testing
