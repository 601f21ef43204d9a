// Whole jobs through the real awsfota-agent with `boot.backend: uboot` against the local stack, where
// every reboot is the real U-Boot (qemu_arm64 under QEMU) running the shipped boot.cmd on the
// environment the agent wrote through libubootenv; the slot U-Boot prints goes into the agent's
// command-line file (rauc.slot=), and the agent starts again: that start is the booted system.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "adapters/ubootenv/uboot_board.hpp"
#include "e2e/e2e_fixture.hpp"

namespace awsfota::e2e {
namespace {

using awsfota::testing::UBootBoard;
using nlohmann::json;
using namespace std::chrono_literals;

class UBootAgentE2E : public E2ETest {
 protected:
  void SetUp() override {
    if (auto missing = UBootBoard::missing_tools(); !missing.empty()) GTEST_SKIP() << "missing:" << missing << " (scripts/setup)";
    start_stack();
    start_nginx({.http = false, .https = true});
    board_ = std::make_unique<UBootBoard>(dir.path() / "board", std::map<std::string, std::string>{
                                                                    {"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "3"}, {"BOOT_B_LEFT", "0"}});
    ASSERT_EQ(board_->error(), "");
    ASSERT_EQ(reboot(), "A");
  }

  // The device's reboot: U-Boot chooses the slot and tells the kernel.
  std::string reboot() {
    auto boot = board_->boot();
    if (!boot) {
      ADD_FAILURE() << boot.error();
      return "";
    }
    std::ofstream(dir.path() / "cmdline", std::ios::trunc) << "console=ttyAMA0 root=/dev/vda2 rauc.slot=" << boot->slot << "\n";
    return boot->slot;
  }

  json config() {
    json c = E2ETest::config();
    c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
    c["boot"] = {{"backend", "uboot"},
                 {"cmdline-file", (dir.path() / "cmdline").string()},
                 {"uboot", {{"fw-env-config", board_->fw_env_config().string()}}}};
    return c;
  }

  void create_job(const std::string& id, const Bytes& image, const std::string& file) {
    E2ETest::create_job(id, document_at(image, file, "v1.0.1", nginx->https_url(file)));
  }

  std::string var(const std::string& name) {
    return awsfota::testing::read_uboot_var(board_->fw_env_config(), name).value_or("<unset>");
  }

  std::unique_ptr<UBootBoard> board_;
};

TEST_F(UBootAgentE2E, UpdateBootsBOnTrialConfirmsAndEndsSucceeded) {
  const auto image = make_image({1, 0, 1, 0}, 200 * 1024, 21);
  create_job("ub-ok", image, "ub-ok.bin");
  const auto cfg = write_config(config());

  const std::string first = run_to_exit(cfg, "agent-1.log", {});
  EXPECT_NE(first.find("boot: running slot A (started by U-Boot)"), std::string::npos) << first;
  EXPECT_NE(first.find("job ub-ok: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_EQ(var("BOOT_ORDER"), "B A");
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "B");

  ASSERT_EQ(reboot(), "B");
  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial (self-test, then confirm) (started by U-Boot)"), std::string::npos) << second;
  EXPECT_NE(second.find("self-test: passed"), std::string::npos) << second;
  EXPECT_NE(second.find("job ub-ok: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("ub-ok"), "SUCCEEDED");
  EXPECT_EQ(var("BOOT_ORDER"), "B");
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "<unset>");
  EXPECT_TRUE(slot_holds(dfu::Slot::B, image));

  EXPECT_EQ(reboot(), "B");
  EXPECT_EQ(reboot(), "B");
}

TEST_F(UBootAgentE2E, FailedSelfTestRevertsAndUBootBootsABack) {
  const auto image = make_image({1, 0, 1, 0}, 100 * 1024, 22);
  create_job("ub-bad", image, "ub-bad.bin");
  json c = config();
  c["self-test"]["command"] = "echo 'sensor missing' >&2; exit 4";
  const auto cfg = write_config(c);

  (void)run_to_exit(cfg, "agent-1.log", {});
  ASSERT_EQ(reboot(), "B");
  const std::string trial = run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(trial.find("job ub-bad: ERROR SELF_TEST_FAILED"), std::string::npos) << trial;
  EXPECT_NE(trial.find("REBOOT_REQUESTED rebooting back to the previous image"), std::string::npos) << trial;
  EXPECT_EQ(execution_status("ub-bad"), "FAILED");
  EXPECT_EQ(var("BOOT_ORDER"), "A");

  ASSERT_EQ(reboot(), "A");
  const fs::path log3 = dir.path() / "agent-3.log";
  Agent agent(cfg, log3);
  EXPECT_TRUE(wait_for_text(log3, "running v1.0.0", 20s)) << read_text(log3);
  EXPECT_NE(read_text(log3).find("boot: running slot A"), std::string::npos) << read_text(log3);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log3);
  EXPECT_EQ(execution_status("ub-bad"), "FAILED");
}

TEST_F(UBootAgentE2E, NewImageThatNeverStartsFallsBackAndTheAgentOnAReportsRolledBack) {
  const auto image = make_image({1, 0, 1, 0}, 100 * 1024, 23);
  create_job("ub-hang", image, "ub-hang.bin");
  const auto cfg = write_config(config());

  (void)run_to_exit(cfg, "agent-1.log", {});
  ASSERT_EQ(reboot(), "B");  // the new kernel hangs: no agent on B, the watchdog resets the board
  ASSERT_EQ(reboot(), "A");  // B's one attempt is spent: U-Boot falls back on its own
  const std::string back = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(back.find("boot: running slot A, reverted from an unconfirmed trial of slot B (started by U-Boot)"), std::string::npos) << back;
  EXPECT_NE(back.find("job ub-hang: ROLLED_BACK"), std::string::npos) << back;
  const auto e = execution("ub-hang");
  EXPECT_EQ(e["status"], "FAILED") << e.dump();
  EXPECT_EQ(e["statusDetails"]["detailsMap"]["cause"], "ROLLED_BACK") << e.dump();
  EXPECT_EQ(var("BOOT_ORDER"), "A");
  EXPECT_EQ(var("BOOT_A_LEFT"), "3") << "the agent on A gives back the attempt the script took";
  // The note stays until the next job is claimed (as the file boot record keeps reverted_from).
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "B");
  EXPECT_EQ(reboot(), "A");
}

}  // namespace
}  // namespace awsfota::e2e
