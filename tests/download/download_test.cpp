// The resumer against the scripted fake fetcher: each cause, backoff with a fake clock, resume offsets,
// fragment mode, cancellation, and the refresh-after-403 flow.
#include <gtest/gtest.h>

#include "awsfota/download/download.hpp"
#include "support/download_fakes.hpp"

namespace awsfota::download {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;
using testing::FakeClock;
using testing::make_bytes;
using testing::MaxRandom;
using testing::MemorySink;
using testing::ScriptedFetcher;

constexpr const char* kUrl = "https://files.example/fw.bin";
constexpr const char* kShortPresignedUrl = "https://b.s3.amazonaws.com/fw.bin?X-Amz-Expires=60&X-Amz-Signature=secret";

struct Rig {
  explicit Rig(std::size_t size = 5000, Bytes initial = {}) : file(make_bytes(size)), fetcher(file), sink(std::move(initial)) {}

  Download make(DownloadRequest req, DownloadOptions opt = {}) {
    opt.backoff.initial = 100ms;
    opt.backoff.max_delay = 1000ms;
    if (opt.backoff.max_attempts == BackoffPolicy{}.max_attempts) opt.backoff.max_attempts = 5;
    return Download(fetcher, sink, clock, random, std::move(req), opt);
  }
  Download make_default() { return make({.url = kUrl, .expected_size = file.size()}); }

  Bytes file;
  ScriptedFetcher fetcher;
  MemorySink sink;
  FakeClock clock;
  MaxRandom random;
  CancelToken cancel;
};

TEST(Download, StreamsTheWholeFileInOneOpenEndedRequest) {
  Rig rig;
  auto dl = rig.make_default();
  std::vector<Progress> seen;
  auto r = dl.run(rig.cancel, [&](const Progress& p) { seen.push_back(p); });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size, 5000u);
  EXPECT_EQ(rig.sink.data(), rig.file);
  ASSERT_EQ(rig.fetcher.requests().size(), 1u);
  EXPECT_EQ(rig.fetcher.requests()[0].offset, 0u);
  EXPECT_FALSE(rig.fetcher.requests()[0].last.has_value());
  ASSERT_EQ(seen.size(), 5u);  // 1000-byte chunks
  EXPECT_EQ(seen.back().offset, 5000u);
  EXPECT_EQ(seen.back().total, 5000u);
  EXPECT_TRUE(rig.clock.sleeps().empty());
}

TEST(Download, LearnsTheSizeWhenTheJobDoesNotGiveIt) {
  Rig rig;
  auto dl = rig.make({.url = kUrl});
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r);
  EXPECT_EQ(dl.total(), 5000u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, StartsAtTheSinksCommittedOffset) {
  Rig rig;
  rig.sink = MemorySink(Bytes(rig.file.begin(), rig.file.begin() + 3000));
  auto dl = rig.make_default();
  ASSERT_TRUE(dl.run(rig.cancel));
  ASSERT_EQ(rig.fetcher.requests().size(), 1u);
  EXPECT_EQ(rig.fetcher.requests()[0].offset, 3000u);
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), 2000u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, ResumesFromTheCommittedOffsetAfterConnectionLoss) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::cut_after(1500)).then(ScriptedFetcher::cut_after(1500));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(rig.fetcher.requests().size(), 3u);
  EXPECT_EQ(rig.fetcher.requests()[1].offset, 1500u);
  EXPECT_EQ(rig.fetcher.requests()[2].offset, 3000u);
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), 5000u);  // nothing fetched twice
  EXPECT_EQ(rig.sink.data(), rig.file);
  EXPECT_EQ(r->attempts, 3u);
  // Each loss came after progress, so each wait is a first-retry wait.
  EXPECT_EQ(rig.clock.sleeps(), (std::vector<Clock::Duration>{100ms, 100ms}));
}

TEST(Download, BacksOffExponentiallyOnServerErrors) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::status(503)).then(ScriptedFetcher::status(500)).then(ScriptedFetcher::status(502));
  auto dl = rig.make_default();
  ASSERT_TRUE(dl.run(rig.cancel));
  EXPECT_EQ(rig.clock.sleeps(), (std::vector<Clock::Duration>{100ms, 200ms, 400ms}));
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, GivesUpAfterMaxAttemptsNamingTheRepeatedFailure) {
  Rig rig;
  for (int i = 0; i < 10; ++i) rig.fetcher.then(ScriptedFetcher::failure(Cause::ConnectFailed));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RetriesExhausted);
  EXPECT_EQ(r.error().last_cause, Cause::ConnectFailed);
  EXPECT_EQ(r.error().attempts, 5u);
  EXPECT_EQ(rig.fetcher.requests().size(), 5u);
  EXPECT_EQ(rig.clock.sleeps(), (std::vector<Clock::Duration>{100ms, 200ms, 400ms, 800ms}));
  EXPECT_NE(r.error().message.find("gave up after 5"), std::string::npos) << r.error().message;
}

