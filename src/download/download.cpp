#include "awsfota/download/download.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "awsfota/download/response.hpp"
#include "awsfota/download/url.hpp"

namespace awsfota::download {
namespace {

using std::to_string;

// Receives one response: validates its head, streams its body into the sink, remembers why it stopped.
class Receiver final : public FetchHandler {
 public:
  Receiver(const RangeRequest& request, Sink& sink, const CancelToken& cancel, std::function<void()> on_bytes,
           std::function<void(const AcceptedResponse&)> on_accepted)
      : request_(request), sink_(sink), cancel_(cancel), on_bytes_(std::move(on_bytes)),
        on_accepted_(std::move(on_accepted)) {}

  bool on_head(const ResponseHead& head) override {
    head_ = head;
    // A 4xx is judged at the body's end (finish()): its first bytes say why, e.g. S3's ExpiredToken.
    if (wants_error_body(head.status)) {
      reading_error_body_ = true;
      return true;
    }
    auto verdict = validate_response(request_, head);
    if (!verdict) {
      stop_ = verdict.error();
      return false;
    }
    accepted_ = *verdict;
    on_accepted_(*accepted_);
    return !accepted_->complete;  // nothing to read after "416: already complete"
  }

  bool on_body(std::span<const std::byte> bytes) override {
    if (cancel_.canceled()) return false;
    if (reading_error_body_) {
      const std::size_t keep = std::min(bytes.size(), kErrorBodyLimit - error_body_.size());
      error_body_.append(reinterpret_cast<const char*>(bytes.data()), keep);
      return error_body_.size() < kErrorBodyLimit;  // enough to judge: stop, finish() says why
    }
    if (!accepted_ || accepted_->complete) {
      stop_ = Error{Cause::Internal, "the fetcher delivered body bytes without an accepted response head"};
      return false;
    }
    const std::uint64_t position = accepted_->first + received_;
    if (accepted_->end && bytes.size() > *accepted_->end - position) {
      stop_ = Error{Cause::ContentRangeInvalid, "the server sent more bytes than its response announced (" +
                                                    to_string(*accepted_->end - accepted_->first) + ")"};
      return false;
    }
    if (auto written = sink_.write(bytes); !written) {
      stop_ = Error{Cause::WriteFailed, "could not store the bytes at offset " + to_string(position) + ": " + written.error()};
      return false;
    }
    received_ += bytes.size();
    on_bytes_();
    return true;
  }

  // After the fetch: the verdict on a response judged by its body, whether or not the body came whole.
  void finish() {
    if (!reading_error_body_ || stop_) return;
    auto verdict = validate_response(request_, *head_, error_body_);
    stop_ = verdict ? Error{Cause::Internal, "an error status was accepted as a file response"} : verdict.error();
  }

  [[nodiscard]] const std::optional<ResponseHead>& head() const { return head_; }
  [[nodiscard]] const std::optional<AcceptedResponse>& accepted() const { return accepted_; }
  [[nodiscard]] const std::optional<Error>& stop_reason() const { return stop_; }
  [[nodiscard]] std::uint64_t received() const { return received_; }

