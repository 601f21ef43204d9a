#include "awsfota/adapters/posix/block_device.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace awsfota::posix {

namespace {
dfu::IoError make_error(const std::filesystem::path& path, const std::string& op, int err) {
  return dfu::IoError{op + " " + path.string() + ": " + std::strerror(err), err};
}
}  // namespace

Expected<std::unique_ptr<PosixBlockDevice>, dfu::IoError> PosixBlockDevice::open(const std::filesystem::path& path,
                                                                                 std::uint64_t capacity, bool read_only) {
  const int flags = (read_only ? O_RDONLY : (O_RDWR | O_CREAT)) | O_CLOEXEC;
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return unexpected(make_error(path, "open", errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return unexpected(make_error(path, "stat", err));
  }
  const bool is_block = S_ISBLK(st.st_mode);
  if (is_block) {
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
      const int err = errno;
      ::close(fd);
      return unexpected(make_error(path, "BLKGETSIZE64", err));
    }
    capacity = bytes;
  } else if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return unexpected(dfu::IoError{path.string() + " is neither a regular file nor a block device", EINVAL});
  }
  return std::unique_ptr<PosixBlockDevice>(new PosixBlockDevice(fd, path, capacity, is_block, read_only));
}

PosixBlockDevice::~PosixBlockDevice() { ::close(fd_); }

dfu::IoError PosixBlockDevice::error(const char* op, int err) const { return make_error(path_, op, err); }

Expected<void, dfu::IoError> PosixBlockDevice::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (offset > capacity_ || out.size() > capacity_ - offset) return unexpected(error("read past the end of", EINVAL));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(error("read", errno));
    }
    if (n == 0) {  // a file shorter than its capacity reads as zeros there
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), std::uint8_t{0});
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Expected<void, dfu::IoError> PosixBlockDevice::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (offset > capacity_ || bytes.size() > capacity_ - offset) return unexpected(error("write past the end of", ENOSPC));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(error("write", errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Expected<void, dfu::IoError> PosixBlockDevice::sync() {
  if (::fsync(fd_) != 0) return unexpected(error("fsync", errno));
  return {};
}

Expected<void, dfu::IoError> PosixBlockDevice::erase(std::uint64_t offset, std::uint64_t length) {
  if (offset > capacity_ || length > capacity_ - offset) return unexpected(error("erase past the end of", EINVAL));
  if (length == 0) return {};
  if (!is_block_ && ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                                static_cast<off_t>(length)) == 0) {
    return {};
  }
  // No hole punching here (block device, or a file system without it): write zeros.
  std::vector<std::uint8_t> zeros(std::min<std::uint64_t>(length, 1 << 20), 0);
  for (std::uint64_t at = 0; at < length;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), length - at));
    if (auto r = write(offset + at, std::span(zeros).first(n)); !r) return r;
    at += n;
  }
  return {};
}

Expected<void, dfu::IoError> write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(make_error(tmp, "open", errno));
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return unexpected(make_error(tmp, "write", err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return unexpected(make_error(tmp, "fsync", err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return unexpected(make_error(path, "rename onto", errno));
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return unexpected(make_error(dir, "open directory", errno));
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return unexpected(make_error(dir, "fsync directory", err));
  return {};
}

Expected<dfu::BootRecord, dfu::BootError> FileBootRecordStore::load() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return dfu::BootRecord{};
    return unexpected(dfu::BootError{dfu::BootErrorCode::Io, "open " + path_.string() + ": " + std::strerror(errno)});
  }
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return unexpected(dfu::BootError{dfu::BootErrorCode::Io, "read " + path_.string() + ": " + std::strerror(err)});
    }
    if (n == 0 || text.size() > 4096) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto record = dfu::decode_boot_record(text);
  if (!record) return unexpected(dfu::BootError{record.error().code, path_.string() + ": " + record.error().reason});
  return record;
}

Expected<void, dfu::BootError> FileBootRecordStore::save(const dfu::BootRecord& record) {
  if (auto r = write_file_atomically(path_, dfu::encode_boot_record(record)); !r) {
    return unexpected(dfu::BootError{dfu::BootErrorCode::Io, r.error().message});
  }
  return {};
}

}  // namespace awsfota::posix
