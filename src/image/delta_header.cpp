#include <algorithm>
#include <cstring>

#include "awsfota/image/delta.hpp"
#include "image/bytes.hpp"

namespace awsfota::image {

const char* to_string(DeltaErrorCode code) {
  switch (code) {
    case DeltaErrorCode::TooShort: return "TooShort";
    case DeltaErrorCode::NotSkippableFrame: return "NotSkippableFrame";
    case DeltaErrorCode::BadTag: return "BadTag";
    case DeltaErrorCode::UnsupportedVersion: return "UnsupportedVersion";
    case DeltaErrorCode::UnsupportedFlags: return "UnsupportedFlags";
    case DeltaErrorCode::BadFrameSize: return "BadFrameSize";
    case DeltaErrorCode::WrongBase: return "WrongBase";
    case DeltaErrorCode::Corrupt: return "Corrupt";
    case DeltaErrorCode::ResultSizeMismatch: return "ResultSizeMismatch";
    case DeltaErrorCode::ResultHashMismatch: return "ResultHashMismatch";
    case DeltaErrorCode::Sink: return "Sink";
    case DeltaErrorCode::Create: return "Create";
  }
  return "unknown";
}

Expected<DeltaHeader, DeltaError> parse_delta_header(std::span<const std::uint8_t> b) {
  using detail::load_le16;
  using detail::load_le32;
  using detail::load_le64;
  auto fail = [](DeltaErrorCode c, std::string r) { return unexpected(DeltaError{c, std::move(r)}); };
  if (b.size() < 8) return fail(DeltaErrorCode::TooShort, "a delta header needs 100 bytes, got " + std::to_string(b.size()));
  if ((load_le32(b, 0) & 0xFFFFFFF0u) != 0x184D2A50u) {
    return fail(DeltaErrorCode::NotSkippableFrame, "the delta does not start with a zstd skippable frame");
  }
  const std::uint32_t frame_size = load_le32(b, 4);
  if (b.size() >= 16 && !std::equal(std::begin(kDeltaTag), std::end(kDeltaTag), b.begin() + 8)) {
    return fail(DeltaErrorCode::BadTag, "the skippable frame is not an awsfota delta header (no \"AWSFOTAD\" tag)");
  }
  if (frame_size < kDeltaContentSize) {
    return fail(DeltaErrorCode::BadFrameSize,
                "delta header frame holds " + std::to_string(frame_size) + " bytes, at least 92 are needed");
  }
  if (b.size() < kDeltaHeaderSize) {
    return fail(DeltaErrorCode::TooShort, "a delta header needs 100 bytes, got " + std::to_string(b.size()));
  }
  const std::uint16_t version = load_le16(b, 16);
  if (version != kDeltaFormatVersion) {
    return fail(DeltaErrorCode::UnsupportedVersion, "delta format version " + std::to_string(version) +
                                                        " is not supported (this build reads version 1)");
  }
  if (load_le16(b, 18) != 0) {
    return fail(DeltaErrorCode::UnsupportedFlags, "delta header has reserved flags set: " + std::to_string(load_le16(b, 18)));
  }
  DeltaHeader h;
  h.frame_size = frame_size;
  h.base_size = load_le64(b, 20);
  h.result_size = load_le64(b, 28);
  std::copy_n(b.begin() + 36, 32, h.base_sha256.begin());
  std::copy_n(b.begin() + 68, 32, h.result_sha256.begin());
  return h;
}

std::vector<std::uint8_t> encode_delta_header(const DeltaHeader& h) {
  std::vector<std::uint8_t> out(kDeltaHeaderSize, 0);
  detail::store_le32(&out[0], kDeltaFrameMagic);
  detail::store_le32(&out[4], static_cast<std::uint32_t>(kDeltaContentSize));
  std::memcpy(&out[8], kDeltaTag, sizeof kDeltaTag);
  detail::store_le16(&out[16], kDeltaFormatVersion);
  detail::store_le16(&out[18], 0);
  detail::store_le64(&out[20], h.base_size);
  detail::store_le64(&out[28], h.result_size);
  std::copy(h.base_sha256.begin(), h.base_sha256.end(), out.begin() + 36);
  std::copy(h.result_sha256.begin(), h.result_sha256.end(), out.begin() + 68);
  return out;
}

Expected<void, DeltaError> check_delta_base(const DeltaHeader& h, const Sha256Digest& base_sha256,
                                            std::uint64_t base_size) {
  if (h.base_size != base_size || h.base_sha256 != base_sha256) {
    return unexpected(DeltaError{DeltaErrorCode::WrongBase,
                                 "the delta was made for base " + to_hex(h.base_sha256) + " (" +
                                     std::to_string(h.base_size) + " bytes), the running image is " +
                                     to_hex(base_sha256) + " (" + std::to_string(base_size) + " bytes)"});
  }
  return {};
}

std::vector<std::uint8_t> make_delta_header(std::span<const std::uint8_t> base, std::span<const std::uint8_t> result,
                                            const CryptoProvider& crypto) {
  DeltaHeader h;
  h.base_size = base.size();
  h.result_size = result.size();
  h.base_sha256 = sha256_of(crypto, base);
  h.result_sha256 = sha256_of(crypto, result);
  return encode_delta_header(h);
}

}  // namespace awsfota::image
