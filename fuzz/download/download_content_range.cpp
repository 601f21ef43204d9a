// Fuzzes the Content-Range parser: any input must give a value or a reason, never a crash, and an
// accepted range must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "awsfota/download/range.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto cr = awsfota::download::parse_content_range(input);
  if (cr) {
    if (cr->first.has_value() != cr->last.has_value()) std::abort();
    if (cr->first && *cr->last < *cr->first) std::abort();
    if (cr->last && cr->total && *cr->last >= *cr->total) std::abort();
    if (!cr->first && !cr->total) std::abort();
  } else if (cr.error().empty()) {
    std::abort();
  }
  return 0;
}
