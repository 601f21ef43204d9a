// Plain TCP on 127.0.0.1 for the tests' relays and proxies (ConnectProxy, OutageProxy).
//
//   std::uint16_t port = 0;
//   const int listener = listen_on_loopback(port, 16);   // -1 on failure; port: the one the kernel chose
//   const int upstream = connect_loopback(8443);         // -1 when nothing answers
//   send_everything(upstream, data, n);                  // false when the peer went away
#pragma once

#include <cstddef>
#include <cstdint>

namespace awsfota::testing {

[[nodiscard]] int listen_on_loopback(std::uint16_t& port, int backlog);
[[nodiscard]] int connect_loopback(std::uint16_t port);
[[nodiscard]] bool send_everything(int fd, const char* data, std::size_t n);

}  // namespace awsfota::testing
