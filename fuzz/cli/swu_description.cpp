// `awsfota job create --image FILE.swu` reads sw-description from a file it was handed: any bytes must
// give the text or an error, never a crash, and the version it keeps must be one non-empty line.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "cli/swu_description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::cli;
  auto text = read_sw_description(std::span(data, size));
  if (text && text->size() > size) __builtin_trap();
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  for (auto view : {raw, text ? std::string_view(*text) : std::string_view()}) {
    auto version = sw_description_version(view);
    if (!version) continue;
    if (version->empty() || version->find('\n') != std::string::npos) __builtin_trap();
  }
  return 0;
}
