// Little-endian field access for the image formats. Callers check bounds first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace awsfota::image::detail {

[[nodiscard]] inline std::uint16_t load_le16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
[[nodiscard]] inline std::uint32_t load_le32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
[[nodiscard]] inline std::uint64_t load_le64(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint64_t>(load_le32(b, at)) | (static_cast<std::uint64_t>(load_le32(b, at + 4)) << 32);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void append_le16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  std::uint8_t b[2];
  store_le16(b, v);
  out.insert(out.end(), b, b + 2);
}

}  // namespace awsfota::image::detail
