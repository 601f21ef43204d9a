#include "awsfota/dfu/modem_target.hpp"

#include <algorithm>

#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

namespace {
constexpr image::ImageKindMask kModemKinds = image::ImageKind::ModemDelta | image::ImageKind::FullModem;
}

ModemTarget::ModemTarget(BlockDevice& staging, ModemBackend& backend, DfuEventSink events)
    : staging_(staging), backend_(backend), events_(std::move(events)) {}

Expected<void, DfuError> ModemTarget::begin(const TransferSpec& spec) {
  abort();
  if ((spec.allowed & kModemKinds) == 0) return fail(DfuCause::TypeMismatch, "the job does not allow modem images");
  if (spec.size > staging_.size()) {
    return fail(DfuCause::TooLarge, "the modem image has " + std::to_string(spec.size) + " bytes, the staging area holds " +
                                        std::to_string(staging_.size()));
  }
  if (spec.resume_from > spec.size) return fail(DfuCause::BadState, "resume offset past the image size");
  spec_ = spec;
  if (spec.resume_from == 0) {
    if (events_) events_(DfuEvent::ErasePending);
    if (auto r = staging_.erase(0, spec.size); !r) return unexpected(detail::io_error(r.error(), "erasing the staging area"));
    if (auto r = staging_.sync(); !r) return unexpected(detail::io_error(r.error(), "syncing the staging area"));
    if (events_) events_(DfuEvent::EraseDone);
  }
  next_ = durable_ = spec.resume_from;
  const auto have = static_cast<std::size_t>(std::min<std::uint64_t>(spec.resume_from, head_.size()));
  if (have > 0) {
    if (auto r = staging_.read(0, std::span(head_).first(have)); !r) {
      return unexpected(detail::io_error(r.error(), "reading the staging area"));
    }
    if (have == head_.size() || have == spec.size) {
      if (auto r = check_head(); !r) return r;
    }
  }
  active_ = true;
  return {};
}

Expected<void, DfuError> ModemTarget::check_head() {
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(spec_.size, head_.size()));
  auto kind = image::check_kind(std::span(head_).first(have), spec_.allowed & kModemKinds);
  if (!kind) return unexpected(to_dfu_error(kind.error()));
  kind_ = *kind;
  return {};
}

Expected<void, DfuError> ModemTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!active_ || finished_) return fail(DfuCause::BadState, "write outside a transfer (call begin first)");
  return detail::take_in_order(
      head_, next_, spec_.size, offset, bytes, [this] { return check_head(); },
      [this](std::uint64_t at, std::span<const std::uint8_t> part) { return staging_.write(at, part); }, "writing the staging area");
}

Expected<std::uint64_t, DfuError> ModemTarget::commit() {
  if (!active_) return fail(DfuCause::BadState, "commit outside a transfer");
  if (auto r = staging_.sync(); !r) return unexpected(detail::io_error(r.error(), "syncing the staging area"));
  durable_ = next_;
  return durable_;
}

Expected<FinishedImage, DfuError> ModemTarget::finish() {
  if (!active_) return fail(DfuCause::BadState, "finish outside a transfer");
  if (next_ != spec_.size) {
    return fail(DfuCause::BadState, "finish at " + std::to_string(next_) + " of " + std::to_string(spec_.size) + " bytes");
  }
  if (!kind_) {
    if (auto r = check_head(); !r) return unexpected(r.error());
  }
  if (auto r = commit(); !r) return unexpected(r.error());
  finished_ = true;
  FinishedImage out;
  out.kind = *kind_;
  out.size = spec_.size;
  return out;
}

Expected<void, DfuError> ModemTarget::schedule() {
  if (!finished_) return fail(DfuCause::BadState, "schedule before finish");
  BlockDeviceReader reader(staging_);
  return backend_.schedule_update(reader, spec_.size, *kind_, spec_.version_label);
}

void ModemTarget::abort() {
  active_ = false;
  finished_ = false;
  kind_.reset();
  head_.fill(0);
  next_ = durable_ = 0;
}

}  // namespace awsfota::dfu
