#include "fleet/shard.hpp"

#include <poll.h>

#include <algorithm>

namespace awsfota::fleet {

using std::chrono::milliseconds;

namespace {
// Keep-alive pings and reconnects need run_once() even on a quiet connection.
constexpr milliseconds kSweepInterval{1000};
constexpr milliseconds kMaxWait{100};
}  // namespace

Shard::Shard(FleetContext& context, std::vector<DeviceSpec> devices) : context_(context), specs_(std::move(devices)) {}

Shard::~Shard() { stop(); }

void Shard::start() { thread_ = std::thread([this] { run(); }); }

std::string Shard::first_error() const {
  std::lock_guard lock(error_mutex_);
  return first_error_;
}

void Shard::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Shard::run() {
  devices_.reserve(specs_.size());
  for (const DeviceSpec& spec : specs_) {
    if (stop_) break;
    auto device = std::make_unique<SimDevice>(spec.index, spec.thing, spec.fate, context_, scheduler_);
    std::string error;
    if (!device->power_on(error)) {
      ++offline_;
      std::lock_guard lock(error_mutex_);
      if (first_error_.empty()) first_error_ = spec.thing + ": " + error;
    }
    devices_.push_back(std::move(device));
    // Devices already online answer their first messages while the others connect.
    scheduler_.run_due();
  }
  booted_ = true;
  loop();
  for (auto& device : devices_) device->shutdown();
  devices_.clear();
}

void Shard::loop() {
  std::vector<pollfd> fds;
  std::vector<SimDevice*> owners;
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stop_) {
    fds.clear();
    owners.clear();
    for (auto& device : devices_) {
      const int fd = device->socket();
      if (fd < 0) continue;
      fds.push_back({fd, static_cast<short>(POLLIN | (device->wants_write() ? POLLOUT : 0)), 0});
      owners.push_back(device.get());
    }
    milliseconds wait = kMaxWait;
    if (auto next = scheduler_.next_deadline()) {
      wait = std::clamp(std::chrono::duration_cast<milliseconds>(*next - scheduler_.now()), milliseconds(0), kMaxWait);
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    const auto now = std::chrono::steady_clock::now();
    if (now - last_sweep >= kSweepInterval) {
      last_sweep = now;
      for (auto& device : devices_) device->pump();
    } else if (ready > 0) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) owners[i]->pump();
      }
    }
    scheduler_.run_due();
  }
}

}  // namespace awsfota::fleet
