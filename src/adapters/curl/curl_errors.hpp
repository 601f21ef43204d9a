// Maps libcurl's result codes to the downloader's causes, with sentences a person can act on.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "awsfota/download/error.hpp"

namespace awsfota::curl {

struct TransferFacts {
  std::string host;                 // from the URL, for messages
  std::string ca_description;       // "the CA file /x/ca.pem" or "the system CA store"
  std::string detail;               // libcurl's error buffer
  bool https = true;
  bool plain_http_allowed = false;
  bool got_response = false;        // a response head or body arrived
  bool connected = false;           // the TCP connection was made
  bool aborted_by_handler = false;  // a handler callback returned false
  long stall_seconds = 0;
  long connect_timeout_ms = 0;
  long max_redirects = 0;
};

[[nodiscard]] download::Error map_curl_error(CURLcode code, const TransferFacts& facts);

}  // namespace awsfota::curl
