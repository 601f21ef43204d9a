// The GRUB backend against the real GRUB (grub-emu running the shipped fragment): trial, confirm,
// revert, a trial that never comes up, and power cuts while awsfota writes the environment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>
#include <vector>

#include "awsfota/adapters/grub/grub_boot_control.hpp"
#include "awsfota/adapters/grub/grubenv.hpp"
#include "awsfota/runtime/boot_seam.hpp"
#include "grub_emu.hpp"
#include "support/process.hpp"

namespace awsfota::grub {
namespace {

using dfu::BootState;
using dfu::Slot;
using testing::GrubEmuMachine;

void put_bytes(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// One device: its boot partition, GRUB, and awsfota's boot control on it.
struct GrubRig {
  Slot boot_grub() {
    auto slot = machine.boot();
    EXPECT_TRUE(slot) << slot.error();
    return slot ? *slot : Slot::A;
  }
  // The agent's start on the slot GRUB chose.
  dfu::BootStatus agent_status() {
    auto s = control.status();
    EXPECT_TRUE(s) << s.error().reason;
    return s ? *s : dfu::BootStatus{};
  }
  std::string editenv_list() {
    auto listed = testing::grub_editenv_list(machine.env_file());
    EXPECT_TRUE(listed) << listed.error();
    return listed ? *listed : std::string();
  }

  testing::TempDir dir{"grub-emu"};
  GrubEmuMachine machine{dir.path()};
  GrubBootControl control{{.env_file = machine.env_file(), .cmdline_file = machine.cmdline_file()}};
};

class GrubEmuTest : public ::testing::Test, protected GrubRig {
 protected:
  void SetUp() override { ASSERT_EQ(machine.setup_error(), ""); }
};

TEST_F(GrubEmuTest, TestsRunTheShippedChooserAndReplaceOnlyTheStart) {
  auto fragment = testing::read_shipped_grub_fragment();
  ASSERT_TRUE(fragment) << fragment.error();
  EXPECT_EQ(fragment->starter,
            "# awsfota: start the chosen slot (everything above chooses it; the tests replace only what follows)\n"
            "echo \"awsfota: starting slot $awsfota_slot\"\n"
            "linux \"$awsfota_kernel\" root=$awsfota_root $awsfota_cmdline rauc.slot=$awsfota_slot\n"
            "if [ -n \"$awsfota_initrd\" ]; then\n  initrd \"$awsfota_initrd\"\nfi\nboot\n")
      << "the part the tests leave out must only start the kernel";
  EXPECT_TRUE(testing::read_bytes(dir.path() / "chooser.cfg").starts_with(fragment->chooser));
  EXPECT_NE(fragment->chooser.find("save_env"), std::string::npos);
}

TEST_F(GrubEmuTest, GrubEditenvListsExactlyWhatAwsfotaWrote) {
  EXPECT_EQ(boot_grub(), Slot::A);
  ASSERT_TRUE(control.request_trial(Slot::B));
  // A_TRY first: GRUB's save_env appended it to the empty block at the first boot, and awsfota keeps
  // the variables where it finds them.
  EXPECT_EQ(editenv_list(), "A_TRY=0\nORDER=B A\nA_OK=1\nB_OK=1\nB_TRY=0\nAWSFOTA_TRIAL=B\n");

  // Escapes both ways: awsfota writes, grub-editenv lists; grub-editenv sets, awsfota reads.
  auto file = read_grubenv_file(machine.env_file());
  ASSERT_TRUE(file) << file.error().reason;
  file->env.set("note", "back\\slash and\nnewline");
  ASSERT_TRUE(write_grubenv_file(machine.env_file(), *file));
  EXPECT_EQ(editenv_list(), "A_TRY=0\nORDER=B A\nA_OK=1\nB_OK=1\nB_TRY=0\nAWSFOTA_TRIAL=B\nnote=back\\slash and\nnewline\n");
  EXPECT_EQ(testing::read_bytes(machine.env_file()).size(), kGrubEnvDefaultSize);
  auto set = testing::run_program({"grub-editenv", machine.env_file().string(), "set", "other=x\\y"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  file = read_grubenv_file(machine.env_file());
  ASSERT_TRUE(file) << file.error().reason;
  EXPECT_EQ(file->env.get("other"), "x\\y");
  EXPECT_EQ(file->env.get("note"), "back\\slash and\nnewline");
}

TEST_F(GrubEmuTest, ConfirmedTrialBootsBAtEveryLaterBoot) {
  EXPECT_EQ(boot_grub(), Slot::A);
  EXPECT_EQ(agent_status().state, BootState::Confirmed);
  ASSERT_TRUE(control.request_trial(Slot::B));
  ASSERT_EQ(boot_grub(), Slot::B) << machine.last_output();
  EXPECT_EQ(agent_status().state, BootState::Trial);
  ASSERT_TRUE(control.confirm());  // the self-test passed
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(boot_grub(), Slot::B) << "boot " << i << ":\n" << machine.last_output();
    const auto s = agent_status();
    EXPECT_EQ(s.state, BootState::Confirmed);
    EXPECT_EQ(s.confirmed, Slot::B);
    EXPECT_FALSE(s.reverted_from);
  }
  EXPECT_EQ(editenv_list(), "A_TRY=0\nORDER=B A\nA_OK=1\nB_OK=1\nB_TRY=0\n");
}

TEST_F(GrubEmuTest, FailedSelfTestRevertsAndGrubBootsA) {
  EXPECT_EQ(boot_grub(), Slot::A);
  (void)agent_status();
  ASSERT_TRUE(control.request_trial(Slot::B));
  ASSERT_EQ(boot_grub(), Slot::B);
  ASSERT_TRUE(control.revert());  // the self-test failed
  EXPECT_EQ(agent_status().state, BootState::RevertPending);
  ASSERT_EQ(boot_grub(), Slot::A) << machine.last_output();
  auto s = agent_status();
  EXPECT_EQ(s.reverted_from, Slot::B);
  EXPECT_TRUE(s.reverted_this_boot);
  EXPECT_EQ(runtime::boot_outcome_of(s), fota::BootOutcome::Reverted);
  ASSERT_TRUE(control.acknowledge_revert());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(boot_grub(), Slot::A);
    EXPECT_FALSE(agent_status().reverted_from);
  }
}

TEST_F(GrubEmuTest, TrialThatNeverComesUpFallsBackToAAndIsReportedRolledBack) {
  EXPECT_EQ(boot_grub(), Slot::A);
  (void)agent_status();
  ASSERT_TRUE(control.request_trial(Slot::B));
  ASSERT_EQ(boot_grub(), Slot::B);  // the new image hangs: no agent runs on it
  ASSERT_EQ(boot_grub(), Slot::A) << "GRUB skips the slot it already tried:\n" << machine.last_output();
  auto s = agent_status();
  EXPECT_EQ(s.active, Slot::A);
  EXPECT_EQ(s.reverted_from, Slot::B);
  EXPECT_TRUE(s.reverted_this_boot);
  EXPECT_EQ(runtime::boot_outcome_of(s), fota::BootOutcome::Reverted) << "the engine ends the job FAILED (ROLLED_BACK)";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(boot_grub(), Slot::A) << "boot " << i;
    s = agent_status();
    EXPECT_EQ(s.reverted_from, Slot::B) << "kept until acknowledged";
    EXPECT_FALSE(s.reverted_this_boot);
  }
}

TEST_F(GrubEmuTest, EvenWithoutTheAgentGrubNeverBootsAnUnconfirmedTrialTwice) {
  EXPECT_EQ(boot_grub(), Slot::A);
  (void)agent_status();
  ASSERT_TRUE(control.request_trial(Slot::B));
  EXPECT_EQ(boot_grub(), Slot::B);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(boot_grub(), Slot::A) << "boot " << i << ":\n" << machine.last_output();
}

// A power cut at any point of one write: the file is the old block (perhaps beside a partial
// temporary file) or the new one, never a mix (one rename replaces it). GRUB must start the slot that
// block says, and awsfota must read it again.
struct CutCase {
  const char* name;
  std::function<void(GrubRig&)> before;  // reaches the state the write starts from
  std::function<bool(GrubBootControl&)> write;
  Slot old_choice;
  Slot new_choice;
};

Slot boot_after_cut(GrubRig& rig, std::string_view env_bytes, std::optional<std::string_view> temp_bytes) {
  put_bytes(rig.machine.env_file(), env_bytes);
  const auto temp = rig.machine.env_file().string() + ".tmp";
  if (temp_bytes) put_bytes(temp, *temp_bytes);
  else std::filesystem::remove(temp);
  const Slot slot = rig.boot_grub();
  auto status = rig.control.status();
  EXPECT_TRUE(status) << "awsfota reads what the cut left: " << status.error().reason;
  return slot;
}

void start_on_a(GrubRig& rig) {
  ASSERT_EQ(rig.boot_grub(), Slot::A);
  (void)rig.agent_status();
}

void trial_of_b_running(GrubRig& rig) {
  start_on_a(rig);
  ASSERT_TRUE(rig.control.request_trial(Slot::B));
  ASSERT_EQ(rig.boot_grub(), Slot::B);
}

TEST(GrubEmuCut, EveryCutPointOfEveryWriteLeavesABootableSlot) {
  const std::vector<CutCase> cases = {
      {"request_trial on A", start_on_a, [](GrubBootControl& c) { return c.request_trial(Slot::B).has_value(); },
       Slot::A, Slot::B},
      {"confirm on B", trial_of_b_running, [](GrubBootControl& c) { return c.confirm().has_value(); }, Slot::A,
       Slot::B},
      {"revert on B", trial_of_b_running, [](GrubBootControl& c) { return c.revert().has_value(); }, Slot::A, Slot::A},
      {"status after the fallback",
       [](GrubRig& rig) {
         trial_of_b_running(rig);
         ASSERT_EQ(rig.boot_grub(), Slot::A);
       },
       [](GrubBootControl& c) { return c.status().has_value(); }, Slot::A, Slot::A},
  };
  for (const auto& cut : cases) {
    SCOPED_TRACE(cut.name);
    GrubRig rig;
    ASSERT_EQ(rig.machine.setup_error(), "");
    cut.before(rig);
    if (::testing::Test::HasFatalFailure()) return;
    const std::string cmdline = testing::read_bytes(rig.machine.cmdline_file());
    const std::string old_block = testing::read_bytes(rig.machine.env_file());
    ASSERT_TRUE(cut.write(rig.control));
    const std::string new_block = testing::read_bytes(rig.machine.env_file());
    ASSERT_NE(old_block, new_block);
    ASSERT_FALSE(std::filesystem::exists(rig.machine.env_file().string() + ".tmp")) << "renamed away";

    // Cut before the rename: the temporary file holds any part of the new block.
    for (std::size_t kept : {std::size_t{0}, std::size_t{1}, std::size_t{25}, std::size_t{512}, new_block.size() - 1,
                             new_block.size()}) {
      SCOPED_TRACE("temporary file of " + std::to_string(kept) + " bytes");
      EXPECT_EQ(boot_after_cut(rig, old_block, std::string_view(new_block).substr(0, kept)), cut.old_choice)
          << rig.machine.last_output();
      put_bytes(rig.machine.cmdline_file(), cmdline);  // back to the boot the write ran in
    }
    // Cut after the rename (with or without the folder's fsync, the new block is whole).
    EXPECT_EQ(boot_after_cut(rig, new_block, std::nullopt), cut.new_choice) << rig.machine.last_output();
  }
}

// Killed (SIGKILL) at arbitrary moments while it writes, again and again: the file is always one of
// the two blocks it alternates between, and GRUB starts what that block says.
TEST(GrubEmuCut, KilledWhileWritingLeavesOneOfTheTwoBlocks) {
  GrubRig rig;
  ASSERT_EQ(rig.machine.setup_error(), "");
  start_on_a(rig);
  const std::string base = testing::read_bytes(rig.machine.env_file());
  ASSERT_TRUE(rig.control.request_trial(Slot::B));
  const std::string pending = testing::read_bytes(rig.machine.env_file());
  const std::string cmdline = testing::read_bytes(rig.machine.cmdline_file());
  ASSERT_TRUE(rig.control.revert());
  ASSERT_EQ(testing::read_bytes(rig.machine.env_file()), base) << "dropping the pending trial gives the first block back";

  int pending_seen = 0;
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    put_bytes(rig.machine.env_file(), base);
    put_bytes(rig.machine.cmdline_file(), cmdline);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      GrubBootControl writer({.env_file = rig.machine.env_file(), .cmdline_file = rig.machine.cmdline_file()});
      for (;;) {
        (void)writer.request_trial(Slot::B);
        (void)writer.revert();
      }
    }
    ::usleep(static_cast<useconds_t>(300 + 700 * round));
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    const std::string left = testing::read_bytes(rig.machine.env_file());
    ASSERT_TRUE(left == base || left == pending) << "a block that is neither: " << rig.editenv_list();
    EXPECT_EQ(rig.boot_grub(), left == pending ? Slot::B : Slot::A) << rig.machine.last_output();
    pending_seen += left == pending ? 1 : 0;
  }
  ::testing::Test::RecordProperty("rounds_left_pending", pending_seen);  // of 12: where the kills landed
}

}  // namespace
}  // namespace awsfota::grub
