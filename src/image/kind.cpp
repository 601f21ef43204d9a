#include "awsfota/image/kind.hpp"

#include <algorithm>

#include "awsfota/image/delta.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "image/bytes.hpp"

namespace awsfota::image {

namespace {
constexpr std::uint32_t kModemDeltaMagic = 0x7544656d;
constexpr std::uint16_t kFullModemMagic = 0x84d2;
constexpr std::uint32_t kSkippableMask = 0xFFFFFFF0;
constexpr std::uint32_t kSkippableBase = 0x184D2A50;
constexpr std::uint32_t kSquashfsMagic = 0x73717368;  // "hsqs"
constexpr std::size_t kExtMagicOffset = 1080;          // superblock at 1024, s_magic at +56
constexpr std::uint16_t kExtMagic = 0xEF53;

// A .swu is a cpio archive (SWUpdate takes the "newc" and "crc" formats): the 6-character magic,
// then fields of 8 hexadecimal digits. The 32 bytes detection sees hold the magic and three fields.
bool is_swu_head(std::span<const std::uint8_t> head) {
  constexpr std::string_view kMagicStem = "07070";
  if (head.size() < 30) return false;
  if (!std::equal(kMagicStem.begin(), kMagicStem.end(), head.begin())) return false;
  if (head[5] != '1' && head[5] != '2') return false;
  return std::all_of(head.begin() + 6, head.begin() + 30, [](std::uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::uint32_t envelope_flags(std::span<const std::uint8_t> head) {
  // The flags word is at offset 16 of the header (image/mcuboot.hpp).
  return head.size() >= 20 ? detail::load_le32(head, 16) : 0;
}
}  // namespace

const char* to_string(ImageKind kind) {
  switch (kind) {
    case ImageKind::Unknown: return "unknown";
    case ImageKind::McuBoot: return "MCUboot application image";
    case ImageKind::ModemDelta: return "modem delta";
    case ImageKind::FullModem: return "full modem image";
    case ImageKind::AppDelta: return "application delta";
    case ImageKind::RaucBundle: return "RAUC bundle";
    case ImageKind::SwupdateImage: return "SWUpdate image (.swu)";
  }
  return "unknown";
}

std::uint32_t modem_envelope_flag(ImageKind payload_kind) {
  switch (payload_kind) {
    case ImageKind::ModemDelta: return kModemDeltaEnvelopeFlag;
    case ImageKind::FullModem: return kFullModemEnvelopeFlag;
    default: return 0;
  }
}

bool is_mcuboot_envelope(std::span<const std::uint8_t> head) {
  return head.size() >= 4 && detail::load_le32(head, 0) == kMcuBootMagic;
}

bool is_partition_image(std::span<const std::uint8_t> head) {
  return is_mcuboot_envelope(head) && (envelope_flags(head) & kPartitionPayloadFlag) != 0 &&
         detect_kind(head) == ImageKind::McuBoot;
}

std::string_view filesystem_name(std::span<const std::uint8_t> payload_head) {
  if (payload_head.size() >= 4 && detail::load_le32(payload_head, 0) == kSquashfsMagic) return "squashfs";
  if (payload_head.size() >= kExtMagicOffset + 2 && detail::load_le16(payload_head, kExtMagicOffset) == kExtMagic) {
    return "ext2/3/4";
  }
  return {};
}

ImageKind detect_kind(std::span<const std::uint8_t> head) {
  using detail::load_le16;
  using detail::load_le32;
  if (is_mcuboot_envelope(head)) {
    const std::uint32_t flags = envelope_flags(head);
    const std::uint32_t modem = flags & (kModemDeltaEnvelopeFlag | kFullModemEnvelopeFlag);
    if (modem == 0) return ImageKind::McuBoot;
    if ((flags & kPartitionPayloadFlag) != 0) return ImageKind::Unknown;  // a modem image is no partition
    if (modem == kModemDeltaEnvelopeFlag) return ImageKind::ModemDelta;
    if (modem == kFullModemEnvelopeFlag) return ImageKind::FullModem;
    return ImageKind::Unknown;
  }
  // The application delta is checked before the modem kinds because it is the most specific (magic plus
  // an 8-byte tag); a delta header cannot look like a modem image anyway (its u32 at 4 is >= 92 and small).
  if (head.size() >= 16 && (load_le32(head, 0) & kSkippableMask) == kSkippableBase &&
      std::equal(std::begin(kDeltaTag), std::end(kDeltaTag), head.begin() + 8)) {
    return ImageKind::AppDelta;
  }
  // Before the modem delta, whose magic sits at offset 4 where a squashfs keeps its inode count.
  if (head.size() >= 4 && load_le32(head, 0) == kSquashfsMagic) return ImageKind::RaucBundle;
  if (is_swu_head(head)) return ImageKind::SwupdateImage;
  if (head.size() >= 8 && load_le32(head, 4) == kModemDeltaMagic) return ImageKind::ModemDelta;
  if (head.size() >= 2 && load_le16(head, 0) == kFullModemMagic) return ImageKind::FullModem;
  return ImageKind::Unknown;
}

Expected<ImageKind, KindError> check_kind(std::span<const std::uint8_t> head, ImageKindMask allowed) {
  const ImageKind kind = detect_kind(head);
  if (kind == ImageKind::Unknown) {
    return unexpected(KindError{KindErrorCode::InvalidUpdate, kind,
                                "not an update image: the first " + std::to_string(std::min(head.size(), kDetectBytes)) +
                                    " bytes match no known kind (MCUboot, modem delta, full modem, application delta, RAUC bundle, SWUpdate image)"});
  }
  if ((static_cast<ImageKindMask>(kind) & allowed) == 0) {
    return unexpected(KindError{KindErrorCode::TypeMismatch, kind,
                                std::string("the file is a ") + to_string(kind) + ", which this update does not allow"});
  }
  return kind;
}

}  // namespace awsfota::image
