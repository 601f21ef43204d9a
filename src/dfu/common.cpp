#include "dfu/common.hpp"

#include <algorithm>
#include <string>

namespace awsfota::dfu {

const char* to_string(DfuCause cause) {
  switch (cause) {
    case DfuCause::InvalidUpdate: return "InvalidUpdate";
    case DfuCause::TypeMismatch: return "TypeMismatch";
    case DfuCause::TooLarge: return "TooLarge";
    case DfuCause::NoSpace: return "NoSpace";
    case DfuCause::HashMismatch: return "HashMismatch";
    case DfuCause::SignatureInvalid: return "SignatureInvalid";
    case DfuCause::MissingSignature: return "MissingSignature";
    case DfuCause::KeyMismatch: return "KeyMismatch";
    case DfuCause::Downgrade: return "Downgrade";
    case DfuCause::WrongDeltaBase: return "WrongDeltaBase";
    case DfuCause::DeltaCorrupt: return "DeltaCorrupt";
    case DfuCause::Io: return "Io";
    case DfuCause::BadState: return "BadState";
    case DfuCause::BackendFailed: return "BackendFailed";
  }
  return "unknown";
}

DfuError to_dfu_error(const image::ImageError& e) {
  using image::ImageErrorCode;
  DfuCause cause = DfuCause::InvalidUpdate;
  switch (e.code) {
    case ImageErrorCode::HashMismatch: cause = DfuCause::HashMismatch; break;
    case ImageErrorCode::SignatureInvalid: cause = DfuCause::SignatureInvalid; break;
    case ImageErrorCode::MissingSignature: cause = DfuCause::MissingSignature; break;
    case ImageErrorCode::KeyMismatch:
    case ImageErrorCode::MissingKeyHash: cause = DfuCause::KeyMismatch; break;
    case ImageErrorCode::Io: cause = DfuCause::Io; break;
    default: break;
  }
  return DfuError{cause, std::string(image::to_string(e.code)) + ": " + e.reason};
}

DfuError to_dfu_error(const image::DeltaError& e) {
  using image::DeltaErrorCode;
  DfuCause cause = DfuCause::InvalidUpdate;
  switch (e.code) {
    case DeltaErrorCode::WrongBase: cause = DfuCause::WrongDeltaBase; break;
    case DeltaErrorCode::Corrupt:
    case DeltaErrorCode::ResultSizeMismatch:
    case DeltaErrorCode::ResultHashMismatch: cause = DfuCause::DeltaCorrupt; break;
    case DeltaErrorCode::Sink: cause = DfuCause::Io; break;
    default: break;
  }
  return DfuError{cause, std::string("delta ") + image::to_string(e.code) + ": " + e.reason};
}

DfuError to_dfu_error(const image::KindError& e) {
  return DfuError{e.code == image::KindErrorCode::TypeMismatch ? DfuCause::TypeMismatch : DfuCause::InvalidUpdate,
                  e.reason};
}

namespace detail {

Expected<Slot, DfuError> inactive_slot(BootControl& boot) {
  auto st = boot.status();
  if (!st) return fail(DfuCause::BackendFailed, "boot control: " + st.error().reason);
  if (st->state == BootState::Trial) {
    // Writing the other slot now would overwrite the confirmed fallback of the running trial.
    return fail(DfuCause::BadState, "the running image is an unconfirmed trial; confirm it before another update");
  }
  if (st->state == BootState::RevertPending) {
    // The other slot is the confirmed fallback, the one the next boot starts: writing it could brick.
    return fail(DfuCause::BadState, std::string("the running image (slot ") + to_string(st->active) +
                                        ") was rejected; reboot back to slot " + to_string(st->confirmed) +
                                        " before another update");
  }
  return other_slot(st->active);
}

Expected<void, DfuError> check_downgrade(const image::ImageVersion& candidate,
                                         const std::optional<image::ImageVersion>& running,
                                         const image::DowngradePolicy& policy) {
  if (running && !image::is_allowed_upgrade(candidate, *running, policy)) {
    return fail(DfuCause::Downgrade, "image version " + image::to_string(candidate) + " is not newer than the running " +
                                         image::to_string(*running));
  }
  return {};
}

Expected<FinishedImage, DfuError> verify_slot(BlockDevice& device, std::uint64_t size, const image::VerifyPolicy& policy,
                                              const image::CryptoProvider& crypto,
                                              const std::optional<image::ImageVersion>& running,
                                              const image::DowngradePolicy& downgrade,
                                              const std::optional<image::RegionDigest>& signed_region) {
  BlockDeviceReader reader(device);
  auto v = signed_region ? image::verify_image(reader, size, *signed_region, policy, crypto)
                         : image::verify_image(reader, size, policy, crypto);
  if (!v) return unexpected(to_dfu_error(v.error()));
  if (auto r = check_downgrade(v->header.version, running, downgrade); !r) return unexpected(r.error());
  FinishedImage out;
  out.kind = image::ImageKind::McuBoot;
  out.size = size;
  out.version = v->header.version;
  out.sha256 = v->sha256;
  return out;
}

Expected<std::span<const std::uint8_t>, DfuError> unheld_part(std::uint64_t next, std::uint64_t size, std::uint64_t offset,
                                                              std::span<const std::uint8_t> bytes) {
  if (offset > next) {
    return fail(DfuCause::BadState, "write at " + std::to_string(offset) + " leaves a gap after " + std::to_string(next));
  }
  if (offset + bytes.size() <= next) return std::span<const std::uint8_t>{};
  bytes = bytes.subspan(static_cast<std::size_t>(next - offset));
  if (bytes.size() > size - next) {
    return fail(DfuCause::TooLarge, "the server sent more than the " + std::to_string(size) + " bytes announced");
  }
  return bytes;
}

Expected<void, DfuError> schedule_trial(BootControl& boot, std::optional<Slot> verified_slot) {
  if (!verified_slot) return fail(DfuCause::BadState, "schedule before a verified finish");
  if (auto r = boot.request_trial(*verified_slot); !r) return fail(DfuCause::BackendFailed, "boot control: " + r.error().reason);
  return {};
}

Expected<std::uint64_t, DfuError> erase_for_transfer(BlockDevice& device, std::optional<std::uint64_t> size,
                                                     const std::string& what) {
  if (size && *size > device.size()) return std::uint64_t{0};
  const std::uint64_t n = size.value_or(device.size());
  if (auto r = device.erase(0, n); !r) return unexpected(io_error(r.error(), "erasing " + what));
  if (auto r = device.sync(); !r) return unexpected(io_error(r.error(), "syncing " + what));
  return n;
}

bool fill_head(std::span<std::uint8_t> head, std::uint64_t next, std::uint64_t size, std::span<const std::uint8_t> bytes) {
  if (next >= head.size()) return false;
  const std::size_t n = std::min(bytes.size(), head.size() - static_cast<std::size_t>(next));
  std::copy_n(bytes.begin(), n, head.begin() + static_cast<std::ptrdiff_t>(next));
  return next + n == head.size() || next + n == size;
}

}  // namespace detail
}  // namespace awsfota::dfu