 private:
  const RangeRequest& request_;
  Sink& sink_;
  const CancelToken& cancel_;
  std::function<void()> on_bytes_;
  std::function<void(const AcceptedResponse&)> on_accepted_;
  std::optional<ResponseHead> head_;
  std::optional<AcceptedResponse> accepted_;
  std::optional<Error> stop_;
  std::uint64_t received_ = 0;
  bool reading_error_body_ = false;
  std::string error_body_;
};

}  // namespace

struct Download::Attempt {
  bool complete = false;
  bool progressed = false;
  std::optional<DownloadError> error;
};

Download::Download(Fetcher& fetcher, Sink& sink, Clock& clock, Random& random, DownloadRequest request,
                   DownloadOptions options)
    : fetcher_(fetcher), sink_(sink), clock_(clock), random_(random), request_(std::move(request)),
      options_(options), total_(request_.expected_size), url_delivered_(request_.url_delivered_before),
      name_resolved_(request_.url_delivered_before) {}

void Download::replace_url(std::string url) {
  if (url_host(url) != url_host(request_.url)) name_resolved_ = false;
  request_.url = std::move(url);
  // The new link has not been used yet: a 403 on it is "expired" only if it is presigned or once it
  // has delivered bytes.
  url_delivered_ = false;
}

DownloadError Download::make_error(Cause cause, std::string message, std::optional<int> status) const {
  DownloadError e;
  e.cause = cause;
  e.message = std::move(message) + " (" + redact_url(request_.url) + ", at byte " + to_string(sink_.offset()) + ")";
  e.offset = sink_.offset();
  e.http_status = status;
  e.attempts = attempts_;
  return e;
}

Expected<void, DownloadError> Download::validate_options() const {
  const std::string scheme = url_scheme(request_.url);
  if (scheme != "http" && scheme != "https") {
    return unexpected(make_error(Cause::InvalidRequest, "the download URL must start with https:// or http://"));
  }
  if (scheme == "http" && !request_.allow_plain_http) {
    return unexpected(make_error(Cause::InsecureUrl,
                                 "plain http:// is refused: allow it in the configuration or give the job a sha256 digest"));
  }
  if (options_.fragment_size && *options_.fragment_size == 0) {
    return unexpected(make_error(Cause::InvalidRequest, "the fragment size must be at least 1 byte"));
  }
  return {};
}

Download::Attempt Download::fetch_once(std::uint64_t offset, const CancelToken& cancel,
                                       const ProgressCallback& progress) {
  std::optional<std::uint64_t> last;
  if (options_.fragment_size) {
    last = offset + *options_.fragment_size - 1;
    if (total_ && *total_ > 0) last = std::min(*last, *total_ - 1);
  }
  const RangeRequest range{.offset = offset, .last = last, .expected_total = total_, .expected_etag = etag_,
                           .url_delivered_before = url_delivered_, .presigned_url = is_presigned_s3_url(request_.url)};
  // The size the server gives counts from its response head on, before the first body byte reaches the
  // sink: a sink that must know the size to store anything (a DFU target) asks total() then.
  Receiver rx(
      range, sink_, cancel, [&] { if (progress) progress(Progress{sink_.offset(), sink_.durable_offset(), total_}); },
      [&](const AcceptedResponse& accepted) {
        if (accepted.total) total_ = accepted.total;
      });
  ++attempts_;
  const auto fetched = fetcher_.fetch(
      FetchRequest{.url = request_.url, .offset = offset, .last = last, .allow_plain_http = request_.allow_plain_http,
                   .cancel = &cancel},
      rx);
  rx.finish();

  Attempt a;
  // Anything but "does not resolve" got past the name lookup.
  if (rx.head() || fetched || fetched.error().cause != Cause::HostUnreachable) name_resolved_ = true;
  a.progressed = rx.received() > 0;
  if (a.progressed) url_delivered_ = true;
  const auto status = rx.head() ? std::optional<int>(rx.head()->status) : std::nullopt;
  if (rx.accepted()) {
    if (rx.accepted()->total) total_ = rx.accepted()->total;
    if (!etag_ && rx.head()->etag) etag_ = rx.head()->etag;
  }
  if (rx.stop_reason()) {
    a.error = make_error(rx.stop_reason()->cause, rx.stop_reason()->message, status);
  } else if (cancel.canceled()) {
    a.error = make_error(Cause::Canceled, "the download was canceled", status);
  } else if (rx.accepted() && rx.accepted()->complete) {
    a.complete = true;
  } else if (!fetched) {
    a.error = make_error(fetched.error().cause, fetched.error().message, status);
  } else if (!rx.accepted()) {
    a.error = make_error(Cause::ConnectionLost, "the response ended before its headers were complete", status);
  } else {
    const std::uint64_t reached = rx.accepted()->first + rx.received();
    const auto& end = rx.accepted()->end;
    if (end && reached < *end) {
      a.error = make_error(Cause::ConnectionLost, "the server ended the response after " + to_string(rx.received()) +
                                                      " of " + to_string(*end - rx.accepted()->first) + " bytes", status);
    } else if (!total_ && (!end || !options_.fragment_size)) {
      // The server never said the file's size: the end of an open-ended body is the end of the file.
      total_ = reached;
    }
  }
  return a;
}

Expected<Completed, DownloadError> Download::run(const CancelToken& cancel, const ProgressCallback& progress) {
  attempts_ = 0;
  if (auto ok = validate_options(); !ok) return unexpected(ok.error());
  RetryBudget budget(options_.backoff, clock_.now());
  for (;;) {
    if (cancel.canceled()) return unexpected(make_error(Cause::Canceled, "the download was canceled"));
    const std::uint64_t offset = sink_.offset();
    if (total_ && offset == *total_) return Completed{offset, attempts_};
    if (total_ && offset > *total_) {
      return unexpected(make_error(Cause::SizeMismatch, "already " + to_string(offset) + " bytes stored, but the file has " +
                                                            to_string(*total_)));
    }
    Attempt a = fetch_once(offset, cancel, progress);
    if (a.complete) return Completed{sink_.offset(), attempts_};
    if (a.progressed) budget.made_progress(clock_.now());
    if (!a.error) continue;  // a fragment done: go on from the new offset
    if (!worth_retrying(a.error->cause)) return unexpected(std::move(*a.error));
    const auto delay = budget.next_delay(clock_.now(), random_);
    if (!delay) {
      DownloadError e = std::move(*a.error);
      e.last_cause = e.cause;
      e.cause = Cause::RetriesExhausted;
      const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - budget.deadline() +
                                                                           options_.backoff.give_up_after);
      e.message = "gave up after " + to_string(budget.failures()) + " failed attempts in a row, " +
                  to_string(waited.count()) + " s without new bytes: " + e.message;
      return unexpected(std::move(e));
    }
    if (!wait_before_retry(*delay, budget.deadline(), cancel)) {
      return unexpected(make_error(Cause::Canceled, "the download was canceled"));
    }
  }
}

