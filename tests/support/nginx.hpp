// Debian's nginx, run unprivileged-style for a test: its own prefix, config, pid, temp paths and logs
// in a scratch folder, one process (master_process off, daemon off), on free 127.0.0.1 ports, serving
// a folder with Range support. Stopped by the destructor (and killed with the test process).
//
//   auto nginx = Nginx::start(dir.path() / "nginx", {.root = files, .https = true,
//                                                    .tls = CertFiles{cert, key}});
//   ASSERT_TRUE(nginx) << nginx.error();
//   std::string url = (*nginx)->https_url("fw.bin");     // https://127.0.0.1:PORT/fw.bin
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "awsfota/expected.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::testing {

struct NginxOptions {
  std::filesystem::path root{};      // the folder served at /
  bool http = true;                  // a plain HTTP listener
  bool https = false;                // an HTTPS listener (needs tls)
  std::optional<CertFiles> tls{};    // server certificate and key
  std::string extra_http_config{};   // appended inside http { } (e.g. more server blocks)
  std::string extra_server_config{}; // appended inside each server { }
};

class Nginx {
 public:
  // Starts nginx under prefix (created). Tries a few port pairs if one is taken meanwhile.
  [[nodiscard]] static Expected<std::unique_ptr<Nginx>, std::string> start(const std::filesystem::path& prefix,
                                                                          NginxOptions options);
  ~Nginx() = default;

  [[nodiscard]] std::uint16_t http_port() const { return http_port_; }
  [[nodiscard]] std::uint16_t https_port() const { return https_port_; }
  [[nodiscard]] std::string http_url(const std::string& path) const;
  [[nodiscard]] std::string https_url(const std::string& path, const std::string& host = "127.0.0.1") const;
  [[nodiscard]] std::filesystem::path error_log() const { return prefix_ / "error.log"; }
  void stop() { process_.reset(); }

 private:
  Nginx() = default;
  std::filesystem::path prefix_;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace awsfota::testing
