// A downloaded file kept whole in one staging file for an installer that takes a file (RAUC's
// bundle, SWUpdate's .swu): the DFU target's transfer half, with durable commits, resume at a
// durable offset (torn bytes past it dropped), and the file cut to exactly its size before the
// installer reads it. The RAUC and SWUpdate targets own one each and add the install.
//
//   auto file = StagingFile::open({.path = "/data/update.swu", .capacity = 512 << 20,
//                                  .kind = image::ImageKind::SwupdateImage});
//   file->begin(spec);  file->write(offset, bytes);  file->commit();  ...
//   file->close_complete();   // synced, cut to spec.size, closed: hand file->path() to the installer
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::posix {

struct StagingFileOptions {
  std::filesystem::path path;
  std::uint64_t capacity = 0;                         // the largest file taken (TooLarge beyond)
  image::ImageKind kind = image::ImageKind::Unknown;  // what the file is (checked against a transfer's allowed kinds)
};

class StagingFile {
 public:
  // Opens (creates) the file; an error names the path.
  [[nodiscard]] static Expected<StagingFile, std::string> open(StagingFileOptions options);

  // DfuTarget's halves of the same names.
  [[nodiscard]] Expected<std::uint64_t, dfu::DfuError> prepare_fresh(std::optional<std::uint64_t> size);
  [[nodiscard]] Expected<void, dfu::DfuError> begin(const dfu::TransferSpec& spec);
  [[nodiscard]] Expected<void, dfu::DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes);
  [[nodiscard]] Expected<std::uint64_t, dfu::DfuError> commit();
  // The whole file is there: synced, cut to its size and closed (installers take leases or read to
  // the end). Returns its size.
  [[nodiscard]] Expected<std::uint64_t, dfu::DfuError> close_complete();
  // Forgets the transfer and gives the space back (best effort).
  void reset();

  // The file as a device (read back to check the job's sha256); null when it cannot be opened.
  [[nodiscard]] dfu::BlockDevice* device();
  [[nodiscard]] const std::filesystem::path& path() const { return options_.path; }

 private:
  StagingFile(StagingFileOptions options, std::unique_ptr<PosixBlockDevice> file)
      : options_(std::move(options)), file_(std::move(file)) {}
  [[nodiscard]] Expected<void, dfu::DfuError> cut_to(std::uint64_t size);
  [[nodiscard]] Expected<void, dfu::DfuError> reopen();
  [[nodiscard]] std::string what() const { return image::to_string(options_.kind); }

  StagingFileOptions options_;
  std::unique_ptr<PosixBlockDevice> file_;
  std::optional<dfu::TransferSpec> spec_;
  std::uint64_t offset_ = 0;
};

}  // namespace awsfota::posix
