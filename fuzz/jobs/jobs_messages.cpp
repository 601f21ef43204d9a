// Fuzzes every message decoder. The first byte picks the decoder, the rest is the payload.
// Invariant: whatever decodes, encodes to text that decodes to an equal value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "awsfota/jobs/messages.hpp"

namespace {

using namespace awsfota::jobs;

template <class T>
void check(std::string_view payload, awsfota::Expected<T, DecodeError> (*decode)(std::string_view)) {
  const auto first = decode(payload);
  if (!first) {
    if (first.error().message.empty()) {
      __builtin_trap();
    }
    return;
  }
  const std::string encoded = encode(*first);
  const auto second = decode(encoded);
  if (!second || !(*second == *first)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0: check(payload, decode_get_pending_request); break;
    case 1: check(payload, decode_start_next_request); break;
    case 2: check(payload, decode_describe_execution_request); break;
    case 3: check(payload, decode_update_execution_request); break;
    case 4: check(payload, decode_get_pending_accepted); break;
    case 5: check(payload, decode_execution_accepted); break;
    case 6: check(payload, decode_update_execution_accepted); break;
    case 7: check(payload, decode_notify); break;
    case 8: check(payload, decode_notify_next); break;
    default: check(payload, decode_rejected); break;
  }
  return 0;
}
