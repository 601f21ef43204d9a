// POSIX backends of the DFU seams: a slot or staging area in a regular file or a block device, and the
// file-backed boot record store.
//
//   auto slot = awsfota::posix::PosixBlockDevice::open("/var/lib/awsfota/slot-b.img", 64 << 20);
//   if (!slot) fail(slot.error().message);
//   awsfota::posix::FileBootRecordStore store("/var/lib/awsfota/boot.state");
//   auto run = awsfota::dfu::run_boot_step(store);        // at start-up
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::posix {

class PosixBlockDevice final : public dfu::BlockDevice {
 public:
  // A block device: its own size (`capacity` ignored). A regular file: created when missing; its
  // capacity is `capacity` (the file may be shorter; reads past its end return zeros).
  // `read_only` opens without write access (the active slot, for the delta target's base).
  [[nodiscard]] static Expected<std::unique_ptr<PosixBlockDevice>, dfu::IoError> open(
      const std::filesystem::path& path, std::uint64_t capacity, bool read_only = false);
  ~PosixBlockDevice() override;
  PosixBlockDevice(const PosixBlockDevice&) = delete;
  PosixBlockDevice& operator=(const PosixBlockDevice&) = delete;

  [[nodiscard]] std::uint64_t size() const override { return capacity_; }
  [[nodiscard]] Expected<void, dfu::IoError> read(std::uint64_t offset, std::span<std::uint8_t> out) override;
  [[nodiscard]] Expected<void, dfu::IoError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<void, dfu::IoError> sync() override;
  // Files: zeros (hole punched, or written); block devices: zeros written.
  [[nodiscard]] Expected<void, dfu::IoError> erase(std::uint64_t offset, std::uint64_t length) override;
  // pread, pwrite and fsync of one descriptor may run concurrently.
  [[nodiscard]] bool concurrent_access() const override { return true; }
  // mmap of the file or device (shared). Read mode: bytes past the end of a shorter file read as zeros.
  // Write mode: a regular file gets its blocks allocated first (fallocate), so a full disk is an
  // ENOSPC error here rather than a SIGBUS later; flush() is msync + fsync; read() sees each store at
  // once (visible_to_reads(): the page cache is shared). Where fallocate is not supported, write mode
  // falls back to the heap copy of dfu::BlockDevice::map.
  [[nodiscard]] Expected<std::unique_ptr<dfu::Mapping>, dfu::IoError> map(std::uint64_t length,
                                                                         dfu::MapMode mode) override;

 private:
  PosixBlockDevice(int fd, std::filesystem::path path, std::uint64_t capacity, bool is_block, bool read_only)
      : fd_(fd), path_(std::move(path)), capacity_(capacity), is_block_(is_block), read_only_(read_only) {}
  dfu::IoError error(const char* op, int err) const;

  int fd_;
  std::filesystem::path path_;
  std::uint64_t capacity_;
  bool is_block_;
  bool read_only_;
};

// Writes `contents` to `path` atomically and durably: temp file in the same directory, fsync,
// rename over, fsync of the directory.
[[nodiscard]] Expected<void, dfu::IoError> write_file_atomically(const std::filesystem::path& path,
                                                                 std::string_view contents);

class FileBootRecordStore final : public dfu::BootRecordStore {
 public:
  explicit FileBootRecordStore(std::filesystem::path path) : path_(std::move(path)) {}
  [[nodiscard]] Expected<dfu::BootRecord, dfu::BootError> load() override;
  [[nodiscard]] Expected<void, dfu::BootError> save(const dfu::BootRecord& record) override;

 private:
  std::filesystem::path path_;
};

}  // namespace awsfota::posix
