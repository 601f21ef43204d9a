// The one thread that drives the FOTA engine: a bounded queue of functions plus the engine's timers.
//
// Every input of fota::Fota (MQTT callbacks, download results, timer expiries, application calls)
// reaches it through post(), so Fota only ever runs on the thread inside run(). The loop is also the
// engine's fota::TimerService (steady clock, milliseconds); an expired timer calls the handler given
// to set_timer_handler() on the loop thread.
//
//   awsfota::runtime::EventLoop loop;
//   loop.set_timer_handler([&](TimerId id) { fota.on_timer(id); });
//   std::thread mqtt([&] { loop.post([&] { fota.on_connected(); }); });
//   loop.run();                    // until loop.stop() (from any thread, or a posted function)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

#include "awsfota/fota/seams.hpp"

namespace awsfota::runtime {

class EventLoop final : public fota::TimerService {
 public:
  using Task = std::function<void()>;
  using TimerHandler = std::function<void(fota::TimerId)>;

  // At most `capacity` tasks wait at once: a producer that outruns the engine is refused rather
  // than growing memory without bound.
  explicit EventLoop(std::size_t capacity = 4096);

  // Queues fn to run on the loop thread, in the order posted. Thread-safe. False when the queue is
  // full or the loop was stopped (fn is then dropped).
  [[nodiscard]] bool post(Task fn);
  // As post(), but queues fn even when the queue is full: for an input that must never be lost (a
  // download's final result), whose producer posts a bounded number of them, so memory stays bounded
  // by the producers rather than by the capacity. False only when the loop was stopped.
  [[nodiscard]] bool post_even_if_full(Task fn);
  // Tasks waiting to run. Thread-safe (a snapshot).
  [[nodiscard]] std::size_t pending() const;

  // Runs tasks and timers on the calling thread until stop(). Tasks posted before stop() that have
  // not run are dropped.
  void run();
  // As run(), but returns after `budget` at the latest, or as soon as `done()` is true (checked after
  // each task and timer). For tests and for callers that interleave other work. True when done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds budget);
  // Makes run() return soon. Thread-safe; later posts are refused.
  void stop();
  [[nodiscard]] bool stopped() const;

  void set_timer_handler(TimerHandler handler);

  // fota::TimerService, called on the loop thread.
  [[nodiscard]] fota::Millis now() override;
  void start(fota::TimerId id, fota::Millis deadline) override;
  void cancel(fota::TimerId id) override;

 private:
  // One step: runs the due timers and queued tasks, waiting at most until `until` for work.
  void run_once(std::chrono::steady_clock::time_point until);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  std::map<fota::TimerId, fota::Millis> timers_;
  TimerHandler timer_handler_;
  bool stopped_ = false;
};

}  // namespace awsfota::runtime
