// The zstd window of a delta, shared by creation and streaming application so that they agree.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace awsfota::image::detail {

// ZSTD_WINDOWLOG_MAX is only in zstd's static-linking API; same value.
inline constexpr unsigned kZstdWindowLogMax = sizeof(std::size_t) == 4 ? 30 : 31;
// The decoder's default limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT): frames up to it decode anywhere.
inline constexpr unsigned kZstdWindowLogDefaultLimit = 27;

inline unsigned highest_bit(std::uint64_t v) {
  unsigned bit = 0;
  while (v >>= 1) ++bit;
  return bit;
}

// The window a patch-from frame uses: enough to reach from the end of the result back to the start of
// the base. This is the zstd CLI's own rule for --patch-from (highest bit of the larger file, plus one),
// so a delta from `zstd --patch-from=OLD NEW` and one from create_delta() have the same window.
inline unsigned delta_window_log(std::uint64_t base_size, std::uint64_t result_size) {
  return std::clamp<unsigned>(highest_bit(std::max<std::uint64_t>({base_size, result_size, 1})) + 1, 10,
                              kZstdWindowLogMax);
}

// What the streaming decoder accepts: the default limit, raised to the window such a delta needs (one
// more for a producer that rounds up). Never more, so that a hostile frame header cannot make the
// decoder allocate a window far larger than the result it is meant to produce.
inline unsigned delta_window_log_limit(std::uint64_t base_size, std::uint64_t result_size) {
  return std::clamp<unsigned>(delta_window_log(base_size, result_size) + 1, kZstdWindowLogDefaultLimit,
                              kZstdWindowLogMax);
}

}  // namespace awsfota::image::detail
