#include "awsfota/adapters/rauc/rauc_target.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace awsfota::rauc {

namespace {

constexpr auto kBundleKind = static_cast<image::ImageKindMask>(image::ImageKind::RaucBundle);

Unexpected<dfu::DfuError> failure(dfu::DfuCause cause, std::string reason) {
  return unexpected(dfu::DfuError{cause, std::move(reason)});
}

bool mentions(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

dfu::DfuCause cause_of_rauc_error(std::string_view last_error) {
  // RAUC's messages as 1.8 words them ("signature verification failed: ...", "Compatible mismatch:
  // ...", "Invalid bundle format: ..."); anything else is the installer's failure.
  // A file that is no bundle at all fails RAUC's format check first ("Invalid bundle format:
  // Signature size ... exceeds bundle size"): not a signature problem.
  if (mentions(last_error, "Compatible mismatch") || mentions(last_error, "Invalid bundle") ||
      mentions(last_error, "manifest")) {
    return dfu::DfuCause::InvalidUpdate;
  }
  if (mentions(last_error, "signature") || mentions(last_error, "Signature") || mentions(last_error, "Verify error")) {
    return dfu::DfuCause::SignatureInvalid;
  }
  if (mentions(last_error, "No space") || mentions(last_error, "too large") || mentions(last_error, "larger than")) {
    return dfu::DfuCause::TooLarge;
  }
  return dfu::DfuCause::BackendFailed;
}

Expected<std::unique_ptr<RaucTarget>, std::string> RaucTarget::create(RaucService& rauc, RaucBootControl& boot,
                                                                     RaucTargetOptions options,
                                                                     RaucProgressHandler progress) {
  if (options.staging.empty()) return unexpected(std::string("rauc staging file is empty"));
  if (options.staging.extension() != ".raucb") {
    return unexpected("rauc staging file " + options.staging.string() + " must end in .raucb (RAUC refuses other names)");
  }
  if (options.capacity == 0) return unexpected(std::string("rauc staging capacity must be more than 0"));
  auto file = posix::PosixBlockDevice::open(options.staging, options.capacity);
  if (!file) return unexpected("rauc staging file: " + file.error().message);
  return std::unique_ptr<RaucTarget>(
      new RaucTarget(rauc, boot, std::move(options), std::move(progress), std::move(*file)));
}

Expected<void, dfu::DfuError> RaucTarget::cut_to(std::uint64_t size) {
  // RAUC finds a plain bundle's signature at the end of the file, so the file must be the bundle,
  // not the bundle followed by the bytes of an older, longer one.
  if (::truncate(options_.staging.c_str(), static_cast<off_t>(size)) != 0) {
    return failure(dfu::DfuCause::Io, "truncate " + options_.staging.string() + ": " + std::strerror(errno));
  }
  return {};
}

Expected<std::uint64_t, dfu::DfuError> RaucTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  if (size && *size > options_.capacity) return std::uint64_t{0};  // begin() refuses it as TooLarge
  if (auto r = cut_to(0); !r) return unexpected(r.error());
  return std::uint64_t{0};
}

Expected<void, dfu::DfuError> RaucTarget::reopen() {
  if (file_) return {};
  auto file = posix::PosixBlockDevice::open(options_.staging, options_.capacity);
  if (!file) return failure(dfu::DfuCause::Io, "rauc staging file: " + file.error().message);
  file_ = std::move(*file);
  return {};
}

dfu::BlockDevice* RaucTarget::staged_device() {
  if (!reopen()) return nullptr;
  return file_.get();
}

Expected<void, dfu::DfuError> RaucTarget::begin(const dfu::TransferSpec& spec) {
  if (auto r = reopen(); !r) return r;
  if ((spec.allowed & kBundleKind) == 0) {
    return failure(dfu::DfuCause::TypeMismatch, "the file is a RAUC bundle, which this update does not allow");
  }
  if (spec.size > options_.capacity) {
    return failure(dfu::DfuCause::TooLarge, "the RAUC bundle has " + std::to_string(spec.size) +
                                                " bytes, the staging file takes at most " +
                                                std::to_string(options_.capacity));
  }
  if (spec.resume_from > spec.size) return failure(dfu::DfuCause::BadState, "resume offset past the bundle size");
  // Bytes past the durable offset may be torn: drop them.
  if (auto r = cut_to(spec.resume_from); !r) return r;
  spec_ = spec;
  offset_ = spec.resume_from;
  installed_ = false;
  return {};
}

Expected<void, dfu::DfuError> RaucTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!spec_ || !file_) return failure(dfu::DfuCause::BadState, "write before begin");
  if (offset > offset_) return failure(dfu::DfuCause::BadState, "write would leave a gap in the RAUC bundle");
  const std::uint64_t skip = offset_ - offset;
  if (skip >= bytes.size()) return {};
  bytes = bytes.subspan(static_cast<std::size_t>(skip));
  if (offset_ + bytes.size() > spec_->size) {
    return failure(dfu::DfuCause::TooLarge, "more bytes than the bundle's size of " + std::to_string(spec_->size));
  }
  if (auto r = file_->write(offset_, bytes); !r) {
    return failure(r.error().error_number == ENOSPC ? dfu::DfuCause::NoSpace : dfu::DfuCause::Io, r.error().message);
  }
  offset_ += bytes.size();
  return {};
}

