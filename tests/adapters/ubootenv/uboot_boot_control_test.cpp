// UBootBootControl through the real libubootenv on environment files (one copy, and the redundant pair
// with its flag), the running slot from a command-line file: the calls' effects on the variables, the
// errors for a broken setup, and power cuts while the environment is written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include "adapters/ubootenv/uboot_board.hpp"
#include "awsfota/adapters/ubootenv/uboot_boot_control.hpp"
#include "support/process.hpp"

namespace awsfota::ubootenv {
namespace {

namespace fs = std::filesystem;
using dfu::BootState;
using dfu::Slot;
using awsfota::testing::read_uboot_var;

constexpr std::size_t kCopy = 0x4000;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class UBootControl : public ::testing::TestWithParam<bool> {  // param: redundant environment
 protected:
  void SetUp() override {
    env_ = dir_.path() / "uboot.env";
    config_ = dir_.path() / "fw_env.config";
    cmdline_ = dir_.path() / "cmdline";
    make_env("BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nbootdelay=0\n");
    boot_into(Slot::A);
  }

  bool redundant() const { return GetParam(); }

  void make_env(const std::string& text) {
    write_all(dir_.path() / "env.txt", text);
    std::vector<std::string> argv{"mkenvimage", "-s", "0x4000", "-o", env_.string(), (dir_.path() / "env.txt").string()};
    if (redundant()) argv.insert(argv.begin() + 1, "-r");
    auto made = awsfota::testing::run_program(argv);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    fs::resize_file(env_, redundant() ? 2 * kCopy : kCopy);  // the second copy: no valid CRC yet
    std::string config = env_.string() + " 0x0 0x4000\n";
    if (redundant()) config += env_.string() + " 0x4000 0x4000\n";
    write_all(config_, config);
  }

  // What U-Boot tells the kernel after choosing `slot`.
  void boot_into(Slot slot) { write_all(cmdline_, std::string("console=ttyAMA0 rootwait rauc.slot=") + dfu::to_string(slot) + "\n"); }

  std::string var(const std::string& name) { return read_uboot_var(config_, name).value_or("<unset>"); }

  UBootBootControl control() { return UBootBootControl({.fw_env_config = config_, .cmdline_file = cmdline_}); }

  awsfota::testing::TempDir dir_{"ubootenv"};
  fs::path env_, config_, cmdline_;
};

TEST_P(UBootControl, TrialConfirmAndRevertRewriteTheRaucVariables) {
  auto boot = control();
  ASSERT_TRUE(boot.request_trial(Slot::B));
  EXPECT_EQ(var("BOOT_ORDER"), "B A");
  EXPECT_EQ(var("BOOT_B_LEFT"), "1");
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "B");
  EXPECT_EQ(var("bootdelay"), "0") << "the board's own variables are kept";
  EXPECT_EQ(boot.status()->state, BootState::TrialPending);

  // U-Boot spends B's attempt and boots it.
  ASSERT_TRUE(awsfota::testing::store_uboot_vars(config_, {{"BOOT_B_LEFT", "0"}}));
  boot_into(Slot::B);
  auto trial = boot.status();
  ASSERT_TRUE(trial) << trial.error().reason;
  EXPECT_EQ(trial->state, BootState::Trial);
  EXPECT_EQ(trial->confirmed, Slot::A);
  ASSERT_TRUE(boot.confirm());
  EXPECT_EQ(var("BOOT_ORDER"), "B");
  EXPECT_EQ(var("BOOT_B_LEFT"), "3");
  EXPECT_EQ(var("BOOT_A_LEFT"), "0");
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "<unset>");
  EXPECT_EQ(boot.status()->state, BootState::Confirmed);

  // The next update goes the other way and is rejected by its self-test.
  ASSERT_TRUE(boot.request_trial(Slot::A));
  ASSERT_TRUE(awsfota::testing::store_uboot_vars(config_, {{"BOOT_A_LEFT", "0"}}));
  boot_into(Slot::A);
  ASSERT_TRUE(boot.revert());
  auto rejected = boot.status();
  EXPECT_EQ(rejected->state, BootState::RevertPending);
  EXPECT_EQ(var("BOOT_ORDER"), "B");
  boot_into(Slot::B);
  auto back = boot.status();
  EXPECT_EQ(back->state, BootState::Confirmed);
  EXPECT_EQ(back->reverted_from, Slot::A);
  ASSERT_TRUE(boot.acknowledge_revert());
  EXPECT_EQ(boot.status()->reverted_from, std::nullopt);
  EXPECT_EQ(var("AWSFOTA_TRIAL"), "<unset>");
}

