// The real awsfota-agent program against real servers on 127.0.0.1: Mosquitto with TLS, client
// certificates and the per-thing ACL, the awsfota-jobsd Jobs service (both from the jobsd tests'
// LocalStack), and nginx serving the image over HTTPS. The reboot command is empty, so the agent exits
// when it asks for a reboot and the test starts it again: that start is the device's next boot.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/store/checkpoint_store.hpp"
#include "e2e/e2e_fixture.hpp"
#include "support/fault_server.hpp"
#include "support/outage_proxy.hpp"

namespace awsfota::e2e {
namespace {

using awsfota::testing::CertUsage;
using awsfota::testing::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

// The end-to-end fixture (tests/e2e/e2e_fixture.hpp) with the stack up, nginx over HTTPS only when a
// test asks for it, and a self-test that passes on slot B only (the new image's slot).
class AgentE2E : public E2ETest {
 protected:
  void SetUp() override { start_stack(); }

  void start_https(const std::string& extra_server_config = "") {
    start_nginx({.http = false, .https = true, .extra_server_config = extra_server_config});
  }

  json config() {
    json c = E2ETest::config();
    c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
    c["progress"]["min-percent"] = 10;
    return c;
  }

  void create_job(const std::string& id, const Bytes& image, const std::string& file, const std::string& url = "") {
    E2ETest::create_job(id, document_at(image, file, "v1.0.1", url.empty() ? nginx->https_url(file) : url));
  }

  std::string run_to_exit(const fs::path& config_file, const std::string& log_name, std::vector<std::string> extra = {},
                          int expected_status = 0) {
    return E2ETest::run_to_exit(config_file, log_name, std::move(extra), 60s, expected_status);
  }

