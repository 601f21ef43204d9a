// Whether the device's network link is up, as the rest of the device sees it: the resumer waits for it
// during an outage instead of spending its retries on a dead link, and retries at once when it is back.
//
// The runtime sets it from the MQTT session (connected = up): a session that holds its keep-alive is
// the best signal a Linux device has that the network works end to end. Any thread may set or read it.
//
//   LinkState link;                       // up until told otherwise
//   mqtt.on_disconnect = [&] { link.set_up(false); };
//   mqtt.on_connect = [&] { link.set_up(true); };
//   Download dl(fetcher, sink, clock, random, request, {.link = &link});
#pragma once

#include <atomic>
#include <cstdint>

namespace awsfota::download {

class LinkState {
 public:
  // Records a change; a down-to-up change counts as a comeback.
  void set_up(bool up) noexcept {
    const bool was = up_.exchange(up, std::memory_order_acq_rel);
    if (up && !was) comebacks_.fetch_add(1, std::memory_order_acq_rel);
  }
  [[nodiscard]] bool up() const noexcept { return up_.load(std::memory_order_acquire); }
  // How often the link came back up so far: a wait ends early when this changes.
  [[nodiscard]] std::uint64_t comebacks() const noexcept { return comebacks_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> up_{true};
  std::atomic<std::uint64_t> comebacks_{0};
};

}  // namespace awsfota::download
