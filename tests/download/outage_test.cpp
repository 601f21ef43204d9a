// The resumer through network outages (issue 16, part 1): waiting for the link instead of spending
// attempts on it, names that stop resolving mid-download, the outage limit, and the default policy
// that lets an outage of hours pass. A fake clock: hours pass in microseconds.
#include <gtest/gtest.h>

#include "awsfota/download/download.hpp"
#include "awsfota/download/link.hpp"
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

constexpr const char* kOutageUrl = "https://files.example/fw.bin";

struct OutageRig {
  OutageRig() : file(make_bytes(5000)), fetcher(file) {}

  // The default policy (hours of outage, no attempt bound) unless a test narrows it.
  Download make(DownloadOptions opt = {}) {
    opt.link = &link;
    return Download(fetcher, sink, clock, random, {.url = kOutageUrl, .expected_size = file.size()}, opt);
  }
  [[nodiscard]] std::chrono::milliseconds elapsed() { return clock.now().time_since_epoch(); }

  Bytes file;
  ScriptedFetcher fetcher;
  MemorySink sink;
  FakeClock clock;
  MaxRandom random;
  CancelToken cancel;
  LinkState link;
};

TEST(Outage, NoAttemptIsMadeWhileTheLinkIsDownAndTheDownloadResumesWhenItComesBack) {
  OutageRig rig;
  // The connection drops after 1000 bytes and the link goes with it; it comes back 3 hours later.
  rig.fetcher.on_fetch([&](std::size_t index) {
    if (index == 0) rig.link.set_up(false);
  });
  rig.fetcher.then(ScriptedFetcher::cut_after(1000));
  rig.clock.after_sleep = [&](FakeClock::TimePoint now) {
    if (now.time_since_epoch() >= 3h) rig.link.set_up(true);
  };
  auto dl = rig.make();
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(rig.sink.data(), rig.file);
  ASSERT_EQ(rig.fetcher.requests().size(), 2u) << "no attempt while the link was down";
  EXPECT_EQ(rig.fetcher.requests()[1].offset, 1000u);
  EXPECT_EQ(rig.fetcher.body_bytes_delivered(), rig.file.size()) << "nothing fetched twice";
  EXPECT_GE(rig.elapsed(), 3h);
  EXPECT_LT(rig.elapsed(), 3h + 2s) << "the retry starts within a second or so of the comeback";
}

TEST(Outage, ANameThatResolvedBeforeIsRetriedWhenItStopsResolving) {
  OutageRig rig;  // the link is up as far as the device knows: only DNS is failing
  rig.fetcher.then(ScriptedFetcher::cut_after(1000));
  for (int i = 0; i < 20; ++i) rig.fetcher.then(ScriptedFetcher::failure(Cause::HostUnreachable));
  auto dl = rig.make();
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(rig.sink.data(), rig.file);
  EXPECT_EQ(rig.fetcher.requests().size(), 22u);
}

TEST(Outage, ANameThatNeverResolvedWhileTheLinkIsUpFailsAtOnce) {
  OutageRig rig;
  rig.fetcher.then(ScriptedFetcher::failure(Cause::HostUnreachable));
  auto dl = rig.make();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::HostUnreachable);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
}

TEST(Outage, ANameThatDoesNotResolveWhileTheLinkIsDownIsTheOutage) {
  OutageRig rig;
  rig.link.set_up(false);
  rig.fetcher.then(ScriptedFetcher::failure(Cause::HostUnreachable));
  rig.clock.after_sleep = [&](FakeClock::TimePoint now) {
    if (now.time_since_epoch() >= 10min) rig.link.set_up(true);
  };
  auto dl = rig.make();
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(rig.fetcher.requests().size(), 2u);
}

