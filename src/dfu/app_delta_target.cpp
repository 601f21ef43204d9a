#include <algorithm>

#include "awsfota/dfu/app_targets.hpp"
#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

namespace {
constexpr auto kDeltaKind = static_cast<image::ImageKindMask>(image::ImageKind::AppDelta);
}

AppDeltaTarget::AppDeltaTarget(BlockDevice& slot_a, BlockDevice& slot_b, BlockDevice& staging, BootControl& boot,
                               const image::CryptoProvider& crypto, AppConfig config)
    : slots_{&slot_a, &slot_b}, staging_(staging), boot_(boot), crypto_(crypto), config_(std::move(config)) {}

Expected<std::uint64_t, DfuError> AppDeltaTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  return detail::erase_for_transfer(staging_, size, "the delta staging area");
}

Expected<void, DfuError> AppDeltaTarget::begin(const TransferSpec& spec) {
  abort();
  if ((spec.allowed & kDeltaKind) == 0) return fail(DfuCause::TypeMismatch, "the job does not allow application deltas");
  if (spec.size < image::kDeltaHeaderSize) {
    return fail(DfuCause::InvalidUpdate, "a delta of " + std::to_string(spec.size) + " bytes cannot hold its 100-byte header");
  }
  if (spec.size > staging_.size()) {
    return fail(DfuCause::TooLarge, "the delta has " + std::to_string(spec.size) + " bytes, the staging area holds " +
                                        std::to_string(staging_.size()));
  }
  if (spec.resume_from > spec.size) {
    return fail(DfuCause::BadState, "resume offset " + std::to_string(spec.resume_from) + " is past the delta size " +
                                        std::to_string(spec.size));
  }
  auto slot = detail::inactive_slot(boot_);
  if (!slot) return unexpected(slot.error());
  spec_ = spec;
  target_slot_ = *slot;
  next_ = durable_ = spec.resume_from;
  // Resuming: take the staged part of the header back, and check it again once it is whole.
  const auto have = static_cast<std::size_t>(std::min<std::uint64_t>(spec.resume_from, head_.size()));
  if (have == 0) return {};
  if (auto r = staging_.read(0, std::span(head_).first(have)); !r) {
    return unexpected(detail::io_error(r.error(), "reading the staging area"));
  }
  if (have < head_.size()) return {};
  return check_header();
}

// Everything that can be known from the header is checked before the rest is staged, and so before
// anything is written to the inactive slot.
Expected<void, DfuError> AppDeltaTarget::check_header() {
  auto kind = image::check_kind(std::span(head_).first(image::kDetectBytes), spec_.allowed & kDeltaKind);
  if (!kind) return unexpected(to_dfu_error(kind.error()));
  auto header = image::parse_delta_header(head_);
  if (!header) return unexpected(to_dfu_error(header.error()));
  BlockDevice& target = *slots_[static_cast<int>(*target_slot_)];
  BlockDevice& active = *slots_[static_cast<int>(other_slot(*target_slot_))];
  if (header->result_size > target.size()) {
    return fail(DfuCause::TooLarge, "the delta makes a " + std::to_string(header->result_size) + "-byte image, slot " +
                                        to_string(*target_slot_) + " holds " + std::to_string(target.size()));
  }
  if (header->stream_offset() >= spec_.size) {
    return fail(DfuCause::InvalidUpdate, "the delta's header frame fills all " + std::to_string(spec_.size) +
                                             " bytes: there is no patch after it");
  }
  if (header->base_size > active.size()) {
    return fail(DfuCause::WrongDeltaBase, "the delta's base has " + std::to_string(header->base_size) +
                                              " bytes, more than the running slot holds");
  }
  auto base = active.map(header->base_size, MapMode::Read);
  if (!base) return unexpected(detail::io_error(base.error(), "mapping the running slot"));
  const image::Sha256Digest base_sha = image::sha256_of(crypto_, (*base)->bytes());
  if (auto r = image::check_delta_base(*header, base_sha, header->base_size); !r) return unexpected(to_dfu_error(r.error()));
  header_ = *header;
  return {};
}

Expected<void, DfuError> AppDeltaTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!target_slot_ || finished_) return fail(DfuCause::BadState, "write outside a transfer (call begin first)");
  // begin() refused a delta shorter than its header, so the head is complete before the end.
  return detail::take_in_order(
      head_, next_, spec_.size, offset, bytes, [this] { return check_header(); },
      [this](std::uint64_t at, std::span<const std::uint8_t> part) { return staging_.write(at, part); }, "writing the staging area");
}

Expected<std::uint64_t, DfuError> AppDeltaTarget::commit() {
  if (!target_slot_) return fail(DfuCause::BadState, "commit outside a transfer");
  if (auto r = staging_.sync(); !r) return unexpected(detail::io_error(r.error(), "syncing the staging area"));
  durable_ = next_;
  return durable_;
}

