// Driving a DFU target in tests: the transfer spec of an application update and a sender of byte ranges.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "awsfota/dfu/target.hpp"

namespace awsfota::testing {

// An application update of `size` bytes (full images and deltas allowed), resumed at `resume`.
inline dfu::TransferSpec app_transfer(std::uint64_t size, std::uint64_t resume = 0) {
  dfu::TransferSpec s;
  s.size = size;
  s.allowed = image::ImageKind::McuBoot | image::ImageKind::AppDelta;
  s.resume_from = resume;
  return s;
}

// Writes file[from, to) to `target` in pieces of `chunk` bytes; the first error stops it.
inline Expected<void, dfu::DfuError> send_range(dfu::DfuTarget& target, std::span<const std::uint8_t> file,
                                                std::size_t from, std::size_t to, std::size_t chunk) {
  for (std::size_t at = from; at < to; at += chunk) {
    auto r = target.write(at, file.subspan(at, std::min(chunk, to - at)));
    if (!r) return r;
  }
  return {};
}

}  // namespace awsfota::testing
