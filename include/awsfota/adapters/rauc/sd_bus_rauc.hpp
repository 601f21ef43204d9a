// RaucService over sd-bus (libsystemd): de.pengutronix.rauc.Installer at "/" on the bus RAUC serves.
//
// Each call opens its own bus connection and closes it after, so the agent starts before the RAUC
// service (or the bus) is up, and survives their restarts; a missing service is RaucErrorCode::Unavailable
// with a sentence that says so.
//
//   SdBusRauc rauc({.bus = "system"});            // or "session", or "unix:path=/run/test/bus"
//   auto booted = rauc.boot_slot();                // "A"
#pragma once

#include <chrono>
#include <string>

#include "awsfota/adapters/rauc/rauc_service.hpp"

namespace awsfota::rauc {

struct SdBusRaucOptions {
  // "system" (the default: the system bus, or DBUS_SYSTEM_BUS_ADDRESS when set), "session", or a
  // D-Bus address ("unix:path=/run/dbus/system_bus_socket").
  std::string bus = "system";
  // How long an install may run before awsfota gives up waiting for Completed (RAUC goes on).
  std::chrono::seconds install_timeout = std::chrono::hours(1);
  // How long any other call may take.
  std::chrono::seconds call_timeout = std::chrono::seconds(30);
};

class SdBusRauc final : public RaucService {
 public:
  explicit SdBusRauc(SdBusRaucOptions options) : options_(std::move(options)) {}

  [[nodiscard]] Expected<void, RaucError> install(const std::string& bundle,
                                                  const RaucProgressHandler& progress) override;
  [[nodiscard]] Expected<std::string, RaucError> boot_slot() override;
  [[nodiscard]] Expected<std::string, RaucError> primary() override;
  [[nodiscard]] Expected<std::vector<RaucSlot>, RaucError> slots() override;
  [[nodiscard]] Expected<std::string, RaucError> mark(std::string_view state, std::string_view slot) override;

 private:
  SdBusRaucOptions options_;
};

}  // namespace awsfota::rauc
