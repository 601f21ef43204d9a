#include "connect_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "support/loopback.hpp"

namespace awsfota::testing {
namespace {

constexpr int kPollMs = 100;  // how often the threads look at the stop flag

// Reads the request head ("CONNECT host:port HTTP/1.1" and headers, up to the blank line).
std::string read_head(int fd, const std::atomic<bool>& stop) {
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 && !stop.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    char c = 0;  // byte by byte: nothing after the head may be consumed here
    if (::recv(fd, &c, 1, 0) != 1) return {};
    head.push_back(c);
  }
  return head;
}

}  // namespace

ConnectProxy::ConnectProxy() {
  listen_fd_ = listen_on_loopback(port_, 4);
  if (listen_fd_ < 0) return;
  thread_ = std::thread([this] { serve(); });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void ConnectProxy::serve() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    tunnel(client);
    ::close(client);
  }
}

void ConnectProxy::tunnel(int client) {
  const std::string head = read_head(client, stop_);
  // Only loopback targets: "CONNECT 127.0.0.1:PORT HTTP/1.1".
  unsigned port = 0;
  if (std::sscanf(head.c_str(), "CONNECT 127.0.0.1:%u HTTP/1.", &port) != 1 || port == 0 || port > 65535) {
    const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)send_everything(client, bad, sizeof bad - 1);
    return;
  }
  const int server = connect_loopback(static_cast<std::uint16_t>(port));
  if (server < 0) {
    const char bad[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    (void)send_everything(client, bad, sizeof bad - 1);
    return;
  }
  const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
  if (send_everything(client, ok, sizeof ok - 1)) {
    ++tunnels_;
    std::array<char, 16384> buf{};
    std::array<pollfd, 2> fds{pollfd{client, POLLIN, 0}, pollfd{server, POLLIN, 0}};
    bool open = true;
    while (open && !stop_.load()) {
      if (::poll(fds.data(), fds.size(), kPollMs) <= 0) continue;
      for (std::size_t i = 0; i < fds.size() && open; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t r = ::recv(fds[i].fd, buf.data(), buf.size(), 0);
        open = r > 0 && send_everything(fds[1 - i].fd, buf.data(), static_cast<std::size_t>(r));
      }
    }
  }
  ::close(server);
}

}  // namespace awsfota::testing
