// The fault-injecting HTTP server (fault_server.py) run for a test on a free 127.0.0.1 port.
// See fault_server.py for the fault specs. Stopped by the destructor (and killed with the test process).
//
//   auto fs = FaultServer::start(files_dir, scratch_dir);
//   std::string url = (*fs)->url("drop=4096,id=t1", "fw.bin");   // http://127.0.0.1:PORT/drop=4096,id=t1/fw.bin
//   ... download ...
//   auto log = (*fs)->requests("drop=4096,id=t1");               // what went over the wire
//
// Links signed as nginx's secure_link checks them (spec "signed", with a secret), whose expiry the
// test decides by setting the server's clock:
//   auto fs = FaultServer::start(files_dir, scratch_dir, "s3cret");
//   (void)(*fs)->set_clock(expires + 1);                          // that link is refused from now on
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "support/process.hpp"

namespace awsfota::testing {

struct WireRecord {
  std::string path;
  std::optional<std::string> range;  // the Range header the client sent
  int status = 0;
  std::uint64_t sent = 0;            // body bytes written to the socket
};

class FaultServer {
 public:
  // `link_secret`: the secret of "signed" links (none: every signed link is refused).
  [[nodiscard]] static Expected<std::unique_ptr<FaultServer>, std::string> start(const std::filesystem::path& root,
                                                                                const std::filesystem::path& scratch,
                                                                                const std::string& link_secret = "");
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& spec, const std::string& file) const;
  // The requests whose path starts with "/<spec>/" (all when spec is empty), in arrival order.
  [[nodiscard]] Expected<std::vector<WireRecord>, std::string> requests(const std::string& spec = "") const;
  // Holds the clock that judges signed links' expiry at `epoch_s` (seconds since the epoch).
  [[nodiscard]] Expected<void, std::string> set_clock(std::int64_t epoch_s) const;

 private:
  FaultServer() = default;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace awsfota::testing
