#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "dfu/fakes.hpp"
#include "dfu/no_clone_crypto.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;
using awsfota::image::ImageKind;
using awsfota::image::SignatureAlgorithm;

namespace {

constexpr std::uint64_t kDeltaSlotSize = 256 * 1024;
constexpr std::uint64_t kStagingSize = 64 * 1024;

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
  TransferSpec spec(std::uint64_t resume = 0) const {
    TransferSpec s;
    s.size = delta_.size();
    s.allowed = ImageKind::McuBoot | ImageKind::AppDelta;
    s.resume_from = resume;
    return s;
  }
  awsfota::Expected<FinishedImage, DfuError> run(AppDeltaTarget& t, std::size_t chunk = 1500) {
    if (auto r = t.begin(spec()); !r) return awsfota::unexpected(r.error());
    for (std::size_t at = 0; at < delta_.size(); at += chunk) {
      const std::size_t n = std::min(chunk, delta_.size() - at);
      if (auto r = t.write(at, std::span(delta_).subspan(at, n)); !r) return awsfota::unexpected(r.error());
      EXPECT_EQ(*t.commit(), at + n);
    }
    return t.finish();
  }
  // The whole delta through a new target fails finish() with `cause`, and nothing can be scheduled.
  void expect_refused(DfuCause cause) {
    AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
    auto r = run(t);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().cause, cause) << r.error().reason;
    EXPECT_FALSE(t.schedule());
  }
  bool slot_b_holds_new_image(const FakeDevice& slot) const {
    return std::equal(new_image_.begin(), new_image_.end(), slot.bytes().begin());
  }

  awsfota::openssl::OpenSslCrypto crypto_;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
  std::vector<std::uint8_t> old_image_, new_image_, delta_;
  FakeDevice slot_a_{kDeltaSlotSize}, slot_b_{kDeltaSlotSize}, staging_{kStagingSize};
  MemoryBootStore store_;
  RecordBootControl boot_{store_};
  AppConfig config_;
};

}  // namespace

TEST_F(AppDelta, StagesThenAppliesAgainstTheActiveSlotAndVerifies) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto done = run(t);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->version, (awsfota::image::ImageVersion{1, 1, 0, 0}));
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
  EXPECT_TRUE(std::equal(delta_.begin(), delta_.end(), staging_.bytes().begin()));
  EXPECT_EQ(slot_a_.writes, 0u);
  ASSERT_TRUE(t.schedule());
  EXPECT_EQ(*run_boot_step(store_), Slot::B);
}

TEST_F(AppDelta, NothingReachesTheInactiveSlotBeforeFinish) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(t.write(0, delta_));
  ASSERT_TRUE(t.commit());
  EXPECT_EQ(slot_b_.writes, 0u);
  ASSERT_TRUE(t.finish());
  EXPECT_GT(slot_b_.writes, 0u);
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
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto done = run(t, 777);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
}

TEST_F(AppDelta, DeltaForAnotherBaseFailsAtItsHeaderBeforeWriting) {
  auto other = old_image_;
  other[0x200 + 10] ^= 1;
  slot_a_.set_bytes(other);
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(t.write(0, std::span(delta_).first(99)));
  auto r = t.write(99, std::span(delta_).subspan(99, 50));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::WrongDeltaBase) << r.error().reason;
  EXPECT_EQ(slot_b_.writes, 0u);
  EXPECT_EQ(slot_a_.writes, 0u);
}

