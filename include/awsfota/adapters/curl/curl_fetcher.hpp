// The libcurl backend of the downloader's Fetcher seam (see awsfota/download/fetcher.hpp).
//
// TLS rules, with no switch to loosen them: HTTPS always verifies the peer's certificate chain and
// the host name, against options.ca_file (or ca_path) when set, else the system store. Plain http://
// is used only when the request allows it (FetchRequest::allow_plain_http), also for redirects.
// Redirects are followed up to options.max_redirects; the final response is the one judged.
// A transfer that receives no bytes for options.stall_timeout ends as Cause::Stalled; there is no
// total timeout, so a large image on a slow but moving link completes.
//
//   awsfota::curl::CurlFetcher fetcher({.ca_file = "/etc/awsfota/ca.pem"});
//   awsfota::curl::SystemClock clock;
//   awsfota::curl::SystemRandom random;
//   awsfota::download::Download dl(fetcher, sink, clock, random, {.url = url, .expected_size = size});
//   auto r = dl.run(cancel, on_progress);
//
// One CurlFetcher serves one fetch at a time (it keeps one libcurl handle, so fragment mode reuses
// the connection). Use one per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "awsfota/download/fetcher.hpp"

namespace awsfota::curl {

struct CurlOptions {
  std::string ca_file{};  // PEM file of trusted CAs; empty: the system store
  std::string ca_path{};  // a c_rehash'ed folder of CAs; optional
  std::chrono::milliseconds connect_timeout{10'000};  // TCP and TLS handshake
  std::chrono::seconds stall_timeout{30};             // no bytes for this long: Stalled (>= 1 s)
  long max_redirects = 10;
  std::size_t buffer_size = 128 * 1024;  // receive buffer, the unit of memory per transfer
  std::string user_agent = "awsfota/0.1";
  // An HTTP proxy ("http://host:port") for every URL, no_proxy not consulted. Empty: libcurl's
  // default, which honours the https_proxy / http_proxy / no_proxy environment variables.
  std::string proxy{};
};

class CurlFetcher final : public download::Fetcher {
 public:
  explicit CurlFetcher(CurlOptions options = {});
  ~CurlFetcher() override;
  CurlFetcher(const CurlFetcher&) = delete;
  CurlFetcher& operator=(const CurlFetcher&) = delete;

  [[nodiscard]] Expected<void, download::Error> fetch(const download::FetchRequest& request,
                                                      download::FetchHandler& handler) override;

 private:
  struct Handle;
  CurlOptions options_;
  std::unique_ptr<Handle> handle_;
};

// Initialises libcurl once per process (thread-safe; CurlFetcher calls it itself).
void ensure_curl_global_init();

}  // namespace awsfota::curl
