#include "awsfota/runtime/downloader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "support/download_fakes.hpp"

namespace awsfota::runtime {
namespace {

using namespace std::chrono_literals;
using download::Cause;
using fota::ErrorCause;
using testing::Bytes;
using testing::ScriptedFetcher;

// A StagingSink in memory: durable in steps of `durable_every`, failing past `fail_at` with `cause`.
class MemoryStagingSink final : public StagingSink {
 public:
  explicit MemoryStagingSink(Bytes initial = {}) : data(std::move(initial)), durable(data.size()) {}
  [[nodiscard]] std::uint64_t offset() const override { return data.size(); }
  [[nodiscard]] std::uint64_t durable_offset() const override { return durable; }
  [[nodiscard]] Expected<void, std::string> write(std::span<const std::byte> bytes) override {
    if (fail_at && data.size() + bytes.size() > *fail_at) {
      failure = fail_cause;
      return unexpected(std::string("no space left on the staging device"));
    }
    data.insert(data.end(), bytes.begin(), bytes.end());
    if (durable_every && data.size() - durable >= durable_every) durable = data.size();
    return {};
  }
  void learn_total(std::uint64_t total) override { learned_total = total; }
  [[nodiscard]] Expected<std::uint64_t, std::string> flush() override {
    ++flushes;
    durable = data.size();
    return durable;
  }
  [[nodiscard]] ErrorCause failure_cause() const override { return failure; }

