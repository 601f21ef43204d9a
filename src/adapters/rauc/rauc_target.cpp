#include "awsfota/adapters/rauc/rauc_target.hpp"

namespace awsfota::rauc {

namespace {

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
  auto staged = posix::StagingFile::open(
      {.path = options.staging, .capacity = options.capacity, .kind = image::ImageKind::RaucBundle});
  if (!staged) return unexpected("rauc staging file: " + staged.error());
  return std::unique_ptr<RaucTarget>(new RaucTarget(rauc, boot, std::move(progress), std::move(*staged)));
}

Expected<std::uint64_t, dfu::DfuError> RaucTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  return staged_.prepare_fresh(size);
}

dfu::BlockDevice* RaucTarget::staged_device() { return staged_.device(); }

Expected<void, dfu::DfuError> RaucTarget::begin(const dfu::TransferSpec& spec) {
  installed_ = false;
  return staged_.begin(spec);
}

Expected<void, dfu::DfuError> RaucTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  return staged_.write(offset, bytes);
}

Expected<std::uint64_t, dfu::DfuError> RaucTarget::commit() { return staged_.commit(); }

Expected<dfu::FinishedImage, dfu::DfuError> RaucTarget::finish() {
  // RAUC takes a lease on the bundle (F_SETLEASE) so that nobody can change it under the signature
  // check, which fails while anyone holds it open: the staging file lets go of it.
  auto size = staged_.close_complete();
  if (!size) return unexpected(size.error());
  // RAUC writes the slot it does not run from, and makes it primary only once it is complete; a cut
  // in here leaves the running slot as it was, and a finish() after the restart installs again.
  auto installed = rauc_.install(staged_.path().string(), progress_);
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
  return dfu::FinishedImage{.kind = image::ImageKind::RaucBundle, .size = *size};
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
  staged_.reset();  // best effort: give the space back
}

}  // namespace awsfota::rauc
