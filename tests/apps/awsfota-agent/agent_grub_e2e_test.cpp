// The real awsfota-agent with `boot.backend: "grub"` against the local stack (Mosquitto, awsfota-jobsd,
// nginx over HTTPS). Every reboot is the real GRUB (grub-emu running the shipped
// packaging/grub/awsfota.cfg, tests/adapters/grub/grub_emu.hpp) choosing the slot from the grubenv
// the agent wrote; the agent then starts with the command line GRUB printed as its cmdline-file.
#include <gtest/gtest.h>
#include <signal.h>

#include "adapters/grub/grub_emu.hpp"
#include "e2e/e2e_fixture.hpp"

namespace awsfota::e2e {
namespace {

using dfu::Slot;
using nlohmann::json;
using namespace std::chrono_literals;

class AgentGrubE2E : public E2ETest {
 protected:
  void SetUp() override {
    ASSERT_EQ(machine.setup_error(), "");
    start_stack();
    start_nginx({.http = false, .https = true});
  }

  json config() {
    json c = E2ETest::config();
    c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
    c["boot"] = {{"backend", "grub"},
                 {"cmdline-file", machine.cmdline_file().string()},
                 {"grub", {{"env-file", machine.env_file().string()}}}};
    return c;
  }

  Slot grub_boot() {
    auto slot = machine.boot();
    EXPECT_TRUE(slot) << slot.error();
    return slot ? *slot : Slot::A;
  }

  // The agent's start in this boot, stopped once it runs: what it logged.
  std::string start_and_stop(const fs::path& cfg, const std::string& log_name) {
    const fs::path log = dir.path() / log_name;
    Agent agent(cfg, log);
    EXPECT_TRUE(wait_for_text(log, "awsfota-agent: thing", 20s)) << read_text(log);
    agent.signal(SIGTERM);
    EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log);
    return read_text(log);
  }

  testing::GrubEmuMachine machine{dir.path() / "device"};
};

TEST_F(AgentGrubE2E, GrubBootsTheTrialTheAgentConfirmsItAndGrubKeepsBootingB) {
  const auto image = make_image({1, 0, 1, 0}, 200 * 1024, 21);
  create_job("grub-1", document_for(image, "app-grub.bin", "v1.0.1"));
  const auto cfg = write_config(config());

  ASSERT_EQ(grub_boot(), Slot::A);
  const std::string first = E2ETest::run_to_exit(cfg, "agent-1.log", {});
  EXPECT_NE(first.find("boot: running slot A"), std::string::npos) << first;
  EXPECT_NE(first.find("job grub-1: REBOOT_REQUESTED"), std::string::npos) << first;

  ASSERT_EQ(grub_boot(), Slot::B) << machine.last_output();
  const std::string second = E2ETest::run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("job grub-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("grub-1"), "SUCCEEDED");
  EXPECT_TRUE(slot_holds(Slot::B, image));

  for (int boot = 3; boot <= 4; ++boot) {
    ASSERT_EQ(grub_boot(), Slot::B) << "boot " << boot << ":\n" << machine.last_output();
    const std::string text = start_and_stop(cfg, "agent-" + std::to_string(boot) + ".log");
    EXPECT_NE(text.find("running v1.0.1"), std::string::npos) << text;
  }
  EXPECT_FALSE(boot_record()) << "the file boot record is not used with GRUB";
}

TEST_F(AgentGrubE2E, NewImageThatNeverComesUpFallsBackInGrubAndTheJobEndsRolledBack) {
  const auto image = make_image({1, 0, 1, 0}, 200 * 1024, 22);
  create_job("grub-2", document_for(image, "app-hangs.bin", "v1.0.1"));
  const auto cfg = write_config(config());

  ASSERT_EQ(grub_boot(), Slot::A);
  (void)E2ETest::run_to_exit(cfg, "agent-1.log", {});
  ASSERT_EQ(grub_boot(), Slot::B);  // the new image hangs before the agent starts: nothing runs on B
  ASSERT_EQ(grub_boot(), Slot::A) << "GRUB skips the slot it tried:\n" << machine.last_output();
  const std::string back = E2ETest::run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(back.find("boot: running slot A, reverted from an unconfirmed trial of slot B"), std::string::npos) << back;
  const json ended = execution("grub-2");
  EXPECT_EQ(ended["status"], "FAILED") << ended.dump();
  EXPECT_EQ(ended["statusDetails"]["detailsMap"]["cause"], "ROLLED_BACK") << ended.dump();
  EXPECT_EQ(grub_boot(), Slot::A);
}

TEST_F(AgentGrubE2E, FailedSelfTestRejectsTheTrialAndGrubBootsABack) {
  const auto image = make_image({1, 0, 1, 0}, 200 * 1024, 23);
  create_job("grub-3", document_for(image, "app-bad.bin", "v1.0.1"));
  json c = config();
  c["self-test"]["command"] = "echo 'no sensor' >&2; exit 3";
  const auto cfg = write_config(c);

  ASSERT_EQ(grub_boot(), Slot::A);
  (void)E2ETest::run_to_exit(cfg, "agent-1.log", {});
  ASSERT_EQ(grub_boot(), Slot::B);
  const std::string trial = E2ETest::run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(trial.find("job grub-3: ERROR SELF_TEST_FAILED"), std::string::npos) << trial;
  EXPECT_NE(trial.find("job grub-3: REBOOT_REQUESTED rebooting back to the previous image"), std::string::npos) << trial;
  EXPECT_EQ(execution_status("grub-3"), "FAILED");

  ASSERT_EQ(grub_boot(), Slot::A) << "B was marked bad:\n" << machine.last_output();
  const std::string back = start_and_stop(cfg, "agent-3.log");
  EXPECT_NE(back.find("boot: running slot A, reverted from an unconfirmed trial of slot B"), std::string::npos) << back;
  EXPECT_NE(back.find("running v1.0.0"), std::string::npos) << back;
  EXPECT_EQ(grub_boot(), Slot::A);
}

}  // namespace
}  // namespace awsfota::e2e