  Bytes data;
  std::uint64_t durable = 0;
  std::uint64_t durable_every = 0;
  std::optional<std::uint64_t> fail_at;
  ErrorCause fail_cause = ErrorCause::NoSpace;
  ErrorCause failure = ErrorCause::None;
  std::uint64_t learned_total = 0;
  int flushes = 0;
};

struct Recorder final : DownloadListener {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  std::vector<std::uint64_t> received;
  std::optional<std::uint64_t> finished;
  std::optional<std::pair<ErrorCause, std::string>> failed;
  int url_expired = 0;
  void on_download_progress(std::uint64_t o, std::uint64_t t, std::uint64_t r) override {
    progress.emplace_back(o, t);
    received.push_back(r);
  }
  void on_download_finished(std::uint64_t size) override { finished = size; }
  void on_download_failed(ErrorCause c, std::string_view d) override { failed.emplace(c, std::string(d)); }
  void on_url_expired() override { ++url_expired; }
  [[nodiscard]] bool ended() const { return finished || failed || url_expired > 0; }
};

struct Rig {
  explicit Rig(Bytes file, Bytes initial = {}, std::size_t queue_capacity = 4096)
      : loop(queue_capacity), fetcher(std::move(file)), sink(std::move(initial)) {
    downloader.set_listener(&recorder);
  }
  EventLoop loop;
  ScriptedFetcher fetcher;
  testing::FakeClock clock;
  testing::MaxRandom random;
  MemoryStagingSink sink;
  Recorder recorder;
  ThreadedDownloader downloader{loop, fetcher, clock, random, sink, {}};
};

fota::StartDownload request(std::uint64_t size, std::uint64_t offset = 0) {
  return {.job_id = "j1", .url = "https://files.example/fw.bin", .offset = offset, .expected_size = size};
}

// ---- cause mapping ----------------------------------------------------------------------------------

TEST(MapDownloadError, FollowsTheDocumentedTable) {
  using Kind = DownloadOutcome::Kind;
  struct Row {
    Cause cause;
    std::optional<Cause> last;
    ErrorCause sink;
    Kind kind;
    ErrorCause expected;
  };
  const Row rows[] = {
      {Cause::UrlExpired, {}, ErrorCause::None, Kind::UrlExpired, ErrorCause::UrlExpired},
      {Cause::HostUnreachable, {}, ErrorCause::None, Kind::Failed, ErrorCause::ConnectFailed},
      {Cause::ConnectFailed, {}, ErrorCause::None, Kind::Failed, ErrorCause::ConnectFailed},
      {Cause::RetriesExhausted, Cause::ConnectFailed, ErrorCause::None, Kind::Failed, ErrorCause::ConnectFailed},
      {Cause::RetriesExhausted, Cause::ConnectionLost, ErrorCause::None, Kind::Failed, ErrorCause::DownloadFailed},
      {Cause::SizeMismatch, {}, ErrorCause::None, Kind::Failed, ErrorCause::SizeMismatch},
      {Cause::WriteFailed, {}, ErrorCause::NoSpace, Kind::Failed, ErrorCause::NoSpace},
      {Cause::WriteFailed, {}, ErrorCause::TypeMismatch, Kind::Failed, ErrorCause::TypeMismatch},
      {Cause::WriteFailed, {}, ErrorCause::None, Kind::Failed, ErrorCause::Dfu},
      {Cause::InsecureUrl, {}, ErrorCause::None, Kind::Failed, ErrorCause::ProtoNotSupported},
      {Cause::InvalidRequest, {}, ErrorCause::None, Kind::Failed, ErrorCause::InvalidConfiguration},
      {Cause::Canceled, {}, ErrorCause::None, Kind::Nothing, ErrorCause::None},
      {Cause::NotFound, {}, ErrorCause::None, Kind::Failed, ErrorCause::DownloadFailed},
      {Cause::RangeNotSupported, {}, ErrorCause::None, Kind::Failed, ErrorCause::DownloadFailed},
      {Cause::TlsFailed, {}, ErrorCause::None, Kind::Failed, ErrorCause::DownloadFailed},
  };
  for (const Row& row : rows) {
    download::DownloadError e{.cause = row.cause, .message = "plain words", .last_cause = row.last};
    DownloadOutcome o = map_download_error(e, row.sink);
    EXPECT_EQ(o.kind, row.kind) << download::to_string(row.cause);
    EXPECT_EQ(o.cause, row.expected) << download::to_string(row.cause);
    if (o.kind == Kind::Failed) {
      EXPECT_EQ(o.message, "plain words");
    }
  }
}

// ---- the threaded downloader ------------------------------------------------------------------------

// Durable offsets for the checkpoint, and the bytes received at each whole percent for DL_PROGRESS
// (the fake delivers 1,000-byte chunks: 10 % each), then the result.
TEST(ThreadedDownloader, ReportsDurableOffsetsAndEachPercentReceivedThenFinishedOnTheLoop) {
  Rig rig(testing::make_bytes(10'000));
  rig.sink.durable_every = 3000;
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(10'000)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s));
  ASSERT_TRUE(rig.recorder.finished);
  EXPECT_EQ(*rig.recorder.finished, 10'000u);
  EXPECT_EQ(rig.sink.data, rig.fetcher.file());
  EXPECT_EQ(rig.sink.flushes, 1);
  ASSERT_FALSE(rig.recorder.progress.empty());
  ASSERT_EQ(rig.recorder.received.size(), rig.recorder.progress.size());
  std::uint64_t last = 0;
  std::uint64_t last_received = 0;
  std::vector<std::uint64_t> percents;
  for (std::size_t i = 0; i < rig.recorder.progress.size(); ++i) {
    const auto [offset, total] = rig.recorder.progress[i];
    const std::uint64_t received = rig.recorder.received[i];
    EXPECT_TRUE(offset % 3000 == 0 || offset == 10'000u) << offset;  // only durable steps
    EXPECT_TRUE(offset > last || received > last_received) << "report " << i << " says nothing new";
    EXPECT_GE(offset, last);
    EXPECT_GE(received, offset);
    EXPECT_EQ(total, 10'000u);
    if (received > last_received) percents.push_back(received * 100 / total);
    last = offset;
    last_received = received;
  }
  EXPECT_EQ(percents, (std::vector<std::uint64_t>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
  EXPECT_EQ(last, 10'000u);                  // the flush made the end durable
  EXPECT_EQ(rig.sink.learned_total, 10'000u);
}

TEST(ThreadedDownloader, ResumesWhereTheSinkStands) {
  Bytes file = testing::make_bytes(5000);
  Rig rig(file, Bytes(file.begin(), file.begin() + 2000));
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(5000, 2000)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s));
  ASSERT_TRUE(rig.recorder.finished);
  ASSERT_FALSE(rig.fetcher.requests().empty());
  EXPECT_EQ(rig.fetcher.requests()[0].offset, 2000u);
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), 3000u);
  EXPECT_EQ(rig.sink.data, file);
}

TEST(ThreadedDownloader, ForbiddenOnAResumedUrlIsReportedAsExpired) {
  Bytes file = testing::make_bytes(5000);
  Rig rig(file, Bytes(file.begin(), file.begin() + 1000));
  rig.fetcher.then(ScriptedFetcher::status(403));
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(5000, 1000)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s));
  EXPECT_EQ(rig.recorder.url_expired, 1);
  EXPECT_FALSE(rig.recorder.failed);
}

TEST(ThreadedDownloader, WriteFailureCarriesTheSinksCause) {
  Rig rig(testing::make_bytes(5000));
  rig.sink.fail_at = 2500;
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(5000)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s));
  ASSERT_TRUE(rig.recorder.failed);
  EXPECT_EQ(rig.recorder.failed->first, ErrorCause::NoSpace);
  EXPECT_NE(rig.recorder.failed->second.find("no space"), std::string::npos) << rig.recorder.failed->second;
}

TEST(ThreadedDownloader, UnreachableServerFailsAsConnectFailedWithThePlainWordsMessage) {
  Rig rig(testing::make_bytes(100));
  rig.fetcher.then(ScriptedFetcher::failure(Cause::HostUnreachable));
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(100)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s));
  ASSERT_TRUE(rig.recorder.failed);
  EXPECT_EQ(rig.recorder.failed->first, ErrorCause::ConnectFailed);
  EXPECT_FALSE(rig.recorder.failed->second.empty());
}

TEST(ThreadedDownloader, NothingOfAStoppedDownloadIsDeliveredAfterStop) {
  Rig rig(testing::make_bytes(4000));
  std::atomic<bool> in_fetch{false}, release{false};
  rig.fetcher.on_fetch([&](std::size_t) {
    in_fetch = true;
    while (!release) std::this_thread::sleep_for(1ms);
  });
  ASSERT_TRUE(rig.loop.post([&] { rig.downloader.start(request(4000)); }));
  ASSERT_TRUE(rig.loop.run_until([&] { return in_fetch.load(); }, 10s));
  // The held fetch then completes the file and posts its results; stop() must make them stale.
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    release = true;
  });
  rig.downloader.stop();
  releaser.join();
  int drained = 0;
  ASSERT_TRUE(rig.loop.post([&] { ++drained; }));
  ASSERT_TRUE(rig.loop.run_until([&] { return drained == 1; }, 10s));
  EXPECT_FALSE(rig.recorder.ended());
  EXPECT_TRUE(rig.recorder.progress.empty());
}

