// The fetcher seam: one HTTP(S) GET for a byte range, streamed to a handler. The resumer drives it;
// awsfota::curl::CurlFetcher is the real backend, tests use a scripted fake (tests/support).
//
// Contract:
//  - fetch() blocks until the transfer ends, then returns: ok when the final response's body was
//    received in full (whatever its status: a 404 with its page is a successful fetch), or an Error
//    whose cause is transport-level (ConnectFailed, HostUnreachable, TlsFailed, ConnectionLost,
//    Stalled, HttpError for redirect trouble, InsecureUrl, InvalidRequest, Canceled, Internal).
//    Judging the status and Content-Range is the caller's job (validate_response).
//  - Redirects are followed (at most max_redirects); on_head() sees only the final response.
//  - on_head() is called at most once per fetch, before any on_body() call.
//  - on_body() gets the final response's body in order, in chunks of at least one byte; a 0-length
//    chunk is never delivered (the end of the body is fetch() returning). The bytes belong to the
//    fetcher and are valid only during the call: copy what you keep.
//  - Either callback returns false to stop: the fetcher then ends the transfer without calling the
//    handler again and returns Cause::Canceled. The caller knows why it stopped.
//  - The fetcher checks request.cancel at least once a second, also while the server sends nothing,
//    and returns Cause::Canceled when it is set.
//  - A fetcher serves one fetch at a time; fetch() is not re-entrant.
//
//   struct Printer : FetchHandler {
//     bool on_head(const ResponseHead& h) override { return h.status == 206; }
//     bool on_body(std::span<const std::byte> b) override { out.write(b); return true; }
//   } printer;
//   auto r = fetcher.fetch({.url = url, .offset = 1000}, printer);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "awsfota/download/cancel.hpp"
#include "awsfota/download/error.hpp"
#include "awsfota/download/response.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::download {

struct FetchRequest {
  std::string url{};                         // http:// or https://
  std::uint64_t offset = 0;                // sent as "Range: bytes=OFFSET-" (or OFFSET-LAST)
  std::optional<std::uint64_t> last{};       // inclusive last byte: a fixed fragment
  bool allow_plain_http = false;           // http:// (and redirects to it) only when true
  const CancelToken* cancel = nullptr;     // optional
};

class FetchHandler {
 public:
  virtual ~FetchHandler() = default;
  [[nodiscard]] virtual bool on_head(const ResponseHead& head) = 0;
  [[nodiscard]] virtual bool on_body(std::span<const std::byte> bytes) = 0;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  [[nodiscard]] virtual Expected<void, Error> fetch(const FetchRequest& request, FetchHandler& handler) = 0;
};

}  // namespace awsfota::download
