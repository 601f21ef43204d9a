#include <algorithm>

#include "awsfota/dfu/app_targets.hpp"
#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

namespace {
// What a failed verification erases at the start of a partition: the superblocks of ext2/3/4 (1 KiB),
// squashfs, XFS and erofs (0 or 1 KiB) and btrfs (64 KiB) are all inside.
constexpr std::uint64_t kDistrustBytes = 1 << 20;
}  // namespace

AppSlotTarget::AppSlotTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot,
                             const image::CryptoProvider& crypto, AppConfig config)
    : slots_{&slot_a, &slot_b}, boot_(boot), crypto_(crypto), config_(std::move(config)) {}

AppSlotTarget::AppSlotTarget(BlockDevice& partition_a, BlockDevice& partition_b, BlockDevice& envelope_record,
                             BootControl& boot, const image::CryptoProvider& crypto, AppConfig config)
    : slots_{&partition_a, &partition_b},
      envelope_record_(&envelope_record),
      boot_(boot),
      crypto_(crypto),
      config_(std::move(config)) {}

AppSlotTarget::~AppSlotTarget() = default;

Expected<std::uint64_t, DfuError> AppSlotTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  auto st = boot_.status();
  if (!st || st->state != BootState::Confirmed) return std::uint64_t{0};  // a pending trial's image stays too
  BlockDevice& slot = *slots_[static_cast<int>(other_slot(st->active))];
  const std::string name = std::string("slot ") + to_string(other_slot(st->active));
  if (!envelope_record_) return detail::erase_for_transfer(slot, size, name);
  // The partition gets the payload only, a little less than the file: erase what it can hold of it.
  if (auto r = detail::erase_for_transfer(*envelope_record_, std::nullopt, "the envelope record"); !r) return r;
  return detail::erase_for_transfer(slot, size ? std::optional(std::min(*size, slot.size())) : std::nullopt, name);
}

BlockDevice* AppSlotTarget::staged_device() {
  if (!target_slot_) return nullptr;
  if (split_) return split_.get();
  return slots_[static_cast<int>(*target_slot_)];
}

Expected<void, DfuError> AppSlotTarget::begin(const TransferSpec& spec) {
  abort();
  if ((spec.allowed & static_cast<image::ImageKindMask>(image::ImageKind::McuBoot)) == 0) {
    return fail(DfuCause::TypeMismatch, "the job does not allow MCUboot application images");
  }
  auto slot = detail::inactive_slot(boot_);
  if (!slot) return unexpected(slot.error());
  BlockDevice& slot_device = *slots_[static_cast<int>(*slot)];
  // Partition slots: the payload goes to the partition, the rest to the record (exactly: check_header()).
  const std::uint64_t capacity = slot_device.size() + (envelope_record_ ? envelope_record_->size() : 0);
  if (spec.size > capacity) {
    return fail(DfuCause::TooLarge, "the image has " + std::to_string(spec.size) + " bytes, slot " + to_string(*slot) +
                                        " holds " + std::to_string(capacity));
  }
  if (spec.resume_from > spec.size) {
    return fail(DfuCause::BadState, "resume offset " + std::to_string(spec.resume_from) + " is past the image size " +
                                        std::to_string(spec.size));
  }
  spec_ = spec;
  target_slot_ = *slot;
  if (envelope_record_) split_ = std::make_unique<SplitEnvelopeDevice>(*envelope_record_, slot_device);
  BlockDevice& dev = *staged_device();
  next_ = durable_ = spec.resume_from;
  // Bytes already in the slot from before the interruption: recover the header copy from them.
  const auto have = static_cast<std::size_t>(std::min<std::uint64_t>(spec.resume_from, head_.size()));
  if (have > 0) {
    if (auto r = dev.read(0, std::span(head_).first(have)); !r) return unexpected(detail::io_error(r.error(), "reading the slot"));
  }
  // From 0 even when resuming: the follower hashes what the slot holds, including the earlier bytes.
  follower_ = std::make_unique<SlotFollower>(dev, crypto_, spec.resume_from);
  if (have == head_.size()) return check_header();
  return {};
}

Expected<void, DfuError> AppSlotTarget::check_header() {
  auto kind = image::check_kind(head_, spec_.allowed & static_cast<image::ImageKindMask>(image::ImageKind::McuBoot));
  if (!kind) return unexpected(to_dfu_error(kind.error()));
  auto header = image::parse_header(head_, spec_.size);
  if (!header) return unexpected(to_dfu_error(header.error()));
  if (auto r = check_form(*header); !r) return r;
  if (auto r = detail::check_downgrade(header->version, config_.running_version, config_.downgrade); !r) return r;
  head_checked_ = true;
  // parse_header() checked that the signed region fits in the file.
  signed_size_ = std::uint64_t{header->header_size} + header->image_size + header->protected_tlv_size;
  if (follower_) follower_->set_hash_end(signed_size_, spec_.size);
  return {};
}

