// Partition slots: a partition image's payload lands at the inactive partition's byte 0, its header and
// TLVs in the side record, and it is verified (read back) before a trial is scheduled.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "awsfota/dfu/app_targets.hpp"
#include "awsfota/dfu/split_envelope.hpp"
#include "awsfota/image/create.hpp"
#include "dfu/fakes.hpp"
#include "dfu/transfer_helpers.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;
using awsfota::image::SignatureAlgorithm;

namespace {

constexpr std::uint64_t kPartitionSize = 64 * 1024;
constexpr std::size_t kPayloadSize = 40000;
constexpr std::size_t kHeaderSize = 0x200;

std::vector<std::uint8_t> make_partition_image(const std::vector<std::uint8_t>& payload,
                                               const awsfota::image::ImageSigner* signer,
                                               awsfota::image::ImageVersion version) {
  awsfota::openssl::OpenSslCrypto crypto;
  awsfota::image::CreateOptions options;
  options.version = version;
  options.flags = awsfota::image::kPartitionPayloadFlag;
  auto img = awsfota::image::create_image(payload, options, signer, crypto);
  return img ? *img : std::vector<std::uint8_t>{};
}

class PartitionSlot : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = make_signer(SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(signer_);
    partition_a_.set_bytes(random_bytes(kPartitionSize, 9));  // the running root filesystem
    payload_ = random_bytes(kPayloadSize, 2);
    image_ = make_partition_image(payload_, signer_.get(), {1, 2, 3, 0});
    ASSERT_TRUE(run_boot_step(store_));
    config_.verify.key = signer_->public_key();
    config_.running_version = awsfota::image::ImageVersion{1, 0, 0, 0};
  }
  TransferSpec spec(std::uint64_t resume = 0) const { return app_transfer(image_.size(), resume); }
  awsfota::Expected<void, DfuError> send(AppSlotTarget& t, std::size_t from, std::size_t to) {
    return send_range(t, image_, from, to, 3000);
  }
  // The whole transfer, then finish(): the verification's verdict.
  awsfota::Expected<FinishedImage, DfuError> stage(AppSlotTarget& t) {
    if (auto r = t.begin(spec()); !r) return awsfota::unexpected(r.error());
    if (auto r = send(t, 0, image_.size()); !r) return awsfota::unexpected(r.error());
    return t.finish();
  }
  static bool starts_with(const FakeDevice& device, std::span<const std::uint8_t> bytes) {
    return std::equal(bytes.begin(), bytes.end(), device.bytes().begin());
  }
  // The record holds the envelope without its payload: header, then the TLVs.
  bool record_holds_header_and_tlvs() const {
    std::vector<std::uint8_t> expected(image_.begin(), image_.begin() + kHeaderSize);
    expected.insert(expected.end(), image_.begin() + kHeaderSize + kPayloadSize, image_.end());
    return starts_with(record_, expected);
  }

  awsfota::openssl::OpenSslCrypto crypto_;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
  std::vector<std::uint8_t> payload_, image_;
  FakeDevice partition_a_{kPartitionSize}, partition_b_{kPartitionSize}, record_{kSplitRecordSize};
  MemoryBootStore store_;
  RecordBootControl boot_{store_};
  AppConfig config_;
};

}  // namespace

TEST_F(PartitionSlot, SignedImagePutsThePayloadAtByteZeroAndSchedulesATrial) {
  const auto running = partition_a_.bytes();
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  auto done = stage(t);
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->version, (awsfota::image::ImageVersion{1, 2, 3, 0}));
  EXPECT_TRUE(starts_with(partition_b_, payload_)) << "the payload is not at the partition's byte 0";
  EXPECT_TRUE(record_holds_header_and_tlvs());
  // The document's sha256 names the file as sent: the read-back of record and partition gives it.
  ASSERT_TRUE(t.staged_sha256());
  EXPECT_EQ(*t.staged_sha256(), awsfota::image::sha256_of(crypto_, image_));
  ASSERT_TRUE(t.schedule());
  EXPECT_EQ(boot_.status()->state, BootState::TrialPending);
  EXPECT_EQ(partition_a_.writes, 0u);
  EXPECT_EQ(partition_a_.bytes(), running);
}

