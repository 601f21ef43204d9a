// Making a delta with libzstd, parameters chosen like `zstd --patch-from` so the CLI decodes it too.
#include <zstd.h>

#include <algorithm>

#include "awsfota/image/delta.hpp"
#include "image/delta_window.hpp"

namespace awsfota::image {

namespace {
struct CctxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
}  // namespace

Expected<std::vector<std::uint8_t>, DeltaError> create_delta(std::span<const std::uint8_t> base,
                                                             std::span<const std::uint8_t> result,
                                                             const CryptoProvider& crypto, int level) {
  auto fail = [](std::string r) { return unexpected(DeltaError{DeltaErrorCode::Create, std::move(r)}); };
  std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return fail("out of memory creating the zstd encoder");
  // The window has to span the whole base for matches into it, as the CLI's patch-from mode arranges.
  const unsigned window_log = detail::delta_window_log(base.size(), result.size());
  std::size_t rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, static_cast<int>(window_log));
  // Long-distance matching finds the base's far-back matches; the CLI's patch-from mode turns it on
  // whenever the window outgrows the match finder's cycle, which at image sizes is always.
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setPledgedSrcSize(cctx.get(), result.size());
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_refPrefix(cctx.get(), base.data(), base.size());
  if (ZSTD_isError(rc)) return fail(std::string("zstd parameters: ") + ZSTD_getErrorName(rc));

  std::vector<std::uint8_t> out = make_delta_header(base, result, crypto);
  const std::size_t header_size = out.size();
  out.resize(header_size + ZSTD_compressBound(result.size()));
  rc = ZSTD_compress2(cctx.get(), out.data() + header_size, out.size() - header_size, result.data(), result.size());
  if (ZSTD_isError(rc)) return fail(std::string("zstd compression: ") + ZSTD_getErrorName(rc));
  out.resize(header_size + rc);
  return out;
}

}  // namespace awsfota::image