// Whole envelopes for slots, partition images for partitions; for a partition the header places the
// payload, before any byte past the header's fields is written.
Expected<void, DfuError> AppSlotTarget::check_form(const image::ImageHeader& header) {
  const bool partition_image = (header.flags & image::kPartitionPayloadFlag) != 0;
  if (partition_image && !envelope_record_) {
    return fail(DfuCause::TypeMismatch, "the file is a partition image (a filesystem for a partition); this device's "
                                        "slots hold whole MCUboot images");
  }
  if (!partition_image && envelope_record_) {
    return fail(DfuCause::TypeMismatch, "the file is an MCUboot image without the partition flag; this device's slots "
                                        "are partitions, which take partition images (awsfota image create --partition)");
  }
  if (split_) {
    if (auto r = split_->set_layout(header.header_size, header.image_size, spec_.size); !r) {
      return fail(DfuCause::TooLarge, "partition image for slot " + std::string(to_string(*target_slot_)) + ": " + r.error());
    }
  }
  return {};
}

Expected<void, DfuError> AppSlotTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!target_slot_ || finished_ || !follower_) return fail(DfuCause::BadState, "write outside a transfer (call begin first)");
  // The header is checked before the bytes that complete it are written.
  return detail::take_in_order(
      head_, next_, spec_.size, offset, bytes, [this] { return check_header(); },
      [this](std::uint64_t at, std::span<const std::uint8_t> part) { return follower_->write(at, part); }, "writing the slot");
}

Expected<std::uint64_t, DfuError> AppSlotTarget::commit() {
  if (!target_slot_) return fail(DfuCause::BadState, "commit outside a transfer");
  if (!follower_) {  // the whole image was committed before: nothing runs behind us any more
    if (auto r = slots_[static_cast<int>(*target_slot_)]->sync(); !r) {
      return unexpected(detail::io_error(r.error(), "syncing the slot"));
    }
    durable_ = next_;
    return durable_;
  }
  auto r = follower_->sync();
  if (!r) return unexpected(detail::io_error(r.error(), "syncing the slot"));
  durable_ = *r;
  if (durable_ == spec_.size) settle_follower();
  return durable_;
}

// The last byte is durable: take the follower's hash of the slot and stop its threads, so that
// whatever reads the slot next (the verification, the staging area's digest check) is alone with it.
void AppSlotTarget::settle_follower() {
  if (head_checked_) {
    auto digest = follower_->digest();
    if (digest) {
      signed_region_ = image::RegionDigest{signed_size_, digest->prefix};
      file_sha256_ = digest->whole;
    } else {
      hash_error_ = digest.error();
    }
  }
  follower_.reset();
}

Expected<std::uint64_t, DfuError> AppSlotTarget::start_commit() {
  if (!target_slot_) return fail(DfuCause::BadState, "commit outside a transfer");
  if (!follower_) return commit();
  if (auto r = follower_->request_sync(); !r) return unexpected(detail::io_error(r.error(), "syncing the slot"));
  durable_ = follower_->durable();
  return durable_;
}

std::uint64_t AppSlotTarget::durable_offset() const { return follower_ ? follower_->durable() : durable_; }

Expected<FinishedImage, DfuError> AppSlotTarget::finish() {
  if (!target_slot_) return fail(DfuCause::BadState, "finish outside a transfer");
  if (next_ != spec_.size) {
    return fail(DfuCause::BadState, "finish at " + std::to_string(next_) + " of " + std::to_string(spec_.size) + " bytes");
  }
  if (!head_checked_) {
    if (auto r = check_header(); !r) return unexpected(r.error());
  }
  if (auto r = commit(); !r) return unexpected(r.error());  // settles the follower
  if (hash_error_) return unexpected(detail::io_error(*hash_error_, "hashing the slot"));
  auto v = detail::verify_slot(*staged_device(), spec_.size, config_.verify, crypto_, config_.running_version,
                               config_.downgrade, signed_region_);
  if (v) finished_ = true;
  else if (split_ && v.error().cause != DfuCause::Io) distrust_partition();
  return v;
}

// A payload that failed its check must not be mountable as it stands: its filesystem's superblock
// goes. Nothing else depends on it (no trial is scheduled), so an error here changes nothing.
void AppSlotTarget::distrust_partition() {
  BlockDevice& partition = split_->partition();
  const std::uint64_t n = std::min(kDistrustBytes, partition.size());
  if (partition.erase(0, n)) (void)partition.sync();
}

Expected<void, DfuError> AppSlotTarget::schedule() {
  return detail::schedule_trial(boot_, finished_ ? target_slot_ : std::nullopt);
}

void AppSlotTarget::abort() {
  follower_.reset();
  split_.reset();
  signed_region_.reset();
  file_sha256_.reset();
  hash_error_.reset();
  signed_size_ = 0;
  target_slot_.reset();
  head_checked_ = false;
  finished_ = false;
  next_ = durable_ = 0;
  head_.fill(0);
}

}  // namespace awsfota::dfu