TEST(Download, GivesUpWhenTheTimeBoundPasses) {
  Rig rig;
  for (int i = 0; i < 50; ++i) rig.fetcher.then(ScriptedFetcher::failure(Cause::Stalled));
  DownloadOptions opt;
  opt.backoff.max_attempts = 1000;
  opt.backoff.give_up_after = 2500ms;
  auto dl = rig.make({.url = kUrl, .expected_size = 5000}, opt);
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RetriesExhausted);
  EXPECT_EQ(r.error().last_cause, Cause::Stalled);
  EXPECT_LE(rig.clock.now() - Clock::TimePoint{}, 2500ms);
  // 100 + 200 + 400 + 800 = 1500, then 1000 (cut to the 1000 ms left)
  EXPECT_EQ(rig.clock.sleeps(), (std::vector<Clock::Duration>{100ms, 200ms, 400ms, 800ms, 1000ms}));
}

TEST(Download, KeepsGoingWhileEachAttemptMakesProgress) {
  Rig rig(10000);
  for (int i = 0; i < 9; ++i) rig.fetcher.then(ScriptedFetcher::cut_after(1000));  // more losses than max_attempts
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), 10000u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, FragmentModeRequestsFixedRanges) {
  Rig rig;
  auto dl = rig.make({.url = kUrl, .expected_size = 5000}, {.fragment_size = 2048, .backoff = {}});
  ASSERT_TRUE(dl.run(rig.cancel));
  const auto& reqs = rig.fetcher.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].offset, 0u);
  EXPECT_EQ(reqs[0].last, 2047u);
  EXPECT_EQ(reqs[1].offset, 2048u);
  EXPECT_EQ(reqs[1].last, 4095u);
  EXPECT_EQ(reqs[2].offset, 4096u);
  EXPECT_EQ(reqs[2].last, 4999u);  // clipped to the size
  EXPECT_EQ(rig.sink.data(), rig.file);
  EXPECT_TRUE(rig.clock.sleeps().empty());
}

TEST(Download, FragmentModeWithoutKnownSizeStopsAtTheServersTotal) {
  Rig rig;
  auto dl = rig.make({.url = kUrl}, {.fragment_size = 2048, .backoff = {}});
  ASSERT_TRUE(dl.run(rig.cancel));
  ASSERT_EQ(rig.fetcher.requests().size(), 3u);
  EXPECT_EQ(rig.fetcher.requests()[2].last, 4999u);  // learned from the first Content-Range
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, FragmentModeResumesAMidFragmentLoss) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::served()).then(ScriptedFetcher::cut_after(500));
  auto dl = rig.make({.url = kUrl, .expected_size = 5000}, {.fragment_size = 2048, .backoff = {}});
  ASSERT_TRUE(dl.run(rig.cancel));
  ASSERT_GE(rig.fetcher.requests().size(), 3u);
  EXPECT_EQ(rig.fetcher.requests()[2].offset, 2548u);
  EXPECT_EQ(rig.fetcher.requests()[2].last, 4595u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, Answer416AtTheSizeMeansComplete) {
  Rig rig;
  rig.sink = MemorySink(rig.file);
  auto dl = rig.make({.url = kUrl});
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size, 5000u);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);  // no endless retry
}

TEST(Download, KnownSizeAlreadyStoredNeedsNoRequest) {
  Rig rig;
  rig.sink = MemorySink(rig.file);
  auto dl = rig.make_default();
  ASSERT_TRUE(dl.run(rig.cancel));
  EXPECT_TRUE(rig.fetcher.requests().empty());
}

