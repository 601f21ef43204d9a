// MCUboot images: parse the header and TLV area, and verify hash, key hash and signature.
//
// Layout (MCUboot's published format, all integers little-endian):
//   [0, hdr_size)                      header: 32 bytes of fields, then padding up to hdr_size
//   [hdr_size, hdr_size+img_size)      payload
//   [.., +protect_tlv_size)            protected TLV area (info 0x6908 + entries), when present
//   [.., +it_tlv_tot)                  unprotected TLV area (info 0x6907 + entries)
// The SHA-256 TLV covers header+payload+protected TLVs ("the signed region"); the signature signs the
// same bytes (Ed25519: the digest).
//
//   using namespace awsfota::image;
//   VerifyPolicy policy;
//   policy.key = *openssl::load_public_key_pem(pem);   // omit to accept hash-only images
//   auto v = verify_image(std::span(bytes), policy, crypto);
//   if (!v) log(to_string(v.error().code), v.error().reason);
//   else    install(v->header.version);
// Slots are verified without loading them: verify_image(reader, size, policy, crypto) reads through a
// ByteReader in 64 KiB chunks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"
#include "awsfota/image/version.hpp"

namespace awsfota::image {

inline constexpr std::uint32_t kMcuBootMagic = 0x96f3b83d;
inline constexpr std::uint16_t kTlvInfoMagic = 0x6907;
inline constexpr std::uint16_t kProtectedTlvInfoMagic = 0x6908;
inline constexpr std::size_t kHeaderFieldsSize = 32;
inline constexpr std::size_t kTlvInfoSize = 4;
inline constexpr std::size_t kTlvEntryHeaderSize = 4;

// TLV types (MCUboot's bootutil/image.h).
enum class TlvType : std::uint16_t {
  KeyHash = 0x01,
  PublicKey = 0x02,
  Sha256 = 0x10,
  Rsa2048Pss = 0x20,
  EcdsaSig = 0x22,  // ECDSA P-256 (formerly "ECDSA256")
  Rsa3072Pss = 0x23,
  Ed25519 = 0x24,
};

struct ImageHeader {
  std::uint32_t magic = kMcuBootMagic;
  std::uint32_t load_address = 0;
  std::uint16_t header_size = 0;
  std::uint16_t protected_tlv_size = 0;
  std::uint32_t image_size = 0;  // payload bytes
  std::uint32_t flags = 0;
  ImageVersion version;
};

struct TlvEntry {
  std::uint16_t type = 0;
  bool is_protected = false;
  std::uint64_t offset = 0;  // of the value, from the start of the image
  std::vector<std::uint8_t> value;
};

// Where things are, once header and TLV info have been read.
struct ImageLayout {
  std::uint64_t signed_size = 0;  // header + payload + protected TLVs
  std::uint64_t tlv_offset = 0;   // == signed_size
  std::uint64_t tlv_size = 0;     // unprotected area incl. its info header
  std::uint64_t total_size = 0;   // signed_size + tlv_size
};

enum class ImageErrorCode {
  TooShort,                 // fewer than 32 bytes: no header
  BadMagic,                 // not 0x96f3b83d
  HeaderSizeTooSmall,       // header size < 32
  ImageLargerThanFile,      // header + payload + protected TLVs run past the end of the file
  TlvInfoMissing,           // no room for the TLV info header after the signed region
  BadTlvMagic,              // TLV info magic is not 0x6907
  BadProtectedTlvMagic,     // protected TLV info magic is not 0x6908
  ProtectedTlvSizeMismatch, // protected area size in header and its info header disagree
  TlvAreaTruncated,         // TLV area total runs past the end of the file
  TlvLengthOverflow,        // a TLV entry's length runs past the end of its area
  TlvBadLength,             // a TLV whose length is fixed (SHA-256, key hash) has another length
  MissingSha256,            // no SHA-256 TLV
  HashMismatch,             // SHA-256 of the signed region differs from the TLV
  MissingSignature,         // a key is required but no signature TLV for its algorithm exists
  MissingKeyHash,           // a signature exists but no key-hash (or public key) TLV names its key
  KeyMismatch,              // the key-hash TLV is not the configured key's
  SignatureInvalid,         // the signature does not verify
  Io,                       // the reader failed
};

[[nodiscard]] const char* to_string(ImageErrorCode code);

struct ImageError {
  ImageErrorCode code = ImageErrorCode::BadMagic;
  std::string reason;  // names what is wrong and where (offsets, sizes, types)
};

// Parse the 32 header bytes. `file_size` (when known) checks that the signed region fits.
[[nodiscard]] Expected<ImageHeader, ImageError> parse_header(std::span<const std::uint8_t> bytes,
                                                             std::optional<std::uint64_t> file_size = {});

// Serialize header fields into 32 bytes (the creator's inverse of parse_header).
[[nodiscard]] std::array<std::uint8_t, kHeaderFieldsSize> encode_header(const ImageHeader& header);

// Parse a TLV area whose info header says `expected_magic`; `area_offset` is the area's offset in the
// image (for the entries' offsets and error messages). The area must be exactly the info's total.
[[nodiscard]] Expected<std::vector<TlvEntry>, ImageError> parse_tlv_area(
    std::span<const std::uint8_t> area, std::uint16_t expected_magic, std::uint64_t area_offset);

struct ParsedImage {
  ImageHeader header;
  ImageLayout layout;
  std::vector<TlvEntry> tlvs;  // protected first, then unprotected, in file order
};

// Random access to an image that may not fit in memory (a slot). Contract: fill all of `out` from
// `offset` or fail with a reason; the image layer never asks past the size it was given.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  [[nodiscard]] virtual Expected<void, std::string> read(std::uint64_t offset,
                                                         std::span<std::uint8_t> out) = 0;
};

