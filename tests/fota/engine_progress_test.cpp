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

// An installer that installs during verify (RAUC) reports its progress: an event per change, and
// "installing" reports to the cloud throttled as download progress is, with the installer's words.
TEST(EngineProgress, InstallProgressDuringVerifyIsReportedAsPhaseInstalling) {
  EngineConfig config = World::default_config();
  config.progress_min_interval = Millis{0};
  World w(config);
  w.install_steps = {{0, "Installing"}, {0, "Determining slot states"}, {40, "Checking bundle done."},
                     {40, "Checking bundle done."}, {80, "Copying image to rootfs.1"}, {100, "Installing done."}};
  w.run();
  w.add_job("job-1");
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  std::vector<std::string> installs;
  for (const auto& name : w.event_names()) {
    if (name.rfind("INSTALL_PROGRESS", 0) == 0) installs.push_back(name);
  }
  EXPECT_EQ(installs, (std::vector<std::string>{"INSTALL_PROGRESS 0 Installing",
                                                "INSTALL_PROGRESS 0 Determining slot states",
                                                "INSTALL_PROGRESS 40 Checking bundle done.",
                                                "INSTALL_PROGRESS 80 Copying image to rootfs.1",
                                                "INSTALL_PROGRESS 100 Installing done."}));
  std::vector<std::string> reported;
  for (const auto& u : w.service.updates) {
    auto phase = u.details.find("phase");
    if (phase == u.details.end() || phase->second != "installing") continue;
    reported.push_back(u.details.at("percent") + " " + u.details.at("step"));
  }
  // Reports wait for the one in flight (the "verifying" phase) and a newer one replaces a queued one,
  // as download reports do: here, with everything fed at once, the cloud sees the latest below 100 %
  // (100 % is the verified phase's report that follows).
  EXPECT_EQ(reported, (std::vector<std::string>{"80 Copying image to rootfs.1"}));
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

TEST(EngineProgress, InstallProgressOutsideVerifyIsABug) {
  World w;
  w.run();
  w.add_job("job-1");
  while (w.engine->state() != State::Downloading && w.step()) {
  }
  w.feed(DfuInstallProgress{50, "late"});
  ASSERT_EQ(w.bugs.size(), 1u);
  EXPECT_NE(w.bugs[0].find("DfuInstallProgress"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::fota::testing
