#include <gtest/gtest.h>

#include <cstdlib>

#include "awsfota/dfu/app_targets.hpp"
#include "dfu/fakes.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;
using awsfota::image::ImageKind;
using awsfota::image::SignatureAlgorithm;

namespace {

constexpr std::uint64_t kSlotSize = 256 * 1024;

class AppDelta : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = make_signer(SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(signer_);
    auto payload = random_bytes(150000, 1);
    old_image_ = make_image(payload, signer_.get(), {1, 0, 0, 0});
    for (std::size_t i = 1000; i < payload.size(); i += 7919) payload[i] ^= 0x33;
    new_image_ = make_image(payload, signer_.get(), {1, 1, 0, 0});
    slot_a_.set_bytes(old_image_);
    ASSERT_TRUE(run_boot_step(store_));
    config_.verify.key = signer_->public_key();
    auto d = awsfota::image::create_delta(old_image_, new_image_, crypto_, 3);
    ASSERT_TRUE(d);
    delta_ = *d;
  }
  awsfota::Expected<FinishedImage, DfuError> run(AppDeltaTarget& t, std::size_t chunk = 1500) {
    TransferSpec s;
    s.size = delta_.size();
    s.allowed = ImageKind::McuBoot | ImageKind::AppDelta;
    if (auto r = t.begin(s); !r) return awsfota::unexpected(r.error());
    for (std::size_t at = 0; at < delta_.size(); at += chunk) {
      if (auto r = t.write(at, std::span(delta_).subspan(at, std::min(chunk, delta_.size() - at))); !r) {
        return awsfota::unexpected(r.error());
      }
      EXPECT_EQ(*t.commit(), 0u);
    }
    return t.finish();
  }

  awsfota::openssl::OpenSslCrypto crypto_;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
  std::vector<std::uint8_t> old_image_, new_image_, delta_;
  FakeDevice slot_a_{kSlotSize}, slot_b_{kSlotSize};
  MemoryBootStore store_;
  RecordBootControl boot_{store_};
  AppConfig config_;
};

}  // namespace

TEST_F(AppDelta, AppliesAgainstTheActiveSlotAndVerifiesTheResult) {
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto done = run(t);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->version, (awsfota::image::ImageVersion{1, 1, 0, 0}));
  EXPECT_TRUE(std::equal(new_image_.begin(), new_image_.end(), slot_b_.bytes().begin()));
  EXPECT_EQ(slot_a_.writes, 0u);
  ASSERT_TRUE(t.schedule());
  EXPECT_EQ(*run_boot_step(store_), Slot::B);
}

TEST_F(AppDelta, PatchFromTheZstdCliWithOurHeaderApplies) {
  if (std::system("zstd --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "zstd CLI absent";
  TempDir dir;
  write_file(dir.path() / "old", old_image_);
  write_file(dir.path() / "new", new_image_);
  const std::string cmd = "zstd -q -f -19 --patch-from=" + (dir.path() / "old").string() + " " +
                          (dir.path() / "new").string() + " -o " + (dir.path() / "p.zst").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  delta_ = awsfota::image::make_delta_header(old_image_, new_image_, crypto_);
  const auto stream = read_file(dir.path() / "p.zst");
  delta_.insert(delta_.end(), stream.begin(), stream.end());
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto done = run(t, 777);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_TRUE(std::equal(new_image_.begin(), new_image_.end(), slot_b_.bytes().begin()));
}

TEST_F(AppDelta, DeltaForAnotherBaseFailsBeforeWriting) {
  auto other = old_image_;
  other[0x200 + 10] ^= 1;
  slot_a_.set_bytes(other);
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::WrongDeltaBase);
  EXPECT_EQ(slot_b_.writes, 0u);
  EXPECT_EQ(slot_a_.writes, 0u);
}

TEST_F(AppDelta, CorruptedDeltaIsRejectedWithoutTouchingTheActiveSlot) {
  const auto active_before = slot_a_.bytes();
  const std::size_t stream = delta_.size() - awsfota::image::kDeltaHeaderSize;
  ASSERT_GT(stream, 64u);
  for (std::size_t i = 1; i <= 6; ++i) delta_[awsfota::image::kDeltaHeaderSize + stream * i / 8] ^= 0xa5;
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::DeltaCorrupt) << r.error().reason;
  EXPECT_EQ(slot_a_.writes, 0u);
  EXPECT_EQ(slot_a_.bytes(), active_before);
  EXPECT_FALSE(t.schedule());
}

TEST_F(AppDelta, ResultLargerThanTheSlotIsTooLarge) {
  FakeDevice small_b(100000);
  AppDeltaTarget t(slot_a_, small_b, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TooLarge);
  EXPECT_EQ(small_b.writes, 0u);
}

TEST_F(AppDelta, ResultSignedByAnotherKeyIsRefused) {
  auto other = make_signer(SignatureAlgorithm::EcdsaP256);
  config_.verify.key = other->public_key();
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::KeyMismatch);
}

TEST_F(AppDelta, ResumeMidStreamIsRefused) {
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  TransferSpec s;
  s.size = delta_.size();
  s.resume_from = 500;
  auto r = t.begin(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::BadState);
}

TEST_F(AppDelta, FullImageSentToTheDeltaTargetIsTypeMismatch) {
  delta_ = new_image_;
  AppDeltaTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
}
