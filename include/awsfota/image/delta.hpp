// This project's application delta: a zstd skippable frame naming base and result, followed by the
// output of `zstd --patch-from=BASE NEW` (a normal zstd frame using BASE as its prefix). The standard
// `zstd -d --patch-from=BASE` skips the skippable frame and decodes the rest.
//
// Header layout, all little-endian (kDeltaHeaderSize = 100 bytes):
//   0  u32 skippable-frame magic, 0x184D2A50..0x184D2A5F (written as 0x184D2A5A)
//   4  u32 frame content size (>= 92; later versions may append fields)
//   8  8   tag "AWSFOTAD"
//   16 u16 format version (1)
//   18 u16 flags (0; a set bit is refused, so new meanings cannot be silently ignored)
//   20 u64 base size      (bytes of the base image, read from the start of the active slot)
//   28 u64 result size
//   36 32  base SHA-256   (of those base-size bytes)
//   68 32  result SHA-256
//
//   DeltaApplier applier(base_bytes, crypto, [&](std::uint64_t off, std::span<const std::uint8_t> out) {
//     return write_to_slot(off, out);             // Expected<void, std::string>
//   });
//   for (chunk : download) if (auto r = applier.feed(chunk); !r) fail(r.error());
//   auto done = applier.finish();                 // checks size and result SHA-256
//
// Or, with delta, base and result all in memory (the DFU target maps them from its devices):
//   auto header = parse_delta_header(delta);     // to size the result
//   auto done = apply_delta(delta, base, result_span, crypto);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"

namespace awsfota::image {

inline constexpr std::uint32_t kDeltaFrameMagic = 0x184D2A5A;
inline constexpr char kDeltaTag[8] = {'A', 'W', 'S', 'F', 'O', 'T', 'A', 'D'};
inline constexpr std::uint16_t kDeltaFormatVersion = 1;
inline constexpr std::size_t kDeltaContentSize = 92;
inline constexpr std::size_t kDeltaHeaderSize = 8 + kDeltaContentSize;

struct DeltaHeader {
  std::uint64_t base_size = 0;
  std::uint64_t result_size = 0;
  Sha256Digest base_sha256{};
  Sha256Digest result_sha256{};
  std::uint32_t frame_size = kDeltaContentSize;  // as read; the zstd stream starts at 8 + frame_size

