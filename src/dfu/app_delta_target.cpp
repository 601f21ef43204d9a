#include <algorithm>

#include "awsfota/dfu/app_targets.hpp"
#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

namespace {
constexpr std::size_t kBaseReadChunk = 1 << 20;
}

AppDeltaTarget::AppDeltaTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot,
                               const image::CryptoProvider& crypto, AppConfig config)
    : slots_{&slot_a, &slot_b}, boot_(boot), crypto_(crypto), config_(std::move(config)) {}

AppDeltaTarget::~AppDeltaTarget() = default;

Expected<void, DfuError> AppDeltaTarget::begin(const TransferSpec& spec) {
  abort();
  if ((spec.allowed & static_cast<image::ImageKindMask>(image::ImageKind::AppDelta)) == 0) {
    return fail(DfuCause::TypeMismatch, "the job does not allow application deltas");
  }
  if (spec.resume_from != 0) {
    return fail(DfuCause::BadState, "a delta cannot resume mid-stream; start again from offset 0");
  }
  if (spec.size < image::kDeltaHeaderSize) {
    return fail(DfuCause::InvalidUpdate, "a delta of " + std::to_string(spec.size) + " bytes cannot hold its 100-byte header");
  }
  auto slot = detail::inactive_slot(boot_);
  if (!slot) return unexpected(slot.error());
  spec_ = spec;
  target_slot_ = *slot;
  return {};
}

// Called once the header is in: every check that needs no output happens here, before any write.
Expected<void, DfuError> AppDeltaTarget::start_applier() {
  auto kind = image::check_kind(std::span(head_).first(std::min(head_.size(), image::kDetectBytes)),
                                spec_.allowed & static_cast<image::ImageKindMask>(image::ImageKind::AppDelta));
  if (!kind) return unexpected(to_dfu_error(kind.error()));
  auto header = image::parse_delta_header(head_);
  if (!header) return unexpected(to_dfu_error(header.error()));
  BlockDevice& target = *slots_[static_cast<int>(*target_slot_)];
  BlockDevice& active = *slots_[static_cast<int>(other_slot(*target_slot_))];
  if (header->result_size > target.size()) {
    return fail(DfuCause::TooLarge, "the delta makes a " + std::to_string(header->result_size) + "-byte image, slot " +
                                        to_string(*target_slot_) + " holds " + std::to_string(target.size()));
  }
  if (header->base_size > active.size()) {
    return fail(DfuCause::WrongDeltaBase, "the delta's base has " + std::to_string(header->base_size) +
                                              " bytes, more than the running slot holds");
  }
  base_.resize(static_cast<std::size_t>(header->base_size));
  auto hasher = crypto_.sha256();
  for (std::size_t at = 0; at < base_.size(); at += kBaseReadChunk) {
    std::span<std::uint8_t> chunk(base_.data() + at, std::min(kBaseReadChunk, base_.size() - at));
    if (auto r = active.read(at, chunk); !r) return unexpected(detail::io_error(r.error(), "reading the running slot"));
    hasher->update(chunk);
  }
  const image::Sha256Digest base_sha = hasher->finish();
  if (auto r = image::check_delta_base(*header, base_sha, base_.size()); !r) return unexpected(to_dfu_error(r.error()));
  result_size_ = header->result_size;
  applier_ = std::make_unique<image::DeltaApplier>(
      base_, crypto_,
      [this, &target](std::uint64_t offset, std::span<const std::uint8_t> out) -> Expected<void, std::string> {
        if (auto r = target.write(offset, out); !r) {
          io_error_ = detail::io_error(r.error(), "writing the slot");
          return unexpected(r.error().message);
        }
        return {};
      },
      base_sha);
  return {};
}

Expected<void, DfuError> AppDeltaTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!target_slot_ || finished_) return fail(DfuCause::BadState, "write outside a transfer (call begin first)");
  if (offset > next_) {
    return fail(DfuCause::BadState, "write at " + std::to_string(offset) + " leaves a gap after " + std::to_string(next_));
  }
  if (offset + bytes.size() <= next_) return {};
  bytes = bytes.subspan(static_cast<std::size_t>(next_ - offset));
  if (bytes.size() > spec_.size - next_) {
    return fail(DfuCause::TooLarge, "the server sent more than the " + std::to_string(spec_.size) + " bytes announced");
  }
  if (!applier_) {
    const std::size_t n = std::min(bytes.size(), image::kDeltaHeaderSize - head_.size());
    head_.insert(head_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    if (head_.size() < image::kDeltaHeaderSize) {
      next_ += bytes.size();
      return {};
    }
    if (auto r = start_applier(); !r) return r;
    if (auto r = applier_->feed(head_); !r) return unexpected(to_dfu_error(r.error()));
    next_ += n;
    bytes = bytes.subspan(n);
  }
  if (auto r = applier_->feed(bytes); !r) {
    return unexpected(io_error_ ? *io_error_ : to_dfu_error(r.error()));
  }
  next_ += bytes.size();
  return {};
}

Expected<std::uint64_t, DfuError> AppDeltaTarget::commit() {
  if (!target_slot_) return fail(DfuCause::BadState, "commit outside a transfer");
  return std::uint64_t{0};  // the decoder's state is not resumable: nothing to make durable yet
}

Expected<FinishedImage, DfuError> AppDeltaTarget::finish() {
  if (!target_slot_) return fail(DfuCause::BadState, "finish outside a transfer");
  if (next_ != spec_.size || !applier_) {
    return fail(DfuCause::BadState, "finish at " + std::to_string(next_) + " of " + std::to_string(spec_.size) + " bytes");
  }
  if (auto r = applier_->finish(); !r) return unexpected(to_dfu_error(r.error()));
  BlockDevice& target = *slots_[static_cast<int>(*target_slot_)];
  if (auto r = target.sync(); !r) return unexpected(detail::io_error(r.error(), "syncing the slot"));
  auto v = detail::verify_slot(target, result_size_, config_.verify, crypto_, config_.running_version, config_.downgrade);
  if (v) finished_ = true;
  return v;
}

Expected<void, DfuError> AppDeltaTarget::schedule() {
  if (!finished_ || !target_slot_) return fail(DfuCause::BadState, "schedule before a verified finish");
  if (auto r = boot_.request_trial(*target_slot_); !r) return fail(DfuCause::BackendFailed, "boot control: " + r.error().reason);
  return {};
}

void AppDeltaTarget::abort() {
  applier_.reset();
  base_.clear();
  base_.shrink_to_fit();
  head_.clear();
  io_error_.reset();
  target_slot_.reset();
  next_ = 0;
  result_size_ = 0;
  finished_ = false;
}

}  // namespace awsfota::dfu