TEST(Download, ExpiredPresignedUrlReturnsOffsetThenResumesWithFreshUrl) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::cut_after(1200)).then(ScriptedFetcher::status(403));
  auto dl = rig.make({.url = kShortPresignedUrl, .expected_size = 5000});
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::UrlExpired);
  EXPECT_EQ(r.error().offset, 1200u);
  EXPECT_EQ(r.error().http_status, 403);
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("?<redacted>"), std::string::npos) << r.error().message;

  const std::string fresh = "https://b.s3.amazonaws.com/fw.bin?X-Amz-Expires=60&X-Amz-Signature=new";
  dl.replace_url(fresh);
  auto again = dl.run(rig.cancel);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(rig.fetcher.requests().back().url, fresh);
  EXPECT_EQ(rig.fetcher.requests().back().offset, 1200u);
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), 5000u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, Forbidden403OnAPlainUrlThatWorkedIsUrlExpired) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::cut_after(1000)).then(ScriptedFetcher::status(403));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::UrlExpired);
  EXPECT_EQ(r.error().offset, 1000u);
}

TEST(Download, Forbidden403OnAFreshPlainUrlFailsWithoutRetry) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::status(403));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Forbidden);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
}

TEST(Download, Forbidden403AfterRebootOnAUrlThatWorkedIsUrlExpired) {
  Rig rig;
  rig.sink = MemorySink(Bytes(rig.file.begin(), rig.file.begin() + 100));
  rig.fetcher.then(ScriptedFetcher::status(403));
  auto dl = rig.make({.url = kUrl, .expected_size = 5000, .url_delivered_before = true});
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::UrlExpired);
}

TEST(Download, ExpiredToken400OnAPresignedUrlAsksForAFreshUrlThenResumes) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::cut_after(1200))
      .then(ScriptedFetcher::status(400, "<Error><Code>ExpiredToken</Code><Message>The provided token has expired."
                                         "</Message></Error>"));
  auto dl = rig.make({.url = kShortPresignedUrl, .expected_size = 5000});
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::UrlExpired) << r.error().message;
  EXPECT_EQ(r.error().offset, 1200u);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_NE(r.error().message.find("ExpiredToken"), std::string::npos) << r.error().message;
  dl.replace_url("https://b.s3.amazonaws.com/fw.bin?X-Amz-Expires=60&X-Amz-Signature=new");
  auto again = dl.run(rig.cancel);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(rig.fetcher.requests().back().offset, 1200u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, ReadsAtMostAKilobyteOfAnErrorPage) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::status(404, "<Error><Code>NoSuchKey</Code></Error>" + std::string(100'000, ' ')));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::NotFound) << r.error().message;
  EXPECT_NE(r.error().message.find("NoSuchKey"), std::string::npos) << r.error().message;
  EXPECT_LE(rig.fetcher.body_bytes_delivered(), kErrorBodyLimit + 1000);  // stopped within a chunk of the limit
  EXPECT_TRUE(rig.sink.data().empty());
}

struct PermanentCase {
  const char* name;
  ScriptedFetcher::Step step;
  std::size_t initial;
  Cause cause;
};

class Download_FailsAtOnce : public ::testing::TestWithParam<PermanentCase> {};

TEST_P(Download_FailsAtOnce, WithItsOwnCause) {
  Rig rig;
  rig.sink = MemorySink(Bytes(rig.file.begin(), rig.file.begin() + static_cast<std::ptrdiff_t>(GetParam().initial)));
  rig.fetcher.then(GetParam().step);
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, GetParam().cause) << r.error().message;
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
  EXPECT_EQ(r.error().offset, GetParam().initial);
  EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Causes, Download_FailsAtOnce,
    ::testing::Values(
        PermanentCase{"NotFound", ScriptedFetcher::status(404), 0, Cause::NotFound},
        PermanentCase{"BadRequest", ScriptedFetcher::status(400), 0, Cause::HttpError},
        PermanentCase{"NoContentRange", ScriptedFetcher::without_content_range(), 0, Cause::RangeNotSupported},
        PermanentCase{"WholeFileToResume", ScriptedFetcher::whole_file(), 100, Cause::RangeIgnored},
        PermanentCase{"WrongTotal", ScriptedFetcher::with_content_range("bytes 0-4999/6000"), 0, Cause::SizeMismatch},
        PermanentCase{"WrongStart", ScriptedFetcher::with_content_range("bytes 0-4999/5000"), 100,
                      Cause::ContentRangeInvalid},
        PermanentCase{"Unresolvable", ScriptedFetcher::failure(Cause::HostUnreachable), 0, Cause::HostUnreachable},
        PermanentCase{"TlsVerify", ScriptedFetcher::failure(Cause::TlsFailed), 0, Cause::TlsFailed}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

TEST(Download, AWholeFileAtOffsetZeroIsAccepted) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::whole_file());
  auto dl = rig.make_default();
  ASSERT_TRUE(dl.run(rig.cancel));
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, ReplacedFileIsCaughtByItsEtag) {
  Rig rig;
  rig.fetcher.set_etag("\"v1\"");
  rig.fetcher.then(ScriptedFetcher::cut_after(1000)).then(ScriptedFetcher::with_etag("\"v2\""));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::FileChanged);
}

