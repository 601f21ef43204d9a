// The grubenv file: read whole (bounded), replaced atomically. GRUB itself never creates or renames
// the file; it rewrites its blocks in place (save_env) before the OS runs, so the two never overlap.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "awsfota/adapters/grub/grubenv.hpp"
#include "awsfota/adapters/posix/block_device.hpp"

namespace awsfota::grub {

Expected<GrubEnvFile, dfu::BootError> read_grubenv_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return unexpected(dfu::BootError{dfu::BootErrorCode::Io,
                                     path.string() + ": " + ec.message() +
                                         " (a GRUB environment block must exist: `grub-editenv FILE create`)"});
  }
  if (size > kGrubEnvMaxSize) {
    return unexpected(dfu::BootError{dfu::BootErrorCode::Corrupt, path.string() + ": " + std::to_string(size) +
                                                                      " bytes, too large for a GRUB environment block"});
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (!in || !(bytes << in.rdbuf())) {
    // An empty file reads as a failed stream insertion too; the decoder names that case better.
    if (size != 0) {
      return unexpected(dfu::BootError{dfu::BootErrorCode::Io, path.string() + ": cannot be read: " + std::strerror(errno)});
    }
  }
  const std::string block = bytes.str();
  auto env = decode_grubenv(block);
  if (!env) return unexpected(dfu::BootError{dfu::BootErrorCode::Corrupt, path.string() + ": " + env.error()});
  return GrubEnvFile{std::move(*env), block.size()};
}

Expected<void, dfu::BootError> write_grubenv_file(const std::filesystem::path& path, const GrubEnvFile& file) {
  auto block = encode_grubenv(file.env, file.size);
  if (!block) return unexpected(dfu::BootError{dfu::BootErrorCode::InvalidRequest, path.string() + ": " + block.error()});
  if (auto written = posix::write_file_atomically(path, *block); !written) {
    return unexpected(dfu::BootError{dfu::BootErrorCode::Io, written.error().message});
  }
  return {};
}

}  // namespace awsfota::grub
