#include <gtest/gtest.h>

#include "adapters/rauc/fake_rauc.hpp"
#include "awsfota/adapters/rauc/rauc_boot_control.hpp"
#include "support/process.hpp"

namespace awsfota::rauc {
namespace {

class RaucBootControlTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"rauc-boot"};
  ScriptedRauc rauc_;
  RaucBootControl boot_{rauc_, {.record = dir_.path() / "rauc.boot"}};
};

TEST(RaucBootRecord, RoundTripsAndRefusesBadValues) {
  const RaucBootRecord r{.trial = dfu::Slot::B, .rejected = true, .reverted_from = dfu::Slot::A};
  auto back = decode_rauc_boot_record(encode_rauc_boot_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_EQ(*decode_rauc_boot_record(""), RaucBootRecord{});
  EXPECT_EQ(*decode_rauc_boot_record("future=1\ntrial=A\n"), RaucBootRecord{.trial = dfu::Slot::A});
  auto bad_slot = decode_rauc_boot_record("trial=C\n");
  ASSERT_FALSE(bad_slot);
  EXPECT_EQ(bad_slot.error().code, dfu::BootErrorCode::Corrupt);
  EXPECT_NE(bad_slot.error().reason.find("trial"), std::string::npos);
  EXPECT_FALSE(decode_rauc_boot_record("rejected=yes\n"));
  EXPECT_FALSE(decode_rauc_boot_record("no equals sign\n"));
}

TEST_F(RaucBootControlTest, NothingRecordedIsConfirmedOnTheBootedSlot) {
  rauc_.booted = "B";
  auto s = boot_.status();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, dfu::BootState::Confirmed);
  EXPECT_EQ(s->active, dfu::Slot::B);
  EXPECT_EQ(s->confirmed, dfu::Slot::B);
}

TEST_F(RaucBootControlTest, TrialIsPendingUntilTheBootIntoIt) {
  rauc_.primary_name = "rootfs.1";
  ASSERT_TRUE(boot_.request_trial(dfu::Slot::B));
  EXPECT_EQ(boot_.status()->state, dfu::BootState::TrialPending);
  rauc_.booted = "B";
  auto s = boot_.status();
  EXPECT_EQ(s->state, dfu::BootState::Trial);
  EXPECT_EQ(s->active, dfu::Slot::B);
  EXPECT_EQ(s->confirmed, dfu::Slot::A);
  ASSERT_TRUE(boot_.confirm());
  ASSERT_EQ(rauc_.marks.size(), 1U);
  EXPECT_EQ(rauc_.marks[0], (std::pair<std::string, std::string>{"good", "booted"}));
  EXPECT_EQ(boot_.status()->state, dfu::BootState::Confirmed);
}

TEST_F(RaucBootControlTest, TrialOfASlotRaucDoesNotBootNextIsRefused) {
  auto r = boot_.request_trial(dfu::Slot::B);  // primary is still rootfs.0 (A)
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, dfu::BootErrorCode::InvalidRequest);
  EXPECT_FALSE(boot_.request_trial(dfu::Slot::A));  // the running one
}

TEST_F(RaucBootControlTest, BootIntoTheOldSlotAfterTheInstallIsAFallback) {
  rauc_.primary_name = "rootfs.1";
  ASSERT_TRUE(boot_.request_trial(dfu::Slot::B));
  rauc_.primary_name = "rootfs.0";  // the bootloader gave up on B
  auto s = boot_.status();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, dfu::BootState::Confirmed);
  ASSERT_TRUE(s->reverted_from);
  EXPECT_EQ(*s->reverted_from, dfu::Slot::B);
  // Kept for later starts until acknowledged.
  EXPECT_TRUE(boot_.status()->reverted_from);
  ASSERT_TRUE(boot_.acknowledge_revert());
  EXPECT_FALSE(boot_.status()->reverted_from);
}

TEST_F(RaucBootControlTest, RevertOfARunningTrialMarksItBadAndTheOtherActive) {
  rauc_.primary_name = "rootfs.1";
  ASSERT_TRUE(boot_.request_trial(dfu::Slot::B));
  rauc_.booted = "B";
  ASSERT_TRUE(boot_.revert());
  ASSERT_EQ(rauc_.marks.size(), 2U);
  EXPECT_EQ(rauc_.marks[0], (std::pair<std::string, std::string>{"bad", "booted"}));
  EXPECT_EQ(rauc_.marks[1], (std::pair<std::string, std::string>{"active", "other"}));
  EXPECT_EQ(boot_.status()->state, dfu::BootState::RevertPending);
  EXPECT_FALSE(boot_.confirm());
}

TEST_F(RaucBootControlTest, RevertBeforeTheRebootMakesTheRunningSlotPrimaryAgain) {
  rauc_.primary_name = "rootfs.1";
  ASSERT_TRUE(boot_.request_trial(dfu::Slot::B));
  ASSERT_TRUE(boot_.revert());
  ASSERT_EQ(rauc_.marks.size(), 1U);
  EXPECT_EQ(rauc_.marks[0], (std::pair<std::string, std::string>{"active", "booted"}));
  EXPECT_EQ(rauc_.primary_name, "rootfs.0");
  auto s = boot_.status();
  EXPECT_EQ(s->state, dfu::BootState::Confirmed);
  EXPECT_FALSE(s->reverted_from);
}

TEST_F(RaucBootControlTest, UnknownBootnameAndAbsentServiceAreErrorsThatSaySo) {
  rauc_.booted = "system0";
  auto s = boot_.status();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason.find("system0"), std::string::npos);
  EXPECT_NE(s.error().reason.find("rauc.bootnames"), std::string::npos);
  rauc_.unavailable = RaucError{RaucErrorCode::Unavailable, "the RAUC service is not running"};
  auto gone = boot_.status();
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().reason.find("not running"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::rauc
