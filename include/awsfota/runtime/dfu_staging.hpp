// fota::DfuTarget over the dfu layer's targets, and the StagingSink the downloader writes into.
//
// The kind of an update is only known from its first 32 bytes, so the staging area picks the dfu
// target then: a full MCUboot image goes to the application slot target, an application delta to the
// delta target, a modem delta or full modem image to the modem target (each a Route). Until those
// bytes are in it buffers them. The pick is written to a small record file (durably, before the first
// commit), so after a restart prepare(keep_bytes) or verify() reopens the same target at the same
// offset; with no record there is nothing worth keeping and the download restarts at 0. A download
// that starts at 0 is prepared first: on_erase_pending(), every route's target prepare_fresh() (the
// inactive slot, the delta and modem staging areas erased for the job's size), on_staging_ready(true,
// 0). One that keeps staged bytes erases nothing: on_staging_ready(false, kept).
//
//   DfuStaging staging({.app = {&app_target, slot_of_app}, .modem = {&modem_target, modem_staging}},
//                      crypto, {.record_path = dir / "staging.record", .commit_interval = 1 << 20});
//   staging.set_listener(&bridge);         // results: on_staging_ready, on_verified, on_failed
//   staging.prepare({.job_id = "j1", .expected_size = n});   // engine thread
//   sink: staging.write(bytes) ... staging.flush();          // download thread
//   staging.verify({.job_id = "j1", .expected_size = n, .sha256 = hex});
//   staging.schedule();                    // BootSeam, for the trial boot / modem apply
//
// Threads: prepare/verify/drop_staged/schedule on the engine thread, the sink calls on the download
// thread; the engine never overlaps them (it stops the download before dropping), and a mutex keeps a
// broken caller from racing anyway.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/dfu/target.hpp"
#include "awsfota/fota/seams.hpp"
#include "awsfota/runtime/staging.hpp"

namespace awsfota::runtime {

// The engine's cause for a DFU failure (TooLarge/NoSpace -> NoSpace, signature troubles ->
// SignatureInvalid, Downgrade/WrongDeltaBase/DeltaCorrupt -> InvalidUpdate, Io/BadState/Backend -> Dfu).
[[nodiscard]] fota::ErrorCause to_error_cause(dfu::DfuCause cause) noexcept;

// Where DFU results go, on the engine thread (Fota's on_dfu_* in the Device).
class DfuListener {
 public:
  virtual ~DfuListener() = default;
  virtual void on_erase_pending() = 0;
  virtual void on_staging_ready(bool erased, std::uint64_t kept) = 0;
  virtual void on_verified(fota::ImageKind kind) = 0;
  virtual void on_trial_scheduled() = 0;
  virtual void on_confirmed() = 0;
  virtual void on_failed(fota::ErrorCause cause, std::string_view detail) = 0;
};

// One installable kind: its dfu target and the device that holds the downloaded file's bytes (read
// back to check the document's sha256). `file_device` is asked after begin().
struct Route {
  dfu::DfuTarget* target = nullptr;  // null: this device cannot install the kind
  std::function<dfu::BlockDevice*()> file_device;
};

struct Routes {
  Route app;        // full MCUboot images
  Route app_delta;  // this project's application deltas
  Route modem;      // modem deltas and full modem images
  Route rauc;       // RAUC bundles, installed by the RAUC service (docs/rauc.md)
  Route swupdate;   // .swu files, installed by the swupdate daemon (docs/swupdate.md)
};

struct StagingOptions {
  image::ImageKindMask allowed = image::kAllImageKinds;  // kinds this device accepts at all
  std::uint64_t commit_interval = 1024 * 1024;           // bytes between durable commits (>= 1)
  std::filesystem::path record_path;                     // remembers the pick across restarts
  std::function<std::string()> version_label;            // the job's fwversion (modem backends use it)
  dfu::BootControl* boot = nullptr;  // drop_staged() cancels a pending trial through it (optional)
};

class DfuStaging final : public fota::DfuTarget, public StagingSink {
 public:
  DfuStaging(Routes routes, const image::CryptoProvider& crypto, StagingOptions options);

  void set_listener(DfuListener* listener) { listener_ = listener; }

  // fota::DfuTarget (engine thread).
  void prepare(const fota::PrepareStaging& request) override;
  void verify(const fota::VerifyStaged& request) override;
  void drop_staged() override;
  // After a successful verify(): the picked target's schedule() (trial boot, modem hand-over).
  [[nodiscard]] Expected<void, dfu::DfuError> schedule();
  // The kind picked for the staged update (Unknown before the first 32 bytes).
  [[nodiscard]] image::ImageKind kind() const;
  // The same, or after a restart the kind recorded for `job_id` (Unknown when none).
  [[nodiscard]] image::ImageKind staged_kind(const std::string& job_id) const;

  // StagingSink (download thread).
  [[nodiscard]] std::uint64_t offset() const override;
  [[nodiscard]] std::uint64_t durable_offset() const override;
  [[nodiscard]] Expected<void, std::string> write(std::span<const std::byte> bytes) override;
  void learn_total(std::uint64_t total) override;
  [[nodiscard]] Expected<std::uint64_t, std::string> flush() override;
  [[nodiscard]] fota::ErrorCause failure_cause() const override;

 private:
  struct Record {
    std::string job_id;
    image::ImageKind kind = image::ImageKind::Unknown;
    std::uint64_t size = 0;
  };
  Route* route_for(image::ImageKind kind);
  Expected<void, dfu::DfuError> pick(std::uint64_t resume_from);   // from head_ (or record_)
  Expected<void, dfu::DfuError> reopen(const Record& record, std::uint64_t resume_from);
  std::optional<dfu::DfuError> prepare_fresh();  // engine thread, no lock held
  Expected<std::string, dfu::DfuError> staged_file_sha256(std::uint64_t size);
  Expected<void, dfu::DfuError> check_sha256(const std::string& hex, std::uint64_t size);
  std::string fail(const dfu::DfuError& error);  // records the cause, returns the sentence
  void reset();
  std::optional<Record> load_record() const;
  Expected<void, dfu::DfuError> save_record(const Record& record);
  void remove_record();

  Routes routes_;
  const image::CryptoProvider& crypto_;
  StagingOptions options_;
  DfuListener* listener_ = nullptr;

  mutable std::mutex mutex_;
  std::string job_id_;
  std::optional<std::uint64_t> expected_size_;
  std::optional<std::uint64_t> total_;
  Route* active_ = nullptr;
  image::ImageKind kind_ = image::ImageKind::Unknown;
  std::vector<std::uint8_t> head_;  // first bytes, until the kind is known
  std::uint64_t offset_ = 0;
  std::uint64_t durable_ = 0;
  std::uint64_t commit_requested_ = 0;  // offset_ at the last start_commit()
  bool verified_ = false;
  fota::ErrorCause failure_ = fota::ErrorCause::None;
};

}  // namespace awsfota::runtime
