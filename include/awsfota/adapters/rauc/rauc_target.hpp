// dfu::DfuTarget for RAUC bundles: the download goes into a staging file (durable commits and resume
// like every other target), finish() hands that file to the RAUC service (InstallBundle over D-Bus)
// and waits for it, forwarding RAUC's progress; RAUC's own error text is the failure's reason.
// schedule() records the trial of the slot RAUC made primary (RaucBootControl); the reboot follows.
//
//   SdBusRauc rauc({.bus = "system"});
//   RaucBootControl boot(rauc, {.record = dir / "rauc.boot"});
//   auto target = RaucTarget::create(rauc, boot, {.staging = dir / "bundle.raucb", .capacity = 512 << 20},
//                                    [](const RaucProgress& p) { show(p.percent, p.message); });
//   target->begin({.size = n, .allowed = kinds});  ... write/commit ...
//   target->finish();     // RAUC installs into the other slot
//   target->schedule();   // then reboot
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/adapters/posix/staging_file.hpp"
#include "awsfota/adapters/rauc/rauc_boot_control.hpp"
#include "awsfota/adapters/rauc/rauc_service.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::rauc {

struct RaucTargetOptions {
  std::filesystem::path staging;  // the bundle file RAUC is given (RAUC needs a ".raucb" name)
  std::uint64_t capacity = 0;     // the largest bundle taken (TooLarge beyond)
};

// What a failed install's cause is, from RAUC's LastError text (its words are kept as the reason).
[[nodiscard]] dfu::DfuCause cause_of_rauc_error(std::string_view last_error);

class RaucTarget final : public dfu::DfuTarget {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<RaucTarget>, std::string> create(RaucService& rauc,
                                                                                RaucBootControl& boot,
                                                                                RaucTargetOptions options,
                                                                                RaucProgressHandler progress);

  [[nodiscard]] Expected<std::uint64_t, dfu::DfuError> prepare_fresh(std::optional<std::uint64_t> size) override;
  [[nodiscard]] Expected<void, dfu::DfuError> begin(const dfu::TransferSpec& spec) override;
  [[nodiscard]] Expected<void, dfu::DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, dfu::DfuError> commit() override;
  [[nodiscard]] Expected<dfu::FinishedImage, dfu::DfuError> finish() override;
  [[nodiscard]] Expected<void, dfu::DfuError> schedule() override;
  void abort() override;

  // The staging file as a device (the staging area reads it back to check the job's sha256).
  // Null when the file cannot be opened (begin() says why).
  [[nodiscard]] dfu::BlockDevice* staged_device();

 private:
  RaucTarget(RaucService& rauc, RaucBootControl& boot, RaucProgressHandler progress, posix::StagingFile staged)
      : rauc_(rauc), boot_(boot), progress_(std::move(progress)), staged_(std::move(staged)) {}

  RaucService& rauc_;
  RaucBootControl& boot_;
  RaucProgressHandler progress_;
  posix::StagingFile staged_;  // the bundle; closed while RAUC installs it
  bool installed_ = false;     // RAUC installed this transfer (and made its slot primary)
};

}  // namespace awsfota::rauc