TEST_F(PartitionSlot, TamperedPayloadIsHashMismatchNeverScheduledAndLeftUnmountable) {
  image_[kHeaderSize + 1500] ^= 0x20;
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  auto done = stage(t);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, DfuCause::HashMismatch);
  EXPECT_EQ(t.schedule().error().cause, DfuCause::BadState);
  EXPECT_EQ(boot_.status()->state, BootState::Confirmed);
  EXPECT_EQ(boot_.status()->active, Slot::A);
  // The untrusted payload's start (where superblocks are) is erased, durably.
  EXPECT_TRUE(std::all_of(partition_b_.bytes().begin(), partition_b_.bytes().end(), [](auto b) { return b == 0xff; }));
  EXPECT_EQ(partition_a_.writes, 0u);
}

TEST_F(PartitionSlot, ImageSignedByAnotherKeyIsKeyMismatchAndNotScheduled) {
  auto other = make_signer(SignatureAlgorithm::EcdsaP256);
  image_ = make_partition_image(payload_, other.get(), {1, 2, 3, 0});
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  auto done = stage(t);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, DfuCause::KeyMismatch);
  EXPECT_FALSE(t.schedule());
  EXPECT_EQ(boot_.status()->state, BootState::Confirmed);
}

TEST_F(PartitionSlot, ImageWithoutThePartitionFlagIsRefusedBeforeAnyWrite) {
  image_ = make_image(payload_, signer_.get(), {1, 2, 3, 0});
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
  EXPECT_NE(r.error().reason.find("--partition"), std::string::npos) << r.error().reason;
  EXPECT_EQ(partition_b_.writes + record_.writes, 0u);
}

TEST_F(PartitionSlot, SlotsThatHoldWholeImagesRefuseAPartitionImage) {
  FakeDevice slot_a(kPartitionSize), slot_b(kPartitionSize);
  AppSlotTarget t(slot_a, slot_b, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec()));
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
  EXPECT_EQ(slot_b.writes, 0u);
}

TEST_F(PartitionSlot, PayloadLargerThanThePartitionIsTooLargeBeforeAnyWrite) {
  payload_ = random_bytes(kPartitionSize + 1, 4);
  image_ = make_partition_image(payload_, signer_.get(), {1, 2, 3, 0});
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec())) << "the file fits partition + record; the header says the payload does not";
  auto r = send(t, 0, image_.size());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TooLarge);
  EXPECT_NE(r.error().reason.find("partition holds"), std::string::npos) << r.error().reason;
  EXPECT_EQ(partition_b_.writes + record_.writes, 0u);
}

// A power loss in the payload: the new process resumes at the durable offset with the header read back
// from the record, hashes what record and partition hold, and ends with the exact payload verified.
TEST_F(PartitionSlot, ResumeAfterPowerLossContinuesAtTheDurableOffset) {
  std::mt19937 rng(5);
  std::uint64_t durable = 0;
  {
    auto t = std::make_unique<AppSlotTarget>(partition_a_, partition_b_, record_, boot_, crypto_, config_);
    ASSERT_TRUE(t->begin(spec()));
    ASSERT_TRUE(send(*t, 0, 20000));
    auto c = t->commit();
    ASSERT_TRUE(c);
    durable = *c;
    ASSERT_TRUE(send(*t, 20000, 30000));  // never committed
    t.reset();
  }
  partition_b_.power_loss(rng);
  record_.power_loss(rng);
  ASSERT_EQ(durable, 20000u);
  const auto syncs_before = partition_b_.syncs;
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  ASSERT_TRUE(t.begin(spec(durable)));
  ASSERT_TRUE(send(t, durable, image_.size()));
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_GT(partition_b_.syncs, syncs_before);
  EXPECT_TRUE(starts_with(partition_b_, payload_));
  EXPECT_TRUE(record_holds_header_and_tlvs());
  ASSERT_TRUE(t.schedule());
}

