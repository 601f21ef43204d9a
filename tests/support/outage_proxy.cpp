#include "support/outage_proxy.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <thread>
#include <vector>

#include "support/loopback.hpp"

namespace awsfota::testing {
namespace {

constexpr int kOutagePollMs = 50;

struct Relay {
  int client = -1;
  int server = -1;  // -1: accepted during a cut, never connected on
};

// Closes a socket; with `reset`, as a peer that lost the connection's state does: with a RST.
void close_socket(int fd, bool reset) {
  if (fd < 0) return;
  if (reset) {
    const linger l{.l_onoff = 1, .l_linger = 0};
    (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
}

}  // namespace

OutageProxy::OutageProxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = listen_on_loopback(port_, 16);
  if (listen_fd_ < 0) return;
  thread_ = std::thread([this] { serve(); });
}

OutageProxy::~OutageProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void OutageProxy::cut() { cut_ = true; }

void OutageProxy::restore() { restore_requested_ = true; }

void OutageProxy::cut_after_downstream(std::uint64_t bytes, std::function<void()> then) {
  const std::lock_guard lock(trigger_mutex_);
  cut_at_ = bytes;
  on_cut_ = std::move(then);
}

void OutageProxy::serve() {
  std::vector<Relay> relays;
  std::array<char, 16384> buffer{};
  // Relays `from` -> `to`; false when the connection ended. Downstream bytes count towards the
  // automatic cut, which may pass only part of what was read (the rest is lost in the outage).
  auto pump = [&](int from, int to, bool downstream) {
    const std::uint64_t rate = rate_.load();
    const std::size_t want = downstream && rate != 0 ? 4096 : buffer.size();
    if (downstream && rate != 0) std::this_thread::sleep_for(std::chrono::microseconds(want * 1'000'000 / rate));
    const ssize_t n = ::recv(from, buffer.data(), want, 0);
    if (n <= 0) return false;
    auto pass = static_cast<std::uint64_t>(n);
    std::function<void()> then;
    bool trigger = false;
    if (downstream) {
      const std::lock_guard lock(trigger_mutex_);
      if (cut_at_ != 0 && downstream_.load() + pass >= cut_at_) {
        pass = cut_at_ - downstream_.load();
        trigger = true;
        cut_at_ = 0;
        then = std::move(on_cut_);
      }
    }
    const bool sent = send_everything(to, buffer.data(), pass);
    if (downstream) downstream_ += pass;
    if (trigger) {
      cut_ = true;
      if (then) then();
    }
    return sent;
  };
  while (!stop_) {
    if (restore_requested_.exchange(false)) {
      for (const Relay& r : relays) {
        close_socket(r.client, true);
        close_socket(r.server, true);
      }
      relays.clear();
      cut_ = false;
    }
    const bool cut = cut_.load();
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    const std::size_t polled = cut ? 0 : relays.size();
    for (std::size_t i = 0; i < polled; ++i) {
      fds.push_back({relays[i].client, POLLIN, 0});
      fds.push_back({relays[i].server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), kOutagePollMs) <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        ++connections_;
        if (cut) {
          ++connections_while_cut_;
          relays.push_back({client, -1});  // held: accepted, and nothing more
        } else if (const int server = connect_loopback(upstream_port_); server >= 0) {
          relays.push_back({client, server});
        } else {
          close_socket(client, true);
        }
      }
    }
    constexpr short kReadable = POLLIN | POLLHUP | POLLERR;
    for (std::size_t i = 0; i < polled && !cut_.load(); ++i) {
      Relay& r = relays[i];
      bool open = true;
      if ((fds[1 + 2 * i].revents & kReadable) != 0) open = pump(r.client, r.server, false);
      if (open && (fds[2 + 2 * i].revents & kReadable) != 0) open = pump(r.server, r.client, true);
      if (!open) {
        close_socket(r.client, false);
        close_socket(r.server, false);
        r = Relay{};
      }
    }
    std::erase_if(relays, [](const Relay& r) { return r.client < 0; });
  }
  for (const Relay& r : relays) {
    close_socket(r.client, true);
    close_socket(r.server, true);
  }
}

}  // namespace awsfota::testing
