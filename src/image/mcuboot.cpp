#include "awsfota/image/mcuboot.hpp"

#include <algorithm>

#include "image/bytes.hpp"
#include "image/image_error.hpp"

namespace awsfota::image {

using detail::fail;
using detail::load_le16;
using detail::load_le32;

const char* to_string(ImageErrorCode code) {
  switch (code) {
    case ImageErrorCode::TooShort: return "TooShort";
    case ImageErrorCode::BadMagic: return "BadMagic";
    case ImageErrorCode::HeaderSizeTooSmall: return "HeaderSizeTooSmall";
    case ImageErrorCode::ImageLargerThanFile: return "ImageLargerThanFile";
    case ImageErrorCode::TlvInfoMissing: return "TlvInfoMissing";
    case ImageErrorCode::BadTlvMagic: return "BadTlvMagic";
    case ImageErrorCode::BadProtectedTlvMagic: return "BadProtectedTlvMagic";
    case ImageErrorCode::ProtectedTlvSizeMismatch: return "ProtectedTlvSizeMismatch";
    case ImageErrorCode::TlvAreaTruncated: return "TlvAreaTruncated";
    case ImageErrorCode::TlvLengthOverflow: return "TlvLengthOverflow";
    case ImageErrorCode::TlvBadLength: return "TlvBadLength";
    case ImageErrorCode::MissingSha256: return "MissingSha256";
    case ImageErrorCode::HashMismatch: return "HashMismatch";
    case ImageErrorCode::MissingSignature: return "MissingSignature";
    case ImageErrorCode::MissingKeyHash: return "MissingKeyHash";
    case ImageErrorCode::KeyMismatch: return "KeyMismatch";
    case ImageErrorCode::SignatureInvalid: return "SignatureInvalid";
    case ImageErrorCode::Io: return "Io";
  }
  return "unknown";
}

namespace {
std::string hex32(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s.push_back(kDigits[(v >> shift) & 0xf]);
  return s;
}
}  // namespace

Expected<ImageHeader, ImageError> parse_header(std::span<const std::uint8_t> bytes,
                                               std::optional<std::uint64_t> file_size) {
  if (bytes.size() < kHeaderFieldsSize) {
    return fail(ImageErrorCode::TooShort, "an MCUboot header needs 32 bytes, got " + std::to_string(bytes.size()));
  }
  ImageHeader h;
  h.magic = load_le32(bytes, 0);
  if (h.magic != kMcuBootMagic) {
    return fail(ImageErrorCode::BadMagic, "image magic is " + hex32(h.magic) + ", expected 0x96f3b83d");
  }
  h.load_address = load_le32(bytes, 4);
  h.header_size = load_le16(bytes, 8);
  h.protected_tlv_size = load_le16(bytes, 10);
  h.image_size = load_le32(bytes, 12);
  h.flags = load_le32(bytes, 16);
  h.version = ImageVersion{bytes[20], bytes[21], load_le16(bytes, 22), load_le32(bytes, 24)};
  if (h.header_size < kHeaderFieldsSize) {
    return fail(ImageErrorCode::HeaderSizeTooSmall,
                "header size " + std::to_string(h.header_size) + " is smaller than the 32-byte header");
  }
  if (file_size) {
    const std::uint64_t signed_size =
        std::uint64_t{h.header_size} + std::uint64_t{h.image_size} + std::uint64_t{h.protected_tlv_size};
    if (signed_size > *file_size) {
      return fail(ImageErrorCode::ImageLargerThanFile,
                  "header (" + std::to_string(h.header_size) + ") + payload (" + std::to_string(h.image_size) +
                      ") + protected TLVs (" + std::to_string(h.protected_tlv_size) + ") = " +
                      std::to_string(signed_size) + " bytes, but the file has " + std::to_string(*file_size));
    }
  }
  return h;
}

std::array<std::uint8_t, kHeaderFieldsSize> encode_header(const ImageHeader& h) {
  std::array<std::uint8_t, kHeaderFieldsSize> out{};
  detail::store_le32(&out[0], h.magic);
  detail::store_le32(&out[4], h.load_address);
  detail::store_le16(&out[8], h.header_size);
  detail::store_le16(&out[10], h.protected_tlv_size);
  detail::store_le32(&out[12], h.image_size);
  detail::store_le32(&out[16], h.flags);
  out[20] = h.version.major;
  out[21] = h.version.minor;
  detail::store_le16(&out[22], h.version.revision);
  detail::store_le32(&out[24], h.version.build);
  return out;
}

Expected<std::vector<TlvEntry>, ImageError> parse_tlv_area(std::span<const std::uint8_t> area,
                                                           std::uint16_t expected_magic,
                                                           std::uint64_t area_offset) {
  const bool is_protected = expected_magic == kProtectedTlvInfoMagic;
  if (area.size() < kTlvInfoSize) {
    return fail(ImageErrorCode::TlvInfoMissing,
                "no TLV info header at offset " + std::to_string(area_offset) + " (end of file)");
  }
  const std::uint16_t magic = load_le16(area, 0);
  const std::uint16_t total = load_le16(area, 2);
  if (magic != expected_magic) {
    return fail(is_protected ? ImageErrorCode::BadProtectedTlvMagic : ImageErrorCode::BadTlvMagic,
                std::string(is_protected ? "protected " : "") + "TLV info magic at offset " +
                    std::to_string(area_offset) + " is " + hex32(magic) + ", expected " + hex32(expected_magic));
  }
  if (total < kTlvInfoSize || total > area.size()) {
    return fail(ImageErrorCode::TlvAreaTruncated,
                "TLV area at offset " + std::to_string(area_offset) + " claims " + std::to_string(total) +
                    " bytes, but " + std::to_string(area.size()) + " are there");
  }
  std::vector<TlvEntry> entries;
  std::size_t at = kTlvInfoSize;
  while (at < total) {
    if (total - at < kTlvEntryHeaderSize) {
      return fail(ImageErrorCode::TlvLengthOverflow,
                  "TLV entry header at offset " + std::to_string(area_offset + at) + " runs past the TLV area");
    }
    TlvEntry e;
    e.type = load_le16(area, at);
    const std::uint16_t length = load_le16(area, at + 2);
    at += kTlvEntryHeaderSize;
    if (length > total - at) {
      return fail(ImageErrorCode::TlvLengthOverflow,
                  "TLV type " + hex32(e.type) + " at offset " + std::to_string(area_offset + at - 4) + " has length " +
                      std::to_string(length) + ", past the end of the TLV area");
    }
    e.is_protected = is_protected;
    e.offset = area_offset + at;
    e.value.assign(area.begin() + static_cast<std::ptrdiff_t>(at),
                   area.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
    const bool fixed32 = e.type == static_cast<std::uint16_t>(TlvType::Sha256) ||
                         e.type == static_cast<std::uint16_t>(TlvType::KeyHash);
    if (fixed32 && e.value.size() != 32) {
      return fail(ImageErrorCode::TlvBadLength, "TLV type " + hex32(e.type) + " has length " +
                                                    std::to_string(e.value.size()) + ", expected 32");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

Expected<void, std::string> SpanReader::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    return unexpected(std::string("read past the end of the buffer"));
  }
  std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
  return {};
}

Expected<Sha256Digest, std::string> sha256_of_reader(ByteReader& reader, std::uint64_t size,
                                                     const CryptoProvider& crypto, std::size_t piece) {
  auto hasher = crypto.sha256();
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::min<std::uint64_t>(std::max<std::size_t>(piece, 1), size)));
  for (std::uint64_t at = 0; at < size;) {
    const auto chunk = std::span(buf).first(static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - at)));
    if (auto r = reader.read(at, chunk); !r) return unexpected("at offset " + std::to_string(at) + ": " + r.error());
    hasher->update(chunk);
    at += chunk.size();
  }
  return hasher->finish();
}

