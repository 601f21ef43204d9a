// The agent's config file is written by integrators and provisioning tools; whatever it holds, the
// parser answers with a config or an error that names a field, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = awsfota::agent::parse_config(text, "/etc/awsfota");
  if (!config && config.error().message.empty()) __builtin_trap();  // every refusal says why
  return 0;
}
