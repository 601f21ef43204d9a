// The resumer: downloads one file into a Sink through a Fetcher, resuming where the sink stands.
//
// - Stream mode (default): one open-ended request "Range: bytes=OFFSET-" streamed into the sink.
//   Fragment mode (options.fragment_size, e.g. 2048 like the nRF Connect SDK reference): one request
//   per fixed-size range, for servers or links that need small responses.
// - Every response is checked (validate_response): a server that ignores Range, a wrong
//   Content-Range or a total other than the job's size stops the download with its own Cause.
// - Connection loss, resets, 5xx and stalls are retried from sink.offset() with exponential backoff
//   and full jitter up to a ceiling, for as long as the outage limit allows (BackoffPolicy: time
//   without new bytes, hours by default); then RetriesExhausted. A name that stops resolving is
//   retried the same way once it resolved for this download, or while the link is down; a name that
//   never resolved while the link was up fails at once (HostUnreachable: a wrong URL).
// - With options.link (the MQTT session's state in the runtime), a retry waits while the link is down
//   instead of spending attempts on it, and starts as soon as the link comes back.
// - 403 on a presigned S3 URL, or on a URL that already delivered bytes, ends run() with
//   Cause::UrlExpired and the offset reached: get a fresh URL, replace_url(), run() again.
// - 416 at an offset equal to the size means the file is already complete.
// - Memory is bounded by the fetcher's buffer: bytes go straight from the fetcher to the sink.
//
//   Download dl(fetcher, sink, clock, random, {.url = job.url, .expected_size = job.size});
//   auto r = dl.run(cancel, [](const Progress& p) { report(p.offset, p.total); });
//   while (!r && r.error().cause == Cause::UrlExpired) {
//     dl.replace_url(fetch_fresh_job_document().url);   // resumes at r.error().offset
//     r = dl.run(cancel, on_progress);
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "awsfota/download/backoff.hpp"
#include "awsfota/download/cancel.hpp"
#include "awsfota/download/clock.hpp"
#include "awsfota/download/error.hpp"
#include "awsfota/download/fetcher.hpp"
#include "awsfota/download/link.hpp"
#include "awsfota/download/sink.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::download {

struct DownloadRequest {
  std::string url{};
  std::optional<std::uint64_t> expected_size{};  // the job document's "size": enforced when given
  // http:// only when the configuration allows it or the job carries a digest that will be verified.
  bool allow_plain_http = false;
  // Set when this URL (same job, e.g. after a reboot) already delivered bytes: a 403 then means the
  // link expired, not that it was never allowed.
  bool url_delivered_before = false;
};

struct DownloadOptions {
  std::optional<std::uint64_t> fragment_size{};  // none: stream mode; else bytes per request (>= 1)
  BackoffPolicy backoff{};
  const LinkState* link = nullptr;  // optional; must outlive every run()
};

struct Progress {
  std::uint64_t offset = 0;          // bytes the sink holds
  std::uint64_t durable_offset = 0;  // bytes that survive a power loss: checkpoint this
  std::optional<std::uint64_t> total{};
};
using ProgressCallback = std::function<void(const Progress&)>;

struct Completed {
  std::uint64_t size = 0;   // the file's size (== sink.offset())
  unsigned attempts = 0;    // fetches made by the run() that completed
};

class Download {
 public:
  // All references must outlive the Download.
  Download(Fetcher& fetcher, Sink& sink, Clock& clock, Random& random, DownloadRequest request,
           DownloadOptions options = {});

  // Downloads from sink.offset() to the end of the file. Blocks; call from one thread at a time.
  [[nodiscard]] Expected<Completed, DownloadError> run(const CancelToken& cancel,
                                                       const ProgressCallback& progress = {});

  // A fresh URL for the same file (after Cause::UrlExpired). The size and ETag learned so far are
  // kept, so a different file behind the new URL is caught.
  void replace_url(std::string url);

  // The file's size: the job's, or the one the server announced.
  [[nodiscard]] std::optional<std::uint64_t> total() const noexcept { return total_; }

 private:
  struct Attempt;
  Expected<void, DownloadError> validate_options() const;
  Attempt fetch_once(std::uint64_t offset, const CancelToken& cancel, const ProgressCallback& progress);
  DownloadError make_error(Cause cause, std::string message, std::optional<int> status = std::nullopt) const;
  [[nodiscard]] bool link_down() const noexcept { return options_.link && !options_.link->up(); }
  [[nodiscard]] bool worth_retrying(Cause cause) const noexcept;
  [[nodiscard]] bool wait_before_retry(Clock::Duration delay, Clock::TimePoint deadline, const CancelToken& cancel);

  Fetcher& fetcher_;
  Sink& sink_;
  Clock& clock_;
  Random& random_;
  DownloadRequest request_;
  DownloadOptions options_;
  std::optional<std::uint64_t> total_{};
  std::optional<std::string> etag_{};
  bool url_delivered_ = false;
  bool name_resolved_ = false;  // the URL's host name resolved at least once for this download
  unsigned attempts_ = 0;
};

}  // namespace awsfota::download
