// A network outage of three minutes in the middle of a download (issue 16, part 1), with the real
// awsfota-agent, Mosquitto, awsfota-jobsd and nginx on 127.0.0.1. Both links (MQTT and HTTPS) go
// through OutageProxy relays that turn into black holes at the same byte of the download, as a dead
// radio link does: no reset, no answer, only the agent's own timeouts tell it. The job must survive
// with its staged bytes and end SUCCEEDED, having fetched at most 5 % more than the file.
//
// Three minutes of waiting: this program carries the label "long", which the sanitizer tree's test run
// leaves out (the waiting code is covered there by tests/download/outage_test.cpp).
#include <gtest/gtest.h>

#include <thread>

#include "e2e/e2e_fixture.hpp"
#include "support/outage_proxy.hpp"

namespace awsfota::e2e {
namespace {

using awsfota::testing::OutageProxy;
using nlohmann::json;
using namespace std::chrono_literals;

class OutageE2E : public E2ETest {
 protected:
  void SetUp() override {
    start_stack();
    start_nginx({.http = false, .https = true});
  }
};

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

TEST_F(OutageE2E, AThreeMinuteNetworkCutMidDownloadEndsSucceededWithAtMostFivePercentRedone) {
  constexpr std::size_t kSize = 2 << 20;
  const auto image = make_image({1, 0, 1, 0}, kSize, 11);
  OutageProxy http(nginx->https_port());
  OutageProxy mqtt(stack->mqtt_port());
  ASSERT_TRUE(http.started() && mqtt.started());
  const std::string url = "https://127.0.0.1:" + std::to_string(http.port()) + "/app-outage.bin";
  create_job("outage-1", document_at(image, "app-outage.bin", "v1.0.1", url));

  json c = config();
  c["port"] = mqtt.port();
  c["mqtt"]["keepalive-seconds"] = 5;  // the agent learns of the outage within about 10 s
  c["download"]["stall-timeout-seconds"] = 5;
  c["download"]["connect-timeout-seconds"] = 5;
  c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
  const auto cfg = write_config(c);

  // Both links die at 40 % of the file, mid-response.
  http.cut_after_downstream(image.size() * 2 / 5, [&] { mqtt.cut(); });
  const fs::path log1 = dir.path() / "agent-1.log";
  Agent agent(cfg, log1);
  ASSERT_TRUE(wait_until([&] { return http.is_cut(); }, 60s)) << "the download never reached 40 %: " << read_text(log1);
  const auto cut_at = std::chrono::steady_clock::now();

  // The agent notices (MQTT keep-alive), then makes no download attempt for the rest of the outage.
  EXPECT_TRUE(wait_for_text(log1, "mqtt: disconnected", 30s)) << read_text(log1);
  std::this_thread::sleep_until(cut_at + 30s);
  const unsigned attempts_at_30s = http.connections_while_cut();
  std::this_thread::sleep_until(cut_at + 180s);
  EXPECT_EQ(http.connections_while_cut(), attempts_at_30s) << "download attempts while the MQTT link was down";
  EXPECT_LE(attempts_at_30s, 4u) << "attempts before the agent saw the link go down";
  EXPECT_EQ(execution_status("outage-1"), "IN_PROGRESS");
  EXPECT_FALSE(agent.ended()) << read_text(log1);
  const std::string during = read_text(log1);
  EXPECT_EQ(during.find("ERROR"), std::string::npos) << during;

  // The link is back: the download resumes where it stopped and the agent asks for the reboot.
  http.restore();
  mqtt.restore();
  EXPECT_EQ(agent.wait(120s), std::optional<int>(0)) << read_text(log1);
  const std::string first = read_text(log1);
  EXPECT_NE(first.find("job outage-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job outage-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_EQ(first.find("START resumed"), std::string::npos) << "the job never restarted: " << first;
  // What crossed the wire from the file server, TLS and HTTP headers included.
  EXPECT_LE(http.downstream_bytes(), kSize * 105 / 100) << "bytes fetched for a file of " << kSize;
  EXPECT_GE(http.downstream_bytes(), kSize);
  RecordProperty("file_bytes", std::to_string(kSize));
  RecordProperty("wire_bytes", std::to_string(http.downstream_bytes()));
  RecordProperty("download_connections", std::to_string(http.connections()));
  RecordProperty("download_attempts_during_cut", std::to_string(attempts_at_30s));

  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"}, 60s);
  EXPECT_NE(second.find("job outage-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("outage-1"), "SUCCEEDED");
  EXPECT_TRUE(slot_holds(dfu::Slot::B, image));
}

}  // namespace
}  // namespace awsfota::e2e
