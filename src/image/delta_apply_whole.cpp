// Applying a delta that is whole in memory (mapped by the DFU target) into a result buffer that is
// whole too (the mapped inactive slot). Because the result is the decoder's window, zstd needs no
// window buffer of its own: the heap holds only the decoder context, whatever the image size.
#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

#include "awsfota/image/delta.hpp"

namespace awsfota::image {

namespace {

struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

Unexpected<DeltaError> fail(DeltaErrorCode c, std::string r) { return unexpected(DeltaError{c, std::move(r)}); }

// The zstd part must be exactly one frame whose declared size, when present, is the header's.
Expected<void, DeltaError> check_frame(std::span<const std::uint8_t> stream, std::uint64_t result_size) {
  const std::size_t frame = ZSTD_findFrameCompressedSize(stream.data(), stream.size());
  if (ZSTD_isError(frame)) {
    return fail(DeltaErrorCode::Corrupt, std::string("the zstd frame after the header is unreadable: ") +
                                             ZSTD_getErrorName(frame));
  }
  if (frame != stream.size()) {
    return fail(DeltaErrorCode::Corrupt, std::to_string(stream.size() - frame) +
                                             " bytes follow the end of the delta's zstd frame");
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(stream.data(), stream.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return fail(DeltaErrorCode::Corrupt, "the zstd frame header is invalid");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != result_size) {
    return fail(DeltaErrorCode::ResultSizeMismatch, "the zstd frame declares " + std::to_string(declared) +
                                                        " bytes, the delta header names " + std::to_string(result_size));
  }
  return {};
}

}  // namespace

Expected<DeltaHeader, DeltaError> apply_delta(std::span<const std::uint8_t> delta, std::span<const std::uint8_t> base,
                                              std::span<std::uint8_t> result, const CryptoProvider& crypto,
                                              std::optional<Sha256Digest> known_base_sha256) {
  auto header = parse_delta_header(delta);
  if (!header) return unexpected(header.error());
  const Sha256Digest base_sha = known_base_sha256 ? *known_base_sha256 : sha256_of(crypto, base);
  if (auto r = check_delta_base(*header, base_sha, base.size()); !r) return unexpected(r.error());
  if (header->stream_offset() > delta.size()) {
    return fail(DeltaErrorCode::TooShort, "the delta ends inside its " + std::to_string(header->stream_offset()) +
                                              "-byte header frame");
  }
  if (header->result_size > result.size()) {
    return fail(DeltaErrorCode::Sink, "the output holds " + std::to_string(result.size()) + " bytes, the result has " +
                                          std::to_string(header->result_size));
  }
  const auto stream = delta.subspan(static_cast<std::size_t>(header->stream_offset()));
  if (auto r = check_frame(stream, header->result_size); !r) return unexpected(r.error());

  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return fail(DeltaErrorCode::Corrupt, "out of memory creating the zstd decoder");
  if (ZSTD_isError(ZSTD_DCtx_refPrefix(dctx.get(), base.data(), base.size()))) {
    return fail(DeltaErrorCode::Corrupt, "zstd refused the base as prefix");
  }
  const auto out = result.first(static_cast<std::size_t>(header->result_size));
  const std::size_t rc = ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), stream.data(), stream.size());
  if (ZSTD_isError(rc)) {
    if (ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall) {
      return fail(DeltaErrorCode::ResultSizeMismatch, "the delta decodes to more than the " + std::to_string(out.size()) +
                                                          " bytes its header names");
    }
    return fail(DeltaErrorCode::Corrupt, std::string("the zstd stream does not decode: ") + ZSTD_getErrorName(rc));
  }
  if (rc != out.size()) {
    return fail(DeltaErrorCode::ResultSizeMismatch, "the delta decoded to " + std::to_string(rc) +
                                                        " bytes, its header names " + std::to_string(out.size()));
  }
  const Sha256Digest got = sha256_of(crypto, out);
  if (got != header->result_sha256) {
    return fail(DeltaErrorCode::ResultHashMismatch,
                "the result's SHA-256 is " + to_hex(got) + ", the delta header names " + to_hex(header->result_sha256));
  }
  return header;
}

}  // namespace awsfota::image
