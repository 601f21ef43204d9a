#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "dfu/fakes.hpp"
#include "dfu/transfer_helpers.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;
using awsfota::image::ImageKind;
using awsfota::image::SignatureAlgorithm;

namespace {

constexpr std::uint64_t kSlotSize = 64 * 1024;

class AppSlot : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = make_signer(SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(signer_);
    old_image_ = make_image(random_bytes(20000, 1), signer_.get(), {1, 0, 0, 0});
    image_ = make_image(random_bytes(40000, 2), signer_.get(), {1, 2, 3, 0});
    slot_a_.set_bytes(old_image_);
    ASSERT_TRUE(run_boot_step(store_));
    config_.verify.key = signer_->public_key();
    config_.running_version = awsfota::image::ImageVersion{1, 0, 0, 0};
  }
  TransferSpec spec(std::uint64_t resume = 0) const { return app_transfer(image_.size(), resume); }
  // Writes image_[from, to) in chunks of `chunk`.
  awsfota::Expected<void, DfuError> send(AppSlotTarget& t, std::size_t from, std::size_t to, std::size_t chunk = 4096) {
    return send_range(t, image_, from, to, chunk);
  }
  // begin(), all of image_, finish(): the verification's verdict.
  awsfota::Expected<FinishedImage, DfuError> stage_whole_image(AppSlotTarget& t) {
    if (auto r = t.begin(spec()); !r) return awsfota::unexpected(r.error());
    if (auto r = send(t, 0, image_.size()); !r) return awsfota::unexpected(r.error());
    return t.finish();
  }
  bool slot_b_holds_image() const {
    return std::equal(image_.begin(), image_.end(), slot_b_.bytes().begin());
  }

  awsfota::openssl::OpenSslCrypto crypto_;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
  std::vector<std::uint8_t> old_image_, image_;
  FakeDevice slot_a_{kSlotSize}, slot_b_{kSlotSize};
  MemoryBootStore store_;
  RecordBootControl boot_{store_};
  AppConfig config_;
};

}  // namespace

TEST_F(AppSlot, WritesInactiveSlotVerifiesAndSchedulesTrial) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  EXPECT_EQ(t.target_slot(), Slot::B);
  ASSERT_TRUE(send(t, 0, image_.size(), 3000));
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->kind, ImageKind::McuBoot);
  EXPECT_EQ(done->version, (awsfota::image::ImageVersion{1, 2, 3, 0}));
  EXPECT_TRUE(slot_b_holds_image());
  EXPECT_EQ(slot_a_.writes, 0u);
  ASSERT_TRUE(t.schedule());
  EXPECT_EQ(boot_.status()->state, BootState::TrialPending);
  EXPECT_EQ(*run_boot_step(store_), Slot::B);
}

TEST_F(AppSlot, ScheduleBeforeVerifiedFinishIsRefused) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(send(t, 0, 100));
  auto r = t.schedule();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::BadState);
  EXPECT_EQ(boot_.status()->state, BootState::Confirmed);
}

TEST_F(AppSlot, ImageLargerThanSlotIsRefusedBeforeWriting) {
  image_ = make_image(random_bytes(kSlotSize, 3), signer_.get(), {2, 0, 0, 0});
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = t.begin(spec());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TooLarge);
  EXPECT_EQ(slot_b_.writes + slot_a_.writes, 0u);
}

TEST_F(AppSlot, FileOfAnotherKindIsRefusedBeforeWriting) {
  image_.assign(1000, 0);
  image_[0] = 0xd2;  // full modem magic
  image_[1] = 0x84;
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
  EXPECT_EQ(slot_b_.writes, 0u);
}

TEST_F(AppSlot, UnknownFileIsInvalidUpdate) {
  image_.assign(1000, 7);
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::InvalidUpdate);
}

TEST_F(AppSlot, DowngradeIsRefusedAtTheHeader) {
  config_.running_version = awsfota::image::ImageVersion{2, 0, 0, 0};
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::Downgrade);
  EXPECT_EQ(slot_b_.writes, 0u);
}

