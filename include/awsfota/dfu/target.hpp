// DFU targets: where an update's bytes go, as a streaming sink with checkpoints.
//
// The engine (a later adapter) drives any target the same way:
//
//   TransferSpec spec{.size = job_size, .allowed = ImageKind::McuBoot | ImageKind::AppDelta,
//                     .resume_from = checkpoint.offset};
//   if (auto r = target.begin(spec); !r) fail(r.error());
//   on_bytes(offset, bytes):  if (auto r = target.write(offset, bytes); !r) fail(r.error());
//   every N bytes:            persist_checkpoint(*target.commit());   // never ahead of the disk
//   at the end:               auto img = target.finish();             // verified
//                             persist("verified"); target.schedule(); reboot();
//
// Results are values: DfuError's cause says what went wrong (and so what to report); no exceptions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"
#include "awsfota/image/delta.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "awsfota/image/version.hpp"

namespace awsfota::dfu {

enum class DfuCause {
  InvalidUpdate,     // not a usable image of any kind, or malformed (header, TLVs, delta header)
  TypeMismatch,      // a kind the job or this target does not take
  TooLarge,          // the file or result does not fit the slot / staging area (nothing written)
  NoSpace,           // the device ran out of space while writing (ENOSPC)
  HashMismatch,      // SHA-256 of the image differs from its TLV
  SignatureInvalid,  // the signature does not verify
  MissingSignature,  // a key is configured but the image is not signed for it
  KeyMismatch,       // signed by another key (key-hash TLV)
  Downgrade,         // older than the running version and downgrades are not allowed
  WrongDeltaBase,    // the delta was made for another base than the running image
  DeltaCorrupt,      // the delta does not decode, or decodes to the wrong size or hash
  Io,                // reading, writing or syncing a device failed
  BadState,          // the caller broke the protocol (write past a gap, finish before the end, ...)
  BackendFailed,     // boot control or modem backend refused
};

[[nodiscard]] const char* to_string(DfuCause cause);

struct DfuError {
  DfuCause cause = DfuCause::Io;
  std::string reason;  // a sentence for logs and the job's statusDetails
};

[[nodiscard]] DfuError to_dfu_error(const image::ImageError& error);
[[nodiscard]] DfuError to_dfu_error(const image::DeltaError& error);
[[nodiscard]] DfuError to_dfu_error(const image::KindError& error);

struct TransferSpec {
  std::uint64_t size = 0;                                    // bytes of the file (the job's size)
  image::ImageKindMask allowed = image::kAllImageKinds;      // kinds the job allows
  std::uint64_t resume_from = 0;                             // a durable offset from an earlier commit()
  std::string version_label;                                 // the job's fwversion (modem backends use it)
};

struct FinishedImage {
  image::ImageKind kind = image::ImageKind::Unknown;
  std::uint64_t size = 0;                         // bytes written to the slot / staging area
  std::optional<image::ImageVersion> version;     // MCUboot images
  std::optional<image::Sha256Digest> sha256;      // MCUboot: of the signed region
};

enum class DfuEvent { ErasePending, EraseDone };
using DfuEventSink = std::function<void(DfuEvent)>;

// Contract:
// - prepare_fresh(size): before a transfer that starts at offset 0 (none of its bytes kept), erase or
//   otherwise prepare the area it will be written to, for `size` bytes (none: the whole area). Returns
//   how many bytes it erased; 0 when the target needs no preparation (the default) or cannot write
//   now (begin() then says why). A later begin() at offset 0 need not prepare again.
// - begin() checks what can be checked before any byte is written (size against capacity, resume
//   offset); it may be called again to restart after abort().
// - write(offset, bytes): offset may repeat bytes already written (they are skipped) but must not
//   leave a gap; bytes past `size` are refused.
// - commit() makes everything written so far durable and returns that offset; after a power loss a
//   new target's begin() with resume_from = that offset continues there.
// - start_commit() is commit() without the wait, for a writer that must not stall: it starts making
//   everything written so far durable and returns the offset that is durable now (possibly behind;
//   never ahead of the disk). The default is the blocking commit().
// - durable_offset(): what is durable now, moving on as soon as a commit that start_commit() began
//   completes in the background, so a checkpoint need not wait for the next commit to record it.
//   Never ahead of the disk. The default (0) says "only what commit()/start_commit() returned".
// - staged_sha256(): once the last byte is committed, the SHA-256 of the whole file as the target
//   read it back from its device, if it computed one on the way (the application slot target does),
//   so that a check of the job document's digest needs no second pass. Default: none.
// - finish() after the last byte: verifies (the delta target applies first); it may be run again
//   after a power loss inside it (begin() with resume_from = size, then finish()). schedule() after
//   a successful finish() arranges the install (trial boot, modem apply). abort() drops the
//   transfer; the active image is never touched.
class DfuTarget {
 public:
  virtual ~DfuTarget() = default;
  [[nodiscard]] virtual Expected<std::uint64_t, DfuError> prepare_fresh(std::optional<std::uint64_t> /*size*/) {
    return std::uint64_t{0};
  }
  [[nodiscard]] virtual Expected<void, DfuError> begin(const TransferSpec& spec) = 0;
  [[nodiscard]] virtual Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
  [[nodiscard]] virtual Expected<std::uint64_t, DfuError> commit() = 0;
  [[nodiscard]] virtual Expected<std::uint64_t, DfuError> start_commit() { return commit(); }
  [[nodiscard]] virtual std::uint64_t durable_offset() const { return 0; }
  [[nodiscard]] virtual std::optional<image::Sha256Digest> staged_sha256() const { return std::nullopt; }
  [[nodiscard]] virtual Expected<FinishedImage, DfuError> finish() = 0;
  [[nodiscard]] virtual Expected<void, DfuError> schedule() = 0;
  virtual void abort() = 0;
};

}  // namespace awsfota::dfu