// The base was hashed when the header came in; the running slot is never written while it runs, and
// the result's own SHA-256 would catch a base that changed anyway.
//
// The decoder writes the result through a mapping of the slot. Where the device's read() sees those
// stores at once (a shared mapping of the page cache) and may run beside flush()'s device calls, a
// SlotFollower reads the result back from the slot behind the decoder, block by block as each is
// final, and hashes it; otherwise (the heap copy of a device that cannot map) it reads the slot back
// once flush() has stored the result there. Either way the digests are of what the slot holds, and
// the verification does not read the image again.
Expected<AppDeltaTarget::ResultDigests, DfuError> AppDeltaTarget::apply() {
  BlockDevice& target = *slots_[static_cast<int>(*target_slot_)];
  BlockDevice& active = *slots_[static_cast<int>(other_slot(*target_slot_))];
  auto delta = staging_.map(spec_.size, MapMode::Read);
  if (!delta) return unexpected(detail::io_error(delta.error(), "mapping the staging area"));
  auto base = active.map(header_->base_size, MapMode::Read);
  if (!base) return unexpected(detail::io_error(base.error(), "mapping the running slot"));
  auto out = target.map(header_->result_size, MapMode::Write);
  if (!out) return unexpected(detail::io_error(out.error(), "mapping slot " + std::string(to_string(*target_slot_))));
  Mapping& result = **out;
  const std::uint64_t size = header_->result_size;
  SlotFollower follower(target, crypto_, 0);
  bool region_known = false;
  std::uint64_t signed_size = size;
  // The signed region's end, from the result's MCUboot header, once decoded; the verification reads
  // the header again from the slot, and a region that turns out different is hashed again there.
  auto know_region = [&](std::uint64_t done) {
    if (region_known || (done < image::kHeaderFieldsSize && done < size)) return;
    region_known = true;
    if (done >= image::kHeaderFieldsSize) {
      auto h = image::parse_header(result.bytes().first(image::kHeaderFieldsSize), size);
      if (h) signed_size = std::uint64_t{h->header_size} + h->image_size + h->protected_tlv_size;
    }
    follower.set_hash_end(signed_size, size);
  };
  image::DeltaProgress progress;
  if (result.visible_to_reads() && target.concurrent_access()) {
    progress = [&](std::uint64_t done) -> Expected<void, std::string> {
      know_region(done);
      follower.advance_written(done);
      return {};
    };
  }
  auto decoded = image::decode_delta((*delta)->bytes(), (*base)->bytes(), result.bytes(), crypto_,
                                     header_->base_sha256, progress);
  if (!decoded) return unexpected(to_dfu_error(decoded.error()));
  if (auto r = result.flush(); !r) return unexpected(detail::io_error(r.error(), "writing the result to the slot"));
  know_region(size);
  follower.advance_written(size);
  auto digests = follower.digest();
  if (!digests) return unexpected(detail::io_error(digests.error(), "hashing the slot"));
  return ResultDigests{image::RegionDigest{signed_size, digests->prefix}, digests->whole};
}

Expected<FinishedImage, DfuError> AppDeltaTarget::finish() {
  if (!target_slot_) return fail(DfuCause::BadState, "finish outside a transfer");
  if (next_ != spec_.size || !header_) {
    return fail(DfuCause::BadState, "finish at " + std::to_string(next_) + " of " + std::to_string(spec_.size) + " bytes");
  }
  if (auto r = commit(); !r) return unexpected(r.error());
  auto digests = apply();
  if (!digests) return unexpected(digests.error());
  BlockDevice& slot = *slots_[static_cast<int>(*target_slot_)];
  const std::uint64_t size = header_->result_size;
  // The image first, as a full image is checked (a byte the slot did not keep is a HashMismatch),
  // then the whole result against the delta header's SHA-256, from the same read-back.
  auto v = detail::verify_slot(slot, size, config_.verify, crypto_, config_.running_version, config_.downgrade,
                               digests->signed_region);
  if (!v) return v;
  std::optional<image::Sha256Digest> whole = digests->whole;
  if (!whole) {  // a crypto backend that cannot copy a hash state: one more pass over the slot
    auto h = sha256_of_device(slot, size, crypto_);
    if (!h) return unexpected(detail::io_error(h.error(), "hashing the slot"));
    whole = *h;
  }
  if (auto r = image::check_delta_result(*header_, *whole); !r) return unexpected(to_dfu_error(r.error()));
  finished_ = true;
  return v;
}

Expected<void, DfuError> AppDeltaTarget::schedule() {
  return detail::schedule_trial(boot_, finished_ ? target_slot_ : std::nullopt);
}

void AppDeltaTarget::abort() {
  head_.fill(0);
  header_.reset();
  target_slot_.reset();
  next_ = durable_ = 0;
  finished_ = false;
}

}  // namespace awsfota::dfu
