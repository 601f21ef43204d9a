// Streaming application of an awsfota delta: header first (checked against the base before any output),
// then the zstd frame decoded with the base as its prefix.
#include <zstd.h>

#include <algorithm>
#include <optional>

#include "awsfota/image/delta.hpp"
#include "image/delta_window.hpp"

namespace awsfota::image {

namespace {
constexpr std::size_t kOutChunk = 128 * 1024;

Unexpected<DeltaError> fail(DeltaErrorCode c, std::string r) { return unexpected(DeltaError{c, std::move(r)}); }
}  // namespace

struct DeltaApplier::State {
  std::span<const std::uint8_t> base;
  const CryptoProvider& crypto;
  DeltaSink sink;
  std::optional<Sha256Digest> known_base_sha256;
  std::vector<std::uint8_t> head;  // header bytes until complete
  std::optional<DeltaHeader> header;
  std::uint64_t skip = 0;  // header frame bytes past the fields we know (later format versions)
  ZSTD_DCtx* dctx = nullptr;
  std::unique_ptr<Sha256Hasher> result_hash;
  std::vector<std::uint8_t> out;
  std::uint64_t written = 0;
  bool frame_done = false;
  std::optional<DeltaError> failed;  // sticky: a failed applier refuses further input

  State(std::span<const std::uint8_t> b, const CryptoProvider& c, DeltaSink s, std::optional<Sha256Digest> k)
      : base(b), crypto(c), sink(std::move(s)), known_base_sha256(k) {}
  ~State() { ZSTD_freeDCtx(dctx); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  Expected<void, DeltaError> start(const DeltaHeader& h) {
    const Sha256Digest base_sha = known_base_sha256 ? *known_base_sha256 : sha256_of(crypto, base);
    if (auto r = check_delta_base(h, base_sha, base.size()); !r) return r;
    dctx = ZSTD_createDCtx();
    if (dctx == nullptr) return fail(DeltaErrorCode::Corrupt, "out of memory creating the zstd decoder");
    // The window must reach back over the whole base; cap it at what base and result need so that a
    // hostile frame header cannot make the decoder allocate gigabytes.
    const auto window_log = static_cast<int>(detail::delta_window_log_limit(h.base_size, h.result_size));
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, window_log);
    if (ZSTD_isError(ZSTD_DCtx_refPrefix(dctx, base.data(), base.size()))) {
      return fail(DeltaErrorCode::Corrupt, "zstd refused the base as prefix");
    }
    result_hash = crypto.sha256();
    out.resize(kOutChunk);
    header = h;
    skip = h.frame_size - kDeltaContentSize;
    return {};
  }

  Expected<void, DeltaError> emit(std::size_t n) {
    if (n == 0) return {};
    if (written + n > header->result_size) {
      return fail(DeltaErrorCode::ResultSizeMismatch,
                  "the delta decodes to more than the " + std::to_string(header->result_size) + " bytes its header names");
    }
    std::span<const std::uint8_t> chunk(out.data(), n);
    result_hash->update(chunk);
    if (auto r = sink(written, chunk); !r) return fail(DeltaErrorCode::Sink, "writing the result: " + r.error());
    written += n;
    return {};
  }

  Expected<void, DeltaError> decode(std::span<const std::uint8_t> bytes) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    while (in.pos < in.size) {
      if (frame_done) return fail(DeltaErrorCode::Corrupt, "data after the end of the zstd frame");
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(dctx, &ob, &in);
      if (ZSTD_isError(rc)) {
        return fail(DeltaErrorCode::Corrupt, std::string("the zstd stream does not decode: ") + ZSTD_getErrorName(rc));
      }
      if (auto r = emit(ob.pos); !r) return r;
      if (rc == 0) frame_done = true;
    }
    // Drain output the decoder still holds although all input has been consumed.
    while (!frame_done) {
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(dctx, &ob, &in);
      if (ZSTD_isError(rc)) {
        return fail(DeltaErrorCode::Corrupt, std::string("the zstd stream does not decode: ") + ZSTD_getErrorName(rc));
      }
      if (auto r = emit(ob.pos); !r) return r;
      if (rc == 0) frame_done = true;
      if (ob.pos < ob.size) break;  // decoder needs more input
    }
    return {};
  }

  Expected<void, DeltaError> feed(std::span<const std::uint8_t> bytes) {
    if (!header) {
      const std::size_t take = std::min(bytes.size(), kDeltaHeaderSize - head.size());
      head.insert(head.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      // Early rejection of a file that is not a delta at all, before all 100 bytes are in.
      if (head.size() < kDeltaHeaderSize) {
        if (head.size() >= 16) {
          if (auto h = parse_delta_header(head); !h && h.error().code != DeltaErrorCode::TooShort) {
            return unexpected(h.error());
          }
        }
        return {};
      }
      auto h = parse_delta_header(head);
      if (!h) return unexpected(h.error());
      if (auto r = start(*h); !r) return r;
    }
    const auto skipped = static_cast<std::size_t>(std::min<std::uint64_t>(skip, bytes.size()));
    skip -= skipped;
    bytes = bytes.subspan(skipped);
    if (bytes.empty()) return {};
    return decode(bytes);
  }
};

DeltaApplier::DeltaApplier(std::span<const std::uint8_t> base, const CryptoProvider& crypto, DeltaSink sink,
                           std::optional<Sha256Digest> known_base_sha256)
    : state_(std::make_unique<State>(base, crypto, std::move(sink), known_base_sha256)) {}

DeltaApplier::~DeltaApplier() = default;

Expected<void, DeltaError> DeltaApplier::feed(std::span<const std::uint8_t> bytes) {
  if (state_->failed) return unexpected(*state_->failed);
  auto r = state_->feed(bytes);
  if (!r) state_->failed = r.error();
  return r;
}

Expected<void, DeltaError> DeltaApplier::finish() {
  State& s = *state_;
  if (s.failed) return unexpected(*s.failed);
  if (!s.header) {
    return fail(DeltaErrorCode::TooShort, "the delta ended after " + std::to_string(s.head.size()) +
                                              " bytes, inside its 100-byte header");
  }
  if (!s.frame_done) return fail(DeltaErrorCode::Corrupt, "the delta ended before its zstd frame was complete");
  if (s.written != s.header->result_size) {
    return fail(DeltaErrorCode::ResultSizeMismatch, "the delta decoded to " + std::to_string(s.written) +
                                                        " bytes, its header names " + std::to_string(s.header->result_size));
  }
  const Sha256Digest got = s.result_hash->finish();
  if (got != s.header->result_sha256) {
    return fail(DeltaErrorCode::ResultHashMismatch,
                "the result's SHA-256 is " + to_hex(got) + ", the delta header names " + to_hex(s.header->result_sha256));
  }
  return {};
}

const DeltaHeader* DeltaApplier::header() const { return state_->header ? &*state_->header : nullptr; }
std::uint64_t DeltaApplier::bytes_out() const { return state_->written; }

}  // namespace awsfota::image
