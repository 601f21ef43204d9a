// Fuzzes type detection and the kind check.
#include <cstddef>
#include <cstdint>

#include "awsfota/image/kind.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::image;
  const std::span<const std::uint8_t> bytes(data, size < kDetectBytes ? size : kDetectBytes);
  (void)detect_kind(bytes);
  (void)check_kind(bytes, ImageKind::McuBoot | ImageKind::AppDelta);
  (void)is_mcuboot_envelope(bytes);
  (void)is_partition_image(bytes);
  (void)filesystem_name(std::span<const std::uint8_t>(data, size));
  return 0;
}
