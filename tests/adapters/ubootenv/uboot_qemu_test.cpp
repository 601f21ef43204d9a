// The U-Boot boot control against the real U-Boot (Debian's u-boot-qemu for qemu_arm64, under
// qemu-system-aarch64): awsfota writes the environment through libubootenv, U-Boot runs the shipped
// boot.cmd and decides, and the slot it chose is what the kernel command line then says. No model of
// the bootloader: every slot below was printed by U-Boot itself.
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/ubootenv/uboot_board.hpp"
#include "awsfota/adapters/ubootenv/uboot_boot_control.hpp"
#include "support/process.hpp"

namespace awsfota::ubootenv {
namespace {

namespace fs = std::filesystem;
using awsfota::testing::UBootBoard;
using dfu::BootState;
using dfu::Slot;

std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class UBootQemu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto missing = UBootBoard::missing_tools(); !missing.empty()) GTEST_SKIP() << "missing:" << missing << " (scripts/setup)";
    // A board running slot A, confirmed, as awsfota leaves it.
    board_ = std::make_unique<UBootBoard>(dir_.path() / "board",
                                          std::map<std::string, std::string>{{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "3"}, {"BOOT_B_LEFT", "0"}});
    ASSERT_EQ(board_->error(), "");
    ASSERT_EQ(power_on(), "A");
    agent_starts();
  }

  // Power on: U-Boot chooses; the kernel would be told `rauc.slot=<slot>`. `persist`: store what the
  // script saved (see uboot_board.hpp); not after U-Boot fell back to its built-in environment.
  std::string power_on(bool persist = true) {
    auto boot = board_->boot(std::chrono::seconds(30), persist);
    if (!boot) {
      ADD_FAILURE() << boot.error();
      return "";
    }
    std::ofstream(dir_.path() / "cmdline", std::ios::trunc) << "console=ttyAMA0 rootwait rauc.slot=" << boot->slot << "\n";
    boots_.push_back(boot->took);
    return boot->slot;
  }

  // The agent's start on a confirmed slot: it gives back the attempt the script took.
  void agent_starts() {
    auto s = boot().status();
    ASSERT_TRUE(s) << s.error().reason;
    if (s->state == BootState::Confirmed) {
      ASSERT_TRUE(boot().confirm());
    }
  }

  UBootBootControl& boot() {
    if (!control_) {
      control_ = std::make_unique<UBootBootControl>(
          UBootOptions{.fw_env_config = board_->fw_env_config(), .cmdline_file = dir_.path() / "cmdline"});
    }
    return *control_;
  }

  void TearDown() override {
    for (auto took : boots_) RecordProperty("qemu_boot_ms", std::to_string(took.count()));
  }

  awsfota::testing::TempDir dir_{"uboot-qemu"};
  std::unique_ptr<UBootBoard> board_;
  std::unique_ptr<UBootBootControl> control_;
  std::vector<std::chrono::milliseconds> boots_;
};

TEST(UBootScript, TheTestRunsTheShippedSlotChoiceByteForByte) {
  const std::string shipped = text_of(UBootBoard::shipped_script());
  auto test = UBootBoard::test_script(shipped);
  ASSERT_TRUE(test) << test.error();
  const auto tail = shipped.find("# ==== boot the chosen slot");
  EXPECT_EQ(test->substr(0, tail), shipped.substr(0, tail));
  EXPECT_NE(shipped.find("saveenv"), std::string::npos);
  EXPECT_LT(shipped.find("saveenv"), tail) << "the attempt must be saved before the kernel starts";
  EXPECT_NE(shipped.find("rauc.slot=${awsfota_slot}", tail), std::string::npos);
  EXPECT_NE(shipped.find("booti", tail), std::string::npos);
  EXPECT_EQ(test->find("booti"), std::string::npos);
}

