// The FOTA checkpoint: what a job needs to continue after a power loss, and its on-disk format.
//
// Pure: encode and decode only; the file backend is in checkpoint_store.hpp. The format is a one-line
// frame header followed by a JSON body, so a person can read it and a torn or flipped file is caught:
//
//   AWSFOTA-CHECKPOINT v1 len=<decimal body bytes> crc32=<8 lowercase hex digits>\n
//   {"jobId":"job-42","phase":"downloading",...}
//
// The CRC-32 (IEEE 802.3) covers the body exactly as stored. An unknown version is its own error, so a
// newer agent's checkpoint is never half-understood by an older one.
//
//   awsfota::store::Checkpoint cp{.job_id = "job-42", .version_number = 2,
//                                 .phase = awsfota::store::CheckpointPhase::Downloading};
//   auto bytes = awsfota::store::encode_checkpoint(cp);
//   if (!bytes) log(bytes.error().message);    // e.g. "checkpoint: not stored, ...: fwversion: too long ..."
//   auto back = awsfota::store::decode_checkpoint(*bytes);
//   if (!back) log(back.error().message);      // e.g. "checkpoint: crc32 mismatch (file damaged)"
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::store {

inline constexpr unsigned kCheckpointFormatVersion = 1;
// Larger inputs are refused before parsing: a checkpoint holds one URL and a few small fields.
inline constexpr std::size_t kMaxCheckpointBytes = 64 * 1024;

// Where a job stood when the checkpoint was written. Each value names the step that must be redone or
// continued after a restart.
enum class CheckpointPhase {
  Claiming,        // job taken: IN_PROGRESS sent, not yet known to be accepted
  Downloading,     // download running; committed_offset bytes are durably staged
  Downloaded,      // all bytes staged; verification not yet done
  Verified,        // staged image verified (image_kind set); trial boot being scheduled
  AwaitingReboot,  // trial boot scheduled; waiting for the reboot
  Trial,           // the new image runs on trial; waiting for the application's confirm
  Confirming,      // confirm of the running image issued
  Reporting,       // outcome decided (report_status and report_details); report not yet accepted
};
[[nodiscard]] std::string_view to_string(CheckpointPhase phase) noexcept;
[[nodiscard]] std::optional<CheckpointPhase> parse_checkpoint_phase(std::string_view text) noexcept;

// Text fields are UTF-8 and within the job document parser's limits (awsfota/jobs/job_document.hpp), so
// that whatever the parser accepts can be stored: job_id 1..jobs::kMaxJobIdLength, url up to
// jobs::kMaxStoredUrlLength bytes, sha256 jobs::kSha256HexLength, fw_version up to
// jobs::kMaxFwVersionLength bytes, report_details within AWS's statusDetails limits (in bytes).
struct Checkpoint {
  std::string job_id;
  std::int64_t version_number = 0;    // last execution versionNumber the device knew
  std::int64_t execution_number = 0;
  CheckpointPhase phase = CheckpointPhase::Claiming;
  std::string url;                    // last URL used (presigned URLs expire; refreshed on resume)
  std::optional<std::uint64_t> size;  // expected size from the job document
  std::optional<std::string> sha256;  // expected digest from the job document (lowercase hex)
  std::optional<std::string> fw_version;
  std::uint64_t committed_offset = 0; // bytes durably staged
  std::uint64_t total = 0;            // total bytes of the file once known, else 0
  std::uint32_t image_kind = 0;       // awsfota::fota::ImageKind value once verified, else 0
  std::uint32_t url_refreshes = 0;    // URL refreshes spent on this job
  // Reporting only: "SUCCEEDED" or "FAILED", the statusDetails to send, and the error cause name.
  std::string report_status;
  std::map<std::string, std::string> report_details;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

enum class CheckpointErrorCode {
  NotACheckpoint,   // no frame header: not a file this library wrote
  UnknownVersion,   // a frame of a format version this build does not know
  Corrupt,          // length or CRC-32 mismatch: torn write or damaged storage
  Invalid,          // frame intact but the body is not a valid checkpoint (field named in message)
  TooLarge,         // over kMaxCheckpointBytes
};
[[nodiscard]] std::string_view to_string(CheckpointErrorCode code) noexcept;

struct CheckpointError {
  CheckpointErrorCode code = CheckpointErrorCode::Invalid;
  std::string message;
};

// The frame and body described above. Deterministic: equal checkpoints give equal bytes. Refuses
// (Invalid or TooLarge, naming the field) exactly what decode_checkpoint would refuse or read back
// differently, so a checkpoint that encodes is one that a restart can load.
[[nodiscard]] Expected<std::string, CheckpointError> encode_checkpoint(const Checkpoint& checkpoint);
[[nodiscard]] Expected<Checkpoint, CheckpointError> decode_checkpoint(std::string_view bytes);

// CRC-32 (IEEE 802.3, reflected, init and xorout 0xffffffff), as zlib's crc32().
[[nodiscard]] std::uint32_t crc32(std::string_view bytes) noexcept;

}  // namespace awsfota::store
