#include "awsfota/dfu/modem_target.hpp"

#include <algorithm>
#include <utility>

#include "dfu/common.hpp"

namespace awsfota::dfu {

using detail::fail;

namespace {
constexpr image::ImageKindMask kModemKinds = image::ImageKind::ModemDelta | image::ImageKind::FullModem;

// The modem image inside the staged file: an envelope's payload, or all of a raw image.
class ModemPayloadReader final : public image::ByteReader {
 public:
  ModemPayloadReader(BlockDevice& device, std::uint64_t base) : device_(device), base_(base) {}
  [[nodiscard]] Expected<void, std::string> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    auto r = device_.read(base_ + offset, out);
    if (!r) return unexpected(r.error().message);
    return {};
  }

 private:
  BlockDevice& device_;
  std::uint64_t base_;
};
}  // namespace

ModemTarget::ModemTarget(BlockDevice& staging, ModemBackend& backend, DfuEventSink events, ModemVerify verify)
    : staging_(staging), backend_(backend), events_(std::move(events)), verify_(std::move(verify)) {}

// The modem's scratch area is erased before a fresh transfer writes to it, as the reference's modem
// targets do; ErasePending and EraseDone bracket it.
Expected<std::uint64_t, DfuError> ModemTarget::erase(std::optional<std::uint64_t> size) {
  if (size && *size > staging_.size()) return std::uint64_t{0};  // begin() refuses it as TooLarge
  if (events_) events_(DfuEvent::ErasePending);
  auto n = detail::erase_for_transfer(staging_, size, "the staging area");
  if (n && events_) events_(DfuEvent::EraseDone);
  return n;
}

Expected<std::uint64_t, DfuError> ModemTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  erased_for_ = 0;
  auto n = erase(size);
  if (n) erased_for_ = *n;
  return n;
}

Expected<void, DfuError> ModemTarget::begin(const TransferSpec& spec) {
  const std::uint64_t prepared = std::exchange(erased_for_, 0);
  abort();
  if ((spec.allowed & kModemKinds) == 0) return fail(DfuCause::TypeMismatch, "the job does not allow modem images");
  if (spec.size > staging_.size()) {
    return fail(DfuCause::TooLarge, "the modem image has " + std::to_string(spec.size) + " bytes, the staging area holds " +
                                        std::to_string(staging_.size()));
  }
  if (spec.resume_from > spec.size) return fail(DfuCause::BadState, "resume offset past the image size");
  spec_ = spec;
  // A fresh transfer needs an erased staging area, unless prepare_fresh() just made one.
  if (spec.resume_from == 0 && prepared < spec.size) {
    if (auto r = erase(spec.size); !r) return unexpected(r.error());
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

// Runs before the first bytes are stored: a raw modem image under a configured key is refused here,
// so nothing of it is staged.
Expected<void, DfuError> ModemTarget::check_head() {
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(spec_.size, head_.size()));
  const auto head = std::span<const std::uint8_t>(head_).first(have);
  auto kind = image::check_kind(head, spec_.allowed & kModemKinds);
  if (!kind) return unexpected(to_dfu_error(kind.error()));
  envelope_ = image::is_mcuboot_envelope(head);
  if (!envelope_ && verify_.policy.key) {
    return fail(DfuCause::MissingSignature,
                std::string("a signing key is configured, and this ") + image::to_string(*kind) +
                    " is not in a signed modem envelope (make one with: awsfota image create --payload MODEM.bin "
                    "--key KEY.pem)");
  }
  if (envelope_) {
    if (!verify_.crypto) return fail(DfuCause::BadState, "a signed modem envelope, and no crypto provider to check it");
    auto header = image::parse_header(head, spec_.size);
    if (!header) return unexpected(to_dfu_error(header.error()));
  }
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

// The envelope as the staging area holds it: hash, key and signature per the policy, then that the
// payload is the modem kind the (signed) header flag names.
Expected<void, DfuError> ModemTarget::verify_envelope(FinishedImage& out) {
  BlockDeviceReader reader(staging_);
  auto v = image::verify_image(reader, spec_.size, verify_.policy, *verify_.crypto);
  if (!v) return unexpected(to_dfu_error(v.error()));
  std::array<std::uint8_t, image::kDetectBytes> inner{};
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(v->header.image_size, inner.size()));
  if (auto r = staging_.read(v->header.header_size, std::span(inner).first(n)); !r) {
    return unexpected(detail::io_error(r.error(), "reading the staging area"));
  }
  const auto payload = std::span<const std::uint8_t>(inner).first(n);
  const image::ImageKind inner_kind = image::detect_kind(payload);
  if (image::is_mcuboot_envelope(payload) || inner_kind != *kind_) {
    return fail(DfuCause::InvalidUpdate, std::string("the envelope's flags say ") + image::to_string(*kind_) +
                                             ", its payload is " +
                                             (image::is_mcuboot_envelope(payload) ? "another MCUboot image"
                                                                                   : image::to_string(inner_kind)));
  }
  payload_offset_ = v->header.header_size;
  payload_size_ = v->header.image_size;
  out.version = v->header.version;
  out.sha256 = v->sha256;
  return {};
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
  FinishedImage out;
  out.kind = *kind_;
  out.size = spec_.size;
  payload_offset_ = 0;
  payload_size_ = spec_.size;
  if (envelope_) {
    if (auto r = verify_envelope(out); !r) return unexpected(r.error());
  }
  finished_ = true;
  return out;
}

Expected<void, DfuError> ModemTarget::schedule() {
  if (!finished_) return fail(DfuCause::BadState, "schedule before a verified finish");
  ModemPayloadReader reader(staging_, payload_offset_);
  return backend_.schedule_update(reader, payload_size_, *kind_, spec_.version_label);
}

void ModemTarget::abort() {
  active_ = false;
  finished_ = false;
  envelope_ = false;
  kind_.reset();
  head_.fill(0);
  next_ = durable_ = 0;
  payload_offset_ = payload_size_ = 0;
}

}  // namespace awsfota::dfu