// A delta that does not decode fails before anything is scheduled and leaves the active slot alone,
// whether the result goes to a heap copy of the slot or is decoded in place into its mapping.
TEST_F(AppDelta, CorruptedDeltaIsRejectedWithoutTouchingTheActiveSlot) {
  const std::size_t stream = delta_.size() - awsfota::image::kDeltaHeaderSize;
  ASSERT_GT(stream, 64u);
  for (std::size_t i = 1; i <= 6; ++i) delta_[awsfota::image::kDeltaHeaderSize + stream * i / 8] ^= 0xa5;
  for (bool in_place : {false, true}) {
    SCOPED_TRACE(in_place ? "decoded in place" : "heap copy");
    slot_b_.map_in_place = slot_b_.concurrent = in_place;
    const auto active_before = slot_a_.bytes();
    AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
    auto r = run(t);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().cause, DfuCause::DeltaCorrupt) << r.error().reason;
    EXPECT_EQ(slot_a_.writes, 0u);
    EXPECT_EQ(slot_a_.bytes(), active_before);
    if (!in_place) {
      EXPECT_EQ(slot_b_.writes, 0u) << "a delta that does not decode is not written out";
    }
    EXPECT_FALSE(t.schedule());
  }
}

// The result is verified as the slot holds it, not as the decoder produced it: the heap-copy mapping
// stores it with write() in flush(), and the slot keeps one byte flipped.
TEST_F(AppDelta, BytesTheSlotDidNotKeepAreHashMismatch) {
  const auto active_before = slot_a_.bytes();
  slot_b_.corrupt_at = new_image_.size() / 2;
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::HashMismatch) << r.error().reason;
  EXPECT_FALSE(t.schedule());
  EXPECT_EQ(slot_a_.writes, 0u);
  EXPECT_EQ(slot_a_.bytes(), active_before);
}

// With a mapping whose stores read() sees at once (as a shared mmap of a slot file), the result is
// read back behind the decoder: all of it before the mapping is flushed (flush() waits for those
// reads, and would time out if they came only after it), and once: finish() reads only the header and
// TLV area again, not the whole image.
TEST_F(AppDelta, ResultIsReadBackFromTheSlotWhileTheDecoderWritesItAndOnlyOnce) {
  slot_b_.map_in_place = slot_b_.concurrent = true;
  slot_b_.flush_waits_for_reads = new_image_.size();
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(t.write(0, delta_));
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_FALSE(slot_b_.flush_wait_timed_out) << "the result was read back only after the flush";
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
  EXPECT_GE(slot_b_.bytes_read, new_image_.size());
  EXPECT_LT(slot_b_.bytes_read, new_image_.size() + 4096) << "the image was read a second time";
  ASSERT_TRUE(t.schedule());
}

// The same through the heap copy: the read-back follows the flush, still once.
TEST_F(AppDelta, HeapMappedResultIsReadBackOnceAfterTheFlush) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto done = run(t);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_GE(slot_b_.bytes_read, new_image_.size());
  EXPECT_LT(slot_b_.bytes_read, new_image_.size() + 4096) << "the image was read a second time";
}

// The decoder wrote the right bytes, but the slot gives one back wrong: the hash is the slot's.
TEST_F(AppDelta, InPlaceResultIsHashedAsTheSlotReadsItBack) {
  slot_b_.map_in_place = slot_b_.concurrent = true;
  slot_b_.corrupt_read_at = new_image_.size() / 3;
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::HashMismatch) << r.error().reason;
  EXPECT_FALSE(t.schedule());
}

// A byte outside the signed region (the unprotected TLV area) that the slot does not give back is
// not caught by the image's own hash; the delta header's SHA-256 of the whole result catches it.
TEST_F(AppDelta, ResultDifferingOnlyOutsideTheSignedRegionFailsTheDeltaResultHash) {
  slot_b_.map_in_place = slot_b_.concurrent = true;
  slot_b_.corrupt_read_at = new_image_.size() - 1;  // the last byte of the signature TLV's value
  config_.verify.key.reset();                       // so that only the hashes can tell
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::DeltaCorrupt) << r.error().reason;
  EXPECT_NE(r.error().reason.find("SHA-256"), std::string::npos) << r.error().reason;
  EXPECT_FALSE(t.schedule());
}

