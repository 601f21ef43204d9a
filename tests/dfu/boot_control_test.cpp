#include <gtest/gtest.h>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "dfu/fakes.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using awsfota::testing::FakeDevice;
using awsfota::testing::MemoryBootStore;

namespace {
// A trial of B requested and booted: the state right after the reboot into the new image.
void boot_into_trial_of_b(MemoryBootStore& store, RecordBootControl& boot) {
  ASSERT_TRUE(boot.request_trial(Slot::B));
  ASSERT_TRUE(run_boot_step(store));
  ASSERT_EQ(boot.status()->state, BootState::Trial);
}
}  // namespace

TEST(BootControl, FreshDeviceRunsConfirmedSlotA) {
  MemoryBootStore store;
  auto slot = run_boot_step(store);
  ASSERT_TRUE(slot);
  EXPECT_EQ(*slot, Slot::A);
  RecordBootControl boot(store);
  EXPECT_EQ(boot.status()->state, BootState::Confirmed);
}

TEST(BootControl, TrialRunsOnceThenRevertsIfNotConfirmed) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  ASSERT_TRUE(run_boot_step(store));
  ASSERT_TRUE(boot.request_trial(Slot::B));
  EXPECT_EQ(boot.status()->state, BootState::TrialPending);
  EXPECT_EQ(*run_boot_step(store), Slot::B);
  auto st = boot.status();
  EXPECT_EQ(st->state, BootState::Trial);
  EXPECT_EQ(st->active, Slot::B);
  EXPECT_EQ(st->confirmed, Slot::A);
  // No confirm: the next boot goes back to A and says so.
  EXPECT_EQ(*run_boot_step(store), Slot::A);
  st = boot.status();
  EXPECT_EQ(st->state, BootState::Confirmed);
  EXPECT_EQ(st->active, Slot::A);
  EXPECT_EQ(st->reverted_from, Slot::B);
  EXPECT_EQ(*run_boot_step(store), Slot::A);
}

TEST(BootControl, ConfirmedTrialStays) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(boot.confirm());
  auto st = boot.status();
  EXPECT_EQ(st->state, BootState::Confirmed);
  EXPECT_EQ(st->confirmed, Slot::B);
  EXPECT_EQ(*run_boot_step(store), Slot::B);
  EXPECT_EQ(*run_boot_step(store), Slot::B);
  EXPECT_FALSE(boot.status()->reverted_from);
}

TEST(BootControl, ConfirmWhenConfirmedIsIdempotentAndWritesNothing) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  ASSERT_TRUE(run_boot_step(store));
  const int saves = store.saves;
  ASSERT_TRUE(boot.confirm());
  EXPECT_EQ(store.saves, saves);
}

TEST(BootControl, TrialOfTheRunningSlotIsRefused) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  auto r = boot.request_trial(Slot::A);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BootErrorCode::InvalidRequest);
}

TEST(BootControl, RevertCancelsPendingTrial) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  ASSERT_TRUE(boot.request_trial(Slot::B));
  ASSERT_TRUE(boot.revert());
  EXPECT_EQ(*run_boot_step(store), Slot::A);
  EXPECT_FALSE(boot.status()->reverted_from);
}

TEST(BootControl, RevertDuringTrialMakesNextBootTheConfirmedSlot) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(boot.revert());  // e.g. a failed self-test
  EXPECT_EQ(boot.status()->reverted_from, Slot::B);
  EXPECT_EQ(*run_boot_step(store), Slot::A);
}

