// The SWUpdate target's staging and outcomes against a scripted SwupdateService.
#include <gtest/gtest.h>

#include <fstream>

#include "awsfota/adapters/swupdate/swupdate_target.hpp"
#include "support/process.hpp"

namespace awsfota::swupdate {
namespace {

constexpr auto kSwu = static_cast<image::ImageKindMask>(image::ImageKind::SwupdateImage);

// SwupdateService scripted by the test: what install() sees and answers.
class ScriptedSwupdate final : public SwupdateService {
 public:
  Expected<void, SwupdateError> install(const std::string& swu, const SwupdateProgressHandler& progress) override {
    std::ifstream in(swu, std::ios::binary);
    installed_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    ++installs;
    for (const auto& p : progress_to_send) progress(p);
    if (install_error) return unexpected(*install_error);
    state = UpdateState::Installed;
    return {};
  }
  Expected<UpdateState, SwupdateError> update_state() override { return state; }
  Expected<void, SwupdateError> set_update_state(UpdateState s) override {
    state = s;
    return {};
  }

  std::string installed_bytes;
  int installs = 0;
  std::vector<SwupdateProgress> progress_to_send;
  std::optional<SwupdateError> install_error;
  UpdateState state = UpdateState::Ok;
};

class SwupdateTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "boot_id") << "boot-1\n";
    auto made = SwupdateTarget::create(swu_, boot_, {.staging = staging_, .capacity = 1024},
                                       [this](const SwupdateProgress& p) { seen_.push_back(p); });
    ASSERT_TRUE(made) << made.error();
    target_ = std::move(*made);
  }
  void write_all(const std::string& text) {
    ASSERT_TRUE(target_->begin({.size = text.size(), .allowed = kSwu}));
    ASSERT_TRUE(target_->write(0, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
    ASSERT_TRUE(target_->commit());
  }

  testing::TempDir dir_{"swupdate-target"};
  std::filesystem::path staging_ = dir_.path() / "update.swu";
  ScriptedSwupdate swu_;
  SwupdateBootControl boot_{swu_, {.record = dir_.path() / "swupdate.boot", .boot_id = dir_.path() / "boot_id"}};
  std::vector<SwupdateProgress> seen_;
  std::unique_ptr<SwupdateTarget> target_;
};

TEST_F(SwupdateTargetTest, FinishHandsTheExactFileToSwupdateAndForwardsProgress) {
  swu_.progress_to_send = {{10, "rootfs.img (raw), 1 of 1"}, {100, "rootfs.img (raw), 1 of 1"}};
  write_all("070701 a short swu");
  auto done = target_->finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->kind, image::ImageKind::SwupdateImage);
  EXPECT_EQ(swu_.installed_bytes, "070701 a short swu");
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_.back().percent, 100);
  ASSERT_TRUE(target_->schedule());
  auto pending = boot_.status();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->state, dfu::BootState::TrialPending);
}

TEST_F(SwupdateTargetTest, AResumeDropsTornBytesPastTheDurableOffset) {
  ASSERT_TRUE(target_->begin({.size = 10, .allowed = kSwu}));
  ASSERT_TRUE(target_->write(0, std::vector<std::uint8_t>(8, 'a')));
  ASSERT_TRUE(target_->commit());
  ASSERT_TRUE(target_->begin({.size = 10, .allowed = kSwu, .resume_from = 4}));
  EXPECT_EQ(std::filesystem::file_size(staging_), 4u);
  ASSERT_TRUE(target_->write(4, std::vector<std::uint8_t>(6, 'b')));
  ASSERT_TRUE(target_->finish());
  EXPECT_EQ(swu_.installed_bytes, "aaaabbbbbb");
}

TEST_F(SwupdateTargetTest, RefusalKeepsSwupdatesWordsAndCause) {
  swu_.install_error = SwupdateError{SwupdateErrorCode::Refused, "ERROR : SW not compatible with hardware"};
  write_all("070701x");
  auto done = target_->finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, dfu::DfuCause::InvalidUpdate);
  EXPECT_EQ(done.error().reason, "SWUpdate: ERROR : SW not compatible with hardware");
}

TEST_F(SwupdateTargetTest, TooLargeAndWrongKindAreRefusedBeforeAnyByte) {
  auto big = target_->begin({.size = 2048, .allowed = kSwu});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().cause, dfu::DfuCause::TooLarge);
  auto kind = target_->begin({.size = 10, .allowed = static_cast<image::ImageKindMask>(image::ImageKind::McuBoot)});
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().cause, dfu::DfuCause::TypeMismatch);
  EXPECT_EQ(swu_.installs, 0);
}

TEST_F(SwupdateTargetTest, ScheduleRefusesAFailedUpdateStateAndAbortMarksTheInstallUnwanted) {
  write_all("070701y");
  ASSERT_TRUE(target_->finish());
  swu_.state = UpdateState::Failed;
  EXPECT_FALSE(target_->schedule());
  swu_.state = UpdateState::Installed;
  target_->abort();
  EXPECT_EQ(swu_.state, UpdateState::Failed);
  EXPECT_EQ(std::filesystem::file_size(staging_), 0u);
}

}  // namespace
}  // namespace awsfota::swupdate