// A crypto backend that cannot take the signed region's digest on the way gives the follower that
// digest only; the whole result's hash then costs a second pass over the slot, and still checks it.
TEST_F(AppDelta, WithoutACopyableHashStateTheResultHashTakesASecondPassOverTheSlot) {
  NoCloneCrypto no_clone;
  slot_b_.map_in_place = slot_b_.concurrent = true;
  {
    AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, no_clone, config_);
    auto done = run(t);
    ASSERT_TRUE(done) << done.error().reason;
    EXPECT_GT(slot_b_.bytes_read, new_image_.size() + new_image_.size() / 2) << "read a second time";
  }
  slot_b_.corrupt_read_at = new_image_.size() - 1;  // outside the signed region
  config_.verify.key.reset();
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, no_clone, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::DeltaCorrupt) << r.error().reason;
}

// The running slot changes after the header's base check (it must not, but if it does): the decoder
// then rebuilds from other bytes, zstd's checksum of the result fails, and the active slot is left as
// it is.
TEST_F(AppDelta, BaseChangedAfterItsCheckFailsTheApplyAndLeavesTheActiveSlotAlone) {
  slot_b_.map_in_place = slot_b_.concurrent = true;
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(t.write(0, delta_));
  auto changed = old_image_;
  for (std::size_t i = 0x400; i < changed.size() - 0x400; i += 4096) changed[i] ^= 0x5a;
  slot_a_.set_bytes(changed);
  auto r = t.finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::DeltaCorrupt) << r.error().reason;
  EXPECT_EQ(slot_a_.writes, 0u);
  EXPECT_TRUE(std::equal(changed.begin(), changed.end(), slot_a_.bytes().begin()));
  EXPECT_FALSE(t.schedule());
}

TEST_F(AppDelta, ResultLargerThanTheSlotIsTooLargeAtTheHeader) {
  FakeDevice small_b(100000);
  AppDeltaTarget t(slot_a_, small_b, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TooLarge);
  EXPECT_EQ(small_b.writes, 0u);
  EXPECT_EQ(staging_.writes, 0u);
}

TEST_F(AppDelta, DeltaLargerThanTheStagingAreaIsTooLargeInBegin) {
  FakeDevice small_staging(delta_.size() - 1);
  AppDeltaTarget t(slot_a_, slot_b_, small_staging, boot_, crypto_, config_);
  auto r = t.begin(spec());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TooLarge);
  EXPECT_NE(r.error().reason.find("staging"), std::string::npos) << r.error().reason;
}

TEST_F(AppDelta, ResultSignedByAnotherKeyIsRefused) {
  auto other = make_signer(SignatureAlgorithm::EcdsaP256);
  config_.verify.key = other->public_key();
  expect_refused(DfuCause::KeyMismatch);
}

TEST_F(AppDelta, UnsignedResultIsMissingSignatureWhenAKeyIsConfigured) {
  auto payload = random_bytes(150000, 1);
  payload[5000] ^= 0x11;
  new_image_ = make_image(payload, nullptr, {1, 1, 0, 0});  // hash only
  auto d = awsfota::image::create_delta(old_image_, new_image_, crypto_, 3);
  ASSERT_TRUE(d);
  delta_ = *d;
  expect_refused(DfuCause::MissingSignature);
}

TEST_F(AppDelta, PrepareFreshErasesTheStagingAreaAndNoSlot) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto n = t.prepare_fresh(delta_.size());
  ASSERT_TRUE(n) << n.error().reason;
  EXPECT_EQ(*n, delta_.size());
  EXPECT_EQ(staging_.erases, 1u);
  EXPECT_EQ(slot_a_.erases + slot_b_.erases, 0u);
  auto r = run(t);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
}

TEST_F(AppDelta, ResultOlderThanTheRunningVersionIsDowngrade) {
  config_.running_version = awsfota::image::ImageVersion{2, 0, 0, 0};
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::Downgrade);
}

TEST_F(AppDelta, ResumesFromACommittedOffsetInANewTarget) {
  const std::size_t cut = delta_.size() / 2;
  {
    AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
    ASSERT_TRUE(t.begin(spec()));
    ASSERT_TRUE(t.write(0, std::span(delta_).first(cut)));
    EXPECT_EQ(*t.commit(), cut);
  }
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec(cut)));
  EXPECT_EQ(t.durable_offset(), cut);
  ASSERT_TRUE(t.write(cut, std::span(delta_).subspan(cut)));
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
}