TEST(BootControl, RevertStaysOnRecordUntilAcknowledgedOrANewTrial) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(run_boot_step(store));  // not confirmed: back to A
  EXPECT_TRUE(boot.status()->reverted_this_boot);
  ASSERT_TRUE(run_boot_step(store));  // the agent that reports the revert starts only now
  EXPECT_EQ(boot.status()->reverted_from, Slot::B);
  EXPECT_FALSE(boot.status()->reverted_this_boot) << "only the boot that went back says so";

  ASSERT_TRUE(boot.acknowledge_revert());
  EXPECT_FALSE(boot.status()->reverted_from);
  const int saves = store.saves;
  ASSERT_TRUE(boot.acknowledge_revert());  // nothing left to forget: writes nothing
  EXPECT_EQ(store.saves, saves);
  EXPECT_EQ(*run_boot_step(store), Slot::A);
  EXPECT_FALSE(boot.status()->reverted_from);

  // A new trial request forgets an unacknowledged revert too.
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(boot.revert());
  EXPECT_FALSE(boot.status()->reverted_this_boot) << "the rejected trial still runs";
  ASSERT_TRUE(run_boot_step(store));
  ASSERT_EQ(boot.status()->reverted_from, Slot::B);
  EXPECT_TRUE(boot.status()->reverted_this_boot) << "the reboot back from a rejected trial";
  ASSERT_TRUE(boot.request_trial(Slot::B));
  EXPECT_FALSE(boot.status()->reverted_from);
}

// A rejected trial keeps running until the reboot back: its own slot is busy and the other one is the
// confirmed fallback that boot starts, so no trial of either may be requested before then.
TEST(BootControl, RejectedTrialBlocksEveryTrialRequestUntilTheRebootBack) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(boot.revert());
  auto st = boot.status();
  EXPECT_EQ(st->state, BootState::RevertPending);
  EXPECT_EQ(st->active, Slot::B);
  EXPECT_EQ(st->confirmed, Slot::A);
  for (Slot slot : {Slot::A, Slot::B}) {
    auto r = boot.request_trial(slot);
    ASSERT_FALSE(r) << to_string(slot);
    EXPECT_EQ(r.error().code, BootErrorCode::InvalidRequest);
  }
  EXPECT_EQ(*run_boot_step(store), Slot::A);
  EXPECT_EQ(boot.status()->state, BootState::Confirmed);
  EXPECT_TRUE(boot.request_trial(Slot::B));
}

// The application targets ask boot control for the slot to write: while a rejected trial of B runs,
// the "inactive" slot A is the confirmed image the next boot starts, and must not be touched.
TEST(BootControl, TargetsRefuseToWriteWhileARejectedTrialRuns) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  boot_into_trial_of_b(store, boot);
  ASSERT_TRUE(boot.revert());
  FakeDevice slot_a{4096, 0x11}, slot_b{4096, 0x22}, staging{4096};
  awsfota::openssl::OpenSslCrypto crypto;
  AppSlotTarget full(slot_a, slot_b, boot, crypto, AppConfig{});
  AppDeltaTarget delta(slot_a, slot_b, staging, boot, crypto, AppConfig{});
  TransferSpec spec;
  spec.size = 1024;
  spec.allowed = awsfota::image::ImageKind::McuBoot | awsfota::image::ImageKind::AppDelta;
  for (DfuTarget* target : {static_cast<DfuTarget*>(&full), static_cast<DfuTarget*>(&delta)}) {
    auto r = target->begin(spec);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().cause, DfuCause::BadState);
    EXPECT_NE(r.error().reason.find("reboot back to slot A"), std::string::npos) << r.error().reason;
  }
  EXPECT_TRUE(std::all_of(slot_a.bytes().begin(), slot_a.bytes().end(), [](std::uint8_t b) { return b == 0x11; }));
}

