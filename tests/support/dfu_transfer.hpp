// Streams a whole file through a dfu::DfuTarget as the staging area does for a fresh download
// (prepare_fresh, begin, 4 KiB writes, one commit) and finishes it: for the installer targets' tests.
//
//   auto finished = awsfota::testing::transfer_whole_file(*target, bytes);
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <span>

#include "awsfota/dfu/target.hpp"

namespace awsfota::testing {

inline Expected<dfu::FinishedImage, dfu::DfuError> transfer_whole_file(dfu::DfuTarget& target,
                                                                       std::span<const std::uint8_t> bytes) {
  const std::uint64_t size = bytes.size();
  EXPECT_TRUE(target.prepare_fresh(size));
  EXPECT_TRUE(target.begin({.size = size}));
  for (std::uint64_t at = 0; at < size; at += 4096) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(4096, size - at));
    EXPECT_TRUE(target.write(at, bytes.subspan(static_cast<std::size_t>(at), n)));
  }
  EXPECT_TRUE(target.commit());
  return target.finish();
}

}  // namespace awsfota::testing
