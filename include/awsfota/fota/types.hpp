// Vocabulary of the FOTA engine: error causes, image kinds, boot outcomes, events and configuration.
//
// Everything here is plain data shared by the sans-IO core (engine.hpp), the seams (seams.hpp) and the
// application facade (fota.hpp).
//
//   void on_event(const awsfota::fota::Event& e) {
//     using awsfota::fota::EventKind;
//     if (e.kind == EventKind::DlProgress) show(e.percent);
//     if (e.kind == EventKind::Error) log(to_string(e.cause), e.message);
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "awsfota/jobs/job_document.hpp"

namespace awsfota::fota {

// Milliseconds on a monotonic clock with an arbitrary epoch. Every input to the engine carries `now`.
using Millis = std::chrono::milliseconds;

// Why a job failed (sent as statusDetails.cause) or what went wrong (Event::cause). The first eight
// are the nRF Connect SDK reference's; the rest are this project's.
enum class ErrorCause {
  None = 0,
  ConnectFailed,        // the file server could not be reached (retries exhausted)
  DownloadFailed,       // the transfer failed (HTTP error, I/O, retries exhausted)
  InvalidUpdate,        // the job or its document is unusable
  TypeMismatch,         // the image is not of a kind this device can install
  Internal,             // a bug or a local failure (checkpoint store, unexpected state)
  Dfu,                  // the DFU target failed (write, schedule, confirm)
  ProtoNotSupported,    // the URL's scheme is not supported
  InvalidConfiguration, // the engine or a seam is configured wrongly
  HashMismatch,         // the file's SHA-256 differs from the document's sha256
  SignatureInvalid,     // the image's signature does not verify
  SizeMismatch,         // the served size differs from the document's size
  NoSpace,              // the image does not fit the staging slot
  UrlExpired,           // presigned URL expired and refreshing it did not help
  RolledBack,           // the bootloader went back to the old image
  SelfTestFailed,       // the application's self-test failed, or it never confirmed in time
  Canceled,             // canceled on the device by the application
};
// "CONNECT_FAILED", "HASH_MISMATCH", ... (the names used in statusDetails.cause)
[[nodiscard]] std::string_view to_string(ErrorCause cause) noexcept;

// Image kinds, with the reference's values for the first three.
enum class ImageKind : std::uint32_t {
  Unknown = 0,
  Mcuboot = 1,
  ModemDelta = 2,
  FullModem = 4,
  AppDelta = 8,  // this project's zstd patch-from delta of the application image
  RaucBundle = 16,  // a RAUC bundle, installed by the RAUC service (docs/rauc.md)
  SwupdateImage = 32,  // a .swu, installed by SWUpdate (docs/swupdate.md)
};
[[nodiscard]] std::string_view to_string(ImageKind kind) noexcept;  // "mcuboot", "modem_delta", ...

// What the boot control found when the program started.
enum class BootOutcome {
  Normal,        // running a confirmed image; no trial pending
  TrialPending,  // a trial boot is scheduled but the device has not rebooted into it yet
  Trial,         // running a new image on trial: it must be confirmed, or the bootloader reverts
  Reverted,      // the bootloader went back to the previous image after an unconfirmed trial
  RevertPending, // a trial image that was rejected still runs: the next boot goes back to the previous
                 //   image, and no new job may start before it (the engine asks for that reboot)
};
[[nodiscard]] std::string_view to_string(BootOutcome outcome) noexcept;

enum class TimerId {
  Response,  // a request to the Jobs service got no answer in time: resend it
  Confirm,   // the new image was not confirmed in time: fail the job (the bootloader will revert)
};
[[nodiscard]] std::string_view to_string(TimerId id) noexcept;

// Events for the application. Each carries `job_id` (empty only where noted) and the fields listed.
enum class EventKind {
  Start,            // a job was taken (IN_PROGRESS accepted) or resumed after a restart, and work starts.
                    //   message: "new" or "resumed"
  Done,             // SUCCEEDED was reported and accepted: the job is complete. image: the kind installed
                    //   (Unknown when it was already installed); message: "confirmed" or "already installed"
  Error,            // something failed. cause, message. When a job fails this fires as soon as the failure
                    //   is known (FAILED is then reported); also for a rejected request (message holds
                    //   the service's code and message), and for a broken checkpoint (job_id empty)
  ErasePending,     // the DFU target started erasing the staging area (can take a while)
  EraseDone,        // the staging area is erased and ready
  DlProgress,       // percent: 0..100; fires when the whole percentage changes
  RebootRequested,  // the image is verified and scheduled for a trial boot, `awaiting_reboot` was
                    //   reported: reboot now. deferred: true when the application asked to defer (the
                    //   engine then does not ask BootControl to reboot until allow_reboot()). Also fires
                    //   after a failed trial (cause set) so the device goes back to its old image, once
                    //   the job is reported or gone, or at start-up if a rejected image still runs
                    //   (job_id then empty). No job is taken until that reboot.
  Confirmed,        // the running new image was confirmed (it stays after the next reboot)
  RolledBack,       // the device came back on its old image after a trial; cause RolledBack (FAILED follows)
  Canceled,         // the job ended without an outcome from this device: canceled or removed in the cloud,
                    //   or canceled by the application. message: why. Staged data was dropped.
  InstallProgress,  // an installer that installs during verify (RAUC) moved on. percent: 0..100; message:
                    //   its words for the step. Fires when the percentage or the step changes.
};
[[nodiscard]] std::string_view to_string(EventKind kind) noexcept;

struct Event {
  EventKind kind = EventKind::Start;
  std::string job_id;
  int percent = 0;                  // DlProgress
  ImageKind image = ImageKind::Unknown;
  ErrorCause cause = ErrorCause::None;
  std::string message;
  bool deferred = false;            // RebootRequested
  friend bool operator==(const Event&, const Event&) = default;
};

struct EngineConfig {
  std::string thing_name;           // the MQTT client id; must be a valid AWS thing name
  std::string running_version;      // version of the running firmware; a job whose fwversion is the same
                                    // (same_fw_version) is reported SUCCEEDED ("already installed")
                                    // without downloading
  std::string client_token_prefix = "fota";  // 1..40 of [a-zA-Z0-9_-]; make it differ per process start
  Millis progress_min_interval = std::chrono::seconds(10);  // progress reports at most this often...
  unsigned progress_min_percent = 10;                       // ...and only after this many percent more
  Millis response_timeout = std::chrono::seconds(30);       // resend a request unanswered this long
  Millis confirm_timeout = std::chrono::minutes(5);         // trial image must be confirmed within this
  unsigned max_url_refreshes = 3;   // URL-expired refreshes per job before FAILED URL_EXPIRED
  bool defer_reboot = false;        // start with reboots deferred (see Fota::defer_reboot)
  jobs::DocumentOptions document_options;
};

// The same firmware version as written by people and tools: equal once one leading "v" or "V" is
// dropped from each ("v1.0.1" == "1.0.1"); otherwise exact text ("1.0.1" != "1.0.1+0" != "1.0").
[[nodiscard]] bool same_fw_version(std::string_view a, std::string_view b) noexcept;

}  // namespace awsfota::fota