TEST_F(AppDelta, ResumeRechecksTheStagedHeaderAgainstTheRunningSlot) {
  {
    AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
    ASSERT_TRUE(t.begin(spec()));
    ASSERT_TRUE(t.write(0, std::span(delta_).first(delta_.size() - 10)));
    ASSERT_TRUE(t.commit());
  }
  auto changed = old_image_;
  changed[0x300] ^= 0xff;
  slot_a_.set_bytes(changed);
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = t.begin(spec(delta_.size() - 10));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::WrongDeltaBase);
}

TEST_F(AppDelta, ResumePastTheSizeIsBadState) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = t.begin(spec(delta_.size() + 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::BadState);
}

TEST_F(AppDelta, FullImageSentToTheDeltaTargetIsTypeMismatch) {
  delta_ = new_image_;
  FakeDevice big_staging(kDeltaSlotSize);
  AppDeltaTarget t(slot_a_, slot_b_, big_staging, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
}

TEST_F(AppDelta, HeaderWithNoPatchAfterItIsInvalidUpdate) {
  delta_.resize(awsfota::image::kDeltaHeaderSize);
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  auto r = run(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::InvalidUpdate) << r.error().reason;
}

TEST_F(AppDelta, FailedSlotWriteIsIoAndARetryOfFinishSucceeds) {
  AppDeltaTarget t(slot_a_, slot_b_, staging_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(t.write(0, delta_));
  slot_b_.fail_writes_after = 0;
  auto r = t.finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::Io);
  slot_b_.fail_writes_after.reset();
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_TRUE(slot_b_holds_new_image(slot_b_));
}

// Power loss at random points while staging (including between write and sync) and while applying
// (a failed slot write or fsync, then the unsynced part of the slot kept at random): a new target
// resumes from the last checkpoint the engine saw; once all is staged, finish() runs the apply again.
// The result is always the exact image, verified, and the active slot is never written.
TEST_F(AppDelta, PowerLossWhileStagingOrApplyingAlwaysEndsWithTheExactVerifiedImage) {
  const std::uint32_t seed = std::random_device{}();
  std::uint32_t used = seed;
  if (const char* s = std::getenv("AWSFOTA_SEED")) used = static_cast<std::uint32_t>(std::stoul(s));
  std::cout << "power-loss seed: " << used << " (rerun with AWSFOTA_SEED=" << used << ")\n";
  std::mt19937 rng(used);
  const auto active_before = slot_a_.bytes();
  for (int round = 0; round < 30; ++round) {
    FakeDevice staging(kStagingSize), slot_b(kDeltaSlotSize, static_cast<std::uint8_t>(rng()));
    std::uint64_t checkpoint = 0;
    int crashes = 0;
    for (;;) {
      AppDeltaTarget t(slot_a_, slot_b, staging, boot_, crypto_, config_);
      ASSERT_TRUE(t.begin(spec(checkpoint))) << "seed " << used;
      const std::size_t crash_at = checkpoint + rng() % (delta_.size() - checkpoint + 600);
      bool crashed = false;
      for (std::size_t at = checkpoint; at < delta_.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 700, delta_.size() - at);
        ASSERT_TRUE(t.write(at, std::span(delta_).subspan(at, n))) << "seed " << used;
        at += n;
        if (rng() % 3 == 0) {
          auto durable = t.commit();
          ASSERT_TRUE(durable);
          if (rng() % 4 != 0) checkpoint = *durable;  // the checkpoint store may not have saved it
        }
        if (at >= crash_at && crashes < 6) {
          crashed = true;
          break;
        }
      }
      if (!crashed && crashes < 6 && rng() % 2 == 0) {
        // Crash inside finish(): the slot write or its fsync fails, the power goes.
        if (rng() % 2 == 0) slot_b.fail_writes_after = 0; else slot_b.fail_next_sync = true;
        auto r = t.finish();
        ASSERT_FALSE(r) << "seed " << used;
        ASSERT_EQ(r.error().cause, DfuCause::Io) << "seed " << used << ": " << r.error().reason;
        slot_b.fail_writes_after.reset();
        slot_b.fail_next_sync = false;
        checkpoint = t.durable_offset();  // finish() committed everything before applying
        crashed = true;
      }
      if (crashed) {
        ++crashes;
        staging.power_loss(rng);
        slot_b.power_loss(rng);
        continue;
      }
      auto done = t.finish();
      ASSERT_TRUE(done) << "seed " << used << " round " << round << ": " << done.error().reason;
      break;
    }
    EXPECT_TRUE(slot_b_holds_new_image(slot_b)) << "seed " << used << " round " << round;
  }
  EXPECT_EQ(slot_a_.writes, 0u);
  EXPECT_EQ(slot_a_.bytes(), active_before);
}

