#include "awsfota/runtime/downloader.hpp"

#include <utility>

namespace awsfota::runtime {

DownloadOutcome map_download_error(const download::DownloadError& error, fota::ErrorCause sink_cause) {
  using download::Cause;
  using Kind = DownloadOutcome::Kind;
  auto failed = [&](fota::ErrorCause cause) { return DownloadOutcome{Kind::Failed, cause, error.message}; };
  switch (error.cause) {
    case Cause::UrlExpired: return {Kind::UrlExpired, fota::ErrorCause::UrlExpired, error.message};
    case Cause::Canceled: return {Kind::Nothing, fota::ErrorCause::None, error.message};
    case Cause::HostUnreachable:
    case Cause::ConnectFailed: return failed(fota::ErrorCause::ConnectFailed);
    case Cause::RetriesExhausted:
      if (error.last_cause == Cause::ConnectFailed || error.last_cause == Cause::HostUnreachable)
        return failed(fota::ErrorCause::ConnectFailed);
      return failed(fota::ErrorCause::DownloadFailed);
    case Cause::SizeMismatch: return failed(fota::ErrorCause::SizeMismatch);
    case Cause::WriteFailed:
      return failed(sink_cause == fota::ErrorCause::None ? fota::ErrorCause::Dfu : sink_cause);
    case Cause::InsecureUrl: return failed(fota::ErrorCause::ProtoNotSupported);
    case Cause::InvalidRequest: return failed(fota::ErrorCause::InvalidConfiguration);
    default: return failed(fota::ErrorCause::DownloadFailed);
  }
}

namespace {
// Tells the staging sink the file's size before each write, as soon as the resumer knows it.
class TotalForwardingSink final : public download::Sink {
 public:
  explicit TotalForwardingSink(StagingSink& sink) : sink_(sink) {}
  void set_download(const download::Download* dl) { dl_ = dl; }
  [[nodiscard]] std::uint64_t offset() const override { return sink_.offset(); }
  [[nodiscard]] std::uint64_t durable_offset() const override { return sink_.durable_offset(); }
  [[nodiscard]] Expected<void, std::string> write(std::span<const std::byte> bytes) override {
    if (dl_ && dl_->total()) sink_.learn_total(*dl_->total());
    return sink_.write(bytes);
  }

 private:
  StagingSink& sink_;
  const download::Download* dl_ = nullptr;
};
}  // namespace

ThreadedDownloader::ThreadedDownloader(EventLoop& loop, download::Fetcher& fetcher, download::Clock& clock,
                                       download::Random& random, StagingSink& sink, DownloaderOptions options)
    : loop_(loop), fetcher_(fetcher), clock_(clock), random_(random), sink_(sink), options_(std::move(options)) {}

ThreadedDownloader::~ThreadedDownloader() { stop(); }

void ThreadedDownloader::start(const fota::StartDownload& request) {
  stop();
  const unsigned generation = ++generation_;
  cancel_ = std::make_unique<download::CancelToken>();
  worker_ = std::thread([this, generation, request, cancel = cancel_.get()] { work(generation, request, *cancel); });
}

void ThreadedDownloader::stop() {
  if (cancel_) cancel_->cancel();
  if (worker_.joinable()) worker_.join();
  ++generation_;  // whatever the stopped worker posted is stale now
}

void ThreadedDownloader::deliver(unsigned generation, Delivery delivery, std::function<void(DownloadListener&)> fn) {
  auto task = [this, generation, fn = std::move(fn)] {
    if (generation == generation_ && listener_) fn(*listener_);
  };
  if (delivery == Delivery::Final) {
    // The engine has no timer for a download: it waits in Downloading until one of these arrives, so
    // a full queue must not drop it. One per download, so queueing past the capacity stays bounded.
    // Refused only once the loop has stopped, when nobody is left to wait for it.
    (void)loop_.post_even_if_full(std::move(task));
    return;
  }
  // A progress report may be dropped when the queue is full: a later one (or the final result)
  // carries a newer durable offset, and the staged bytes themselves are already durable.
  (void)loop_.post(std::move(task));
}

void ThreadedDownloader::work(unsigned generation, fota::StartDownload request, download::CancelToken& cancel) {
  TotalForwardingSink sink(sink_);
  download::DownloadRequest dl_request{
      .url = request.url,
      .expected_size = request.expected_size,
      // A digest that verify() checks makes plain HTTP safe enough (SYSTEM.md).
      .allow_plain_http = options_.allow_plain_http || request.sha256.has_value(),
      // Resuming the same job: a 403 now means the link expired, not that it never worked.
      .url_delivered_before = request.offset > 0,
  };
  download::Download dl(fetcher_, sink, clock_, random_, std::move(dl_request), options_.download);
  sink.set_download(&dl);
  // A report when more bytes are durable (the engine checkpoints them) and when the bytes received pass
  // a whole percent of a known size (DL_PROGRESS follows them): at most 100 more than the commits.
  std::uint64_t reported = sink_.durable_offset();
  std::uint64_t reported_percent = 0;  // of the bytes received
  auto on_progress = [&](const download::Progress& p) {
    const std::uint64_t total = p.total.value_or(0);
    const std::uint64_t percent = total != 0 ? std::min<std::uint64_t>(p.offset, total) * 100 / total : 0;
    if (p.durable_offset <= reported && percent <= reported_percent) return;
    reported = std::max(reported, p.durable_offset);
    reported_percent = std::max(reported_percent, percent);
    deliver(generation, Delivery::Progress, [offset = reported, total, received = std::max(p.offset, reported)](
                                                DownloadListener& l) { l.on_download_progress(offset, total, received); });
  };
  auto result = dl.run(cancel, on_progress);
  if (result) {
    auto flushed = sink_.flush();
    if (!flushed) {
      deliver(generation, Delivery::Final, [cause = sink_.failure_cause(), msg = flushed.error()](DownloadListener& l) {
        l.on_download_failed(cause == fota::ErrorCause::None ? fota::ErrorCause::Dfu : cause, msg);
      });
      return;
    }
    if (*flushed > reported) {
      deliver(generation, Delivery::Progress,
              [offset = *flushed, size = result->size](DownloadListener& l) { l.on_download_progress(offset, size, offset); });
    }
    deliver(generation, Delivery::Final, [size = result->size](DownloadListener& l) { l.on_download_finished(size); });
    return;
  }
  DownloadOutcome outcome = map_download_error(result.error(), sink_.failure_cause());
  switch (outcome.kind) {
    case DownloadOutcome::Kind::UrlExpired:
      deliver(generation, Delivery::Final, [](DownloadListener& l) { l.on_url_expired(); });
      break;
    case DownloadOutcome::Kind::Failed:
      deliver(generation, Delivery::Final,
              [o = std::move(outcome)](DownloadListener& l) { l.on_download_failed(o.cause, o.message); });
      break;
    default: break;
  }
}

}  // namespace awsfota::runtime