Expected<std::uint64_t, dfu::DfuError> RaucTarget::commit() {
  if (!file_) return failure(dfu::DfuCause::BadState, "commit before begin");
  if (auto r = file_->sync(); !r) return failure(dfu::DfuCause::Io, r.error().message);
  return offset_;
}

Expected<dfu::FinishedImage, dfu::DfuError> RaucTarget::finish() {
  if (!spec_ || offset_ != spec_->size) {
    return failure(dfu::DfuCause::BadState, "the RAUC bundle is not complete (" + std::to_string(offset_) + " bytes)");
  }
  if (!file_) return failure(dfu::DfuCause::BadState, "finish before begin");
  if (auto r = file_->sync(); !r) return failure(dfu::DfuCause::Io, r.error().message);
  if (auto r = cut_to(spec_->size); !r) return unexpected(r.error());
  // RAUC takes a lease on the bundle (F_SETLEASE) so that nobody can change it under the signature
  // check, which fails while anyone holds it open: let go of it.
  file_.reset();
  // RAUC writes the slot it does not run from, and makes it primary only once it is complete; a cut
  // in here leaves the running slot as it was, and a finish() after the restart installs again.
  auto installed = rauc_.install(options_.staging.string(), progress_);
  if (!installed) {
    const RaucError& e = installed.error();
    switch (e.code) {
      case RaucErrorCode::Refused: return failure(cause_of_rauc_error(e.reason), "RAUC: " + e.reason);
      case RaucErrorCode::Unavailable:
      case RaucErrorCode::Lost:
      case RaucErrorCode::Protocol: return failure(dfu::DfuCause::BackendFailed, e.reason);
    }
  }
  installed_ = true;
  return dfu::FinishedImage{.kind = image::ImageKind::RaucBundle, .size = spec_->size};
}

Expected<void, dfu::DfuError> RaucTarget::schedule() {
  // RAUC made the slot it wrote primary; after a restart between finish() and here RAUC still knows.
  auto slot = boot_.primary_slot();
  if (!slot) return failure(dfu::DfuCause::BackendFailed, slot.error().reason);
  if (auto r = boot_.request_trial(*slot); !r) {
    return failure(dfu::DfuCause::BackendFailed, "after RAUC's install: " + r.error().reason);
  }
  return {};
}

void RaucTarget::abort() {
  if (installed_) {
    // RAUC made the new slot primary; the job that wanted it is gone: boot the running one again.
    // (revert() forgets a trial schedule() recorded; Mark active covers the install without one.)
    (void)boot_.revert();
    (void)rauc_.mark("active", "booted");
  }
  installed_ = false;
  spec_.reset();
  offset_ = 0;
  (void)cut_to(0);  // best effort: give the space back
}

}  // namespace awsfota::rauc
