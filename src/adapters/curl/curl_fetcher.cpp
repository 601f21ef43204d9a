#include "awsfota/adapters/curl/curl_fetcher.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>

#include "adapters/curl/curl_errors.hpp"
#include "adapters/curl/header_collector.hpp"
#include "awsfota/download/url.hpp"

namespace awsfota::curl {
namespace {

using download::Cause;
using download::Error;

// State shared with libcurl's callbacks during one fetch.
struct Transfer {
  download::FetchHandler& handler;
  const download::CancelToken* cancel;
  HeaderCollector headers;
  bool head_delivered = false;
  bool got_response = false;
  bool aborted_by_handler = false;
  // Stall detection of our own: libcurl's LOW_SPEED check averages over a window of seconds, so after
  // a burst it notices silence late. Any header or body byte counts as life.
  std::chrono::steady_clock::duration stall_after{};
  std::chrono::steady_clock::time_point last_byte = std::chrono::steady_clock::now();
  curl_off_t last_dlnow = 0;
  bool stalled = false;
  CURL* easy = nullptr;

  bool deliver_head() {
    head_delivered = true;
    got_response = true;
    if (!handler.on_head(headers.head())) {
      aborted_by_handler = true;
      return false;
    }
    return true;
  }
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t.last_byte = std::chrono::steady_clock::now();
  if (t.head_delivered) return n;  // trailers
  if (t.headers.feed(std::string_view(data, n)) == HeaderCollector::Line::FinalHeadComplete) {
    if (!t.deliver_head()) return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  return n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (n == 0) return 0;
  if (!t.head_delivered && !t.deliver_head()) return 0;
  if (!t.handler.on_body(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), n))) {
    t.aborted_by_handler = true;
    return 0;
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (t.cancel != nullptr && t.cancel->canceled()) return 1;
  const auto now = std::chrono::steady_clock::now();
  curl_off_t connect_us = 0;
  curl_easy_getinfo(t.easy, CURLINFO_CONNECT_TIME_T, &connect_us);
  if (connect_us == 0) {
    t.last_byte = now;  // still connecting: the connect timeout governs this phase
  } else if (dlnow != t.last_dlnow) {
    t.last_dlnow = dlnow;
    t.last_byte = now;
  } else if (now - t.last_byte >= t.stall_after) {
    t.stalled = true;
    return 1;
  }
  return 0;
}

std::string host_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string host;
  if (u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) host = h;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) host += ":" + std::string(port);
    curl_free(h);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return host.empty() ? download::redact_url(url) : host;
}

}  // namespace

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlFetcher::Handle {
  CURL* easy = nullptr;
  ~Handle() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

CurlFetcher::CurlFetcher(CurlOptions options) : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  ensure_curl_global_init();
  handle_->easy = curl_easy_init();
}

CurlFetcher::~CurlFetcher() = default;

namespace {

// Sets every option of one transfer. False when libcurl rejects one of the options that keep it safe
// (protocol restriction, TLS verification, CA, hiding a proxy's CONNECT reply): such a libcurl is
// refused rather than used loosely.
bool set_options(CURL* easy, const CurlOptions& o, const download::FetchRequest& request, Transfer& t, char* errbuf,
                 const std::string& range) {
  const char* protocols = request.allow_plain_http ? "http,https" : "https";
  const bool safe = curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
                    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols) == CURLE_OK &&
                    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
                    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
                    (o.ca_file.empty() || curl_easy_setopt(easy, CURLOPT_CAINFO, o.ca_file.c_str()) == CURLE_OK) &&
                    (o.ca_path.empty() || curl_easy_setopt(easy, CURLOPT_CAPATH, o.ca_path.c_str()) == CURLE_OK) &&
                    // A proxy (set here or in https_proxy) answers CONNECT with its own head; the header
                    // callback must see only the file server's, or "200 Connection established" would be
                    // judged as the response (RangeIgnored on every resume, no Content-Range checks).
                    curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L) == CURLE_OK;
  if (!safe) return false;
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, o.max_redirects);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  // Backstop only: libcurl's low-speed check averages over seconds; on_progress detects a stall sooner.
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.stall_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  // libcurl accepts 1 KiB .. 512 KiB (CURL_MAX_READ_SIZE).
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, static_cast<long>(std::clamp<std::size_t>(o.buffer_size, 1024, 512 * 1024)));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, o.user_agent.c_str());
  if (!o.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXY, o.proxy.c_str());
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
  }
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
  return true;
}

TransferFacts facts_of(CURL* easy, const CurlOptions& o, const download::FetchRequest& request, const Transfer& t,
                       const char* errbuf) {
  curl_off_t connect_us = 0;
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
  TransferFacts f;
  f.host = host_of(request.url);
  f.ca_description = o.ca_file.empty() ? std::string("the system CA store") : "the CA file " + o.ca_file;
  f.detail = errbuf;
  f.https = download::url_scheme(request.url) == "https";
  f.plain_http_allowed = request.allow_plain_http;
  f.got_response = t.got_response;
  f.connected = connect_us > 0 || t.stalled;
  f.aborted_by_handler = t.aborted_by_handler;
  f.stall_seconds = static_cast<long>(o.stall_timeout.count());
  f.connect_timeout_ms = static_cast<long>(o.connect_timeout.count());
  f.max_redirects = o.max_redirects;
  return f;
}

}  // namespace

Expected<void, Error> CurlFetcher::fetch(const download::FetchRequest& request, download::FetchHandler& handler) {
  CURL* easy = handle_->easy;
  if (easy == nullptr) return unexpected(Error{Cause::Internal, "libcurl could not create a transfer handle"});
  const std::string scheme = download::url_scheme(request.url);
  if (scheme != "https" && scheme != "http") {
    return unexpected(Error{Cause::InvalidRequest, "the download URL must start with https:// or http:// (" +
                                                       download::redact_url(request.url) + ")"});
  }
  if (scheme == "http" && !request.allow_plain_http) {
    return unexpected(Error{Cause::InsecureUrl, "plain http:// is not allowed for " + download::redact_url(request.url)});
  }
  if (options_.stall_timeout.count() < 1 || options_.max_redirects < 0) {
    return unexpected(Error{Cause::InvalidRequest, "stall_timeout must be at least 1 s and max_redirects not negative"});
  }

  Transfer t{handler, request.cancel, HeaderCollector(options_.max_redirects > 0)};
  t.stall_after = options_.stall_timeout;
  t.easy = easy;
  char errbuf[CURL_ERROR_SIZE] = {};
  const std::string range = std::to_string(request.offset) + "-" + (request.last ? std::to_string(*request.last) : "");
  // The handle is reset, not recreated, so its connection cache lets fragment mode reuse connections.
  curl_easy_reset(easy);
  if (!set_options(easy, options_, request, t, errbuf, range)) {
    return unexpected(Error{Cause::Internal, "this libcurl does not accept the options that restrict protocols, verify TLS "
                                                 "and hide a proxy's CONNECT reply"});
  }
  const CURLcode rc = curl_easy_perform(easy);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);  // errbuf goes out of scope
  if (rc == CURLE_OK) {
    // A response without a body (e.g. 416 with no page) ends with its head only.
    if (!t.head_delivered && !t.deliver_head()) return unexpected(Error{Cause::Canceled, "the receiver stopped the transfer"});
    return {};
  }
  const CURLcode code = (rc == CURLE_ABORTED_BY_CALLBACK && t.stalled) ? CURLE_OPERATION_TIMEDOUT : rc;
  return unexpected(map_curl_error(code, facts_of(easy, options_, request, t, errbuf)));
}

}  // namespace awsfota::curl
