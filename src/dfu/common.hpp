// Pieces shared by the application targets.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::dfu::detail {

inline Unexpected<DfuError> fail(DfuCause cause, std::string reason) {
  return unexpected(DfuError{cause, std::move(reason)});
}

inline DfuError io_error(const IoError& e, const std::string& what) {
  return DfuError{e.error_number == ENOSPC ? DfuCause::NoSpace : DfuCause::Io, what + ": " + e.message};
}

// Of a write of `bytes` at `offset` while [0, next) of a `size`-byte transfer is held: the part not
// held yet (empty when a resumed download resent only bytes already taken). A gap after `next` is
// BadState, bytes past `size` TooLarge.
Expected<std::span<const std::uint8_t>, DfuError> unheld_part(std::uint64_t next, std::uint64_t size, std::uint64_t offset,
                                                              std::span<const std::uint8_t> bytes);

// Copies what of `bytes` (which start at transfer offset `next`) falls into the transfer's first
// head.size() bytes into `head`. True when that completes the head, or the whole `size`-byte transfer
// if it is shorter: the moment to check the head, before these bytes are written anywhere.
bool fill_head(std::span<std::uint8_t> head, std::uint64_t next, std::uint64_t size, std::span<const std::uint8_t> bytes);

// The write() every target does: take the unheld part of `bytes`, keep the head and run `check_head()`
// when it is complete (before a byte of it is stored), then `store(next, part)` (an IoError, reported
// as "`what`: ..."), and advance `next`.
template <class CheckHead, class Store>
Expected<void, DfuError> take_in_order(std::span<std::uint8_t> head, std::uint64_t& next, std::uint64_t size,
                                       std::uint64_t offset, std::span<const std::uint8_t> bytes, CheckHead&& check_head,
                                       Store&& store, const char* what) {
  auto part = unheld_part(next, size, offset, bytes);
  if (!part) return unexpected(part.error());
  if (part->empty()) return {};
  if (fill_head(head, next, size, *part)) {
    if (auto r = check_head(); !r) return r;
  }
  if (auto r = store(next, *part); !r) return unexpected(io_error(r.error(), what));
  next += part->size();
  return {};
}

// Prepares `device` for a fresh transfer: erases [0, n) and syncs, n = `size` or the whole device.
// Returns n; 0 without erasing when `size` does not fit (begin() refuses that transfer, saying why).
// `what` names the area in errors ("the staging area").
Expected<std::uint64_t, DfuError> erase_for_transfer(BlockDevice& device, std::optional<std::uint64_t> size,
                                                     const std::string& what);

// An application target's schedule(): a trial boot of `verified_slot`, the slot whose image finish()
// verified (none: nothing verified yet, BadState).
Expected<void, DfuError> schedule_trial(BootControl& boot, std::optional<Slot> verified_slot);

// The slot that is not running, per boot control.
Expected<Slot, DfuError> inactive_slot(BootControl& boot);

// Verify the image in the first `size` bytes of `device`, then the downgrade rule. `signed_region`:
// the hash of the slot's signed region when the caller already read it back (image::RegionDigest).
Expected<FinishedImage, DfuError> verify_slot(BlockDevice& device, std::uint64_t size, const image::VerifyPolicy& policy,
                                              const image::CryptoProvider& crypto,
                                              const std::optional<image::ImageVersion>& running,
                                              const image::DowngradePolicy& downgrade,
                                              const std::optional<image::RegionDigest>& signed_region = std::nullopt);

Expected<void, DfuError> check_downgrade(const image::ImageVersion& candidate,
                                         const std::optional<image::ImageVersion>& running,
                                         const image::DowngradePolicy& policy);

}  // namespace awsfota::dfu::detail