bool Download::worth_retrying(Cause cause) const noexcept {
  if (next_step(cause) == NextStep::Retry) return true;
  // During an outage names stop resolving too. A name that resolved for this download, or one that
  // fails while the link is known to be down, is the outage; one that never resolved while the link
  // was up is a wrong URL, which waiting would not mend.
  return cause == Cause::HostUnreachable && (name_resolved_ || link_down());
}

bool Download::wait_before_retry(Clock::Duration delay, Clock::TimePoint deadline, const CancelToken& cancel) {
  if (!options_.link) return clock_.sleep_for(delay, cancel);
  // Short slices, so that the link's comeback ends the wait within a second.
  constexpr Clock::Duration kSlice{1000};
  const std::uint64_t comebacks = options_.link->comebacks();
  const auto until = clock_.now() + delay;
  for (;;) {
    const auto now = clock_.now();
    if (link_down()) {
      // No attempt while the link is down: wait for it (or the outage limit, for one last attempt).
      if (now >= deadline) return true;
      if (!clock_.sleep_for(std::min(kSlice, deadline - now), cancel)) return false;
      continue;
    }
    if (options_.link->comebacks() != comebacks) {
      // Back: retry soon, with a little jitter so that a fleet behind one cell does not come back at once.
      const Clock::Duration jitter{static_cast<Clock::Duration::rep>(
          random_.uniform(static_cast<std::uint64_t>(std::max<Clock::Duration::rep>(options_.backoff.initial.count(), 0))))};
      return clock_.sleep_for(jitter, cancel);
    }
    if (now >= until) return true;
    if (!clock_.sleep_for(std::min(kSlice, until - now), cancel)) return false;
  }
}

}  // namespace awsfota::download
