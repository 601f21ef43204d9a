// fota::Downloader over the resumer (download::Download) and a Fetcher (curl::CurlFetcher in
// production), writing into a StagingSink.
//
// start() runs the blocking resumer on a worker thread; its results are posted to the EventLoop and
// delivered to the DownloadListener there (the Device forwards them to Fota's on_download_*), so Fota sees
// them on its own thread. Progress carries DURABLE offsets only (what survives a power loss), each
// at most once; a progress report may be dropped when the loop's queue is full, the final result
// (finished, failed or URL expired) never is: the engine waits for it. stop() cancels (CancelToken)
// and joins; results of a stopped download that were already posted are dropped when they come up,
// so after stop() nothing of it is delivered.
//
//   ThreadedDownloader downloader(loop, fetcher, clock, random, sink, {.allow_plain_http = false});
//   downloader.set_listener(&listener);            // before the first start()
//   downloader.start({.job_id = "j1", .url = url, .offset = 0, .expected_size = 181124});
//   ... loop.run() delivers on_download_progress / _finished / _failed / on_url_expired ...
//   downloader.stop();                            // joins the worker
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "awsfota/download/download.hpp"
#include "awsfota/fota/seams.hpp"
#include "awsfota/runtime/event_loop.hpp"
#include "awsfota/runtime/staging.hpp"

namespace awsfota::runtime {

// Where results go, on the loop thread (Fota's on_download_* in the Device).
class DownloadListener {
 public:
  virtual ~DownloadListener() = default;
  // durable_offset: staged for good; received: passed to the staging so far (>= durable_offset).
  virtual void on_download_progress(std::uint64_t durable_offset, std::uint64_t total, std::uint64_t received) = 0;
  virtual void on_download_finished(std::uint64_t size) = 0;
  virtual void on_download_failed(fota::ErrorCause cause, std::string_view detail) = 0;
  virtual void on_url_expired() = 0;
};

// What a finished download::run() means for the engine.
struct DownloadOutcome {
  enum class Kind { Finished, Failed, UrlExpired, Nothing } kind = Kind::Nothing;
  fota::ErrorCause cause = fota::ErrorCause::None;
  std::string message;
};

// The mapping of the downloader's causes to the engine's (docs/runtime.md):
// UrlExpired -> UrlExpired; HostUnreachable, ConnectFailed, RetriesExhausted after ConnectFailed ->
// ConnectFailed; SizeMismatch -> SizeMismatch; WriteFailed -> `sink_cause` (NoSpace, Dfu, ...);
// InsecureUrl -> ProtoNotSupported; InvalidRequest -> InvalidConfiguration; Canceled -> Nothing;
// anything else -> DownloadFailed. The message is the downloader's plain-words sentence.
[[nodiscard]] DownloadOutcome map_download_error(const download::DownloadError& error, fota::ErrorCause sink_cause);

struct DownloaderOptions {
  download::DownloadOptions download{};  // fragment mode, backoff
  bool allow_plain_http = false;         // http:// also without a sha256 in the job document
};

class ThreadedDownloader final : public fota::Downloader {
 public:
  // All references must outlive the downloader. The fetcher, clock, random and sink are used only on
  // the worker thread while a download runs.
  ThreadedDownloader(EventLoop& loop, download::Fetcher& fetcher, download::Clock& clock, download::Random& random,
                     StagingSink& sink, DownloaderOptions options = {});
  ~ThreadedDownloader() override;
  ThreadedDownloader(const ThreadedDownloader&) = delete;
  ThreadedDownloader& operator=(const ThreadedDownloader&) = delete;

  void set_listener(DownloadListener* listener) { listener_ = listener; }

  // fota::Downloader (called on the loop thread).
  void start(const fota::StartDownload& request) override;
  void stop() override;

 private:
  // Progress may be dropped when the loop's queue is full; a final result (finished, failed, URL
  // expired) never is.
  enum class Delivery { Progress, Final };
  void work(unsigned generation, fota::StartDownload request, download::CancelToken& cancel);
  void deliver(unsigned generation, Delivery delivery, std::function<void(DownloadListener&)> fn);

  EventLoop& loop_;
  download::Fetcher& fetcher_;
  download::Clock& clock_;
  download::Random& random_;
  StagingSink& sink_;
  DownloaderOptions options_;
  DownloadListener* listener_ = nullptr;
  unsigned generation_ = 0;  // loop thread only; a posted result runs only if it is still current
  std::unique_ptr<download::CancelToken> cancel_;
  std::thread worker_;
};

}  // namespace awsfota::runtime