// SHA-256 of the first `size` bytes of `reader`, read in pieces of `piece` bytes (bounded memory).
// The error says where the read failed: "at offset N: <the reader's reason>".
//
//   auto digest = sha256_of_reader(reader, layout.signed_size, crypto);
[[nodiscard]] Expected<Sha256Digest, std::string> sha256_of_reader(ByteReader& reader, std::uint64_t size,
                                                                   const CryptoProvider& crypto,
                                                                   std::size_t piece = 64 * 1024);

class SpanReader final : public ByteReader {
 public:
  explicit SpanReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  [[nodiscard]] Expected<void, std::string> read(std::uint64_t offset, std::span<std::uint8_t> out) override;

 private:
  std::span<const std::uint8_t> bytes_;
};

// Header and TLVs of the image in the first `file_size` bytes of `reader` (the payload is not read).
[[nodiscard]] Expected<ParsedImage, ImageError> parse_image(ByteReader& reader, std::uint64_t file_size);
[[nodiscard]] Expected<ParsedImage, ImageError> parse_image(std::span<const std::uint8_t> image);

struct VerifyPolicy {
  // When set, a signature by this key is required (MissingSignature otherwise); when not set, the
  // image is accepted on its SHA-256 alone and signature TLVs are not checked.
  std::optional<PublicKey> key;
};

struct VerifiedImage {
  ImageHeader header;
  ImageLayout layout;
  Sha256Digest sha256{};          // of the signed region (== the SHA-256 TLV)
  bool signature_checked = false;
};

// Parses, hashes the signed region in bounded memory, and checks key hash and signature per `policy`.
[[nodiscard]] Expected<VerifiedImage, ImageError> verify_image(ByteReader& reader, std::uint64_t file_size,
                                                               const VerifyPolicy& policy,
                                                               const CryptoProvider& crypto);
[[nodiscard]] Expected<VerifiedImage, ImageError> verify_image(std::span<const std::uint8_t> image,
                                                               const VerifyPolicy& policy,
                                                               const CryptoProvider& crypto);

// The SHA-256 of an image's first `size` bytes, computed by the caller as it went (a DFU target that
// hashes a slot while it is being written).
struct RegionDigest {
  std::uint64_t size = 0;
  Sha256Digest sha256{};
};

// verify_image() without its hash pass: `signed_region` stands for the hash of header + payload +
// protected TLVs. When its size is not the parsed signed region's, the region is hashed through the
// reader as verify_image() does, so a wrong guess costs time, never correctness.
//
//   auto v = verify_image(reader, size, RegionDigest{signed_size, digest}, policy, crypto);
[[nodiscard]] Expected<VerifiedImage, ImageError> verify_image(ByteReader& reader, std::uint64_t file_size,
                                                               const RegionDigest& signed_region,
                                                               const VerifyPolicy& policy,
                                                               const CryptoProvider& crypto);

// TLV type that carries signatures of `algorithm`.
[[nodiscard]] TlvType signature_tlv_type(SignatureAlgorithm algorithm);

}  // namespace awsfota::image