// A daemon restarted without a reboot (say, after its reboot command failed) must not take its
// start for the boot that runs the trial: the step runs once per boot id.
TEST(BootControl, StepOncePerBootIgnoresRestartsWithinTheSameBoot) {
  MemoryBootStore store;
  RecordBootControl boot(store);
  ASSERT_EQ(*run_boot_step_once(store, "boot-1"), Slot::A);
  ASSERT_TRUE(boot.request_trial(Slot::B));
  EXPECT_EQ(*run_boot_step_once(store, "boot-1"), Slot::A);  // a restart: no trial yet
  EXPECT_EQ(boot.status()->state, BootState::TrialPending);
  EXPECT_EQ(*run_boot_step_once(store, "boot-2"), Slot::B);  // the real reboot
  EXPECT_EQ(boot.status()->state, BootState::Trial);
  EXPECT_EQ(*run_boot_step_once(store, "boot-2"), Slot::B);  // a restart while on trial: no revert
  EXPECT_EQ(boot.status()->state, BootState::Trial);
  EXPECT_EQ(*run_boot_step_once(store, "boot-3"), Slot::A);  // unconfirmed at the next boot: back
  EXPECT_EQ(boot.status()->reverted_from, Slot::B);
  for (const char* bad : {"", "has space", "new\nline", "a=b"}) {
    auto r = run_boot_step_once(store, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, BootErrorCode::InvalidRequest);
  }
}

TEST(BootControl, RecordTextRoundTripsAndCorruptionIsReported) {
  BootRecord r;
  r.confirmed = Slot::B;
  r.booted = Slot::A;
  r.trial = Slot::A;
  r.trial_booted = true;
  r.reverted_from = Slot::B;
  r.boot_count = 42;
  auto back = decode_boot_record(encode_boot_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  r.reverted_at = 42;
  back = decode_boot_record(encode_boot_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_TRUE(status_of(*back).reverted_this_boot);
  // A record written before reverted_at existed: the revert stays on record, not said to be this boot's.
  const auto older = decode_boot_record("format=1\nconfirmed=A\nbooted=A\ntrial=-\ntrial_booted=0\nreverted_from=B\nboot_count=7\n");
  ASSERT_TRUE(older);
  EXPECT_EQ(older->reverted_at, 0u);
  EXPECT_EQ(status_of(*older).reverted_from, Slot::B);
  EXPECT_FALSE(status_of(*older).reverted_this_boot);
  r.boot_id = "0b6e1f7c-6d1f-4a55-9c1e-3f7a2b9d8e10";
  back = decode_boot_record(encode_boot_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  for (const char* bad : {"", "format=2\n", "garbage", "format=1\nconfirmed=C\nbooted=A\ntrial=-\ntrial_booted=0\nreverted_from=-\nboot_count=1\n",
                          "format=1\nconfirmed=A\nbooted=A\ntrial=-\ntrial_booted=0\nreverted_from=-\nboot_count=1\nboot_id=a b\n",
                          "format=1\nconfirmed=A\nbooted=A\ntrial=-\ntrial_booted=0\nreverted_from=B\nboot_count=1\nreverted_at=2\n",
                          "format=1\nconfirmed=A\nbooted=A\ntrial=-\ntrial_booted=0\nreverted_from=B\nboot_count=1\nreverted_at=x\n"}) {
    auto d = decode_boot_record(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code, BootErrorCode::Corrupt);
  }
}

TEST(FileBootRecordStore, PersistsAcrossInstancesAndLeavesNoTempFile) {
  awsfota::testing::TempDir dir;
  const auto path = dir.path() / "boot.state";
  {
    awsfota::posix::FileBootRecordStore store(path);
    RecordBootControl boot(store);
    ASSERT_TRUE(run_boot_step(store));
    ASSERT_TRUE(boot.request_trial(Slot::B));
  }
  awsfota::posix::FileBootRecordStore again(path);
  EXPECT_EQ(*run_boot_step(again), Slot::B);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  EXPECT_NE(awsfota::testing::read_text(path).find("trial=B"), std::string::npos);
}

TEST(FileBootRecordStore, CorruptFileIsAnErrorNotAReset) {
  awsfota::testing::TempDir dir;
  const auto path = dir.path() / "boot.state";
  awsfota::testing::write_file(path, {'x', '\n'});
  awsfota::posix::FileBootRecordStore store(path);
  auto r = store.load();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BootErrorCode::Corrupt);
}