  [[nodiscard]] std::uint64_t stream_offset() const { return 8u + frame_size; }
};

enum class DeltaErrorCode {
  TooShort,            // fewer bytes than a header
  NotSkippableFrame,   // first u32 is not a zstd skippable-frame magic
  BadTag,              // the frame is not ours
  UnsupportedVersion,  // format version other than 1
  UnsupportedFlags,    // reserved flags set
  BadFrameSize,        // frame content size under 92
  WrongBase,           // the base given is not the one the header names (size or SHA-256)
  Corrupt,             // the zstd stream does not decode
  ResultSizeMismatch,  // decoded more or fewer bytes than the header says
  ResultHashMismatch,  // decoded bytes' SHA-256 differs from the header
  Sink,                // the output sink failed
  Create,              // making a delta failed
};

[[nodiscard]] const char* to_string(DeltaErrorCode code);

struct DeltaError {
  DeltaErrorCode code = DeltaErrorCode::Corrupt;
  std::string reason;
};

[[nodiscard]] Expected<DeltaHeader, DeltaError> parse_delta_header(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::vector<std::uint8_t> encode_delta_header(const DeltaHeader& header);

// Receives decoded bytes in order, at increasing offsets.
using DeltaSink = std::function<Expected<void, std::string>(std::uint64_t offset, std::span<const std::uint8_t>)>;

// Streaming apply. Memory: the caller's base (zstd references it in place), zstd's window buffer
// (min(window, result size): as much heap as the result for a delta of a whole image) and a 128 KiB
// output buffer. Where the result can live in memory (a mapped slot), apply_delta() below needs none
// of that.
class DeltaApplier {
 public:
  // `base` must stay alive and unchanged until finish() or destruction. Pass `known_base_sha256` when the
  // caller has already hashed the base (the DFU target does), to save hashing it twice.
  DeltaApplier(std::span<const std::uint8_t> base, const CryptoProvider& crypto, DeltaSink sink,
               std::optional<Sha256Digest> known_base_sha256 = {});
  ~DeltaApplier();
  DeltaApplier(const DeltaApplier&) = delete;
  DeltaApplier& operator=(const DeltaApplier&) = delete;

  // Feed the delta file's bytes in order (any chunking). The header is checked against the base as soon
  // as it is complete, before anything reaches the sink.
  [[nodiscard]] Expected<void, DeltaError> feed(std::span<const std::uint8_t> bytes);
  // After the last byte: the zstd frame must be complete, size and SHA-256 must match the header.
  [[nodiscard]] Expected<void, DeltaError> finish();
  // The header, once feed() has seen it.
  [[nodiscard]] const DeltaHeader* header() const;
  [[nodiscard]] std::uint64_t bytes_out() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Apply a whole delta file (header and zstd frame) against `base` into the first result-size bytes of
// `result` (which must hold at least that many). Checks, in order: the header, the base (size and
// SHA-256, before any output), that the zstd part is exactly one frame whose declared size is the
// header's, decoding, the decoded size and the result's SHA-256. Memory: zstd's decoder context and one
// block of input (128 KiB); the result buffer is the decoder's window. Returns the header.
[[nodiscard]] Expected<DeltaHeader, DeltaError> apply_delta(std::span<const std::uint8_t> delta,
                                                            std::span<const std::uint8_t> base,
                                                            std::span<std::uint8_t> result,
                                                            const CryptoProvider& crypto,
                                                            std::optional<Sha256Digest> known_base_sha256 = {});

// How far decode_delta() has got: [0, done) of the result is final (the decoder does not write there
// again). An error stops the decoding (DeltaErrorCode::Sink, with this reason).
using DeltaProgress = std::function<Expected<void, std::string>(std::uint64_t done)>;

// apply_delta() without its last step, the SHA-256 of the result: for a caller that hashes the result
// where it stores it (the DFU target reads the slot back behind the decoder) and checks that digest
// with check_delta_result(). `progress` (may be empty) is called as the output grows, once per zstd
// block (at most 128 KiB), with increasing `done`, the last time with the result size.
//
//   auto header = decode_delta(delta, base, slot_bytes, crypto, known, [&](std::uint64_t done) {
//     follower.advance_written(done);              // [0, done) may be read back now
//     return Expected<void, std::string>{};
//   });
//   ... check_delta_result(*header, sha256_of_what_the_slot_holds);
[[nodiscard]] Expected<DeltaHeader, DeltaError> decode_delta(std::span<const std::uint8_t> delta,
                                                             std::span<const std::uint8_t> base,
                                                             std::span<std::uint8_t> result,
                                                             const CryptoProvider& crypto,
                                                             std::optional<Sha256Digest> known_base_sha256,
                                                             const DeltaProgress& progress);

// The result's SHA-256 against the one the header names (ResultHashMismatch).
[[nodiscard]] Expected<void, DeltaError> check_delta_result(const DeltaHeader& header, const Sha256Digest& result_sha256);

// Check a header against a base before applying (size and SHA-256).
[[nodiscard]] Expected<void, DeltaError> check_delta_base(const DeltaHeader& header,
                                                          const Sha256Digest& base_sha256,
                                                          std::uint64_t base_size);

// Make a delta in memory (libzstd with `base` as prefix, long window, level 19 by default).
[[nodiscard]] Expected<std::vector<std::uint8_t>, DeltaError> create_delta(std::span<const std::uint8_t> base,
                                                                          std::span<const std::uint8_t> result,
                                                                          const CryptoProvider& crypto,
                                                                          int level = 19);

// Header for a zstd stream made elsewhere (e.g. by the zstd CLI): prepend its bytes to that stream.
[[nodiscard]] std::vector<std::uint8_t> make_delta_header(std::span<const std::uint8_t> base,
                                                          std::span<const std::uint8_t> result,
                                                          const CryptoProvider& crypto);

}  // namespace awsfota::image
