// Application targets for an A/B pair of slots: full MCUboot images and this project's deltas.
// Both write only the inactive slot (the one boot control says is not running) and verify the complete
// image there before schedule() requests a trial boot of it.
//
//   awsfota::posix::PosixBlockDevice a = ..., b = ...;           // slot files or partitions
//   awsfota::dfu::RecordBootControl boot(store);
//   awsfota::openssl::OpenSslCrypto crypto;
//   awsfota::dfu::AppConfig cfg;
//   cfg.verify.key = public_key;                                 // require a signature
//   cfg.running_version = running;                               // anti-downgrade
//   awsfota::dfu::AppSlotTarget target(a, b, boot, crypto, cfg);
//   // drive it as target.hpp shows
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/dfu/slot_follower.hpp"
#include "awsfota/dfu/split_envelope.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::dfu {

struct AppConfig {
  image::VerifyPolicy verify;
  std::optional<image::ImageVersion> running_version;  // none: no downgrade check
  image::DowngradePolicy downgrade;
};

// Full MCUboot images, streamed straight into the inactive slot; resumable at any committed offset.
//
// Speed without weaker guarantees: during a transfer a SlotFollower (slot_follower.hpp) works behind
// the writer on two threads. Its hasher reads the slot back as the bytes land and hashes the signed
// region; its syncer runs the fsyncs that start_commit() asks for, so the download thread never waits
// on the disk. Once the last byte is committed (commit() at the end, or finish()) the follower hands
// over its hash and stops, so nothing runs behind later readers of the slot. finish() then verifies
// the image as it is in the slot: header and TLV area read from the slot, the SHA-256 TLV compared
// with the follower's hash of the slot's signed region (read back from the slot, not taken from the
// network), then key hash and signature. Why that hash is of the slot's content: slot_follower.hpp.
// A begin() with resume_from = size (finish() again after a power loss) re-reads the whole slot.
// Memory: a 32-byte header copy, the follower's 512 KiB buffer and, in finish(), the TLV area.
//
// Partition slots (the second constructor): the slots are partitions (block devices, or files standing
// in for them) that take partition images only (image/kind.hpp, kPartitionPayloadFlag; an image
// without the flag is TypeMismatch, as is a partition image for the first constructor's slots). The
// payload lands at the inactive partition's byte 0, header and TLVs in `envelope_record` (a small
// device of kSplitRecordSize bytes, synced with the partition at every commit), through a
// SplitEnvelopeDevice: streaming, resume, read-back hash and verification are the same as above. An
// image whose verification fails has the first MiB of the partition erased, so that no filesystem
// there can be mounted by mistake; the running partition is never written.
//
//   AppSlotTarget target(rootfs_a, rootfs_b, envelope_record, boot, crypto, cfg);
class AppSlotTarget final : public DfuTarget {
 public:
  AppSlotTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot, const image::CryptoProvider& crypto,
                AppConfig config);
  AppSlotTarget(BlockDevice& partition_a, BlockDevice& partition_b, BlockDevice& envelope_record, BootControl& boot,
                const image::CryptoProvider& crypto, AppConfig config);
  // Erases the inactive slot (the first `size` bytes, or all of it) while nothing is on trial: the
  // old image there goes before the first byte of the new one lands. 0 when a trial or a rejected
  // image runs (the slot must not be touched; begin() says why).
  [[nodiscard]] Expected<std::uint64_t, DfuError> prepare_fresh(std::optional<std::uint64_t> size) override;
  [[nodiscard]] Expected<void, DfuError> begin(const TransferSpec& spec) override;
  [[nodiscard]] Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> commit() override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> start_commit() override;
  [[nodiscard]] Expected<FinishedImage, DfuError> finish() override;
  [[nodiscard]] Expected<void, DfuError> schedule() override;
  void abort() override;
  ~AppSlotTarget() override;

  [[nodiscard]] std::optional<image::Sha256Digest> staged_sha256() const override { return file_sha256_; }

  [[nodiscard]] std::uint64_t durable_offset() const override;
  [[nodiscard]] std::optional<Slot> target_slot() const { return target_slot_; }
  // Where the transfer's file can be read back as it was sent, after begin(): the slot, or for
  // partition slots the envelope view of record and partition. Null outside a transfer.
  [[nodiscard]] BlockDevice* staged_device();

 private:
  Expected<void, DfuError> check_header();
  Expected<void, DfuError> check_form(const image::ImageHeader& header);
  void settle_follower();
  void distrust_partition();

  BlockDevice* slots_[2];
  BlockDevice* envelope_record_ = nullptr;        // partition slots only
  std::unique_ptr<SplitEnvelopeDevice> split_;     // partition slots: from begin() on
  std::unique_ptr<SlotFollower> follower_;  // from begin() until the last byte is committed
  std::uint64_t signed_size_ = 0;           // from the header
  std::optional<image::RegionDigest> signed_region_;  // the follower's hash of the slot's signed region
  std::optional<image::Sha256Digest> file_sha256_;     // and of the whole file
  std::optional<IoError> hash_error_;                  // or why it has none
  BootControl& boot_;
  const image::CryptoProvider& crypto_;
  AppConfig config_;
  TransferSpec spec_;
  std::optional<Slot> target_slot_;
  std::array<std::uint8_t, image::kHeaderFieldsSize> head_{};
  bool head_checked_ = false;
  std::uint64_t next_ = 0;
  std::uint64_t durable_ = 0;
  bool finished_ = false;
};