TEST(ThreadedDownloader, FinalResultArrivesEvenWhenTheLoopsQueueIsFull) {
  struct Case {
    const char* what;
    std::function<void(Rig&)> script;
    std::function<bool(const Recorder&)> arrived;
  };
  const Case cases[] = {
      {"finished", [](Rig&) {}, [](const Recorder& r) { return r.finished == 3000u; }},
      {"failed", [](Rig& rig) { rig.fetcher.then(ScriptedFetcher::status(404)); },
       [](const Recorder& r) { return r.failed && r.failed->first == ErrorCause::DownloadFailed; }},
      {"URL expired", [](Rig& rig) { rig.fetcher.then(ScriptedFetcher::status(403)); },
       [](const Recorder& r) { return r.url_expired == 1; }},
  };
  constexpr std::size_t kCapacity = 2;
  for (const Case& c : cases) {
    const Bytes file = testing::make_bytes(3000);
    Rig rig(file, Bytes(file.begin(), file.begin() + 1000), kCapacity);
    rig.sink.durable_every = 500;  // several progress reports, all refused by the full queue
    c.script(rig);
    int fillers_run = 0;
    for (std::size_t i = 0; i < kCapacity; ++i) ASSERT_TRUE(rig.loop.post([&] { ++fillers_run; }));
    ASSERT_FALSE(rig.loop.post([] {})) << "the queue should be full";
    // The loop does not run until the worker has queued its final result (one task past the
    // capacity), so the queue stays full for the whole download.
    rig.downloader.start(request(3000, 1000));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (rig.loop.pending() <= kCapacity && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(rig.loop.pending(), kCapacity + 1) << c.what << ": the final result was not queued";
    ASSERT_TRUE(rig.loop.run_until([&] { return rig.recorder.ended(); }, 10s)) << c.what;
    EXPECT_EQ(fillers_run, 2) << c.what;
    EXPECT_TRUE(c.arrived(rig.recorder)) << c.what;
    EXPECT_TRUE(rig.recorder.progress.empty()) << c.what << ": progress is what a full queue may drop";
  }
}

}  // namespace
}  // namespace awsfota::runtime
