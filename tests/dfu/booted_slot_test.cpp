// The running slot from the kernel command line (dfu::booted_slot_from_cmdline, read_booted_slot).
#include <gtest/gtest.h>

#include <fstream>

#include "awsfota/dfu/booted_slot.hpp"
#include "image/image_test_util.hpp"

namespace awsfota::dfu {
namespace {

TEST(BootedSlot, ReadsRaucsAndOurArgument) {
  EXPECT_EQ(booted_slot_from_cmdline("console=ttyAMA0 root=/dev/vda3 rauc.slot=B rootwait").value(), Slot::B);
  EXPECT_EQ(booted_slot_from_cmdline("awsfota.slot=a quiet\n").value(), Slot::A);
  EXPECT_EQ(booted_slot_from_cmdline("rauc.slot=A awsfota.slot=A").value(), Slot::A);
}

TEST(BootedSlot, NamesWhatIsMissingOrWrong) {
  auto none = booted_slot_from_cmdline("console=ttyS0 root=/dev/sda2 myrauc.slot=B");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, BootErrorCode::InvalidRequest);
  EXPECT_NE(none.error().reason.find("no rauc.slot= or awsfota.slot= argument"), std::string::npos);
  auto bad = booted_slot_from_cmdline("rauc.slot=C");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "rauc.slot=C: the slot must be A or B");
  auto empty = booted_slot_from_cmdline("awsfota.slot=");
  ASSERT_FALSE(empty);
  auto disagree = booted_slot_from_cmdline("rauc.slot=A awsfota.slot=B");
  ASSERT_FALSE(disagree);
  EXPECT_EQ(disagree.error().reason, "rauc.slot=A and awsfota.slot=B disagree");
}

TEST(BootedSlot, ReadsAFileAndNamesItInErrors) {
  awsfota::testing::TempDir dir;
  const auto file = dir.path() / "cmdline";
  std::ofstream(file) << "root=/dev/vda2 rauc.slot=B\n";
  EXPECT_EQ(read_booted_slot(file).value(), Slot::B);
  auto missing = read_booted_slot(dir.path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, BootErrorCode::Io);
  EXPECT_NE(missing.error().reason.find("nope: cannot be read"), std::string::npos);
  std::ofstream(file) << "root=/dev/vda2\n";
  auto without = read_booted_slot(file);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().reason.rfind(file.string() + ": no rauc.slot=", 0), 0u) << without.error().reason;
}

}  // namespace
}  // namespace awsfota::dfu
