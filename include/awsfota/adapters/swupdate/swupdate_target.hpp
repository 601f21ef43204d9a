// dfu::DfuTarget for SWUpdate images (.swu): the download goes into a staging file (durable commits
// and resume like every other target), finish() streams that file to the SWUpdate daemon over its
// control socket and waits for the install's end, forwarding SWUpdate's progress; SWUpdate's own
// ERROR lines are the failure's reason. SWUpdate writes what the .swu's sw-description names (the
// other copy of a double-copy system) and sets the bootloader variables it asks for; schedule() checks
// that SWUpdate recorded the install (`ustate`) and records the trial (SwupdateBootControl), and the
// reboot follows (docs/swupdate.md).
//
//   SocketSwupdate swu({.ctrl_socket = "/tmp/sockinstctrl", .progress_socket = "/tmp/swupdateprog"});
//   SwupdateBootControl boot(swu, {.record = dir / "swupdate.boot"});
//   auto target = SwupdateTarget::create(swu, boot, {.staging = dir / "update.swu", .capacity = 512 << 20},
//                                        [](const SwupdateProgress& p) { show(p.percent, p.step); });
//   target->begin({.size = n, .allowed = kinds});  ... write/commit ...
//   target->finish();     // SWUpdate installs
//   target->schedule();   // then reboot
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/adapters/posix/staging_file.hpp"
#include "awsfota/adapters/swupdate/swupdate_boot_control.hpp"
#include "awsfota/adapters/swupdate/swupdate_service.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::swupdate {

struct SwupdateTargetOptions {
  std::filesystem::path staging;  // the .swu file SWUpdate is given
  std::uint64_t capacity = 0;     // the largest .swu taken (TooLarge beyond)
};

// What a failed install's cause is, from SWUpdate's ERROR lines (its words are kept as the reason).
[[nodiscard]] dfu::DfuCause cause_of_swupdate_error(std::string_view words);

class SwupdateTarget final : public dfu::DfuTarget {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<SwupdateTarget>, std::string> create(SwupdateService& swupdate,
                                                                                    SwupdateBootControl& boot,
                                                                                    SwupdateTargetOptions options,
                                                                                    SwupdateProgressHandler progress);

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
  SwupdateTarget(SwupdateService& swupdate, SwupdateBootControl& boot, SwupdateProgressHandler progress,
                 posix::StagingFile staged)
      : swupdate_(swupdate), boot_(boot), progress_(std::move(progress)), staged_(std::move(staged)) {}

  SwupdateService& swupdate_;
  SwupdateBootControl& boot_;
  SwupdateProgressHandler progress_;
  posix::StagingFile staged_;  // the .swu
  bool installed_ = false;     // SWUpdate installed this transfer
};

}  // namespace awsfota::swupdate