TEST_F(AppSlot, CorruptedPayloadIsHashMismatchAndNotScheduled) {
  image_[5000] ^= 1;
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = stage_whole_image(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::HashMismatch);
  EXPECT_FALSE(t.schedule());
}

// The verification hashes the slot's content, not the bytes that came in: a slot that does not keep
// what was written to it fails, although every byte of the stream was right.
TEST_F(AppSlot, BytesTheSlotDidNotKeepAreHashMismatch) {
  slot_b_.corrupt_at = image_.size() / 2;
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(send(t, 0, image_.size()));
  auto done = t.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, DfuCause::HashMismatch) << done.error().reason;
  EXPECT_FALSE(t.schedule());
}

// After a restart the bytes below the resume offset are the ones in the slot, whoever wrote them.
TEST_F(AppSlot, ResumeHashesTheBytesAlreadyInTheSlot) {
  auto earlier = image_;
  earlier[30000] ^= 0x80;
  slot_b_.set_bytes(std::vector<std::uint8_t>(earlier.begin(), earlier.begin() + 35000));
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec(35000)));
  ASSERT_TRUE(send(t, 35000, image_.size()));
  auto done = t.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, DfuCause::HashMismatch);
  // The same resume over intact bytes verifies.
  slot_b_.set_bytes(std::vector<std::uint8_t>(image_.begin(), image_.begin() + 35000));
  ASSERT_TRUE(t.begin(spec(35000)));
  ASSERT_TRUE(send(t, 35000, image_.size()));
  auto again = t.finish();
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_TRUE(slot_b_holds_image());
}

// start_commit() does not wait; what it reports as durable is never past what a sync covered.
TEST_F(AppSlot, BackgroundCommitsReportOnlySyncedBytes) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  for (std::size_t at = 0; at < image_.size(); at += 1000) {
    ASSERT_TRUE(t.write(at, std::span(image_).subspan(at, std::min<std::size_t>(1000, image_.size() - at))));
    auto durable = t.start_commit();
    ASSERT_TRUE(durable);
    EXPECT_LE(*durable, at + 1000);
    EXPECT_LE(t.durable_offset(), at + 1000);
  }
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(t.durable_offset(), image_.size());
  EXPECT_GE(slot_b_.syncs, 1u);
}

TEST_F(AppSlot, HandsOverTheWholeFilesSha256OnceTheLastByteIsCommitted) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(send(t, 0, image_.size() - 1));
  ASSERT_TRUE(t.commit());
  EXPECT_FALSE(t.staged_sha256());  // not before the end
  ASSERT_TRUE(send(t, image_.size() - 1, image_.size()));
  ASSERT_TRUE(t.commit());
  ASSERT_TRUE(t.staged_sha256());
  EXPECT_EQ(*t.staged_sha256(), awsfota::image::sha256_of(crypto_, image_));
  ASSERT_TRUE(t.finish());
}

TEST_F(AppSlot, ImageSignedByAnotherKeyIsKeyMismatch) {
  auto other = make_signer(SignatureAlgorithm::EcdsaP256);
  image_ = make_image(random_bytes(40000, 2), other.get(), {1, 2, 3, 0});
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = stage_whole_image(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::KeyMismatch);
}

TEST_F(AppSlot, UnsignedImageIsMissingSignatureWhenAKeyIsConfigured) {
  image_ = make_image(random_bytes(40000, 2), nullptr, {1, 2, 3, 0});  // hash only
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = stage_whole_image(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::MissingSignature);
  EXPECT_FALSE(t.schedule());
  EXPECT_EQ(boot_.status()->state, BootState::Confirmed);  // no trial of it
}

