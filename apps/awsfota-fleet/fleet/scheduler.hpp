// One shard's clock and its queue of delayed work: the simulated devices' timers, download and boot
// delays. Not thread-safe: a shard owns one and uses it from its own thread only.
//
//   Scheduler s;
//   auto token = s.after(std::chrono::milliseconds(500), [] { ... });
//   s.cancel(token);                  // it will not run
//   s.run_due();                      // runs what is due, in deadline order
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "awsfota/fota/seams.hpp"

namespace awsfota::fleet {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void()>;
  using Token = std::uint64_t;

  [[nodiscard]] fota::Millis now() const;
  Token at(fota::Millis deadline, Task task);
  Token after(fota::Millis delay, Task task) { return at(now() + delay, std::move(task)); }
  void cancel(Token token);
  // Runs every task due now (tasks that a task adds for now run too). Returns how many ran.
  std::size_t run_due();
  // The next deadline, when anything is queued.
  [[nodiscard]] std::optional<fota::Millis> next_deadline() const;

 private:
  std::multimap<fota::Millis, std::pair<Token, Task>> queue_;
  std::map<Token, fota::Millis> deadlines_;
  Token next_token_ = 1;
};

// fota::TimerService for one device boot over its shard's scheduler. on_timer runs on expiry.
class DeviceTimers final : public fota::TimerService {
 public:
  DeviceTimers(Scheduler& scheduler, std::function<void(fota::TimerId)> on_timer)
      : scheduler_(scheduler), on_timer_(std::move(on_timer)) {}
  ~DeviceTimers() override { cancel_all(); }
  DeviceTimers(const DeviceTimers&) = delete;
  DeviceTimers& operator=(const DeviceTimers&) = delete;

  [[nodiscard]] fota::Millis now() override { return scheduler_.now(); }
  void start(fota::TimerId id, fota::Millis deadline) override;
  void cancel(fota::TimerId id) override;
  void cancel_all();

 private:
  Scheduler& scheduler_;
  std::function<void(fota::TimerId)> on_timer_;
  std::map<fota::TimerId, Scheduler::Token> armed_;
};

}  // namespace awsfota::fleet
