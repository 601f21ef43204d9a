// RAUC end to end: the real awsfota-agent on a device whose updates RAUC installs. The local stack
// (Mosquitto, awsfota-jobsd), nginx over HTTPS, the real `rauc service` on a private bus (RaucSystem),
// and jobs created by the operator's `awsfota job create --image BUNDLE`. The agent's reboot is its
// exit; the test's reboot is RAUC's service started again from the slot the bootloader would pick.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <random>
#include <thread>

#include "e2e/e2e_fixture.hpp"
#include "support/build_paths.hpp"
#include "support/rauc_system.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class RaucAgentE2E : public E2ETest {
 protected:
  void SetUp() override {
    start_stack();
    start_nginx({.http = false, .https = true});
    auto started = awsfota::testing::RaucSystem::start(dir.path() / "rauc");
    ASSERT_TRUE(started) << started.error();
    rauc = std::move(*started);
  }

  Bytes random_bytes(std::size_t n, unsigned seed) {
    Bytes out(n);
    std::mt19937 rng(seed);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  }

  // `awsfota job create` as an operator runs it, against awsfota-jobsd's control plane.
  void create_job_with_cli(const std::string& id, const fs::path& bundle) {
    const std::string file = id + ".raucb";
    fs::copy_file(bundle, dir.path() / "files" / file, fs::copy_options::overwrite_existing);
    auto run = awsfota::testing::run_program(
        {(awsfota::testing::bin_dir() / "awsfota").string(), "job", "create", id, "--thing", kThing, "--account",
         "000000000000", "--image", bundle.string(), "--url", nginx->https_url(file), "--endpoint-url",
         "http://127.0.0.1:" + std::to_string(stack->http_port())},
        {.env = stack->aws_env()});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }

  json document_of(const std::string& id) {
    auto r = stack->rest("GET", "/jobs/" + id + "/job-document");
    return json::parse(r.body["document"].get<std::string>());
  }

  json config() {
    json c = E2ETest::config();
    c.erase("slots");
    c["running-version"] = "1.0.0";
    c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
    c["rauc"] = {{"bus", rauc->bus_address()},
                 {"staging", (dir.path() / "state" / "bundle.raucb").string()},
                 {"staging-size", 8 << 20}};
    return c;
  }

  bool wait_until_held(std::chrono::milliseconds budget) {
    const auto end = std::chrono::steady_clock::now() + budget;
    while (!rauc->install_held()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  std::unique_ptr<awsfota::testing::RaucSystem> rauc;
};

TEST_F(RaucAgentE2E, BundleIsInstalledByRaucAndSucceedsOnlyAfterMarkGoodOnTheNewSlot) {
  const Bytes image = random_bytes(256 * 1024, 11);
  auto bundle = rauc->make_bundle("v2", image, {.version = "2.0.0"});
  ASSERT_TRUE(bundle) << bundle.error();
  create_job_with_cli("rauc-1", *bundle);
  const json document = document_of("rauc-1");
  EXPECT_EQ(document["operation"], "rauc_bundle") << document.dump();
  EXPECT_EQ(document["fwversion"], "2.0.0") << document.dump();
  EXPECT_EQ(document["size"], fs::file_size(*bundle)) << document.dump();
  const auto cfg = write_config(config());

  // First run: download, RAUC installs into slot B, reboot requested.
  const std::string first = run_to_exit(cfg, "agent-1.log", {});
  EXPECT_NE(first.find("boot: running slot A"), std::string::npos) << first;
  EXPECT_NE(first.find("job rauc-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job rauc-1: INSTALL_PROGRESS 100% Installing done."), std::string::npos) << first;
  EXPECT_NE(first.find("job rauc-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_EQ(execution_status("rauc-1"), "IN_PROGRESS");
  EXPECT_EQ(read_text(rauc->slot_file("B")).substr(0, image.size()),
            std::string(reinterpret_cast<const char*>(image.data()), image.size()));
  EXPECT_EQ(rauc->primary(), "B");

  // The reboot: the bootloader starts B; the self-test passes; Mark good; SUCCEEDED.
  ASSERT_TRUE(rauc->reboot());
  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("self-test: passed"), std::string::npos) << second;
  EXPECT_NE(second.find("job rauc-1: CONFIRMED"), std::string::npos) << second;
  EXPECT_NE(second.find("job rauc-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("rauc-1"), "SUCCEEDED");
  EXPECT_EQ(rauc->slot_state("B"), "good");
}

TEST_F(RaucAgentE2E, BundleOfAnotherCaIsRefusedWithRaucsWordsAndTheNextJobIsTaken) {
  awsfota::testing::TempDir other_dir("rauc-e2e-other");
  auto other = awsfota::testing::Pki::create(other_dir.path(), "not the device's CA");
  ASSERT_TRUE(other) << other.error();
  auto foreign = rauc->make_bundle("foreign", random_bytes(64 * 1024, 12), {.signer = &*other});
  ASSERT_TRUE(foreign) << foreign.error();
  create_job_with_cli("rauc-bad", *foreign);
  const auto cfg = write_config(config());

  const std::string log = run_to_exit(cfg, "agent-1.log", {"--once"});
  EXPECT_NE(log.find("job rauc-bad: ERROR SIGNATURE_INVALID"), std::string::npos) << log;
  auto e = execution("rauc-bad");
  EXPECT_EQ(e["status"], "FAILED") << e.dump();
  EXPECT_EQ(e["statusDetails"]["detailsMap"]["cause"], "SIGNATURE_INVALID") << e.dump();
  const std::string reason = e["statusDetails"]["detailsMap"]["reason"].get<std::string>();
  EXPECT_NE(reason.find("RAUC: signature verification failed"), std::string::npos) << reason;
  EXPECT_EQ(rauc->primary(), "A");

  // The next job is taken and installed.
  auto good = rauc->make_bundle("next", random_bytes(32 * 1024, 13), {.version = "2.0.1"});
  ASSERT_TRUE(good) << good.error();
  create_job_with_cli("rauc-next", *good);
  const std::string next = run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(next.find("job rauc-next: REBOOT_REQUESTED"), std::string::npos) << next;
  EXPECT_EQ(rauc->primary(), "B");
}

// A cut during RAUC's install (the agent killed while RAUC writes the slot): the next start verifies
// the staged bundle again, waits for the install RAUC still runs, installs once more, and goes on.
TEST_F(RaucAgentE2E, AgentKilledDuringTheInstallInstallsAgainFromTheStagedBundle) {
  ASSERT_TRUE(rauc->hold_installs());
  const Bytes image = random_bytes(128 * 1024, 14);
  auto bundle = rauc->make_bundle("cut", image, {.version = "2.0.0"});
  ASSERT_TRUE(bundle) << bundle.error();
  create_job_with_cli("rauc-cut", *bundle);
  const auto cfg = write_config(config());
  {
    Agent agent(cfg, dir.path() / "agent-1.log");
    ASSERT_TRUE(wait_for_text(dir.path() / "agent-1.log", "job rauc-cut: INSTALL_PROGRESS", 30s))
        << read_text(dir.path() / "agent-1.log");
    ASSERT_TRUE(wait_until_held(20s));
    agent.signal(SIGKILL);
    EXPECT_EQ(agent.wait(10s), std::optional<int>(-SIGKILL));
  }
  EXPECT_EQ(execution_status("rauc-cut"), "IN_PROGRESS");
  rauc->release_installs();
  const std::string second = run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(second.find("job rauc-cut: START resumed"), std::string::npos) << second;
  EXPECT_EQ(second.find("DL_PROGRESS 0%"), std::string::npos) << "nothing is downloaded again:\n" << second;
  EXPECT_NE(second.find("job rauc-cut: REBOOT_REQUESTED"), std::string::npos) << second;
  EXPECT_EQ(read_text(rauc->slot_file("B")).substr(0, image.size()),
            std::string(reinterpret_cast<const char*>(image.data()), image.size()));
  EXPECT_EQ(rauc->primary(), "B");
}

// RAUC not running when a job comes: FAILED with a sentence that says so; once RAUC is back the
// agent takes the next job.
TEST_F(RaucAgentE2E, RaucServiceNotRunningFailsTheJobAndTheNextJobIsTaken) {
  const auto cfg = write_config(config());
  Agent agent(cfg, dir.path() / "agent-1.log");
  ASSERT_TRUE(wait_for_text(dir.path() / "agent-1.log", "boot: running slot A", 20s)) << read_text(dir.path() / "agent-1.log");
  rauc->stop_service();
  auto first = rauc->make_bundle("unheard", random_bytes(32 * 1024, 15), {.version = "2.0.0"});
  ASSERT_TRUE(first) << first.error();
  create_job_with_cli("rauc-down", *first);
  ASSERT_TRUE(wait_for_text(dir.path() / "agent-1.log", "job rauc-down: ERROR", 30s)) << read_text(dir.path() / "agent-1.log");
  auto e = execution("rauc-down");
  for (int i = 0; i < 50 && e["status"] != "FAILED"; ++i) {
    std::this_thread::sleep_for(100ms);
    e = execution("rauc-down");
  }
  EXPECT_EQ(e["status"], "FAILED") << e.dump();
  EXPECT_EQ(e["statusDetails"]["detailsMap"]["cause"], "DFU") << e.dump();
  const std::string reason = e["statusDetails"]["detailsMap"]["reason"].get<std::string>();
  EXPECT_NE(reason.find("the RAUC service (de.pengutronix.rauc) is not running"), std::string::npos) << reason;

  ASSERT_TRUE(rauc->start_service());
  auto next = rauc->make_bundle("back", random_bytes(32 * 1024, 16), {.version = "2.0.1"});
  ASSERT_TRUE(next) << next.error();
  create_job_with_cli("rauc-back", *next);
  EXPECT_EQ(agent.wait(60s), std::optional<int>(0)) << read_text(dir.path() / "agent-1.log");
  EXPECT_NE(read_text(dir.path() / "agent-1.log").find("job rauc-back: REBOOT_REQUESTED"), std::string::npos);
  EXPECT_EQ(rauc->primary(), "B");
}

}  // namespace
}  // namespace awsfota::e2e
