#include <gtest/gtest.h>

#include <fstream>

#include "adapters/rauc/fake_rauc.hpp"
#include "awsfota/adapters/rauc/rauc_target.hpp"
#include "support/process.hpp"

namespace awsfota::rauc {
namespace {

constexpr auto kBundle = static_cast<image::ImageKindMask>(image::ImageKind::RaucBundle);

class RaucTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = RaucTarget::create(rauc_, boot_, {.staging = staging_, .capacity = 1024},
                                   [this](const RaucProgress& p) { seen_.push_back(p); });
    ASSERT_TRUE(made) << made.error();
    target_ = std::move(*made);
  }
  std::uintmax_t staged_size() const { return std::filesystem::file_size(staging_); }
  void write_all(std::uint64_t size) {
    ASSERT_TRUE(target_->begin({.size = size, .allowed = kBundle}));
    const std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size), 0x5a);
    ASSERT_TRUE(target_->write(0, bytes));
    ASSERT_TRUE(target_->commit());
  }

  testing::TempDir dir_{"rauc-target"};
  std::filesystem::path staging_ = dir_.path() / "bundle.raucb";
  ScriptedRauc rauc_;
  RaucBootControl boot_{rauc_, {.record = dir_.path() / "rauc.boot"}};
  std::vector<RaucProgress> seen_;
  std::unique_ptr<RaucTarget> target_;
};

TEST(RaucErrorCause, RaucsWordsMapToTheCauseTheJobReports) {
  EXPECT_EQ(cause_of_rauc_error("signature verification failed: Verify error: self-signed certificate"),
            dfu::DfuCause::SignatureInvalid);
  EXPECT_EQ(cause_of_rauc_error("Installation error: Compatible mismatch: Expected 'a' but bundle manifest has 'b'"),
            dfu::DfuCause::InvalidUpdate);
  EXPECT_EQ(cause_of_rauc_error("Invalid bundle format: Signature size (1) exceeds bundle size"),
            dfu::DfuCause::InvalidUpdate);  // a file that is no bundle at all
  EXPECT_EQ(cause_of_rauc_error("Invalid bundle format: Failed to open bundle"), dfu::DfuCause::InvalidUpdate);
  EXPECT_EQ(cause_of_rauc_error("Failed mounting bundle: ..."), dfu::DfuCause::BackendFailed);
}

TEST(RaucTargetCreate, RefusesAStagingFileRaucWouldNotTake) {
  testing::TempDir dir("rauc-target-create");
  ScriptedRauc rauc;
  RaucBootControl boot(rauc, {.record = dir.path() / "r"});
  auto wrong_name = RaucTarget::create(rauc, boot, {.staging = dir.path() / "bundle.bin", .capacity = 10}, {});
  ASSERT_FALSE(wrong_name);
  EXPECT_NE(wrong_name.error().find(".raucb"), std::string::npos);
  EXPECT_FALSE(RaucTarget::create(rauc, boot, {.staging = dir.path() / "b.raucb", .capacity = 0}, {}));
}

TEST_F(RaucTargetTest, FinishInstallsTheExactFileAndForwardsProgress) {
  rauc_.progress_to_send = {{0, "Installing", 1}, {60, "Copying image", 2}, {100, "Installing done.", 1}};
  write_all(300);
  auto finished = target_->finish();
  ASSERT_TRUE(finished) << finished.error().reason;
  EXPECT_EQ(finished->kind, image::ImageKind::RaucBundle);
  EXPECT_EQ(finished->size, 300U);
  ASSERT_EQ(rauc_.installed.size(), 1U);
  EXPECT_EQ(rauc_.installed[0], staging_.string());
  EXPECT_EQ(staged_size(), 300U);
  ASSERT_EQ(seen_.size(), 3U);
  EXPECT_EQ(seen_[1].percent, 60);
  EXPECT_EQ(seen_[1].message, "Copying image");
  ASSERT_TRUE(target_->schedule());
  EXPECT_EQ(boot_.status()->state, dfu::BootState::TrialPending);
}

TEST_F(RaucTargetTest, RaucsRefusalIsTheReasonWordForWord) {
  rauc_.install_error = RaucError{RaucErrorCode::Refused, "signature verification failed: Verify error: bad"};
  write_all(100);
  auto finished = target_->finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::SignatureInvalid);
  EXPECT_EQ(finished.error().reason, "RAUC: signature verification failed: Verify error: bad");
}

TEST_F(RaucTargetTest, AbsentServiceIsABackendFailure) {
  rauc_.install_error = RaucError{RaucErrorCode::Unavailable, "the RAUC service (de.pengutronix.rauc) is not running"};
  write_all(100);
  auto finished = target_->finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::BackendFailed);
  EXPECT_NE(finished.error().reason.find("not running"), std::string::npos);
}

TEST_F(RaucTargetTest, ResumeDropsBytesPastTheDurableOffset) {
  ASSERT_TRUE(target_->begin({.size = 200, .allowed = kBundle}));
  const std::vector<std::uint8_t> bytes(150, 0x11);
  ASSERT_TRUE(target_->write(0, bytes));
  // A restart whose checkpoint says 100 bytes were durable: the 50 after them may be torn.
  ASSERT_TRUE(target_->begin({.size = 200, .allowed = kBundle, .resume_from = 100}));
  EXPECT_EQ(staged_size(), 100U);
  const std::vector<std::uint8_t> rest(100, 0x22);
  ASSERT_TRUE(target_->write(100, rest));
  ASSERT_TRUE(target_->finish());
  EXPECT_EQ(staged_size(), 200U);
}

TEST_F(RaucTargetTest, RefusesWhatDoesNotFitOrIsNotAllowed) {
  auto big = target_->begin({.size = 2000, .allowed = kBundle});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().cause, dfu::DfuCause::TooLarge);
  auto kind = target_->begin({.size = 10, .allowed = static_cast<image::ImageKindMask>(image::ImageKind::McuBoot)});
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().cause, dfu::DfuCause::TypeMismatch);
  ASSERT_TRUE(target_->begin({.size = 10, .allowed = kBundle}));
  const std::vector<std::uint8_t> bytes(11, 0);
  EXPECT_FALSE(target_->write(0, bytes));
  EXPECT_FALSE(target_->write(5, std::span(bytes).first(2)));  // a gap
  auto early = target_->finish();
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().cause, dfu::DfuCause::BadState);
  EXPECT_TRUE(rauc_.installed.empty());
}

TEST_F(RaucTargetTest, AbortAfterTheInstallKeepsTheRunningSlotPrimary) {
  write_all(100);
  ASSERT_TRUE(target_->finish());
  ASSERT_EQ(rauc_.primary_name, "rootfs.1");  // RAUC switched to the new slot
  target_->abort();                          // the job was canceled before the reboot
  EXPECT_EQ(rauc_.primary_name, "rootfs.0");
  EXPECT_EQ(staged_size(), 0U);
  EXPECT_EQ(boot_.status()->state, dfu::BootState::Confirmed);
}

}  // namespace
}  // namespace awsfota::rauc
