// Whole updates under conditions a device meets in the field: the reference's own job document
// format, and the broker going away in the middle of a download.
#include <thread>

#include "e2e_fixture.hpp"
#include "support/reference_document.hpp"

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

// Documents in the reference's shape, as a string exactly as written (the service keeps it so).
class ReferenceDocuments : public E2ETest {
 protected:
  void create_job_with_text(const std::string& id, const std::string& document) {
    json body = {{"targets", {"arn:aws:iot:us-east-1:000000000000:thing/" + kThing}}, {"document", document}};
    ASSERT_EQ(stack->rest("PUT", "/jobs/" + id, body.dump()).status, 200);
  }

  // Two runs of the agent: the download up to the reboot, then the boot that confirms; the job must
  // end SUCCEEDED with `image` in slot B. The first run's log.
  std::string update_to_succeeded(const fs::path& cfg, const std::string& job, const Bytes& image) {
    const std::string first = run_to_exit(cfg, job + "-1.log", {});
    EXPECT_NE(first.find("job " + job + ": DL_PROGRESS 100%"), std::string::npos) << first;
    EXPECT_NE(first.find("job " + job + ": REBOOT_REQUESTED"), std::string::npos) << first;
    const std::string second = run_to_exit(cfg, job + "-2.log", {"--once"});
    EXPECT_NE(second.find("job " + job + ": DONE SUCCEEDED"), std::string::npos) << second;
    EXPECT_EQ(execution_status(job), "SUCCEEDED");
    EXPECT_TRUE(slot_holds(Slot::B, image));
    return first;
  }
};

TEST_F(ReferenceDocuments, ReferenceFormatDocumentOverPlainHttpRunsToCompletionUnchanged) {
  start_stack();
  start_nginx({.http = true});
  const Bytes image = make_image({1, 0, 1, 0}, 200 * 1024, 11);
  write_bytes(dir.path() / "files" / "ref.bin", image);
  // Exactly the reference's shape: protocol/host/path, no url, no sha256.
  const std::string document = R"({"operation":"app_fw_update","fwversion":"v1.0.1","size":)" +
                               std::to_string(image.size()) +
                               R"(,"location":{"protocol":"http:","host":"127.0.0.1:)" +
                               std::to_string(nginx->http_port()) + R"(","path":"ref.bin"}})";
  create_job_with_text("ref-1", document);

  json c = config();
  c["download"]["allow-plain-http"] = true;  // a document without sha256 may use http only when allowed
  update_to_succeeded(write_config(c), "ref-1", image);
  // The service kept the document as it was sent.
  const auto stored = stack->rest("GET", "/jobs/ref-1/job-document").body;
  EXPECT_EQ(json::parse(stored["document"].get<std::string>()), json::parse(document)) << stored.dump();
}

TEST_F(ReferenceDocuments, ReferenceExampleDocumentFailsByDefaultAndSucceedsWithCompatNrfAwsFota) {
  start_stack();
  start_nginx({.http = true});
  const Bytes image = make_image({1, 0, 2, 0}, 200 * 1024, 13);
  ASSERT_NE(image.size(), awsfota::testing::kReferenceExampleSize);
  write_bytes(dir.path() / "files" / "file_name.bin", image);
  // The reference's example verbatim (support/reference_document.hpp) but for its host: the local nginx.
  const std::string document =
      awsfota::testing::reference_example_with_host("127.0.0.1:" + std::to_string(nginx->http_port()));

  // By default: plain http without a sha256 is refused before a byte is fetched.
  create_job_with_text("ref-strict", document);
  const std::string strict = run_to_exit(write_config(config(), "strict.json"), "strict.log", {"--once"});
  EXPECT_NE(strict.find("job ref-strict: ERROR PROTO_NOT_SUPPORTED"), std::string::npos) << strict;
  EXPECT_EQ(execution_status("ref-strict"), "FAILED");
  EXPECT_EQ(strict.find("compat nrf-aws-fota"), std::string::npos) << strict;

  // As the reference's devices take it: fetched over http, its size not held against the file.
  create_job_with_text("ref-compat", document);
  json c = config();
  c["compat"] = "nrf-aws-fota";
  const std::string first = update_to_succeeded(write_config(c, "compat.json"), "ref-compat", image);
  EXPECT_NE(first.find("[warning] compat nrf-aws-fota: job documents are taken as the nRF Connect SDK AWS FOTA"),
            std::string::npos) << first;
  EXPECT_NE(first.find("[warning] job ref-compat is taken as the nRF Connect SDK AWS FOTA library takes it"),
            std::string::npos) << first;
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
