// GrubBootControl on files: what each call writes in RAUC's variables, and what status() says. Here
// the test plays GRUB's part by setting X_TRY=1 and the command line; grub_emu_test.cpp runs the real
// GRUB on the shipped fragment.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "awsfota/adapters/grub/grub_boot_control.hpp"
#include "awsfota/adapters/grub/grubenv.hpp"
#include "support/process.hpp"

namespace awsfota::grub {
namespace {

using dfu::BootState;
using dfu::Slot;

class GrubBootControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_env(GrubEnv{});
    booted("A");
  }

  void write_env(const GrubEnv& env) {
    auto written = write_grubenv_file(env_file(), GrubEnvFile{env, kGrubEnvDefaultSize});
    ASSERT_TRUE(written) << written.error().reason;
  }
  GrubEnv env() {
    auto file = read_grubenv_file(env_file());
    EXPECT_TRUE(file) << file.error().reason;
    return file ? file->env : GrubEnv{};
  }
  // What `grub-editenv FILE list` would print.
  std::string listing() {
    std::string out;
    const GrubEnv listed = env();
    for (const auto& [name, value] : listed.variables()) out += name + "=" + value + "\n";
    return out;
  }
  // The bootloader's part: it started `slot` (and, for GRUB's fragment, saved its X_TRY=1 first).
  void booted(const std::string& slot, bool set_try = false) {
    std::ofstream(cmdline_file()) << "BOOT_IMAGE=/vmlinuz root=/dev/vda2 rauc.slot=" << slot << " quiet\n";
    if (set_try) {
      GrubEnv e = env();
      e.set(slot + "_TRY", "1");
      write_env(e);
    }
  }
  dfu::BootStatus status() {
    auto s = boot.status();
    EXPECT_TRUE(s) << s.error().reason;
    return s ? *s : dfu::BootStatus{};
  }

  std::filesystem::path env_file() const { return dir.path() / "grubenv"; }
  std::filesystem::path cmdline_file() const { return dir.path() / "cmdline"; }

  testing::TempDir dir{"grub-boot"};
  GrubBootControl boot{{.env_file = dir.path() / "grubenv", .cmdline_file = dir.path() / "cmdline"}};
};

TEST_F(GrubBootControlTest, FreshEnvironmentOnAIsConfirmedAndGetsRaucVariables) {
  const auto s = status();
  EXPECT_EQ(s.state, BootState::Confirmed);
  EXPECT_EQ(s.active, Slot::A);
  EXPECT_EQ(s.confirmed, Slot::A);
  EXPECT_FALSE(s.reverted_from);
  EXPECT_EQ(listing(), "ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
}

TEST_F(GrubBootControlTest, RequestTrialPutsTheSlotFirstGoodAndUntried) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  EXPECT_EQ(listing(), "ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=0\nAWSFOTA_TRIAL=B\n");
  const auto s = status();
  EXPECT_EQ(s.state, BootState::TrialPending);
  EXPECT_EQ(s.active, Slot::A);
}

TEST_F(GrubBootControlTest, TrialStartedByGrubRunsUntilConfirmed) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  booted("B", true);
  auto s = status();
  EXPECT_EQ(s.state, BootState::Trial);
  EXPECT_EQ(s.active, Slot::B);
  EXPECT_EQ(s.confirmed, Slot::A);
  EXPECT_EQ(env().get("B_TRY"), "1") << "a running trial is not marked good by status()";

  ASSERT_TRUE(boot.confirm());
  EXPECT_EQ(listing(), "ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=0\n");
  s = status();
  EXPECT_EQ(s.state, BootState::Confirmed);
  EXPECT_EQ(s.confirmed, Slot::B);
  ASSERT_TRUE(boot.confirm()) << "idempotent";
}

TEST_F(GrubBootControlTest, ConfirmedSlotIsMarkedGoodAtEveryBoot) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  booted("B", true);
  ASSERT_TRUE(boot.confirm());
  for (int i = 0; i < 3; ++i) {
    booted("B", true);  // GRUB marks every start
    EXPECT_EQ(status().state, BootState::Confirmed);
    EXPECT_EQ(env().get("B_TRY"), "0") << "boot " << i;
  }
}

