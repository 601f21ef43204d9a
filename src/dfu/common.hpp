// Pieces shared by the application targets.
#pragma once

#include <cerrno>

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
