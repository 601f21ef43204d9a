// PosixBlockDevice::map: the delta target's base, staged delta and result as shared memory mappings,
// so that applying a delta keeps almost nothing on the heap (the pages are the page cache's).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "awsfota/adapters/posix/block_device.hpp"

namespace awsfota::posix {

namespace {

class MmapRegion final : public dfu::Mapping {
 public:
  MmapRegion(void* address, std::size_t length, int fd, bool writable, std::filesystem::path path)
      : address_(address), length_(length), fd_(fd), writable_(writable), path_(std::move(path)) {}
  ~MmapRegion() override {
    if (length_ > 0) ::munmap(address_, length_);
  }
  MmapRegion(const MmapRegion&) = delete;
  MmapRegion& operator=(const MmapRegion&) = delete;

  std::span<std::uint8_t> bytes() override { return {static_cast<std::uint8_t*>(address_), length_}; }
  // MAP_SHARED stores land in the page cache, which pread() of the same file or device reads (Linux's
  // unified page cache; the descriptor is not O_DIRECT).
  bool visible_to_reads() const override { return writable_; }
  Expected<void, dfu::IoError> flush() override {
    if (!writable_ || length_ == 0) return {};
    if (::msync(address_, length_, MS_SYNC) != 0) return fail("msync", errno);
    if (::fsync(fd_) != 0) return fail("fsync", errno);  // the file's size and block map
    return {};
  }

 private:
  Unexpected<dfu::IoError> fail(const char* op, int err) const {
    return unexpected(dfu::IoError{std::string(op) + " " + path_.string() + ": " + std::strerror(err), err});
  }

  void* address_;
  std::size_t length_;
  int fd_;
  bool writable_;
  std::filesystem::path path_;
};

}  // namespace

Expected<std::unique_ptr<dfu::Mapping>, dfu::IoError> PosixBlockDevice::map(std::uint64_t length, dfu::MapMode mode) {
  if (length > capacity_) return unexpected(error("map past the end of", EINVAL));
  const bool writable = mode == dfu::MapMode::Write;
  if (writable && read_only_) return unexpected(error("map for writing (opened read-only)", EBADF));
  const auto n = static_cast<std::size_t>(length);
  if (n == 0) return std::unique_ptr<dfu::Mapping>(new MmapRegion(nullptr, 0, fd_, writable, path_));

  std::uint64_t file_bytes = capacity_;
  if (!is_block_) {
    if (writable) {
      // Allocate now: writing a hole through a mapping on a full disk would be a SIGBUS.
      if (::fallocate(fd_, 0, 0, static_cast<off_t>(length)) != 0) {
        const int err = errno;
        if (err == EOPNOTSUPP) return dfu::BlockDevice::map(length, mode);
        return unexpected(error("fallocate", err));
      }
    } else {
      struct stat st {};
      if (::fstat(fd_, &st) != 0) return unexpected(error("stat", errno));
      file_bytes = static_cast<std::uint64_t>(st.st_size);
    }
  }
  if (writable || file_bytes >= length) {
    void* p = ::mmap(nullptr, n, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return unexpected(error("mmap", errno));
    return std::unique_ptr<dfu::Mapping>(new MmapRegion(p, n, fd_, writable, path_));
  }
  // A file shorter than the length reads as zeros past its end (as read() does): anonymous zero pages
  // behind the file's own, since touching a file mapping past its end is a SIGBUS.
  void* p = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return unexpected(error("mmap", errno));
  if (file_bytes > 0 &&
      ::mmap(p, static_cast<std::size_t>(file_bytes), PROT_READ, MAP_SHARED | MAP_FIXED, fd_, 0) == MAP_FAILED) {
    const int err = errno;
    ::munmap(p, n);
    return unexpected(error("mmap", err));
  }
  return std::unique_ptr<dfu::Mapping>(new MmapRegion(p, n, fd_, false, path_));
}

}  // namespace awsfota::posix
