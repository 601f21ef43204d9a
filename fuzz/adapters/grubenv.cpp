// Fuzzes the grubenv decoder (the GRUB environment block is written by GRUB, grub-editenv and anyone
// with access to the boot partition): no crash, and whatever decodes encodes again into a block of the
// same size that decodes to the same variables.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "awsfota/adapters/grub/grubenv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::grub;
  const std::string_view block(reinterpret_cast<const char*>(data), size);
  auto env = decode_grubenv(block);
  if (!env) return 0;
  auto again = encode_grubenv(*env, block.size());  // escapes and comments only ever shrink
  if (!again || again->size() != block.size()) __builtin_trap();
  auto back = decode_grubenv(*again);
  if (!back || !(*back == *env)) __builtin_trap();
  return 0;
}
