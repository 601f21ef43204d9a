// A simulated modem for the demo and the tests: its firmware is a file, its version another.
// schedule_update() copies the staged image to <dir>/pending.bin (+ pending.meta) durably; init(),
// the "modem init" after a reboot, applies it: a full modem image replaces <dir>/firmware.bin, a modem
// delta is recorded as applied (<dir>/last-delta.bin; a real modem patches its firmware), and
// <dir>/version becomes the job's version label.
//
//   awsfota::posix::SimulatedModem modem("/var/lib/awsfota/modem");
//   auto applied = modem.init();                      // at start-up
//   auto version = modem.firmware_version();
#pragma once

#include <filesystem>
#include <string>

#include "awsfota/dfu/modem_target.hpp"

namespace awsfota::posix {

struct ModemInitResult {
  bool applied = false;  // an update was pending and has been applied
  std::string version;   // firmware version after init
};

class SimulatedModem final : public dfu::ModemBackend {
 public:
  explicit SimulatedModem(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] Expected<void, dfu::DfuError> schedule_update(image::ByteReader& staged, std::uint64_t size,
                                                              image::ImageKind kind,
                                                              std::string_view version_label) override;
  [[nodiscard]] Expected<std::string, dfu::DfuError> firmware_version() override;
  [[nodiscard]] Expected<ModemInitResult, dfu::DfuError> init();

 private:
  std::filesystem::path dir_;
};

}  // namespace awsfota::posix
