#include "common.hpp"

#include <sys/stat.h>

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

Expected<void, std::string> write_bytes(const std::filesystem::path& path, const void* data, std::size_t size,
                                        bool private_file) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
    if (private_file) ::chmod(tmp.c_str(), 0600);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) return unexpected("error writing " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return unexpected("cannot move the output into place at " + path.string());
  }
  return {};
}

}  // namespace awsfota::cli
