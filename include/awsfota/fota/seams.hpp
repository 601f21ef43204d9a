// The seams through which the Fota facade (fota.hpp) carries out the engine's actions. Each is a small
// interface with a written contract; real backends live in other modules and adapters, scripted fakes
// in the tests. All seams are called from the one thread that drives Fota, and report results by
// calling Fota's on_*() methods on that same thread (synchronously from inside the call, or later
// from the event loop: both are fine, Fota queues inputs that arrive while it is busy).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/fota/engine.hpp"
#include "awsfota/store/checkpoint_store.hpp"

namespace awsfota::fota {

// MQTT as the engine needs it: the application's client (the reference's model), or the library's
// mosquitto adapter.
//  - publish()/subscribe() queue the packet and return at once; false means it could not even be
//    queued (not connected). The engine does not need an answer: an unanswered request is resent after
//    EngineConfig::response_timeout and on every on_connected().
//  - Order is kept: a subscribe() made before a publish() is sent to the broker before it, on the same
//    connection (MQTT brokers then process the SUBSCRIBE first).
//  - Incoming messages reach the engine by Fota::on_mqtt_message(); connection changes by
//    Fota::on_connected() / on_disconnected(). The transport owns no engine memory after returning.
class MqttTransport {
 public:
  virtual ~MqttTransport() = default;
  [[nodiscard]] virtual bool publish(std::string_view topic, std::string_view payload, int qos) = 0;
  [[nodiscard]] virtual bool subscribe(std::string_view filter, int qos) = 0;
};

// Fetches the firmware file into the staging area that DfuTarget prepared (the glue between downloader
// and DFU target writes the bytes; the engine never sees them).
//  - start(): begin fetching request.url from request.offset (HTTP Range). Reports, in order:
//    on_download_progress(committed, total[, received]) whenever more bytes are DURABLY staged (at the
//    backend's commit granularity; the engine checkpoints each one) and, in between, as the received
//    bytes pass each whole percent (committed unchanged, received ahead: DL_PROGRESS follows the bytes
//    received, not the commits), then exactly one of on_download_finished(size),
//    on_download_failed(cause, detail) or on_download_url_expired() (HTTP 403 or an S3 "Request has
//    expired" answer on a presigned URL; the engine then asks the service for a fresh URL and calls
//    start() again at the same offset). Retries and backoff for transient errors are the downloader's;
//    it reports failed only when it gives up (cause ConnectFailed, DownloadFailed, ProtoNotSupported,
//    SizeMismatch when the served total differs from expected_size, NoSpace, HashMismatch when it checks
//    sha256 itself).
//  - stop(): abandon the current download. After it returns, no result of that download is reported.
class Downloader {
 public:
  virtual ~Downloader() = default;
  virtual void start(const StartDownload& request) = 0;
  virtual void stop() = 0;
};

// The inactive slot that receives the new image.
//  - prepare(): make the staging area ready for request.expected_size bytes (NoSpace when it cannot
//    fit), keeping the first request.keep_bytes (a resumed download): erase when needed, reporting
//    on_dfu_erase_pending() first when erasing takes a while, then on_dfu_staging_ready(erased, kept)
//    or on_dfu_failed(cause, detail). `kept` is how many of the keep_bytes it could keep (fewer when
//    its own record of them is gone): the download resumes there.
//  - verify(): check the staged image completely (size, SHA-256 of the file when given, image format,
//    signature): on_dfu_verified(kind) or on_dfu_failed(HashMismatch | SignatureInvalid | SizeMismatch |
//    TypeMismatch | InvalidUpdate | Dfu, detail).
//  - drop_staged(): forget the staged image and any trial scheduled for it. Best effort, no result;
//    safe to call when nothing is staged.
class DfuTarget {
 public:
  virtual ~DfuTarget() = default;
  virtual void prepare(const PrepareStaging& request) = 0;
  virtual void verify(const VerifyStaged& request) = 0;
  virtual void drop_staged() = 0;
};

// The bootloader's view: trial boots, confirm, revert, reboot.
//  - boot_outcome(): read once at start-up (see BootOutcome). Must be answerable before MQTT is up.
//  - schedule_trial(): boot the staged image once on the next reboot; it stays only if confirmed.
//    Result: on_dfu_trial_scheduled() or on_dfu_failed(Dfu, detail).
//  - confirm_running_image(): make the running trial image permanent. Result: on_dfu_confirmed() or
//    on_dfu_failed(Dfu, detail).
//  - reject_running_image(): make sure the next boot goes back to the previous image. Best effort.
//  - acknowledge_revert(): a revert that boot_outcome() reported (now or at an earlier start) has
//    been dealt with; later starts must not report Reverted for it. Called when a new job begins.
//    Best effort, no result.
//  - request_reboot(): reboot the device now (or as soon as the system allows). May not return.
class BootControl {
 public:
  virtual ~BootControl() = default;
  [[nodiscard]] virtual BootOutcome boot_outcome() = 0;
  virtual void schedule_trial(ImageKind kind) = 0;
  virtual void confirm_running_image() = 0;
  virtual void reject_running_image() = 0;
  virtual void acknowledge_revert() = 0;
  virtual void request_reboot() = 0;
};

// Timers and the clock. now() is monotonic (never goes back), in milliseconds from any epoch.
//  - start(id, deadline): expire at `deadline` (per now()); replaces an armed timer of the same id.
//    On expiry, call Fota::on_timer(id) once.
//  - cancel(id): after it returns, that timer does not fire (no-op when not armed).
class TimerService {
 public:
  virtual ~TimerService() = default;
  [[nodiscard]] virtual Millis now() = 0;
  virtual void start(TimerId id, Millis deadline) = 0;
  virtual void cancel(TimerId id) = 0;
};

// The checkpoint store is the store layer's seam (awsfota/store/checkpoint_store.hpp).
using CheckpointStore = store::CheckpointStore;

// Where the engine's log lines go (Log actions). Level Bug marks an input the state machine did not
// expect: a defect in a seam or in the engine, worth reporting.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

}  // namespace awsfota::fota