namespace {
Expected<std::vector<std::uint8_t>, ImageError> read_bytes(ByteReader& reader, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> buf(n);
  if (auto r = reader.read(offset, buf); !r) {
    return fail(ImageErrorCode::Io, "reading " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                                        ": " + r.error());
  }
  return buf;
}
}  // namespace

Expected<ParsedImage, ImageError> parse_image(ByteReader& reader, std::uint64_t file_size) {
  if (file_size < kHeaderFieldsSize) {
    return fail(ImageErrorCode::TooShort, "an MCUboot image needs at least 32 bytes, got " + std::to_string(file_size));
  }
  auto head = read_bytes(reader, 0, kHeaderFieldsSize);
  if (!head) return unexpected(head.error());
  auto header = parse_header(*head, file_size);
  if (!header) return unexpected(header.error());

  ParsedImage img;
  img.header = *header;
  const std::uint64_t prot_offset = std::uint64_t{header->header_size} + header->image_size;
  img.layout.signed_size = prot_offset + header->protected_tlv_size;
  img.layout.tlv_offset = img.layout.signed_size;

  if (header->protected_tlv_size > 0) {
    auto area = read_bytes(reader, prot_offset, header->protected_tlv_size);
    if (!area) return unexpected(area.error());
    if (area->size() >= kTlvInfoSize && load_le16(*area, 2) != header->protected_tlv_size &&
        load_le16(*area, 0) == kProtectedTlvInfoMagic) {
      return fail(ImageErrorCode::ProtectedTlvSizeMismatch,
                  "protected TLV size is " + std::to_string(header->protected_tlv_size) + " in the header but " +
                      std::to_string(load_le16(*area, 2)) + " in its info header");
    }
    auto entries = parse_tlv_area(*area, kProtectedTlvInfoMagic, prot_offset);
    if (!entries) return unexpected(entries.error());
    img.tlvs = std::move(*entries);
  }

  const std::uint64_t remaining = file_size - img.layout.tlv_offset;
  if (remaining < kTlvInfoSize) {
    return fail(ImageErrorCode::TlvInfoMissing, "no TLV info header after the signed region at offset " +
                                                    std::to_string(img.layout.tlv_offset) + " (file ends at " +
                                                    std::to_string(file_size) + ")");
  }
  auto info = read_bytes(reader, img.layout.tlv_offset, kTlvInfoSize);
  if (!info) return unexpected(info.error());
  const std::uint16_t total = load_le16(*info, 2);
  if (load_le16(*info, 0) == kTlvInfoMagic && total > remaining) {
    return fail(ImageErrorCode::TlvAreaTruncated,
                "TLV area at offset " + std::to_string(img.layout.tlv_offset) + " claims " + std::to_string(total) +
                    " bytes, but the file has " + std::to_string(remaining) + " after the signed region");
  }
  auto area = read_bytes(reader, img.layout.tlv_offset, load_le16(*info, 0) == kTlvInfoMagic ? total : kTlvInfoSize);
  if (!area) return unexpected(area.error());
  auto entries = parse_tlv_area(*area, kTlvInfoMagic, img.layout.tlv_offset);
  if (!entries) return unexpected(entries.error());
  img.tlvs.insert(img.tlvs.end(), entries->begin(), entries->end());
  img.layout.tlv_size = total;
  img.layout.total_size = img.layout.tlv_offset + total;
  return img;
}

Expected<ParsedImage, ImageError> parse_image(std::span<const std::uint8_t> image) {
  SpanReader reader(image);
  return parse_image(reader, image.size());
}

TlvType signature_tlv_type(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::EcdsaP256: return TlvType::EcdsaSig;
    case SignatureAlgorithm::Rsa2048Pss: return TlvType::Rsa2048Pss;
    case SignatureAlgorithm::Ed25519: return TlvType::Ed25519;
  }
  return TlvType::EcdsaSig;
}

}  // namespace awsfota::image