TEST_F(PartitionSlot, PowerLossAtRandomPointsAlwaysEndsWithTheExactPayloadVerified) {
  std::uint32_t seed = std::random_device{}();
  if (const char* s = std::getenv("AWSFOTA_SEED")) seed = static_cast<std::uint32_t>(std::stoul(s));
  std::cout << "power-loss seed: " << seed << " (rerun with AWSFOTA_SEED=" << seed << ")\n";
  std::mt19937 rng(seed);
  for (int round = 0; round < 20; ++round) {
    FakeDevice partition(kPartitionSize), record(kSplitRecordSize);
    std::uint64_t checkpoint = 0;
    for (int crashes = 0;; ++crashes) {
      auto t = std::make_unique<AppSlotTarget>(partition_a_, partition, record, boot_, crypto_, config_);
      ASSERT_TRUE(t->begin(spec(checkpoint))) << "seed " << seed;
      const std::size_t crash_at = checkpoint + rng() % (image_.size() - checkpoint + 2000);
      std::size_t at = checkpoint;
      while (at < image_.size() && (at < crash_at || crashes >= 5)) {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 5000, image_.size() - at);
        ASSERT_TRUE(t->write(at, std::span(image_).subspan(at, n))) << "seed " << seed;
        at += n;
        if (rng() % 3 == 0) {
          auto durable = t->commit();
          ASSERT_TRUE(durable);
          if (rng() % 4 != 0) checkpoint = *durable;  // the checkpoint may not have been saved
        }
      }
      if (at < image_.size()) {
        t.reset();
        partition.power_loss(rng);
        record.power_loss(rng);
        continue;
      }
      auto done = t->finish();
      ASSERT_TRUE(done) << "seed " << seed << " round " << round << ": " << done.error().reason;
      break;
    }
    EXPECT_TRUE(starts_with(partition, payload_)) << "seed " << seed;
  }
  EXPECT_EQ(partition_a_.writes, 0u);
}

TEST_F(PartitionSlot, PrepareFreshErasesTheInactivePartitionAndTheRecordOnly) {
  partition_b_.set_bytes(random_bytes(kPartitionSize, 7));
  record_.set_bytes(random_bytes(1000, 8));
  AppSlotTarget t(partition_a_, partition_b_, record_, boot_, crypto_, config_);
  auto erased = t.prepare_fresh(image_.size());
  ASSERT_TRUE(erased) << erased.error().reason;
  EXPECT_EQ(*erased, std::min<std::uint64_t>(image_.size(), kPartitionSize));
  EXPECT_TRUE(std::all_of(partition_b_.bytes().begin(), partition_b_.bytes().begin() + 40000, [](auto b) { return b == 0xff; }));
  EXPECT_TRUE(std::all_of(record_.bytes().begin(), record_.bytes().begin() + 1000, [](auto b) { return b == 0xff; }));
  EXPECT_EQ(partition_a_.writes, 0u);
}

// The envelope device on its own: offsets split at the payload's bounds, in both directions.
TEST(SplitEnvelope, MapsHeaderAndTlvsToTheRecordAndThePayloadToThePartition) {
  FakeDevice record(kSplitRecordSize, 0), partition(1000, 0);
  SplitEnvelopeDevice d(record, partition);
  std::vector<std::uint8_t> envelope(64 + 500 + 40);
  for (std::size_t i = 0; i < envelope.size(); ++i) envelope[i] = static_cast<std::uint8_t>(i * 7 + 1);
  ASSERT_TRUE(d.write(0, std::span(envelope).first(32)));
  EXPECT_FALSE(d.write(32, std::span(envelope).subspan(32, 1))) << "past the header's fields before the layout";
  EXPECT_FALSE(d.set_layout(64, 1001, 2000)) << "a payload larger than the partition";
  ASSERT_TRUE(d.set_layout(64, 500, envelope.size()));
  ASSERT_TRUE(d.write(32, std::span(envelope).subspan(32)));  // one write across both bounds
  EXPECT_TRUE(std::equal(envelope.begin() + 64, envelope.begin() + 564, partition.bytes().begin()));
  EXPECT_TRUE(std::equal(envelope.begin(), envelope.begin() + 64, record.bytes().begin()));
  EXPECT_TRUE(std::equal(envelope.begin() + 564, envelope.end(), record.bytes().begin() + 64));
  std::vector<std::uint8_t> back(envelope.size());
  ASSERT_TRUE(d.read(0, back));
  EXPECT_EQ(back, envelope);
  EXPECT_EQ(d.size(), kSplitRecordSize + 500);
  EXPECT_FALSE(d.read(d.size() - 1, std::span(back).first(2)));
}
