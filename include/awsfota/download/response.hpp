// Validation of an HTTP response against the Range request that produced it. Pure: no I/O.
//
// Every way a server can answer wrongly gets its own Cause and a sentence that says what is wrong:
//
//   RangeRequest req{.offset = 4096, .expected_total = 181124};
//   ResponseHead head{.status = 206, .content_range = "bytes 4096-181123/181124"};
//   auto v = validate_response(req, head);
//   if (!v) return v.error();                 // e.g. Cause::RangeIgnored for a 200 to this request
//   if (v->complete) done();                  // 416 at offset == size: nothing left to fetch
//   else expect_bytes(v->first, v->end);      // body bytes [first, *end), end unknown for a bare 200
//
// A 4xx is judged with the first bytes of its body, where S3 says why (<Code>, <Message>): an expired
// presigned URL is refused with 403 AccessDenied "Request has expired", or with 400 ExpiredToken when
// it was signed with temporary credentials (as AWS IoT's role does):
//
//   if (wants_error_body(head.status)) keep_first_bytes(body, kErrorBodyLimit);   // then, at its end:
//   auto v = validate_response(req, head, body);   // Cause::UrlExpired, quoting S3's Code and Message
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/download/error.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::download {

// What was asked for.
struct RangeRequest {
  std::uint64_t offset = 0;                  // first byte wanted
  std::optional<std::uint64_t> last{};         // inclusive last byte (fragment mode); none: to the end
  std::optional<std::uint64_t> expected_total{};  // the job's size, or the total a previous answer gave
  std::optional<std::string> expected_etag{};  // the ETag a previous answer gave, to detect a replaced file
  bool url_delivered_before = false;         // this URL served bytes before (so 403 means it expired)
  bool presigned_url = false;                // the URL carries an S3 signature (so 403 means it expired)
};

// The final response's status line and the headers the downloader looks at (after redirects).
struct ResponseHead {
  int status = 0;
  std::optional<std::string> content_range{};   // raw header value
  std::optional<std::uint64_t> content_length{};
  std::optional<std::string> etag{};
};

// An acceptable answer.
struct AcceptedResponse {
  bool complete = false;        // 416 at offset == total: the file is already complete, no body to use
  std::uint64_t first = 0;      // offset of the body's first byte (== request offset)
  std::optional<std::uint64_t> end{};  // one past the body's last byte; unknown for a 200 without length
  std::optional<std::uint64_t> total{};  // the file's size, when the server said it
};

// How much of an error body is kept for judging and quoting (S3's error documents are smaller).
inline constexpr std::size_t kErrorBodyLimit = 1024;

// True for the statuses judged with their body (4xx other than 416): read up to kErrorBodyLimit bytes
// of it before calling validate_response.
[[nodiscard]] bool wants_error_body(int status) noexcept;

// `error_body`: the first bytes (at most kErrorBodyLimit are looked at) of the body of a status for
// which wants_error_body() is true; ignored otherwise.
[[nodiscard]] Expected<AcceptedResponse, Error> validate_response(const RangeRequest& request,
                                                                  const ResponseHead& head,
                                                                  std::string_view error_body = {});

}  // namespace awsfota::download