  void interrupt_and_resume(int sig);
};

TEST_F(AgentE2E, FullUpdateOverHttpsBootsOnTrialPassesSelfTestAndEndsSucceeded) {
  start_https();
  const auto image = make_image({1, 0, 1, 0}, 300 * 1024, 2);
  create_job("full-1", image, "app-v1.0.1.bin");
  const auto cfg = write_config(config());

  // First run: download, verify, trial scheduled, reboot requested: the agent exits.
  const std::string first = run_to_exit(cfg, "agent-1.log");
  EXPECT_NE(first.find("running v1.0.0"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: START"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_NE(first.find("reboot: no reboot command configured"), std::string::npos) << first;
  EXPECT_EQ(execution_status("full-1"), "IN_PROGRESS");

  // Second run is the reboot: the boot step starts slot B on trial, the self-test passes, confirm.
  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("self-test: passed"), std::string::npos) << second;
  EXPECT_NE(second.find("job full-1: CONFIRMED"), std::string::npos) << second;
  EXPECT_NE(second.find("job full-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("full-1"), "SUCCEEDED");

  // Slot B holds the image and is now the confirmed slot.
  EXPECT_TRUE(slot_holds(dfu::Slot::B, image));
  auto record = boot_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->confirmed, awsfota::dfu::Slot::B);
  EXPECT_FALSE(record->trial.has_value());
}

// With no self-test command the trial is confirmed only by the health check: the new image's MQTT
// session is up and the service has its report on the job. Here the network is down for the first
// seconds of the trial boot: nothing is confirmed until it is back.
TEST_F(AgentE2E, WithoutASelfTestCommandTheTrialIsConfirmedOnlyOnceTheJobIsReadOverMqtt) {
  start_https();
  const auto image = make_image({1, 0, 1, 0}, 200 * 1024, 4);
  create_job("health-1", image, "app-health.bin");
  awsfota::testing::OutageProxy broker(stack->mqtt_port());
  ASSERT_TRUE(broker.started());
  json c = config();
  c["self-test"].erase("command");
  c["port"] = broker.port();
  const auto cfg = write_config(c);
  const std::string first = run_to_exit(cfg, "agent-1.log");
  ASSERT_NE(first.find("job health-1: REBOOT_REQUESTED"), std::string::npos) << first;

  broker.cut();  // the trial boot starts without a network
  const fs::path log2 = dir.path() / "agent-2.log";
  Agent agent(cfg, log2, {"--once"});
  ASSERT_TRUE(wait_for_text(log2, "health check: waiting for the MQTT session and the job's status", 20s)) << read_text(log2);
  std::this_thread::sleep_for(5s);
  const std::string waiting = read_text(log2);
  EXPECT_EQ(waiting.find("confirming the new image"), std::string::npos) << waiting;
  auto record = boot_record();
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->trial.has_value()) << "confirmed without a network";
  EXPECT_EQ(execution_status("health-1"), "IN_PROGRESS");

  broker.restore();
  EXPECT_EQ(agent.wait(60s), std::optional<int>(0)) << read_text(log2);
  const std::string second = read_text(log2);
  EXPECT_NE(second.find("self-test: health check passed (MQTT session up, job IN_PROGRESS); confirming the new image"),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("job health-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("health-1"), "SUCCEEDED");
  record = boot_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->confirmed, awsfota::dfu::Slot::B);
}

// Stops the agent with `sig` in the middle of a 2 MiB download (nginx sends 512 KiB/s), then checks
// that the next start resumes from the committed bytes and the job still ends SUCCEEDED.
void AgentE2E::interrupt_and_resume(int sig) {
  start_https("    limit_rate 512k;\n");
  const auto image = make_image({1, 0, 1, 0}, 2 << 20, 3);
  create_job("resume-1", image, "app-big.bin");
  const auto cfg = write_config(config());

  const fs::path log1 = dir.path() / "agent-1.log";
  {
    Agent agent(cfg, log1);
    ASSERT_TRUE(wait_for_progress(log1, 20, 30s)) << read_text(log1);
    agent.signal(sig);
    EXPECT_EQ(agent.wait(20s), std::optional<int>(sig == SIGKILL ? -SIGKILL : 0)) << read_text(log1);
  }
  const std::string first = read_text(log1);
  if (sig == SIGTERM) {
    EXPECT_NE(first.find("stopping (SIGTERM)"), std::string::npos) << first;
  }
  EXPECT_EQ(first.find("DL_PROGRESS 100%"), std::string::npos) << "the download should not have finished: " << first;
  // DL_PROGRESS follows the bytes received; the checkpoint holds the durable ones, at most one commit
  // interval behind.
  const auto before = progress_of(first);
  ASSERT_FALSE(before.empty());
  auto saved = store::FileCheckpointStore(dir.path() / "state" / "checkpoint").load();
  ASSERT_TRUE(saved && *saved) << "no checkpoint after the first run";
  const auto& cp = **saved;
  ASSERT_GT(cp.committed_offset, 0u) << "nothing durable after " << before.back() << " %";
  const int durable_percent = static_cast<int>(cp.committed_offset * 100 / cp.total);
  EXPECT_LE(durable_percent, before.back());

  // The next start resumes from the committed bytes, not from 0, and goes on to the reboot.
  const std::string second = run_to_exit(cfg, "agent-2.log");
  EXPECT_NE(second.find("job resume-1: START resumed"), std::string::npos) << second;
  const auto after = progress_of(second);
  ASSERT_FALSE(after.empty()) << second;
  EXPECT_GE(after.front(), durable_percent) << "the second run did not resume where the first stopped: " << second;
  EXPECT_EQ(after.back(), 100) << second;
  EXPECT_NE(second.find("job resume-1: REBOOT_REQUESTED"), std::string::npos) << second;

  const std::string third = run_to_exit(cfg, "agent-3.log", {"--once"});
  EXPECT_NE(third.find("job resume-1: DONE SUCCEEDED"), std::string::npos) << third;
  EXPECT_EQ(execution_status("resume-1"), "SUCCEEDED");
}

TEST_F(AgentE2E, SigtermMidDownloadKeepsTheCheckpointAndTheNextStartResumes) { interrupt_and_resume(SIGTERM); }

TEST_F(AgentE2E, SigkillMidDownloadIsSurvivedAndTheNextStartResumes) { interrupt_and_resume(SIGKILL); }

TEST_F(AgentE2E, FailedSelfTestReportsFailedAndTheNextBootGoesBackToTheOldImage) {
  start_https();
  const auto image = make_image({1, 0, 1, 0}, 100 * 1024, 4);
  create_job("bad-1", image, "app-bad.bin");
  json c = config();
  c["self-test"]["command"] = "echo 'the new image cannot reach its sensor' >&2; exit 3";
  const auto cfg = write_config(c);

  (void)run_to_exit(cfg, "agent-1.log");
  const std::string trial = run_to_exit(cfg, "agent-2.log");
  EXPECT_NE(trial.find("self-test: failed: command `"), std::string::npos) << trial;
  EXPECT_NE(trial.find("exited with status 3"), std::string::npos) << trial;
  EXPECT_NE(trial.find("job bad-1: ERROR SELF_TEST_FAILED"), std::string::npos) << trial;
  EXPECT_NE(trial.find("job bad-1: REBOOT_REQUESTED rebooting back to the previous image"), std::string::npos) << trial;
  auto execution = stack->rest("GET", "/things/" + kThing + "/jobs/bad-1").body["execution"];
  EXPECT_EQ(execution["status"], "FAILED") << execution.dump();
  EXPECT_EQ(execution["statusDetails"]["detailsMap"]["cause"], "SELF_TEST_FAILED") << execution.dump();
  EXPECT_EQ(execution["statusDetails"]["detailsMap"]["reason"],
            "self-test failed: command `echo 'the new image cannot reach its sensor' >&2; exit 3` exited with status 3")
      << execution.dump();

  // The next start is the reboot: slot A again, still v1.0.0.
  const fs::path log3 = dir.path() / "agent-3.log";
  Agent agent(cfg, log3);
  EXPECT_TRUE(wait_for_text(log3, "running v1.0.0", 20s)) << read_text(log3);
  EXPECT_NE(read_text(log3).find("boot: running slot A, reverted from an unconfirmed trial of slot B"), std::string::npos)
      << read_text(log3);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log3);

  // The boot after that says what it runs, no more: the revert was that boot's news.
  const fs::path log4 = dir.path() / "agent-4.log";
  Agent again(cfg, log4);
  EXPECT_TRUE(wait_for_text(log4, "running v1.0.0", 20s)) << read_text(log4);
  const std::string text4 = read_text(log4);
  const auto boot_line = text4.find("boot: running slot");
  ASSERT_NE(boot_line, std::string::npos) << text4;
  EXPECT_EQ(text4.substr(boot_line, text4.find('\n', boot_line) - boot_line), "boot: running slot A") << text4;
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(20s), std::optional<int>(0)) << text4;
}

// The reboot command fails and systemd starts the agent again within the same boot: that start must
// not run the trial (the new image would then be confirmed and SUCCEEDED reported without the reboot
// the update asked for). The trial waits, the agent asks for the reboot again, and only the real
// reboot (a new boot id) starts the new image.
TEST_F(AgentE2E, FailedRebootCommandLeavesTheTrialForARealReboot) {
  start_https();
  const auto image = make_image({1, 0, 1, 0}, 100 * 1024, 5);
  create_job("reboot-1", image, "app-reboot.bin");
  const fs::path boot_id = dir.path() / "boot-id";
  std::ofstream(boot_id) << "boot-1\n";
  json c = config();
  c["reboot"]["command"] = "echo 'reboot: not permitted' >&2; exit 1";
  c["boot"]["boot-id-file"] = boot_id.string();  // once per boot: the default with a reboot command
  const auto cfg = write_config(c);

  // An empty boot id cannot tell boots apart: a clear refusal, not "every start is a boot".
  std::ofstream(boot_id) << "\n";
  const std::string refused = run_to_exit(cfg, "agent-0.log", {}, 1);
  EXPECT_NE(refused.find("boot: " + boot_id.string() + ": boot id \"\" is not"), std::string::npos) << refused;
  std::ofstream(boot_id) << "boot-1\n";

  const std::string first = run_to_exit(cfg, "agent-1.log", {}, 1);
  EXPECT_NE(first.find("job reboot-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_NE(first.find("the trial waits for a real reboot"), std::string::npos) << first;

  // Restarted in the same boot: slot A still runs, nothing is on trial, the reboot is asked for again.
  const std::string second = run_to_exit(cfg, "agent-2.log", {}, 1);
  EXPECT_NE(second.find("boot: running slot A"), std::string::npos) << second;
  EXPECT_EQ(second.find("on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("job reboot-1: REBOOT_REQUESTED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("reboot-1"), "IN_PROGRESS");
  auto record = boot_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->trial, std::optional<dfu::Slot>(dfu::Slot::B));
  EXPECT_FALSE(record->trial_booted);

  // The real reboot: a new boot id, and the trial runs.
  std::ofstream(boot_id) << "boot-2\n";
  const std::string third = run_to_exit(cfg, "agent-3.log", {"--once"});
  EXPECT_NE(third.find("boot: running slot B on trial"), std::string::npos) << third;
  EXPECT_NE(third.find("job reboot-1: DONE SUCCEEDED"), std::string::npos) << third;
  EXPECT_EQ(execution_status("reboot-1"), "SUCCEEDED");
}

// The reference's download troubleshooting cases, as docs/troubleshooting.md quotes them.
TEST_F(AgentE2E, UnresolvableHostInTheJobDocumentFailsTheJobAsHostUnreachable) {
  create_job("nohost-1", make_image({1, 0, 1, 0}, 4096, 5), "x.bin", "https://no-such-host.invalid/x.bin");
  const std::string log = run_to_exit(write_config(config()), "agent.log", {"--once"});
  EXPECT_NE(log.find("job nohost-1: ERROR CONNECT_FAILED: host unreachable: the name \"no-such-host.invalid\" does not "
                     "resolve; check the URL in the job document"),
            std::string::npos)
      << log;
  EXPECT_EQ(execution_status("nohost-1"), "FAILED");
}

TEST_F(AgentE2E, ServerWithoutContentRangeFailsTheJobNamingTheRangeProblem) {
  auto server = awsfota::testing::FaultServer::start(dir.path() / "files", dir.path() / "fault");
  ASSERT_TRUE(server) << server.error();
  create_job("norange-1", make_image({1, 0, 1, 0}, 200 * 1024, 6), "app.bin", (*server)->url("no_content_range", "app.bin"));
  json c = config();
  c["download"]["fragment-size"] = 65536;  // every request carries a Range header
  const std::string log = run_to_exit(write_config(c), "agent.log", {"--once"});
  EXPECT_NE(log.find("job norange-1: ERROR DOWNLOAD_FAILED: the server answered 206 without a Content-Range header: it "
                     "does not answer Range requests as S3 does"),
            std::string::npos)
      << log;
  EXPECT_EQ(execution_status("norange-1"), "FAILED");
}

TEST_F(AgentE2E, CertificateFromAnotherCaIsReportedAsConnectionRefusedInPlainWords) {
  TempDir other("agent-other-ca");
  auto pki = awsfota::testing::Pki::create(other.path(), "another CA");
  ASSERT_TRUE(pki) << pki.error();
  auto stranger = pki->issue(kThing, {}, CertUsage::Client);
  ASSERT_TRUE(stranger) << stranger.error();
  json c = config();
  c["cert"] = stranger->cert.string();
  c["key"] = stranger->key.string();
  const fs::path log = dir.path() / "refused.log";
  Agent agent(write_config(c, "refused.json"), log);
  EXPECT_TRUE(wait_for_text(log, "connection refused: check the device certificate, its key, the root CA and the policy", 20s))
      << read_text(log);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log);
}

TEST_F(AgentE2E, NothingListeningAtTheEndpointIsReportedAsUnreachable) {
  json c = config();
  c["port"] = awsfota::testing::free_port();
  const fs::path log = dir.path() / "unreachable.log";
  Agent agent(write_config(c, "unreachable.json"), log);
  EXPECT_TRUE(wait_for_text(log, "endpoint unreachable: nothing answers at 127.0.0.1:", 20s)) << read_text(log);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log);
}

TEST_F(AgentE2E, BadConfigFailsAtStartNamingTheField) {
  json c = config();
  c["download"]["fragment-size"] = -1;
  const std::string log = run_to_exit(write_config(c, "bad.json"), "bad.log", {}, 78);
  EXPECT_NE(log.find("config: download.fragment-size: expected a positive integer, got -1"), std::string::npos) << log;
}

}  // namespace
}  // namespace awsfota::e2e
