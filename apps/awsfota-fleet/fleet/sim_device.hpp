// One simulated device: the real engine (fota::Fota) with its own MQTT connection (the project's
// mosquitto adapter, its own certificate) and in-memory stand-ins for what a device has besides:
// the inactive slot (SimSlot, a fota::DfuTarget), the bootloader (SimBootloader, a fota::BootControl),
// a download that takes the configured time and the flash that keeps the checkpoint across reboots.
//
// A reboot tears the engine and the MQTT session down (no DISCONNECT, as a power cut), waits the boot
// time and starts both again from what "flash" kept: the checkpoint and the boot state. After a boot
// into a trial image the device runs its self-test: it confirms, or reports the failure and goes back.
//
// Not thread-safe: a device lives on its shard's thread (Shard), which pumps its connection and runs
// its scheduler's tasks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "awsfota/fota/fota.hpp"
#include "fleet/options.hpp"
#include "fleet/recorder.hpp"
#include "fleet/scheduler.hpp"

namespace awsfota::fleet {

// What this device will do, drawn once per device from the seed.
struct DeviceFate {
  bool self_test_fails = false;
  bool download_fails = false;
  bool never_back = false;
  std::chrono::milliseconds download_time{0};
  std::chrono::milliseconds boot_time{0};
};

// Shared by every device of a run.
struct FleetContext {
  const FleetOptions& options;
  Recorder& recorder;
};

// The bootloader's state in "flash": survives the device's reboots.
struct BootState {
  bool trial_scheduled = false;  // the staged image boots on trial at the next reboot
  bool in_trial = false;         // the running image is on trial
  bool rejected = false;         // the trial image was rejected: the next boot goes back
  bool reverted = false;         // came back on the old image; not yet acknowledged
  std::uint64_t staged_bytes = 0;
};

class SimDevice {
 public:
  SimDevice(std::size_t index, std::string thing, DeviceFate fate, FleetContext& context, Scheduler& scheduler);
  ~SimDevice();
  SimDevice(const SimDevice&) = delete;
  SimDevice& operator=(const SimDevice&) = delete;

  // Boots: starts the engine and connects. The first boot waits for the session (up to the connect
  // timeout): false, with the reason, when the broker cannot be reached or refuses the certificate,
  // and the device stays offline. Later boots (after a reboot) only start connecting, so that a
  // shard's other devices go on while the handshake runs.
  [[nodiscard]] bool power_on(std::string& error);
  // The connection's network I/O and callbacks (non-blocking).
  void pump();
  // The connection's socket (-1 while none) and whether it has bytes to send, for the shard's poll().
  [[nodiscard]] int socket() const;
  [[nodiscard]] bool wants_write() const;
  // Ends the session cleanly (the end of the run).
  void shutdown();

  [[nodiscard]] const std::string& thing() const { return thing_; }

 private:
  class Transport;
  class Download;
  class Slot;
  class Bootloader;
  friend class Download;
  friend class Slot;
  friend class Bootloader;

  void on_event(const fota::Event& event);
  void reboot();
  void power_off();
  void after_boot_connected();
  void set_phase(Phase phase);
  std::chrono::milliseconds since(fota::Millis then) const;

  std::size_t index_;
  std::string thing_;
  DeviceFate fate_;
  FleetContext& context_;
  Scheduler& scheduler_;

  // "Flash": survives reboots.
  BootState boot_state_;
  std::unique_ptr<fota::CheckpointStore> checkpoint_;
  std::unique_ptr<Download> download_;
  std::unique_ptr<Slot> slot_;
  std::unique_ptr<Bootloader> bootloader_;
  std::unique_ptr<fota::Logger> logger_;

  // This boot's.
  unsigned boots_ = 0;      // power-ons so far
  std::uint64_t boot_ = 0;  // tasks of an earlier boot see another number and do nothing
  std::unique_ptr<adapters::mosquitto::Client> client_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<DeviceTimers> timers_;
  std::optional<fota::Fota> fota_;
  bool rebooting_ = false;
  bool up_ = false;  // this boot's session came up once
  bool trial_boot_ = false;
  Phase outcome_ = Phase::Idle;  // the phase to return to after a boot without a job in hand
  fota::Millis power_on_at_{0}, taken_at_{0}, reboot_at_{0}, booted_at_{0};
};

}  // namespace awsfota::fleet
