#include "common.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace awsfota::cli {

int fail(int code, const std::string& message) {
  std::cerr << "awsfota: error: " << message << "\n";
  return code;
}

Expected<std::vector<std::uint8_t>, std::string> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot open " + path.string() + ": " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return unexpected("error reading " + path.string());
  return bytes;
}

Expected<std::string, std::string> read_text(const std::filesystem::path& path) {
  auto bytes = read_bytes(path);
  if (!bytes) return unexpected(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

namespace {

std::string os_error(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// A PATH.tmp left by a run that died is ours to remove only if it is a regular file we own; anything
// else there (a symlink planted to catch a private key, someone else's file) is refused, not followed.
Expected<void, std::string> clear_stale_temporary(const std::filesystem::path& tmp) {
  struct stat st {};
  if (::lstat(tmp.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return unexpected(os_error("cannot inspect", tmp));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    return unexpected("the temporary file " + tmp.string() +
                      " is in the way and is not a regular file of this user (a symlink?): remove it and run again");
  }
  if (::unlink(tmp.c_str()) != 0) return unexpected(os_error("cannot remove the stale", tmp));
  return {};
}

Expected<void, std::string> write_all_and_sync(int fd, const std::filesystem::path& tmp, const void* data,
                                               std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unexpected(os_error("error writing", tmp));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return unexpected(os_error("error flushing", tmp));
  return {};
}

}  // namespace

Expected<void, std::string> write_bytes(const std::filesystem::path& path, const void* data, std::size_t size,
                                        bool private_file) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  if (auto cleared = clear_stale_temporary(tmp); !cleared) return cleared;
  // Created with its final mode (a private key is never readable by others, not even for a moment),
  // exclusively and without following a symlink that appeared since the check.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, private_file ? 0600 : 0666);
  if (fd < 0) return unexpected(os_error("cannot create", tmp));
  auto written = write_all_and_sync(fd, tmp, data, size);
  if (::close(fd) != 0 && written) written = unexpected(os_error("error closing", tmp));
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = unexpected(os_error("cannot move the output into place at", path));
  }
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  return {};
}

}  // namespace awsfota::cli
