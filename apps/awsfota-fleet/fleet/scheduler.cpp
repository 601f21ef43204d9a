#include "fleet/scheduler.hpp"

namespace awsfota::fleet {

fota::Millis Scheduler::now() const {
  return std::chrono::duration_cast<fota::Millis>(Clock::now().time_since_epoch());
}

Scheduler::Token Scheduler::at(fota::Millis deadline, Task task) {
  const Token token = next_token_++;
  queue_.emplace(deadline, std::make_pair(token, std::move(task)));
  deadlines_.emplace(token, deadline);
  return token;
}

void Scheduler::cancel(Token token) {
  const auto found = deadlines_.find(token);
  if (found == deadlines_.end()) return;
  auto [first, last] = queue_.equal_range(found->second);
  for (auto it = first; it != last; ++it) {
    if (it->second.first == token) {
      queue_.erase(it);
      break;
    }
  }
  deadlines_.erase(found);
}

std::size_t Scheduler::run_due() {
  std::size_t ran = 0;
  const fota::Millis current = now();
  while (!queue_.empty() && queue_.begin()->first <= current) {
    auto node = queue_.extract(queue_.begin());
    deadlines_.erase(node.mapped().first);
    node.mapped().second();
    ++ran;
  }
  return ran;
}

std::optional<fota::Millis> Scheduler::next_deadline() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first;
}

void DeviceTimers::start(fota::TimerId id, fota::Millis deadline) {
  cancel(id);
  armed_[id] = scheduler_.at(deadline, [this, id] {
    armed_.erase(id);
    on_timer_(id);
  });
}

void DeviceTimers::cancel(fota::TimerId id) {
  const auto found = armed_.find(id);
  if (found == armed_.end()) return;
  scheduler_.cancel(found->second);
  armed_.erase(found);
}

void DeviceTimers::cancel_all() {
  for (const auto& [id, token] : armed_) scheduler_.cancel(token);
  armed_.clear();
}

}  // namespace awsfota::fleet
