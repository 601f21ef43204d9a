// A thread that runs a share of the fleet: it boots its devices one after the other, then waits in
// poll() on their connections and its scheduler's next deadline, pumps the connections that are
// ready and runs the tasks that are due. Every call into a device's engine happens on this thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fleet/scheduler.hpp"
#include "fleet/sim_device.hpp"

namespace awsfota::fleet {

struct DeviceSpec {
  std::size_t index = 0;  // in the Recorder
  std::string thing;
  DeviceFate fate;
};

class Shard {
 public:
  Shard(FleetContext& context, std::vector<DeviceSpec> devices);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void start();
  // Every device has been powered on once (online or offline).
  [[nodiscard]] bool booted() const { return booted_.load(); }
  [[nodiscard]] std::size_t offline() const { return offline_.load(); }
  // The first reason a device could not connect ("" when all did).
  [[nodiscard]] std::string first_error() const;
  // Asks the thread to end every session cleanly and return (stop() then waits for it).
  void request_stop() { stop_ = true; }
  // Ends every session cleanly and joins the thread.
  void stop();

 private:
  void run();
  void loop();

  FleetContext& context_;
  std::vector<DeviceSpec> specs_;
  Scheduler scheduler_;
  std::vector<std::unique_ptr<SimDevice>> devices_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> booted_{false};
  std::atomic<std::size_t> offline_{0};
  mutable std::mutex error_mutex_;
  std::string first_error_;
};

}  // namespace awsfota::fleet