TEST_P(UBootControl, ACallThatChangesNothingWritesNothing) {
  auto boot = control();
  const auto before = read_all(env_);
  ASSERT_TRUE(boot.confirm());
  ASSERT_TRUE(boot.revert());
  ASSERT_TRUE(boot.acknowledge_revert());
  EXPECT_EQ(read_all(env_), before);
}

TEST_P(UBootControl, BrokenSetupsGiveErrorsNamingTheCause) {
  write_all(cmdline_, "console=ttyAMA0 root=/dev/vda2\n");
  auto no_slot = control().status();
  ASSERT_FALSE(no_slot);
  EXPECT_NE(no_slot.error().reason.find("rauc.slot="), std::string::npos) << no_slot.error().reason;
  boot_into(Slot::A);

  auto missing = UBootBootControl({.fw_env_config = dir_.path() / "nope.config", .cmdline_file = cmdline_}).status();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, dfu::BootErrorCode::Io);
  EXPECT_NE(missing.error().reason.find("nope.config"), std::string::npos) << missing.error().reason;

  ASSERT_TRUE(awsfota::testing::store_uboot_vars(config_, {{"BOOT_ORDER", "A X"}}));
  auto garbage = control().request_trial(Slot::B);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, dfu::BootErrorCode::Corrupt);
  EXPECT_NE(garbage.error().reason.find("BOOT_ORDER=\"A X\""), std::string::npos) << garbage.error().reason;

  write_all(env_, std::string(redundant() ? 2 * kCopy : kCopy, '\x5a'));
  auto corrupt = control().status();
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, dfu::BootErrorCode::Corrupt);
  EXPECT_NE(corrupt.error().reason.find("no copy with a valid CRC"), std::string::npos) << corrupt.error().reason;
}

// A power cut anywhere in the write: every prefix of the bytes the store changed (in file order), on top
// of the old file. With the redundant pair libubootenv writes the other copy and its flag, so every cut
// leaves the old or the new variables; with one copy a cut inside the block leaves no valid CRC (U-Boot
// then boots with its built-in environment: the QEMU test shows which slot that starts).
TEST_P(UBootControl, APowerCutDuringTheStoreLeavesTheOldOrTheNewVariables) {
  const auto before = read_all(env_);
  ASSERT_TRUE(control().request_trial(Slot::B));
  const auto after = read_all(env_);
  ASSERT_EQ(before.size(), after.size());
  std::size_t first = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (before[i] == after[i]) continue;
    if (last == 0) first = i;
    last = i + 1;
  }
  ASSERT_LT(first, last);
  int old_seen = 0, new_seen = 0, unreadable = 0;
  for (std::size_t cut = first; cut <= last; cut += std::max<std::size_t>(1, (last - first) / 64)) {
    std::string torn = after.substr(0, cut) + before.substr(cut);
    write_all(env_, torn);
    auto s = control().status();
    if (!s) {
      ++unreadable;
      EXPECT_FALSE(redundant()) << "cut at " << cut << ": " << s.error().reason;
      continue;
    }
    if (s->state == BootState::TrialPending) ++new_seen;
    else if (s->state == BootState::Confirmed) ++old_seen;
    else ADD_FAILURE() << "cut at " << cut << ": a state that was never written";
  }
  EXPECT_GT(old_seen, 0);
  if (redundant()) {
    EXPECT_EQ(unreadable, 0);
  }
  write_all(env_, after);
  EXPECT_EQ(control().status()->state, BootState::TrialPending);
}

// The agent killed (SIGKILL) at random moments while it rewrites the environment again and again: what
// is left always reads, and is one of the states it wrote.
TEST_P(UBootControl, SigkillWhileWritingLeavesAReadableEnvironment) {
  // One copy has nothing to fall back on when a cut lands inside its write (the torn-write test above
  // shows that outcome); the redundant pair must survive any cut.
  if (!redundant()) GTEST_SKIP() << "a single copy is not power-cut safe by itself (docs/boot.md)";
  std::mt19937 random(7);
  for (int round = 0; round < 12; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto boot = control();
      for (;;) {
        if (!boot.request_trial(Slot::B) || !boot.revert()) _exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + random() % 20000));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own: exit " << WEXITSTATUS(status);
    auto s = control().status();
    ASSERT_TRUE(s) << "round " << round << ": " << s.error().reason;
    EXPECT_TRUE(s->state == BootState::Confirmed || s->state == BootState::TrialPending) << round;
    EXPECT_EQ(s->active, Slot::A);
  }
}

INSTANTIATE_TEST_SUITE_P(Copies, UBootControl, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Redundant" : "Single"; });

}  // namespace
}  // namespace awsfota::ubootenv
