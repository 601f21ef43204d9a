#include <algorithm>

#include "awsfota/dfu/app_targets.hpp"
#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

AppSlotTarget::AppSlotTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot,
                             const image::CryptoProvider& crypto, AppConfig config)
    : slots_{&slot_a, &slot_b}, boot_(boot), crypto_(crypto), config_(std::move(config)) {}

AppSlotTarget::~AppSlotTarget() = default;

Expected<std::uint64_t, DfuError> AppSlotTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  auto st = boot_.status();
  if (!st || st->state != BootState::Confirmed) return std::uint64_t{0};  // a pending trial's image stays too
  return detail::erase_for_transfer(*slots_[static_cast<int>(other_slot(st->active))], size,
                                    std::string("slot ") + to_string(other_slot(st->active)));
}

Expected<void, DfuError> AppSlotTarget::begin(const TransferSpec& spec) {
  abort();
  if ((spec.allowed & static_cast<image::ImageKindMask>(image::ImageKind::McuBoot)) == 0) {
    return fail(DfuCause::TypeMismatch, "the job does not allow MCUboot application images");
  }
  auto slot = detail::inactive_slot(boot_);
  if (!slot) return unexpected(slot.error());
  BlockDevice& dev = *slots_[static_cast<int>(*slot)];
  if (spec.size > dev.size()) {
    return fail(DfuCause::TooLarge, "the image has " + std::to_string(spec.size) + " bytes, slot " + to_string(*slot) +
                                        " holds " + std::to_string(dev.size()));
  }
  if (spec.resume_from > spec.size) {
    return fail(DfuCause::BadState, "resume offset " + std::to_string(spec.resume_from) + " is past the image size " +
                                        std::to_string(spec.size));
  }
  spec_ = spec;
  target_slot_ = *slot;
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
  if (auto r = detail::check_downgrade(header->version, config_.running_version, config_.downgrade); !r) return r;
  head_checked_ = true;
  // parse_header() checked that the signed region fits in the file.
  signed_size_ = std::uint64_t{header->header_size} + header->image_size + header->protected_tlv_size;
  if (follower_) follower_->set_hash_end(signed_size_, spec_.size);
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
  auto v = detail::verify_slot(*slots_[static_cast<int>(*target_slot_)], spec_.size, config_.verify, crypto_,
                               config_.running_version, config_.downgrade, signed_region_);
  if (v) finished_ = true;
  return v;
}

Expected<void, DfuError> AppSlotTarget::schedule() {
  return detail::schedule_trial(boot_, finished_ ? target_slot_ : std::nullopt);
}

void AppSlotTarget::abort() {
  follower_.reset();
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
