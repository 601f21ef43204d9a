// The SWUpdate boot control's reading of ustate across reboots (a boot id file the test changes).
#include <gtest/gtest.h>

#include <fstream>

#include "awsfota/adapters/swupdate/swupdate_boot_control.hpp"
#include "support/process.hpp"

namespace awsfota::swupdate {
namespace {

// The bootloader's ustate as SWUpdate would keep it.
class UstateOnly final : public SwupdateService {
 public:
  Expected<void, SwupdateError> install(const std::string&, const SwupdateProgressHandler&) override {
    state = UpdateState::Installed;
    return {};
  }
  Expected<UpdateState, SwupdateError> update_state() override {
    if (down) return unexpected(SwupdateError{SwupdateErrorCode::Unavailable, "SWUpdate is not running"});
    return state;
  }
  Expected<void, SwupdateError> set_update_state(UpdateState s) override {
    state = s;
    return {};
  }
  UpdateState state = UpdateState::Ok;
  bool down = false;
};

class SwupdateBootTest : public ::testing::Test {
 protected:
  void SetUp() override { boot_into("boot-1"); }
  void boot_into(const std::string& id) { std::ofstream(boot_id_) << id << "\n"; }
  dfu::BootStatus status() {
    auto s = boot_.status();
    EXPECT_TRUE(s) << (s ? "" : s.error().reason);
    return s ? *s : dfu::BootStatus{};
  }
  void install_and_request() {
    ASSERT_TRUE(swu_.install("x.swu", {}));
    ASSERT_TRUE(boot_.request_trial(dfu::Slot::B));
  }

  testing::TempDir dir_{"swupdate-boot"};
  std::filesystem::path boot_id_ = dir_.path() / "boot_id";
  UstateOnly swu_;
  SwupdateBootControl boot_{swu_, {.record = dir_.path() / "swupdate.boot", .boot_id = boot_id_}};
};

TEST_F(SwupdateBootTest, TrialIsPendingUntilTheRebootThenConfirmedBySettingUstateOk) {
  EXPECT_EQ(status().state, dfu::BootState::Confirmed);
  install_and_request();
  auto pending = status();
  EXPECT_EQ(pending.state, dfu::BootState::TrialPending);
  EXPECT_EQ(pending.active, dfu::Slot::A);
  EXPECT_FALSE(boot_.confirm());  // nothing booted yet

  boot_into("boot-2");
  auto trial = status();
  EXPECT_EQ(trial.state, dfu::BootState::Trial);
  EXPECT_EQ(trial.active, dfu::Slot::B);
  EXPECT_EQ(trial.confirmed, dfu::Slot::A);
  ASSERT_TRUE(boot_.confirm());
  EXPECT_EQ(swu_.state, UpdateState::Ok);
  auto confirmed = status();
  EXPECT_EQ(confirmed.state, dfu::BootState::Confirmed);
  EXPECT_EQ(confirmed.active, dfu::Slot::B);
  EXPECT_FALSE(confirmed.reverted_from);
}

TEST_F(SwupdateBootTest, UstateFailedAfterTheRebootIsTheBootloadersFallback) {
  install_and_request();
  swu_.state = UpdateState::Failed;  // altbootcmd went back and said so
  boot_into("boot-2");
  auto s = status();
  EXPECT_EQ(s.state, dfu::BootState::Confirmed);
  EXPECT_EQ(s.active, dfu::Slot::A);
  EXPECT_EQ(s.reverted_from, dfu::Slot::B);
  EXPECT_TRUE(s.reverted_this_boot);
  EXPECT_FALSE(status().reverted_this_boot);
  EXPECT_EQ(status().reverted_from, dfu::Slot::B);  // until acknowledged
  ASSERT_TRUE(boot_.acknowledge_revert());
  EXPECT_FALSE(status().reverted_from);
}

TEST_F(SwupdateBootTest, RejectedTrialSetsUstateFailedAndReadsAsRevertedAfterTheNextBoot) {
  install_and_request();
  boot_into("boot-2");
  ASSERT_EQ(status().state, dfu::BootState::Trial);
  ASSERT_TRUE(boot_.revert());
  EXPECT_EQ(swu_.state, UpdateState::Failed);
  EXPECT_EQ(status().state, dfu::BootState::RevertPending);
  EXPECT_FALSE(boot_.confirm());
  boot_into("boot-3");
  auto s = status();
  EXPECT_EQ(s.state, dfu::BootState::Confirmed);
  EXPECT_EQ(s.active, dfu::Slot::A);
  EXPECT_EQ(s.reverted_from, dfu::Slot::B);
}

TEST_F(SwupdateBootTest, RevertBeforeTheRebootForgetsTheTrialAndMarksTheInstallUnwanted) {
  install_and_request();
  ASSERT_TRUE(boot_.revert());
  EXPECT_EQ(swu_.state, UpdateState::Failed);
  auto s = status();
  EXPECT_EQ(s.state, dfu::BootState::Confirmed);
  EXPECT_FALSE(s.reverted_from);
}

TEST_F(SwupdateBootTest, SwupdateDownAfterTheRebootIsAnErrorNotAGuess) {
  install_and_request();
  boot_into("boot-2");
  swu_.down = true;
  auto s = boot_.status();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().reason.find("SWUpdate is not running"), std::string::npos);
}

TEST(SwupdateBootRecord, RoundTripsAndRefusesBadValues) {
  const SwupdateBootRecord record{.confirmed = dfu::Slot::B, .trial = dfu::Slot::A, .install_boot = "abc-1",
                                  .rejected_in = "abc-2", .reverted_from = dfu::Slot::A};
  auto back = decode_swupdate_boot_record(encode_swupdate_boot_record(record));
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(*back, record);
  EXPECT_FALSE(decode_swupdate_boot_record("confirmed=C\n"));
  EXPECT_FALSE(decode_swupdate_boot_record("confirmed=\n"));
  EXPECT_FALSE(decode_swupdate_boot_record("rejected=" + std::string(65, 'x') + "\n"));
  EXPECT_FALSE(decode_swupdate_boot_record("no equals sign\n"));
}

}  // namespace
}  // namespace awsfota::swupdate