// The real backend: slot and staging files, mapped; a "crash" is the target going away mid-transfer.
TEST(AppDeltaPosix, RealFilesResumeApplyAndVerify) {
  TempDir dir;
  auto signer = make_signer(SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(signer);
  auto payload = random_bytes(400000, 8);
  const auto old_image = make_image(payload, signer.get(), {1, 0, 0, 0});
  for (std::size_t i = 0; i < payload.size(); i += 10007) payload[i] ^= 0x77;
  payload.resize(payload.size() + 12345, 0x42);
  const auto new_image = make_image(payload, signer.get(), {1, 1, 0, 0});
  awsfota::openssl::OpenSslCrypto crypto;
  const auto delta = *awsfota::image::create_delta(old_image, new_image, crypto, 3);
  write_file(dir.path() / "a.img", old_image);
  auto a = awsfota::posix::PosixBlockDevice::open(dir.path() / "a.img", 1 << 20, /*read_only=*/true);
  auto b = awsfota::posix::PosixBlockDevice::open(dir.path() / "b.img", 1 << 20);
  auto staging = awsfota::posix::PosixBlockDevice::open(dir.path() / "delta.stage", 256 << 10);
  ASSERT_TRUE(a && b && staging);
  awsfota::posix::FileBootRecordStore store(dir.path() / "boot.state");
  ASSERT_TRUE(run_boot_step(store));
  RecordBootControl boot(store);
  AppConfig cfg;
  cfg.verify.key = signer->public_key();
  TransferSpec s;
  s.size = delta.size();
  const std::size_t cut = delta.size() / 3;
  {
    AppDeltaTarget t(**a, **b, **staging, boot, crypto, cfg);
    ASSERT_TRUE(t.begin(s));
    ASSERT_TRUE(t.write(0, std::span(delta).first(cut)));
    EXPECT_EQ(*t.commit(), cut);
  }
  {
    AppDeltaTarget t(**a, **b, **staging, boot, crypto, cfg);
    s.resume_from = cut;
    ASSERT_TRUE(t.begin(s));
    ASSERT_TRUE(t.write(cut, std::span(delta).subspan(cut)));
    auto done = t.finish();
    ASSERT_TRUE(done) << done.error().reason;
  }
  {
    // Power loss after the apply but before the checkpoint said "verified": finish() runs again.
    AppDeltaTarget t(**a, **b, **staging, boot, crypto, cfg);
    s.resume_from = delta.size();
    ASSERT_TRUE(t.begin(s));
    auto done = t.finish();
    ASSERT_TRUE(done) << done.error().reason;
    ASSERT_TRUE(t.schedule());
  }
  EXPECT_EQ(read_file(dir.path() / "a.img"), old_image);
  auto b_bytes = read_file(dir.path() / "b.img");
  ASSERT_GE(b_bytes.size(), new_image.size());
  b_bytes.resize(new_image.size());
  EXPECT_EQ(b_bytes, new_image);
  EXPECT_EQ(*run_boot_step(store), Slot::B);
}
