// A small blocking HTTP client on libcurl for the CLI's PUT uploads and REST calls.
//
//   HttpCall call{.method = "PUT", .url = "https://127.0.0.1:8443/fw.bin", .upload_file = "fw.bin"};
//   call.tls.ca_file = "ca.pem";
//   auto r = perform(call);            // Expected<HttpResult, std::string>: transport errors only
//   if (r && r->status >= 300) ...     // HTTP errors are the caller's to read
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

struct TlsFiles {
  std::string ca_file;    // PEM bundle to trust instead of the system's
  std::string cert_file;  // client certificate for mutual TLS
  std::string key_file;
};

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                                  // sent when upload_file is not set
  std::optional<std::filesystem::path> upload_file;  // streamed as the body
  TlsFiles tls;
  long timeout_seconds = 300;
};

struct HttpResult {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last one wins
  std::string body;
};

[[nodiscard]] Expected<HttpResult, std::string> perform(const HttpCall& call);

// A transport failure, and whether it is one worth a retry: the connection was reset or closed
// mid-answer, or the answer timed out. A refused connection or an unknown host is not (retrying a
// wrong --endpoint-url only delays the message).
struct HttpFailure {
  std::string message;
  bool connection_dropped = false;
};
[[nodiscard]] Expected<HttpResult, HttpFailure> perform_call(const HttpCall& call);

}  // namespace awsfota::cli
