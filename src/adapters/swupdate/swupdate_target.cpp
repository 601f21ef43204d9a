#include "awsfota/adapters/swupdate/swupdate_target.hpp"

namespace awsfota::swupdate {

namespace {

Unexpected<dfu::DfuError> swu_target_failure(dfu::DfuCause cause, std::string reason) {
  return unexpected(dfu::DfuError{cause, std::move(reason)});
}

bool says(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

}  // namespace

dfu::DfuCause cause_of_swupdate_error(std::string_view words) {
  // SWUpdate 2022.12's lines: "Authentication of all signatures failed", "Signature verification
  // failed", "SW not compatible with hardware", "Compatible SW not found", "Image invalid or
  // corrupted", "HASH mismatch". The signature is checked first: its failure leads the lines.
  if (says(words, "ignature") || says(words, "Authentication")) return dfu::DfuCause::SignatureInvalid;
  if (says(words, "HASH mismatch") || says(words, "Hash mismatch")) return dfu::DfuCause::HashMismatch;
  if (says(words, "No space") || says(words, "too big") || says(words, "too large") || says(words, "exceed")) {
    return dfu::DfuCause::TooLarge;
  }
  if (says(words, "compatible") || says(words, "Compatible") || says(words, "invalid") || says(words, "parse") ||
      says(words, "sw-description") || says(words, "Invalid")) {
    return dfu::DfuCause::InvalidUpdate;
  }
  return dfu::DfuCause::BackendFailed;
}

Expected<std::unique_ptr<SwupdateTarget>, std::string> SwupdateTarget::create(SwupdateService& swupdate,
                                                                             SwupdateBootControl& boot,
                                                                             SwupdateTargetOptions options,
                                                                             SwupdateProgressHandler progress) {
  auto staged = posix::StagingFile::open(
      {.path = options.staging, .capacity = options.capacity, .kind = image::ImageKind::SwupdateImage});
  if (!staged) return unexpected("swupdate staging file: " + staged.error());
  return std::unique_ptr<SwupdateTarget>(new SwupdateTarget(swupdate, boot, std::move(progress), std::move(*staged)));
}

Expected<std::uint64_t, dfu::DfuError> SwupdateTarget::prepare_fresh(std::optional<std::uint64_t> size) {
  return staged_.prepare_fresh(size);
}

dfu::BlockDevice* SwupdateTarget::staged_device() { return staged_.device(); }

Expected<void, dfu::DfuError> SwupdateTarget::begin(const dfu::TransferSpec& spec) {
  installed_ = false;
  return staged_.begin(spec);
}

Expected<void, dfu::DfuError> SwupdateTarget::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  return staged_.write(offset, bytes);
}

Expected<std::uint64_t, dfu::DfuError> SwupdateTarget::commit() { return staged_.commit(); }

Expected<dfu::FinishedImage, dfu::DfuError> SwupdateTarget::finish() {
  auto size = staged_.close_complete();
  if (!size) return unexpected(size.error());
  // SWUpdate writes the copy the system does not run from (a double-copy sw-description), so a cut
  // in here leaves the running software as it was; a finish() after the restart installs again.
  auto installed = swupdate_.install(staged_.path().string(), progress_);
  if (!installed) {
    const SwupdateError& e = installed.error();
    switch (e.code) {
      case SwupdateErrorCode::Refused:
        return swu_target_failure(cause_of_swupdate_error(e.reason), "SWUpdate: " + e.reason);
      case SwupdateErrorCode::Unavailable:
      case SwupdateErrorCode::Busy:
      case SwupdateErrorCode::Lost:
      case SwupdateErrorCode::Protocol: return swu_target_failure(dfu::DfuCause::BackendFailed, e.reason);
    }
  }
  installed_ = true;
  return dfu::FinishedImage{.kind = image::ImageKind::SwupdateImage, .size = *size};
}

Expected<void, dfu::DfuError> SwupdateTarget::schedule() {
  // SWUpdate already set what the .swu's sw-description asks of the bootloader (the boot partition,
  // upgrade_available, ...) and, unless it runs with -m, ustate=1 (installed). A state that says the
  // install failed means the bootloader must not be sent to it.
  auto state = swupdate_.update_state();
  if (!state) return swu_target_failure(dfu::DfuCause::BackendFailed, "after SWUpdate's install: " + state.error().reason);
  if (*state == UpdateState::Failed || *state == UpdateState::Error) {
    return swu_target_failure(dfu::DfuCause::BackendFailed,
                              std::string("after SWUpdate's install the bootloader's ustate is ") +
                                  static_cast<char>(*state) + " (failed)");
  }
  // The copy SWUpdate wrote is awsfota's "other slot" until the reboot says how it went.
  auto now = boot_.status();
  if (!now) return swu_target_failure(dfu::DfuCause::BackendFailed, "after SWUpdate's install: " + now.error().reason);
  if (auto r = boot_.request_trial(dfu::other_slot(now->confirmed)); !r) {
    return swu_target_failure(dfu::DfuCause::BackendFailed, "after SWUpdate's install: " + r.error().reason);
  }
  return {};
}

void SwupdateTarget::abort() {
  if (installed_) {
    // The job that wanted the install is gone. What sw-description set in the bootloader is SWUpdate's
    // and the product's to undo; ustate=3 tells both that this update is not wanted (revert() forgets
    // a trial schedule() recorded and sets it; the set covers an install without one).
    (void)boot_.revert();
    (void)swupdate_.set_update_state(UpdateState::Failed);
  }
  installed_ = false;
  staged_.reset();  // best effort: give the space back
}

}  // namespace awsfota::swupdate