// A fresh transfer erases the inactive slot first (ERASE_PENDING / ERASE_DONE around it in the
// runtime); the running slot is never touched.
TEST_F(AppSlot, PrepareFreshErasesTheInactiveSlotAndNeverTheRunningOne) {
  slot_b_.set_bytes(std::vector<std::uint8_t>(kSlotSize, 0x5a));
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto n = t.prepare_fresh(image_.size());
  ASSERT_TRUE(n) << n.error().reason;
  EXPECT_EQ(*n, image_.size());
  EXPECT_EQ(slot_b_.erases, 1u);
  EXPECT_EQ(slot_a_.erases, 0u);
  EXPECT_TRUE(std::all_of(slot_b_.bytes().begin(), slot_b_.bytes().begin() + static_cast<std::ptrdiff_t>(image_.size()),
                          [](std::uint8_t b) { return b != 0x5a; }));
  EXPECT_TRUE(std::equal(old_image_.begin(), old_image_.end(), slot_a_.bytes().begin()));
  ASSERT_TRUE(stage_whole_image(t));
  EXPECT_TRUE(slot_b_holds_image());
  EXPECT_EQ(*t.prepare_fresh(std::nullopt), kSlotSize);  // no size known: the whole slot
  EXPECT_EQ(*t.prepare_fresh(kSlotSize + 1), 0u);        // too large: begin() will say so
}

TEST_F(AppSlot, PrepareFreshLeavesBothSlotsAloneWhileATrialIsPendingOrRuns) {
  ASSERT_TRUE(boot_.request_trial(Slot::B));
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  EXPECT_EQ(*t.prepare_fresh(image_.size()), 0u);  // B holds the image the next boot tries
  ASSERT_TRUE(run_boot_step(store_));
  EXPECT_EQ(*t.prepare_fresh(image_.size()), 0u);  // A is the running trial's fallback
  EXPECT_EQ(slot_a_.erases + slot_b_.erases, 0u);
}

TEST_F(AppSlot, GapsAndExcessBytesAreRefusedRepeatsSkipped) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(send(t, 0, 8192));
  auto gap = t.write(9000, std::span(image_).subspan(9000, 10));
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().cause, DfuCause::BadState);
  ASSERT_TRUE(send(t, 4096, image_.size()));  // overlaps what was written: fine
  const std::uint8_t extra[1] = {0};
  auto more = t.write(image_.size(), extra);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().cause, DfuCause::TooLarge);
  ASSERT_TRUE(t.finish());
}

TEST_F(AppSlot, FinishBeforeTheLastByteIsBadState) {
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  ASSERT_TRUE(send(t, 0, 1000));
  auto r = t.finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::BadState);
}

TEST_F(AppSlot, WriteErrorIsIo) {
  slot_b_.fail_writes_after = 2;
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::Io);
}

TEST_F(AppSlot, NoUpdateWhileATrialIsUnconfirmed) {
  ASSERT_TRUE(boot_.request_trial(Slot::B));
  ASSERT_TRUE(run_boot_step(store_));
  AppSlotTarget t(slot_a_, slot_b_, boot_, crypto_, config_);
  auto r = t.begin(spec());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::BadState);
}

