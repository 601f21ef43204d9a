// A TCP relay on 127.0.0.1 in front of one server, for network outage tests. cut() turns it into a
// black hole, as a dead radio link or a router that lost its route: connections stay open, new ones
// are accepted, and nothing goes through in either direction, so clients learn of the outage only by
// their own timeouts (MQTT keep-alive, the download's stall and connect timeouts). restore() ends every
// connection that lived through the cut with a reset (their state is gone, as a NAT's would be) and
// relays new connections again. It counts the bytes relayed from the server to the clients.
//
//   OutageProxy http(nginx_port), mqtt(broker_port);
//   http.cut_after_downstream(1 << 20, [&] { mqtt.cut(); });   // both links die at the same byte
//   ... the device's URL and endpoint point at http.port() and mqtt.port() ...
//   http.restore(); mqtt.restore();                            // the link is back
//   EXPECT_LE(http.downstream_bytes(), file_size * 105 / 100);
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace awsfota::testing {

class OutageProxy {
 public:
  explicit OutageProxy(std::uint16_t upstream_port);
  ~OutageProxy();
  OutageProxy(const OutageProxy&) = delete;
  OutageProxy& operator=(const OutageProxy&) = delete;

  [[nodiscard]] bool started() const { return listen_fd_ >= 0; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

  // Thread-safe. cut() takes effect within one poll interval (50 ms); restore() likewise.
  void cut();
  void restore();
  // Cuts by itself once `bytes` have been relayed from the server in total (exactly at that byte), then
  // calls `then` on the proxy's thread.
  void cut_after_downstream(std::uint64_t bytes, std::function<void()> then = {});

  // Paces what it relays from the server to about this many bytes per second (0: as fast as it comes),
  // evenly, in 4 KiB steps: unlike a server's own rate limit, no burst sits in socket buffers, so what
  // the relay counted is about what the client has read. The pacing holds up every connection.
  void set_downstream_rate(std::uint64_t bytes_per_second) { rate_ = bytes_per_second; }

  [[nodiscard]] bool is_cut() const { return cut_.load(); }
  [[nodiscard]] std::uint64_t downstream_bytes() const { return downstream_.load(); }
  // Connections accepted so far, and those accepted while the proxy was cut.
  [[nodiscard]] unsigned connections() const { return connections_.load(); }
  [[nodiscard]] unsigned connections_while_cut() const { return connections_while_cut_.load(); }

 private:
  void serve();

  std::uint16_t upstream_port_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::atomic<bool> restore_requested_{false};
  std::atomic<std::uint64_t> downstream_{0};
  std::atomic<unsigned> connections_{0};
  std::atomic<unsigned> connections_while_cut_{0};
  std::atomic<std::uint64_t> rate_{0};
  std::mutex trigger_mutex_;  // guards the two below
  std::uint64_t cut_at_ = 0;  // 0: no automatic cut
  std::function<void()> on_cut_;
  std::thread thread_;
};

}  // namespace awsfota::testing
