// Applying a delta that is whole in memory (mapped by the DFU target) into a result buffer that is
// whole too (the mapped inactive slot). Because the result is the decoder's window, zstd needs no
// window buffer of its own: the heap holds only the decoder context and one block of input, whatever
// the image size.
// ZSTD_d_stableOutBuffer (the output buffer as the window) is in zstd's experimental API; it is a
// value of the stable ZSTD_DCtx_setParameter(), exported by the shared library since zstd 1.4.4.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <memory>

#include "awsfota/image/delta.hpp"
#include "image/delta_window.hpp"

namespace awsfota::image {

namespace {

struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

Unexpected<DeltaError> fail(DeltaErrorCode c, std::string r) { return unexpected(DeltaError{c, std::move(r)}); }

// A zstd block header's size (the format's, RFC 8878 section 3.1.1.2).
constexpr std::size_t kBlockHeaderSize = 3;

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

// Decodes the frame with the result buffer as zstd's output and window (a stable output buffer: no
// window allocation), feeding it one block at a time (the size hint zstd returns), so that the
// progress callback sees each block's end as it is done. zstd never writes below the output position
// again: matches only read there, and its scratch space (literals kept in the output) lies past it.
Expected<void, DeltaError> decode_frame(ZSTD_DCtx* dctx, std::span<const std::uint8_t> stream,
                                        std::span<std::uint8_t> out, const DeltaProgress& progress) {
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  const std::size_t first = ZSTD_frameHeaderSize(stream.data(), stream.size());
  if (ZSTD_isError(first)) return fail(DeltaErrorCode::Corrupt, "the zstd frame header is invalid");
  // Never the whole frame in one call: zstd would decode it in one pass, with no progress to report.
  ZSTD_inBuffer input{stream.data(), std::min(stream.size(), first + kBlockHeaderSize), 0};
  for (;;) {
    const std::size_t in_before = input.pos, out_before = output.pos;
    const std::size_t hint = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(hint)) {
      if (ZSTD_getErrorCode(hint) == ZSTD_error_dstSize_tooSmall) {
        return fail(DeltaErrorCode::ResultSizeMismatch, "the delta decodes to more than the " +
                                                            std::to_string(out.size()) + " bytes its header names");
      }
      return fail(DeltaErrorCode::Corrupt, std::string("the zstd stream does not decode: ") + ZSTD_getErrorName(hint));
    }
    if (progress && output.pos > out_before) {
      if (auto r = progress(output.pos); !r) return fail(DeltaErrorCode::Sink, r.error());
    }
    if (hint == 0) break;  // the frame is complete (and its checksum, if any, matched)
    if (input.pos == stream.size() || (input.pos == in_before && output.pos == out_before)) {
      return fail(DeltaErrorCode::Corrupt, "the zstd frame ends early");
    }
    input.size = std::min(stream.size(), input.pos + hint);
  }
  if (output.pos != out.size()) {
    return fail(DeltaErrorCode::ResultSizeMismatch, "the delta decoded to " + std::to_string(output.pos) +
                                                        " bytes, its header names " + std::to_string(out.size()));
  }
  return {};
}

}  // namespace

Expected<DeltaHeader, DeltaError> decode_delta(std::span<const std::uint8_t> delta, std::span<const std::uint8_t> base,
                                               std::span<std::uint8_t> result, const CryptoProvider& crypto,
                                               std::optional<Sha256Digest> known_base_sha256,
                                               const DeltaProgress& progress) {
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
  // The window is the output buffer, so the limit allocates nothing; it only has to admit the window a
  // delta of these sizes uses (past 2^27 the decoder's default would refuse it).
  const auto window_log = static_cast<int>(detail::delta_window_log_limit(header->base_size, header->result_size));
  if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log)) ||
      ZSTD_isError(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_stableOutBuffer, 1)) ||
      ZSTD_isError(ZSTD_DCtx_refPrefix(dctx.get(), base.data(), base.size()))) {
    return fail(DeltaErrorCode::Corrupt, "zstd refused the decoder settings or the base as prefix");
  }
  const auto out = result.first(static_cast<std::size_t>(header->result_size));
  if (auto r = decode_frame(dctx.get(), stream, out, progress); !r) return unexpected(r.error());
  return header;
}

Expected<void, DeltaError> check_delta_result(const DeltaHeader& header, const Sha256Digest& result_sha256) {
  if (result_sha256 != header.result_sha256) {
    return fail(DeltaErrorCode::ResultHashMismatch, "the result's SHA-256 is " + to_hex(result_sha256) +
                                                        ", the delta header names " + to_hex(header.result_sha256));
  }
  return {};
}

Expected<DeltaHeader, DeltaError> apply_delta(std::span<const std::uint8_t> delta, std::span<const std::uint8_t> base,
                                              std::span<std::uint8_t> result, const CryptoProvider& crypto,
                                              std::optional<Sha256Digest> known_base_sha256) {
  auto header = decode_delta(delta, base, result, crypto, known_base_sha256, {});
  if (!header) return header;
  const auto out = result.first(static_cast<std::size_t>(header->result_size));
  if (auto r = check_delta_result(*header, sha256_of(crypto, out)); !r) return unexpected(r.error());
  return header;
}

}  // namespace awsfota::image