// Power loss at random points, including between write and sync: after each, a new target resumes
// from the last durable offset the "checkpoint store" saw. The result is always the exact image,
// verified, and slot A is never written.
TEST_F(AppSlot, PowerLossAtRandomPointsAlwaysEndsWithTheExactVerifiedImage) {
  const std::uint32_t seed = std::random_device{}();
  std::cout << "power-loss seed: " << seed << " (rerun with AWSFOTA_SEED=" << seed << ")\n";
  std::uint32_t used = seed;
  if (const char* s = std::getenv("AWSFOTA_SEED")) used = static_cast<std::uint32_t>(std::stoul(s));
  std::mt19937 rng(used);
  const auto active_before = slot_a_.bytes();
  for (int round = 0; round < 40; ++round) {
    FakeDevice slot_b(kSlotSize);
    std::uint64_t checkpoint = 0;  // what the engine would have persisted
    int crashes = 0;
    for (;;) {
      // The target lives on the heap so that the simulated power loss can stop it (and its follower
      // threads) first, as a real one stops the process.
      auto target = std::make_unique<AppSlotTarget>(slot_a_, slot_b, boot_, crypto_, config_);
      AppSlotTarget& t = *target;
      ASSERT_TRUE(t.begin(spec(checkpoint))) << "seed " << used;
      const std::size_t crash_at = checkpoint + rng() % (image_.size() - checkpoint + 2000);
      bool crashed = false;
      for (std::size_t at = checkpoint; at < image_.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 5000, image_.size() - at);
        ASSERT_TRUE(t.write(at, std::span(image_).subspan(at, n))) << "seed " << used;
        at += n;
        if (rng() % 3 == 0) {
          auto durable = t.commit();
          ASSERT_TRUE(durable);
          EXPECT_LE(*durable, at);
          // The checkpoint store may or may not have saved this before a crash.
          if (rng() % 4 != 0) checkpoint = *durable;
        }
        if (at >= crash_at && crashes < 5) {
          crashed = true;
          break;
        }
      }
      if (crashed) {
        ++crashes;
        target.reset();
        slot_b.power_loss(rng);
        continue;
      }
      auto done = t.finish();
      ASSERT_TRUE(done) << "seed " << used << " round " << round << ": " << done.error().reason;
      break;
    }
    EXPECT_TRUE(std::equal(image_.begin(), image_.end(), slot_b.bytes().begin())) << "seed " << used;
  }
  EXPECT_EQ(slot_a_.writes, 0u);
  EXPECT_EQ(slot_a_.bytes(), active_before);
}

TEST(AppSlotPosix, RealFilesEndToEnd) {
  TempDir dir;
  auto signer = make_signer(SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(signer);
  const auto old_image = make_image(random_bytes(3000, 5), signer.get(), {1, 0, 0, 0});
  const auto image = make_image(random_bytes(300000, 6), signer.get(), {1, 1, 0, 0});
  write_file(dir.path() / "a.img", old_image);
  auto a = awsfota::posix::PosixBlockDevice::open(dir.path() / "a.img", 1 << 20);
  auto b = awsfota::posix::PosixBlockDevice::open(dir.path() / "b.img", 1 << 20);
  ASSERT_TRUE(a && b);
  awsfota::posix::FileBootRecordStore store(dir.path() / "boot.state");
  ASSERT_TRUE(run_boot_step(store));
  RecordBootControl boot(store);
  awsfota::openssl::OpenSslCrypto crypto;
  AppConfig cfg;
  cfg.verify.key = signer->public_key();
  {
    AppSlotTarget t(**a, **b, boot, crypto, cfg);
    TransferSpec s;
    s.size = image.size();
    ASSERT_TRUE(t.begin(s));
    ASSERT_TRUE(t.write(0, std::span(image).first(100000)));
    EXPECT_EQ(*t.commit(), 100000u);
  }
  {
    AppSlotTarget t(**a, **b, boot, crypto, cfg);  // a restart resumes from the checkpoint
    TransferSpec s;
    s.size = image.size();
    s.resume_from = 100000;
    ASSERT_TRUE(t.begin(s));
    ASSERT_TRUE(t.write(100000, std::span(image).subspan(100000)));
    auto done = t.finish();
    ASSERT_TRUE(done) << done.error().reason;
    ASSERT_TRUE(t.schedule());
  }
  EXPECT_EQ(read_file(dir.path() / "a.img"), old_image);
  auto b_bytes = read_file(dir.path() / "b.img");
  b_bytes.resize(image.size());
  EXPECT_EQ(b_bytes, image);
  EXPECT_EQ(*run_boot_step(store), Slot::B);
}

TEST(AppSlotPosix, SlotPathThatIsADirectoryIsAnError) {
  TempDir dir;
  auto d = awsfota::posix::PosixBlockDevice::open(dir.path(), 100);
  ASSERT_FALSE(d);
  EXPECT_FALSE(d.error().message.empty());
}