TEST_F(GrubBootControlTest, BootloaderFallbackIsTheRevertOfTheTrial) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  booted("B", true);  // B started and never came up: nothing ran on it
  booted("A", true);  // GRUB skipped B (B_TRY=1) and started A
  auto s = status();
  EXPECT_EQ(s.state, BootState::Confirmed);
  EXPECT_EQ(s.active, Slot::A);
  EXPECT_EQ(s.reverted_from, Slot::B);
  EXPECT_TRUE(s.reverted_this_boot);
  EXPECT_EQ(listing(), "ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\nAWSFOTA_REVERTED=B\n");

  s = status();  // a later call, or a later boot: still on record, no longer "this boot"
  EXPECT_EQ(s.reverted_from, Slot::B);
  EXPECT_FALSE(s.reverted_this_boot);
  ASSERT_TRUE(boot.acknowledge_revert());
  EXPECT_FALSE(status().reverted_from);
  EXPECT_EQ(listing(), "ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
}

TEST_F(GrubBootControlTest, RevertOfTheRunningTrialMarksItBadAndWaitsForTheReboot) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  booted("B", true);
  ASSERT_TRUE(boot.revert());
  EXPECT_EQ(listing(), "ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\nAWSFOTA_TRIAL=B\n");
  auto s = status();
  EXPECT_EQ(s.state, BootState::RevertPending);
  EXPECT_EQ(s.active, Slot::B);
  EXPECT_EQ(s.confirmed, Slot::A);
  EXPECT_EQ(s.reverted_from, Slot::B);
  ASSERT_TRUE(boot.confirm()) << "a no-op once rejected";
  EXPECT_EQ(status().state, BootState::RevertPending);
  auto again = boot.request_trial(Slot::A);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "slot A is the confirmed fallback; reboot back to it before another update");

  booted("A", true);
  s = status();
  EXPECT_EQ(s.state, BootState::Confirmed);
  EXPECT_EQ(s.reverted_from, Slot::B);
  EXPECT_TRUE(s.reverted_this_boot);
}

TEST_F(GrubBootControlTest, RevertOfAPendingTrialDropsIt) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  ASSERT_TRUE(boot.revert());
  EXPECT_EQ(listing(), "ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
  const auto s = status();
  EXPECT_EQ(s.state, BootState::Confirmed);
  EXPECT_FALSE(s.reverted_from);
}

TEST_F(GrubBootControlTest, RequestTrialRefusesTheRunningSlotAndASecondTrial) {
  auto same = boot.request_trial(Slot::A);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, dfu::BootErrorCode::InvalidRequest);
  EXPECT_EQ(same.error().reason, "slot A is the running slot; a trial needs the other one");
  ASSERT_TRUE(boot.request_trial(Slot::B));
  booted("B", true);
  auto second = boot.request_trial(Slot::A);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().reason, "a trial is running unconfirmed; confirm or revert it before requesting another");
}

TEST_F(GrubBootControlTest, KeepsOtherVariablesAndDoesNotRewriteAnUnchangedBlock) {
  GrubEnv e;
  e.set("saved_entry", "gnulinux");
  write_env(e);
  (void)status();
  EXPECT_EQ(env().get("saved_entry"), "gnulinux");
  struct stat before {};
  ASSERT_EQ(::stat(env_file().c_str(), &before), 0);
  (void)status();
  ASSERT_TRUE(boot.acknowledge_revert());
  struct stat after {};
  ASSERT_EQ(::stat(env_file().c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "nothing changed, so nothing was written";
}

TEST_F(GrubBootControlTest, ErrorsNameTheFileAndTheVariable) {
  GrubEnv e;
  e.set("A_OK", "yes");
  write_env(e);
  auto s = boot.status();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, dfu::BootErrorCode::Corrupt);
  EXPECT_EQ(s.error().reason, env_file().string() + ": A_OK=\"yes\": expected 0 or 1");

  e = GrubEnv{};
  e.set("ORDER", "A C");
  write_env(e);
  s = boot.status();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, env_file().string() + ": ORDER=\"A C\": slot \"C\" is neither A nor B");

  std::filesystem::remove(env_file());
  s = boot.status();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, dfu::BootErrorCode::Io);
  EXPECT_NE(s.error().reason.find("grub-editenv FILE create"), std::string::npos) << s.error().reason;

  write_env(GrubEnv{});
  std::ofstream(cmdline_file()) << "root=/dev/vda2 quiet\n";
  s = boot.status();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason.find("no rauc.slot= or awsfota.slot= argument"), std::string::npos) << s.error().reason;
}

}  // namespace
}  // namespace awsfota::grub
