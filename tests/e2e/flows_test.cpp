// Whole updates under conditions a device meets in the field: the reference's own job document
// format, and the broker going away in the middle of a download.
#include <thread>

#include "e2e_fixture.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using dfu::Slot;

// Whether `line` appears `times` times in the log within `timeout`.
bool wait_for_line(const fs::path& log, const std::string& line, std::chrono::milliseconds timeout, int times = 1) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_text(log);
    int seen = 0;
    for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + line.size())) ++seen;
    if (seen >= times) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST_F(E2ETest, ReferenceFormatDocumentOverPlainHttpRunsToCompletionUnchanged) {
  start_stack();
  start_nginx({.http = true});
  const Bytes image = make_image({1, 0, 1, 0}, 200 * 1024, 11);
  write_bytes(dir.path() / "files" / "ref.bin", image);
  // Exactly the reference's shape: protocol/host/path, no url, no sha256.
  const std::string document = R"({"operation":"app_fw_update","fwversion":"v1.0.1","size":)" +
                               std::to_string(image.size()) +
                               R"(,"location":{"protocol":"http:","host":"127.0.0.1:)" +
                               std::to_string(nginx->http_port()) + R"(","path":"ref.bin"}})";
  json body = {{"targets", {"arn:aws:iot:us-east-1:000000000000:thing/" + kThing}}, {"document", document}};
  ASSERT_EQ(stack->rest("PUT", "/jobs/ref-1", body.dump()).status, 200);

  json c = config();
  c["download"]["allow-plain-http"] = true;  // a document without sha256 may use http only when allowed
  const auto cfg = write_config(c);
  const std::string first = run_to_exit(cfg, "ref-1.log", {});
  EXPECT_NE(first.find("job ref-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job ref-1: REBOOT_REQUESTED"), std::string::npos) << first;
  const std::string second = run_to_exit(cfg, "ref-2.log", {"--once"});
  EXPECT_NE(second.find("job ref-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("ref-1"), "SUCCEEDED");
  EXPECT_TRUE(slot_holds(Slot::B, image));
  // The service kept the document as it was sent.
  const auto stored = stack->rest("GET", "/jobs/ref-1/job-document").body;
  EXPECT_EQ(json::parse(stored["document"].get<std::string>()), json::parse(document)) << stored.dump();
}

TEST_F(E2ETest, BrokerRestartMidDownloadStillEndsSucceededInTheService) {
  start_stack();
  start_nginx({.limit_rate = "512k"});
  const Bytes image = make_image({1, 0, 1, 0}, 2 << 20, 12);
  create_job("broker-1", document_for(image, "broker.bin", "v1.0.1"));
  const auto cfg = write_config(config());

  const fs::path log1 = dir.path() / "broker-1.log";
  {
    Agent agent(cfg, log1);
    ASSERT_TRUE(wait_for_progress(log1, 8, 30s)) << read_text(log1);
    // The service is held off the broker until the agent is back, so that the agent's first requests
    // on the new connection always reach a broker where the service has not reconnected yet. They
    // are queued for the service's persistent session; none may wait for the engine's 30 s response
    // timeout (they did, before the service kept its session).
    stack->pause_service();
    struct Resume {
      jobsd::testing::LocalStack& stack;
      ~Resume() { stack.resume_service(); }
    } resume{*stack};
    auto restarted = stack->restart_broker();
    ASSERT_TRUE(restarted) << restarted.error();
    ASSERT_TRUE(wait_for_line(log1, "mqtt: connected to", 30s, 2)) << read_text(log1);
    stack->resume_service();
    // The download goes on over HTTP meanwhile; the agent reports awaiting_reboot, and its acceptance
    // is what lets the agent exit for the reboot: the exit marks the status landing.
    ASSERT_TRUE(wait_for_line(log1, "job broker-1: DL_PROGRESS 100%", 60s)) << read_text(log1);
    EXPECT_EQ(agent.wait(10s), std::optional<int>(0)) << "awaiting_reboot did not land within 10 s\n"
                                                      << read_text(log1);
    EXPECT_EQ(agent.wait(60s), std::optional<int>(0)) << read_text(log1);
  }
  const std::string first = read_text(log1);
  EXPECT_NE(first.find("mqtt: disconnected (connection to 127.0.0.1:" + std::to_string(stack->mqtt_port()) + " lost"), std::string::npos) << first;
  EXPECT_EQ(first.find("no answer from the Jobs service in time"), std::string::npos) << first;
  // The service, too, lost the broker and came back (and answered since: the job ended SUCCEEDED below).
  const std::string service_log = read_text(stack->dir() / "jobsd-1.log");
  EXPECT_NE(service_log.find("mqtt down:"), std::string::npos) << service_log;
  EXPECT_NE(first.find("job broker-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job broker-1: REBOOT_REQUESTED"), std::string::npos) << first;
  const std::string second = run_to_exit(cfg, "broker-2.log", {"--once"});
  EXPECT_NE(second.find("job broker-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("broker-1"), "SUCCEEDED");
  EXPECT_TRUE(slot_holds(Slot::B, image));
}

}  // namespace
}  // namespace awsfota::e2e
