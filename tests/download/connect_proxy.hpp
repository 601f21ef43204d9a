// A minimal HTTP CONNECT proxy on 127.0.0.1 for tests: it answers "200 Connection established" (as
// squid and others do) and then relays bytes both ways, one tunnel at a time. Stopped by the destructor.
//
//   ConnectProxy proxy;
//   ASSERT_TRUE(proxy.started());
//   options.proxy = proxy.url();                  // http://127.0.0.1:PORT
//   ... download an https:// URL ...
//   EXPECT_EQ(proxy.tunnels(), 1u);               // the transfer really went through it
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace awsfota::testing {

class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  [[nodiscard]] bool started() const { return listen_fd_ >= 0; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // CONNECT requests answered with 200 so far.
  [[nodiscard]] unsigned tunnels() const { return tunnels_.load(); }

 private:
  void serve();
  void tunnel(int client);

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> tunnels_{0};
  std::thread thread_;
};

}  // namespace awsfota::testing