TEST(Download, BodyLongerThanAnnouncedIsRejected) {
  Rig rig;
  rig.fetcher.then([](const FetchRequest& req, const ScriptedFetcher& self) {
    testing::ScriptedResponse r = self.serve(req);
    r.head->content_range = "bytes 0-99/5000";
    r.head->content_length.reset();
    return r;
  });
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::ContentRangeInvalid);
  EXPECT_EQ(rig.sink.offset(), 0u);  // the oversize chunk never reached the sink
}

TEST(Download, ShortBodyIsRetriedAsConnectionLoss) {
  Rig rig;
  rig.fetcher.then([](const FetchRequest& req, const ScriptedFetcher& self) {
    testing::ScriptedResponse r = self.serve(req);
    r.body.resize(700);  // the server closed cleanly but early
    return r;
  });
  auto dl = rig.make_default();
  ASSERT_TRUE(dl.run(rig.cancel));
  EXPECT_EQ(rig.fetcher.requests()[1].offset, 700u);
  EXPECT_EQ(rig.sink.data(), rig.file);
}

TEST(Download, SinkRefusalStopsWithWriteFailed) {
  Rig rig;
  rig.sink.fail_at = 2500;
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::WriteFailed);
  EXPECT_EQ(r.error().offset, 2000u);
  EXPECT_NE(r.error().message.find("disk full"), std::string::npos);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
}

TEST(Download, ProgressReportsTheDurableOffset) {
  Rig rig;
  rig.sink.durable_every = 1500;
  auto dl = rig.make_default();
  std::vector<std::uint64_t> durable;
  ASSERT_TRUE(dl.run(rig.cancel, [&](const Progress& p) { durable.push_back(p.durable_offset); }));
  EXPECT_EQ(durable, (std::vector<std::uint64_t>{0, 1500, 3000, 3000, 4500}));
}

TEST(Download, CancelDuringTransferStops) {
  Rig rig;
  auto dl = rig.make_default();
  int calls = 0;
  auto r = dl.run(rig.cancel, [&](const Progress&) {
    if (++calls == 2) rig.cancel.cancel();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Canceled);
  EXPECT_EQ(next_step(r.error().cause), NextStep::Stop);
  EXPECT_EQ(r.error().offset, 2000u);
}

TEST(Download, CancelDuringBackoffStops) {
  Rig rig;
  rig.fetcher.then(ScriptedFetcher::status(503)).then(ScriptedFetcher::status(503));
  rig.clock.cancel_on_sleep = 1;
  rig.clock.token_to_cancel = &rig.cancel;
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Canceled);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
}

TEST(Download, CanceledBeforeStartMakesNoRequest) {
  Rig rig;
  rig.cancel.cancel();
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Canceled);
  EXPECT_TRUE(rig.fetcher.requests().empty());
}

TEST(Download, PlainHttpNeedsPermission) {
  Rig rig;
  auto refused = rig.make({.url = "http://files.example/fw.bin", .expected_size = 5000});
  auto r = refused.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::InsecureUrl);
  EXPECT_TRUE(rig.fetcher.requests().empty());

  auto allowed = rig.make({.url = "http://files.example/fw.bin", .expected_size = 5000, .allow_plain_http = true});
  ASSERT_TRUE(allowed.run(rig.cancel));
  EXPECT_TRUE(rig.fetcher.requests()[0].allow_plain_http);
}

TEST(Download, RejectsUnusableRequests) {
  Rig rig;
  auto ftp = rig.make({.url = "ftp://files.example/fw.bin"});
  auto r1 = ftp.run(rig.cancel);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().cause, Cause::InvalidRequest);
  auto zero = rig.make({.url = kUrl}, {.fragment_size = 0, .backoff = {}});
  auto r2 = zero.run(rig.cancel);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().cause, Cause::InvalidRequest);
}

TEST(Download, StoredBytesBeyondTheSizeAreASizeMismatch) {
  Rig rig;
  rig.sink = MemorySink(make_bytes(6000));
  auto dl = rig.make_default();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::SizeMismatch);
}

}  // namespace
}  // namespace awsfota::download
