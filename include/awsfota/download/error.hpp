// Download errors: one cause enum for the whole downloader, each value saying what the caller does next.
//
//   auto r = download.run(cancel, on_progress);
//   if (!r) {
//     switch (awsfota::download::next_step(r.error().cause)) {
//       case NextStep::RefreshUrl: ask_for_fresh_job_document(); break;   // then replace_url() + run()
//       case NextStep::Stop: break;                                       // canceled on purpose
//       default: fail_job(r.error().message); break;                       // a person-readable sentence
//     }
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awsfota::download {

enum class Cause {
  // Transient: the resumer retries these itself from the committed offset, with backoff.
  ConnectFailed,       // TCP connect refused or timed out
  ConnectionLost,      // reset, closed early, TLS record error mid-transfer, short body
  Stalled,             // no bytes for the configured stall time
  ServerError,         // 5xx, 408 or 429 from the server
  // Needs a fresh URL: ask the service for the job document again, then resume at the same offset.
  UrlExpired,          // 403 (or 400 with an S3 expiry code) on a presigned URL or one that delivered before
  // Permanent for this URL and configuration: fail the job with the message.
  HostUnreachable,     // the host name does not resolve: check the URL in the job document
  TlsFailed,           // certificate or host name verification failed, or the CA file is unusable
  Forbidden,           // 403 on a URL that never worked and is not presigned
  NotFound,            // 404
  HttpError,           // any other unexpected status (4xx, 3xx without a usable Location, too many redirects)
  RangeNotSupported,   // 206 without Content-Range: the server does not answer Range requests as S3 does
  RangeIgnored,        // 200 (the whole file) to a request that resumes at an offset > 0
  ContentRangeInvalid, // Content-Range unparsable, or its range is not the one requested
  SizeMismatch,        // the file's total size differs from the job's size (or changed between requests)
  FileChanged,         // the ETag changed between requests: the file was replaced mid-download
  InsecureUrl,         // plain http:// without permission (configuration or a digest to verify)
  InvalidRequest,      // malformed or unsupported URL, bad option values
  WriteFailed,         // the sink refused bytes (disk full, slot too small, I/O error)
  RetriesExhausted,    // transient failures went on past the attempt or time bound (see last_cause)
  Canceled,            // the cancel token was set, or a fetch handler asked to stop
  Internal,            // a bug or resource exhaustion (out of memory in libcurl, ...)
};

enum class NextStep {
  Retry,       // transient: try again from the committed offset after a backoff delay
  RefreshUrl,  // get a fresh URL (job document), then resume at the same offset
  Fail,        // give up and report the message
  Stop,        // canceled on purpose: stop quietly
};

[[nodiscard]] std::string_view to_string(Cause cause) noexcept;
[[nodiscard]] NextStep next_step(Cause cause) noexcept;

// What a fetch or a validation step reports.
struct Error {
  Cause cause = Cause::Internal;
  std::string message{};  // a sentence a person can act on; never contains a URL's query string
};

// What a whole download reports.
struct DownloadError {
  Cause cause = Cause::Internal;
  std::string message{};
  std::uint64_t offset = 0;               // bytes the sink holds (committed); resume from here
  std::optional<Cause> last_cause{};        // for RetriesExhausted: the failure that kept repeating
  std::optional<int> http_status{};         // the last HTTP status seen, if any
  unsigned attempts = 0;                  // fetches made by this run()
};

}  // namespace awsfota::download
