#include "awsfota/runtime/event_loop.hpp"

#include <algorithm>
#include <vector>

namespace awsfota::runtime {

namespace {
fota::Millis steady_millis(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<fota::Millis>(t.time_since_epoch());
}
std::chrono::steady_clock::time_point to_time_point(fota::Millis m) {
  return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(m));
}
}  // namespace

EventLoop::EventLoop(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

bool EventLoop::post(Task fn) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || tasks_.size() >= capacity_) return false;
    tasks_.push_back(std::move(fn));
  }
  wake_.notify_one();
  return true;
}

bool EventLoop::post_even_if_full(Task fn) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    tasks_.push_back(std::move(fn));
  }
  wake_.notify_one();
  return true;
}

std::size_t EventLoop::pending() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

bool EventLoop::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

void EventLoop::set_timer_handler(TimerHandler handler) {
  std::lock_guard lock(mutex_);
  timer_handler_ = std::move(handler);
}

fota::Millis EventLoop::now() { return steady_millis(std::chrono::steady_clock::now()); }

void EventLoop::start(fota::TimerId id, fota::Millis deadline) {
  {
    std::lock_guard lock(mutex_);
    timers_[id] = deadline;
  }
  wake_.notify_one();
}

void EventLoop::cancel(fota::TimerId id) {
  std::lock_guard lock(mutex_);
  timers_.erase(id);
}

void EventLoop::run() {
  while (!stopped()) run_once(std::chrono::steady_clock::time_point::max());
}

bool EventLoop::run_until(const std::function<bool()>& done, std::chrono::milliseconds budget) {
  const auto until = std::chrono::steady_clock::now() + budget;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (stopped() || now >= until) return done();
    // done() may watch other threads' work, so look again at least every 10 ms.
    run_once(std::min(until, now + std::chrono::milliseconds(10)));
  }
  return true;
}

void EventLoop::run_once(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  // Due timers first: each fires once, and a handler may re-arm it.
  const fota::Millis now_ms = steady_millis(std::chrono::steady_clock::now());
  std::vector<fota::TimerId> due;
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second <= now_ms) {
      due.push_back(it->first);
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  if (!due.empty()) {
    TimerHandler handler = timer_handler_;
    lock.unlock();
    for (fota::TimerId id : due)
      if (handler) handler(id);
    return;
  }
  if (stopped_) return;
  if (!tasks_.empty()) {
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    return;
  }
  // A far deadline is capped: waiting until time_point::max() overflows inside the library.
  auto wake_at = std::min(until, std::chrono::steady_clock::now() + std::chrono::hours(1));
  for (const auto& [id, deadline] : timers_) wake_at = std::min(wake_at, to_time_point(deadline));
  wake_.wait_until(lock, wake_at);
}

}  // namespace awsfota::runtime
