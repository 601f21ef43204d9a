// libFuzzer target: the checkpoint decoder must turn any bytes into a checkpoint or a named error, and
// whatever it accepts must encode back to bytes that decode to the same checkpoint.
#include <cstdlib>
#include <string_view>

#include "awsfota/store/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = awsfota::store::decode_checkpoint(bytes);
  if (!decoded) {
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  auto encoded = awsfota::store::encode_checkpoint(*decoded);
  if (!encoded) std::abort();
  auto again = awsfota::store::decode_checkpoint(*encoded);
  if (!again || !(*again == *decoded)) std::abort();
  return 0;
}
