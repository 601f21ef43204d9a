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
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::image {

// Values of the first three follow the reference's image kinds (MCUBOOT=1, MODEM_DELTA=2,
// FULL_MODEM=4) so that masks mean the same; AppDelta is this project's addition.
enum class ImageKind : std::uint32_t {
  Unknown = 0,
  McuBoot = 1,     // LE u32 at 0 == 0x96f3b83d (and neither modem envelope flag set); also a partition image
  ModemDelta = 2,  // LE u32 at 4 == 0x7544656d, or a signed modem envelope with kModemDeltaEnvelopeFlag
  FullModem = 4,   // LE u16 at 0 == 0x84d2, or a signed modem envelope with kFullModemEnvelopeFlag
  AppDelta = 8,    // zstd skippable frame (0x184D2A50..5F) whose content starts with "AWSFOTAD"
  RaucBundle = 16, // a bare squashfs ("hsqs" at 0): a RAUC bundle, which RAUC verifies and installs
                   // itself (docs/rauc.md). awsfota's own partition images are never bare: they are
                   // wrapped in an MCUboot envelope, so this cannot be mistaken for one.
  SwupdateImage = 32, // a cpio archive in SWUpdate's formats ("070701" newc or "070702" crc at 0, then
                      // hex header fields): a .swu, which SWUpdate verifies and installs (docs/swupdate.md)
};

// A set of kinds: ImageKind::McuBoot | ImageKind::AppDelta.
using ImageKindMask = std::uint32_t;
[[nodiscard]] constexpr ImageKindMask operator|(ImageKind a, ImageKind b) {
  return static_cast<ImageKindMask>(a) | static_cast<ImageKindMask>(b);
}
[[nodiscard]] constexpr ImageKindMask operator|(ImageKindMask a, ImageKind b) {
  return a | static_cast<ImageKindMask>(b);
}
inline constexpr ImageKindMask kAllImageKinds = 1u | 2u | 4u | 8u | 16u | 32u;

[[nodiscard]] const char* to_string(ImageKind kind);

// Bytes that detection looks at; fewer are accepted but may leave a file Unknown.
inline constexpr std::size_t kDetectBytes = 32;

// The signed modem envelope (this project's): a modem delta or full modem image carried as the payload
// of an MCUboot image (header, payload, SHA-256 / key-hash / signature TLVs, as `awsfota image create`
// makes it), so that the one signing key covers modem images too. Which modem kind the payload is
// rides in the header's flags (bits MCUboot does not use), so that the kind is known from the first 32
// bytes like every other kind; the header is in the signed region, so the flag is signed too.
inline constexpr std::uint32_t kModemDeltaEnvelopeFlag = 0x00010000;
inline constexpr std::uint32_t kFullModemEnvelopeFlag = 0x00020000;

// The envelope flag for a modem kind's payload (0 for other kinds).
[[nodiscard]] std::uint32_t modem_envelope_flag(ImageKind payload_kind);

// The partition image (this project's): an application image (kind McuBoot) whose payload is a whole
// partition, such as an ext4 or squashfs root filesystem. The flag tells the device to write the
// payload alone to the inactive partition, starting at its byte 0 so that a kernel can mount it, and
// to keep the header and TLVs in a side record (docs/images.md, "Partition images"). Like the modem
// flags it is a header bit MCUboot does not use, so it is signed and seen in the first 32 bytes. It
// never comes with a modem flag (such a header is Unknown).
inline constexpr std::uint32_t kPartitionPayloadFlag = 0x00040000;

// Whether the file that starts with `head` is a partition image (an MCUboot envelope with the flag).
[[nodiscard]] bool is_partition_image(std::span<const std::uint8_t> head);

// The filesystem that a partition payload starting with `payload_head` holds, as a short name
// ("ext2/3/4", "squashfs"), or empty when it is none of those. Looks at the first 1082 bytes (the
// ext superblock's magic 0xEF53 is at 1080; squashfs' "hsqs" at 0). For tools and messages: the
// device does not require a known filesystem.
[[nodiscard]] std::string_view filesystem_name(std::span<const std::uint8_t> payload_head);
inline constexpr std::size_t kFilesystemDetectBytes = 1082;

// Whether the file that starts with `head` is in an MCUboot envelope (an application image or a signed
// modem envelope): then image::verify_image() checks it.
[[nodiscard]] bool is_mcuboot_envelope(std::span<const std::uint8_t> head);

// The kind of the file that starts with `head` (its first kDetectBytes bytes, or fewer for a tiny file).
// A signed modem envelope is the modem kind its flag names (both flags set: Unknown).
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
