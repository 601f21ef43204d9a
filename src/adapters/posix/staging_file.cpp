#include "awsfota/adapters/posix/staging_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace awsfota::posix {

namespace {

Unexpected<dfu::DfuError> staging_failure(dfu::DfuCause cause, std::string reason) {
  return unexpected(dfu::DfuError{cause, std::move(reason)});
}

}  // namespace

Expected<StagingFile, std::string> StagingFile::open(StagingFileOptions options) {
  if (options.path.empty()) return unexpected(std::string("the staging file's path is empty"));
  if (options.capacity == 0) return unexpected(std::string("the staging capacity must be more than 0"));
  auto file = PosixBlockDevice::open(options.path, options.capacity);
  if (!file) return unexpected(file.error().message);
  return StagingFile(std::move(options), std::move(*file));
}

Expected<void, dfu::DfuError> StagingFile::cut_to(std::uint64_t size) {
  // The installers read the file to its end (RAUC finds a plain bundle's signature there): it must be
  // this transfer's bytes, not them followed by the tail of an older, longer file.
  if (::truncate(options_.path.c_str(), static_cast<off_t>(size)) != 0) {
    return staging_failure(dfu::DfuCause::Io, "truncate " + options_.path.string() + ": " + std::strerror(errno));
  }
  return {};
}

Expected<void, dfu::DfuError> StagingFile::reopen() {
  if (file_) return {};
  auto file = PosixBlockDevice::open(options_.path, options_.capacity);
  if (!file) return staging_failure(dfu::DfuCause::Io, "staging file: " + file.error().message);
  file_ = std::move(*file);
  return {};
}

dfu::BlockDevice* StagingFile::device() {
  if (!reopen()) return nullptr;
  return file_.get();
}

Expected<std::uint64_t, dfu::DfuError> StagingFile::prepare_fresh(std::optional<std::uint64_t> size) {
  if (size && *size > options_.capacity) return std::uint64_t{0};  // begin() refuses it as TooLarge
  if (auto r = cut_to(0); !r) return unexpected(r.error());
  return std::uint64_t{0};
}

Expected<void, dfu::DfuError> StagingFile::begin(const dfu::TransferSpec& spec) {
  if (auto r = reopen(); !r) return r;
  if ((spec.allowed & static_cast<image::ImageKindMask>(options_.kind)) == 0) {
    return staging_failure(dfu::DfuCause::TypeMismatch, "the file is a " + what() + ", which this update does not allow");
  }
  if (spec.size > options_.capacity) {
    return staging_failure(dfu::DfuCause::TooLarge, "the " + what() + " has " + std::to_string(spec.size) +
                                                        " bytes, the staging file takes at most " +
                                                        std::to_string(options_.capacity));
  }
  if (spec.resume_from > spec.size) {
    return staging_failure(dfu::DfuCause::BadState, "resume offset past the " + what() + "'s size");
  }
  // Bytes past the durable offset may be torn: drop them.
  if (auto r = cut_to(spec.resume_from); !r) return r;
  spec_ = spec;
  offset_ = spec.resume_from;
  return {};
}

Expected<void, dfu::DfuError> StagingFile::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (!spec_ || !file_) return staging_failure(dfu::DfuCause::BadState, "write before begin");
  if (offset > offset_) return staging_failure(dfu::DfuCause::BadState, "write would leave a gap in the " + what());
  const std::uint64_t skip = offset_ - offset;
  if (skip >= bytes.size()) return {};
  bytes = bytes.subspan(static_cast<std::size_t>(skip));
  if (offset_ + bytes.size() > spec_->size) {
    return staging_failure(dfu::DfuCause::TooLarge,
                           "more bytes than the " + what() + "'s size of " + std::to_string(spec_->size));
  }
  if (auto r = file_->write(offset_, bytes); !r) {
    return staging_failure(r.error().error_number == ENOSPC ? dfu::DfuCause::NoSpace : dfu::DfuCause::Io,
                           r.error().message);
  }
  offset_ += bytes.size();
  return {};
}

Expected<std::uint64_t, dfu::DfuError> StagingFile::commit() {
  if (!file_) return staging_failure(dfu::DfuCause::BadState, "commit before begin");
  if (auto r = file_->sync(); !r) return staging_failure(dfu::DfuCause::Io, r.error().message);
  return offset_;
}

Expected<std::uint64_t, dfu::DfuError> StagingFile::close_complete() {
  if (!spec_ || offset_ != spec_->size) {
    return staging_failure(dfu::DfuCause::BadState,
                           "the " + what() + " is not complete (" + std::to_string(offset_) + " bytes)");
  }
  if (!file_) return staging_failure(dfu::DfuCause::BadState, "finish before begin");
  if (auto r = file_->sync(); !r) return staging_failure(dfu::DfuCause::Io, r.error().message);
  if (auto r = cut_to(spec_->size); !r) return unexpected(r.error());
  file_.reset();
  return spec_->size;
}

void StagingFile::reset() {
  spec_.reset();
  offset_ = 0;
  (void)cut_to(0);
}

}  // namespace awsfota::posix