TEST(Outage, TheUrlOfAnotherHostMustResolveAgain) {
  for (const bool same_host : {true, false}) {
    OutageRig rig;
    rig.fetcher.then(ScriptedFetcher::cut_after(1000)).then(ScriptedFetcher::served());
    rig.fetcher.then(ScriptedFetcher::failure(Cause::HostUnreachable));
    rig.fetcher.on_fetch([&](std::size_t index) {
      if (index == 1) rig.cancel.cancel();  // e.g. the job document is fetched again after a restart
    });
    auto dl = rig.make();
    ASSERT_EQ(dl.run(rig.cancel).error().cause, Cause::Canceled);
    dl.replace_url(same_host ? "https://FILES.example:443/other.bin" : "https://other.example/fw.bin");
    CancelToken again;
    auto r = dl.run(again);
    if (same_host) {
      ASSERT_TRUE(r) << "the name resolved for this download: its failure is transient";
    } else {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().cause, Cause::HostUnreachable) << "a new host that never resolved is a wrong URL";
    }
  }
}

TEST(Outage, TheOutageLimitEndsTheWaitWithOneLastAttemptAndKeepsTheOffset) {
  OutageRig rig;
  rig.fetcher.on_fetch([&](std::size_t index) {
    if (index == 0) rig.link.set_up(false);
  });
  rig.fetcher.then(ScriptedFetcher::cut_after(1000)).then(ScriptedFetcher::failure(Cause::ConnectFailed));
  DownloadOptions opt;
  opt.backoff.give_up_after = 1h;
  auto dl = rig.make(opt);
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RetriesExhausted);
  EXPECT_EQ(r.error().last_cause, Cause::ConnectFailed);
  EXPECT_EQ(r.error().offset, 1000u) << "the staged bytes stay";
  EXPECT_EQ(rig.fetcher.requests().size(), 2u) << "the first failure, then one attempt at the limit";
  EXPECT_GE(rig.elapsed(), 1h);
  EXPECT_NE(r.error().message.find("3600 s without new bytes"), std::string::npos) << r.error().message;
}

TEST(Outage, AComebackEndsABackoffWaitEarly) {
  OutageRig rig;
  rig.fetcher.then(ScriptedFetcher::cut_after(1000)).then(ScriptedFetcher::status(503));
  DownloadOptions opt;
  opt.backoff.initial = 30s;  // MaxRandom: the second wait would be 30 s
  opt.backoff.max_delay = 30s;
  bool flapped = false;
  rig.clock.after_sleep = [&](FakeClock::TimePoint now) {
    if (!flapped && now.time_since_epoch() >= 32s) {  // during the wait after the 503
      rig.link.set_up(false);
      rig.link.set_up(true);
      flapped = true;
    }
  };
  auto dl = rig.make(opt);
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  // 30 s after the cut, 503, then the comeback at 32 s and a jitter of at most `initial`.
  EXPECT_LT(rig.elapsed(), 32s + 31s);
  EXPECT_GE(rig.elapsed(), 32s);
  EXPECT_LT(rig.elapsed(), 60s + 30s) << "without the comeback the second wait would have run out at 60 s";
}

TEST(Outage, TheDefaultPolicyHasNoAttemptBoundAndAnOutageLimitOfHours) {
  const BackoffPolicy p;
  EXPECT_EQ(p.max_attempts, 0u);
  EXPECT_GE(p.give_up_after, 1h);
  // Without a link signal: 200 failed attempts in a row (about 100 min at the 30 s ceiling) still retry.
  OutageRig rig;
  for (int i = 0; i < 200; ++i) rig.fetcher.then(ScriptedFetcher::failure(Cause::ConnectFailed));
  Download dl(rig.fetcher, rig.sink, rig.clock, rig.random, {.url = kOutageUrl, .expected_size = rig.file.size()});
  auto r = dl.run(rig.cancel);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(rig.fetcher.requests().size(), 201u);
  EXPECT_GT(rig.elapsed(), 90min);
}

TEST(Outage, CancelWhileWaitingForTheLinkStops) {
  OutageRig rig;
  rig.link.set_up(false);
  rig.fetcher.then(ScriptedFetcher::failure(Cause::ConnectFailed));
  rig.clock.cancel_on_sleep = 100;
  rig.clock.token_to_cancel = &rig.cancel;
  auto dl = rig.make();
  auto r = dl.run(rig.cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Canceled);
  EXPECT_EQ(rig.fetcher.requests().size(), 1u);
}

}  // namespace
}  // namespace awsfota::download
