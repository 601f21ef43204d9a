// DL_PROGRESS follows the bytes received, not the durable commits (which only the checkpoint follows),
// so a small image shows its progress as the reference's devices do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

using ::testing::IsEmpty;

// The reference's example size, 181 KB, in half-percent chunks, with one commit at the very end (a
// 1 MiB commit interval): every whole percent once, in order (0 % for the first half-percent chunk);
// the cloud's reports stay throttled.
TEST(EngineProgress, EventsFollowTheBytesReceivedNotTheCommits) {
  World w;
  w.file_size = 181'000;
  w.chunk = 905;
  w.commit_every = 1 << 20;
  w.run();
  w.add_job("job-1", firmware_doc("v2.0.0", w.file_size));
  while (w.engine->state() != State::Verifying && w.step()) {
  }
  std::vector<std::string> progress;
  for (const auto& name : w.event_names()) {
    if (name.rfind("DL_PROGRESS", 0) == 0) progress.push_back(name);
  }
  ASSERT_EQ(progress.size(), 101u);
  for (int pct = 0; pct <= 100; ++pct) EXPECT_EQ(progress[static_cast<std::size_t>(pct)], "DL_PROGRESS " + std::to_string(pct));
  std::size_t downloading_reports = 0;
  for (const auto& s : w.statuses()) downloading_reports += s.find("downloading") != std::string::npos;
  EXPECT_LE(downloading_reports, 10u) << "the reports to the cloud are throttled (10 % and 10 s apart)";
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

// Without bytes received ahead of the commits (received 0), the committed offset is what counts, as
// before: a downloader that reports only commits still drives the events.
TEST(EngineProgress, ACommitOnlyReportStillCounts) {
  World w;
  w.run();
  w.add_job("job-1");
  while (w.engine->state() != State::Downloading && w.step()) {
  }
  w.download_active = false;  // this test reports the download itself
  w.feed(DownloadProgress{500, 1000, 0});
  EXPECT_EQ(w.event_names().back(), "DL_PROGRESS 50");
  EXPECT_THAT(w.bugs, IsEmpty());
}

}  // namespace
}  // namespace awsfota::fota::testing
