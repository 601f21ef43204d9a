// Image type detection from the first bytes of an update file (pure).
//
//   using namespace awsfota::image;
//   auto kind = check_kind(first_32_bytes, ImageKind::McuBoot | ImageKind::AppDelta);
//   if (!kind) report(kind.error().code == KindErrorCode::TypeMismatch ? "TYPE_MISMATCH" : "INVALID_UPDATE",
//                     kind.error().reason);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "awsfota/expected.hpp"

namespace awsfota::image {

// Values of the first three follow the reference's image kinds (MCUBOOT=1, MODEM_DELTA=2,
// FULL_MODEM=4) so that masks mean the same; AppDelta is this project's addition.
enum class ImageKind : std::uint32_t {
  Unknown = 0,
  McuBoot = 1,     // LE u32 at 0 == 0x96f3b83d
  ModemDelta = 2,  // LE u32 at 4 == 0x7544656d
  FullModem = 4,   // LE u16 at 0 == 0x84d2
  AppDelta = 8,    // zstd skippable frame (0x184D2A50..5F) whose content starts with "AWSFOTAD"
};

// A set of kinds: ImageKind::McuBoot | ImageKind::AppDelta.
using ImageKindMask = std::uint32_t;
[[nodiscard]] constexpr ImageKindMask operator|(ImageKind a, ImageKind b) {
  return static_cast<ImageKindMask>(a) | static_cast<ImageKindMask>(b);
}
[[nodiscard]] constexpr ImageKindMask operator|(ImageKindMask a, ImageKind b) {
  return a | static_cast<ImageKindMask>(b);
}
inline constexpr ImageKindMask kAllImageKinds = 1u | 2u | 4u | 8u;

[[nodiscard]] const char* to_string(ImageKind kind);

// Bytes that detection looks at; fewer are accepted but may leave a file Unknown.
inline constexpr std::size_t kDetectBytes = 32;

// The kind of the file that starts with `head` (its first kDetectBytes bytes, or fewer for a tiny file).
[[nodiscard]] ImageKind detect_kind(std::span<const std::uint8_t> head);

enum class KindErrorCode {
  InvalidUpdate,  // not any known kind (the reference's INVALID_UPDATE)
  TypeMismatch,   // a known kind that the job or target does not allow (TYPE_MISMATCH)
};

struct KindError {
  KindErrorCode code = KindErrorCode::InvalidUpdate;
  ImageKind detected = ImageKind::Unknown;
  std::string reason;
};

// detect_kind() plus the check that the kind is in `allowed`.
[[nodiscard]] Expected<ImageKind, KindError> check_kind(std::span<const std::uint8_t> head,
                                                        ImageKindMask allowed);

}  // namespace awsfota::image
