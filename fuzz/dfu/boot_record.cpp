// Fuzzes the boot record decoder and the boot rules on whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "awsfota/dfu/boot_control.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::dfu;
  auto r = decode_boot_record(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r) {
    auto again = decode_boot_record(encode_boot_record(*r));
    if (!again || !(*again == *r)) __builtin_trap();  // encode/decode must round-trip
    (void)status_of(boot_step(*r));
    (void)with_trial_requested(with_confirmed(*r), Slot::B);
  }
  return 0;
}