TEST_F(UBootQemu, TrialOfBBootsBThenConfirmedBootsBEveryTime) {
  ASSERT_TRUE(boot().request_trial(Slot::B));
  ASSERT_EQ(power_on(), "B");
  auto s = boot().status();
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(s->state, BootState::Trial);
  ASSERT_TRUE(boot().confirm());
  // Later boots: B each time, even three in a row where nothing marks it good.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(power_on(), "B") << "boot " << i;
  agent_starts();
  EXPECT_EQ(power_on(), "B");
  EXPECT_EQ(boot().status()->state, BootState::Confirmed);
}

TEST_F(UBootQemu, SelfTestFailsRevertAndUBootBootsA) {
  ASSERT_TRUE(boot().request_trial(Slot::B));
  ASSERT_EQ(power_on(), "B");
  ASSERT_TRUE(boot().revert());
  EXPECT_EQ(boot().status()->state, BootState::RevertPending);
  ASSERT_EQ(power_on(), "A");
  auto s = boot().status();
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(s->state, BootState::Confirmed);
  EXPECT_EQ(s->reverted_from, Slot::B);
  ASSERT_TRUE(boot().acknowledge_revert());
  EXPECT_EQ(boot().status()->reverted_from, std::nullopt);
  EXPECT_EQ(power_on(), "A");
}

TEST_F(UBootQemu, TrialThatNeverConfirmsFallsBackToAAndIsReportedReverted) {
  ASSERT_TRUE(boot().request_trial(Slot::B));
  ASSERT_EQ(power_on(), "B");  // the new image hangs: nothing runs on B, the watchdog resets
  ASSERT_EQ(power_on(), "A");
  auto s = boot().status();
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(s->state, BootState::Confirmed);
  EXPECT_EQ(s->reverted_from, Slot::B);
  EXPECT_TRUE(s->reverted_this_boot);
  agent_starts();  // A marked good; the revert still waits to be reported
  EXPECT_EQ(boot().status()->reverted_from, Slot::B);
  EXPECT_EQ(power_on(), "A");
  EXPECT_EQ(power_on(), "A");
}

// A power cut while awsfota stores request_trial: the flash holds the old block, an erased block (the
// sector erase done, the write not begun), a block whose variables are half written, or the new one. qemu_arm64's U-Boot
// keeps ONE copy, so the middle two have no valid CRC: U-Boot takes its built-in environment, distro
// boot still finds boot.scr, and the script starts slot A. Every cut boots a slot.
TEST_F(UBootQemu, APowerCutDuringTheEnvironmentWriteStillBootsASlot) {
  const std::size_t kEnv = 0x40000;
  auto block = [&] {
    std::ifstream in(board_->flash(), std::ios::binary);
    std::string b(kEnv, '\0');
    in.read(b.data(), static_cast<std::streamsize>(b.size()));
    return b;
  };
  auto put = [&](const std::string& b) {
    std::fstream out(board_->flash(), std::ios::binary | std::ios::in | std::ios::out);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  };
  const std::string before = block();
  ASSERT_TRUE(boot().request_trial(Slot::B));
  const std::string after = block();
  // Where the variables end ("\0\0"); the rest of the block is padding a torn write may not change.
  const std::size_t data_end = after.find(std::string(2, '\0'), 4);
  ASSERT_NE(data_end, std::string::npos);
  const std::vector<std::pair<std::string, std::string>> cuts{
      {"before the write", before},
      {"after the erase", std::string(kEnv, '\xff')},
      {"half written", after.substr(0, data_end / 2) + std::string(kEnv - data_end / 2, '\xff')},
      {"after the write", after},
  };
  for (const auto& [when, flash] : cuts) {
    put(flash);
    const std::string slot = power_on(false);
    EXPECT_TRUE(slot == "A" || slot == "B") << when;
    EXPECT_EQ(slot, when == "after the write" ? "B" : "A") << when;
  }
}

}  // namespace
}  // namespace awsfota::ubootenv