// Deltas (image/delta.hpp), staged then applied. While the delta downloads its bytes go to `staging`
// (a file or partition apart from both slots, since the result may need the whole inactive slot),
// resumable at any committed offset like a full image. As soon as the 100-byte header is in, it is
// checked (kind, result size against the slot, base size and SHA-256 against the running slot), so a
// delta for another base fails before the inactive slot is touched. finish() applies the complete
// delta into the inactive slot and verifies the result like a full image, as the slot holds it: while
// the decoder writes the result, a SlotFollower reads it back from the slot behind it (only bytes the
// decoder has finished) and hashes it, so that the verification is a TLV parse, one signature check
// and a comparison with the delta header's result SHA-256, without a second pass over the image (on
// a device whose mapping read() does not see before flush(), or that is not concurrent_access(),
// the read-back follows the flush). The apply only reads the staging area and the running slot, so
// after a power loss during finish() it simply runs again:
//
//   AppDeltaTarget target(slot_a, slot_b, staging, boot, crypto, cfg);
//   target.begin({.size = n, .allowed = ImageKind::AppDelta, .resume_from = checkpoint});
//   ... write / commit as for a full image ...
//   auto img = target.finish();         // after a power loss in here: begin({.resume_from = n}), finish()
//
// Memory: the running slot (base), the staged delta and the result are mappings of their devices
// (BlockDevice::map), so the heap holds zstd's decoder context, one 128 KiB block of input and the
// follower's 512 KiB read buffer, whatever the size.
class AppDeltaTarget final : public DfuTarget {
 public:
  AppDeltaTarget(BlockDevice& slot_a, BlockDevice& slot_b, BlockDevice& staging, BootControl& boot,
                 const image::CryptoProvider& crypto, AppConfig config);
  // Erases the staging area (the first `size` bytes, or all of it); the slots are not touched.
  [[nodiscard]] Expected<std::uint64_t, DfuError> prepare_fresh(std::optional<std::uint64_t> size) override;
  [[nodiscard]] Expected<void, DfuError> begin(const TransferSpec& spec) override;
  [[nodiscard]] Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> commit() override;
  [[nodiscard]] Expected<FinishedImage, DfuError> finish() override;
  [[nodiscard]] Expected<void, DfuError> schedule() override;
  void abort() override;

  [[nodiscard]] std::uint64_t durable_offset() const override { return durable_; }
  [[nodiscard]] std::optional<Slot> target_slot() const { return target_slot_; }

 private:
  // What the read-back of the result in the slot gives: the signed region's digest (its size from the
  // result's header) and the whole result's, if the crypto backend could take both in one pass.
  struct ResultDigests {
    image::RegionDigest signed_region;
    std::optional<image::Sha256Digest> whole;
  };
  Expected<void, DfuError> check_header();
  Expected<ResultDigests, DfuError> apply();

  BlockDevice* slots_[2];
  BlockDevice& staging_;
  BootControl& boot_;
  const image::CryptoProvider& crypto_;
  AppConfig config_;
  TransferSpec spec_;
  std::optional<Slot> target_slot_;
  std::array<std::uint8_t, image::kDeltaHeaderSize> head_{};
  std::optional<image::DeltaHeader> header_;  // set once head_ is complete and checked
  std::uint64_t next_ = 0;
  std::uint64_t durable_ = 0;
  bool finished_ = false;
};

}  // namespace awsfota::dfu
