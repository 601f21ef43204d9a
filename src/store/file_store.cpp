// File and in-memory backends of the CheckpointStore seam. The file backend is the only code of the
// store layer that does I/O (POSIX open/write/fsync/rename); the codec in checkpoint.cpp stays pure.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "awsfota/store/checkpoint_store.hpp"

namespace awsfota::store {
namespace {

Unexpected<StoreError> io_error(const std::string& what, const std::filesystem::path& path, int error) {
  return unexpected(StoreError{StoreErrorCode::Io, what + " " + path.string() + ": " + std::strerror(error), {}});
}

Unexpected<StoreError> unreadable(const CheckpointError& error, const std::string& where) {
  return unexpected(StoreError{StoreErrorCode::Unreadable, where + ": " + error.message, error.code});
}

Unexpected<StoreError> unstorable(const CheckpointError& error) {
  return unexpected(StoreError{StoreErrorCode::Unstorable, error.message, error.code});
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// A rename is durable only once the directory entry is on disk.
Expected<void, StoreError> sync_directory(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync directory", dir, errno);
  return {};
}

}  // namespace

FileCheckpointStore::FileCheckpointStore(std::filesystem::path path) : path_(std::move(path)) {}

Expected<std::optional<Checkpoint>, StoreError> FileCheckpointStore::load() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec) && !ec) return std::optional<Checkpoint>{};
    return io_error("cannot read", path_, errno == 0 ? EIO : errno);
  }
  std::string bytes;
  bytes.reserve(4096);
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxCheckpointBytes) break;  // decode reports TooLarge
  }
  auto checkpoint = decode_checkpoint(bytes);
  if (!checkpoint) return unreadable(checkpoint.error(), path_.string());
  return std::optional<Checkpoint>(std::move(*checkpoint));
}

Expected<void, StoreError> FileCheckpointStore::save(const Checkpoint& checkpoint) {
  const auto bytes = encode_checkpoint(checkpoint);
  if (!bytes) return unstorable(bytes.error());
  std::filesystem::path temp = path_;
  temp += ".tmp";
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return io_error("cannot create", temp, errno);
    if (!write_all(fd.get(), *bytes)) return io_error("cannot write", temp, errno == 0 ? ENOSPC : errno);
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync", temp, errno);
    if (::close(fd.release()) != 0) return io_error("cannot close", temp, errno);
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0) return io_error("cannot rename onto", path_, errno);
  return sync_directory(path_);
}

Expected<void, StoreError> FileCheckpointStore::clear() {
  if (::unlink(path_.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return io_error("cannot remove", path_, errno);
  }
  return sync_directory(path_);
}

Expected<std::optional<Checkpoint>, StoreError> MemoryCheckpointStore::load() {
  if (!bytes_) return std::optional<Checkpoint>{};
  auto checkpoint = decode_checkpoint(*bytes_);
  if (!checkpoint) return unreadable(checkpoint.error(), "memory");
  return std::optional<Checkpoint>(std::move(*checkpoint));
}

Expected<void, StoreError> MemoryCheckpointStore::save(const Checkpoint& checkpoint) {
  auto bytes = encode_checkpoint(checkpoint);
  if (!bytes) return unstorable(bytes.error());
  bytes_ = std::move(*bytes);
  return {};
}

Expected<void, StoreError> MemoryCheckpointStore::clear() {
  bytes_.reset();
  return {};
}

}  // namespace awsfota::store
