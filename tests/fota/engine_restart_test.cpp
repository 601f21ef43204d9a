// A restart injected after every single step of the happy path: the engine is destroyed and created
// again from the persisted checkpoint and the boot outcome, and must finish the same job correctly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

using ::testing::IsEmpty;

int happy_path_steps() {
  World w;
  w.run();
  w.add_job("job-1");
  int steps = 0;
  while (w.step()) ++steps;
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  return steps;
}

void expect_clean_end(World& w, const std::string& where) {
  EXPECT_THAT(w.invariant_violations, IsEmpty()) << where;
  EXPECT_THAT(w.bugs, IsEmpty()) << where;
  EXPECT_EQ(w.engine->state(), State::Idle) << where;
  EXPECT_FALSE(w.store.bytes().has_value()) << where << ": checkpoint left behind";
}

TEST(EngineRestart, ProcessRestartAfterEveryStep_FinishesTheSameJobSucceeded) {
  const int steps = happy_path_steps();
  ASSERT_GT(steps, 20);
  for (int k = 0; k <= steps; ++k) {
    World w;
    w.run();
    w.add_job("job-1");
    for (int i = 0; i < k && w.step(); ++i) {
    }
    w.restart_process();
    w.run();
    const std::string where = "restart after step " + std::to_string(k);
    EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED") << where << " " << ::testing::PrintToString(w.statuses());
    ASSERT_FALSE(w.events.empty()) << where;
    EXPECT_EQ(w.event_names().back(), "DONE mcuboot") << where;
    EXPECT_TRUE(w.running_new_confirmed) << where;
    EXPECT_EQ(w.reboots, 1) << where;
    expect_clean_end(w, where);
  }
}

TEST(EngineRestart, PowerLossAfterEveryStep_SucceedsUnlessTheTrialImageWasRunningUnconfirmed) {
  const int steps = happy_path_steps();
  for (int k = 0; k <= steps; ++k) {
    World w;
    w.run();
    w.add_job("job-1");
    for (int i = 0; i < k && w.step(); ++i) {
    }
    const bool unconfirmed_trial = w.running_trial;
    w.reboot();
    w.run();
    const std::string where = "power loss after step " + std::to_string(k);
    if (unconfirmed_trial) {
      // The bootloader reverts an unconfirmed trial image: the truth is FAILED, ROLLED_BACK.
      EXPECT_EQ(w.job_status("job-1"), "FAILED") << where;
      EXPECT_EQ(w.service.updates.back().details.at("cause"), "ROLLED_BACK") << where;
      EXPECT_FALSE(w.running_new_confirmed) << where;
    } else {
      EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED") << where << " " << ::testing::PrintToString(w.statuses());
      EXPECT_TRUE(w.running_new_confirmed) << where;
    }
    expect_clean_end(w, where);
  }
}

TEST(EngineRestart, ResumedDownload_ContinuesFromTheCommittedOffset) {
  World w;
  w.run_into_download("job-1");
  w.restart_process();
  w.run();
  ASSERT_GE(w.download_urls.size(), 2u);
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  auto names = w.event_names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "ERASE_PENDING"), 1) << "a resume must not erase";
}

TEST(EngineRestart, JobNoLongerListedAfterRestart_IsDroppedCleanly) {
  World w;
  w.run_into_download("job-1");
  w.service.jobs.clear();  // deleted while the device was off
  w.reboot();
  w.run();
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_EQ(w.staged, 0u);
  expect_clean_end(w, "job gone");
}

TEST(EngineRestart, JobCanceledWhileOff_IsDroppedCleanly) {
  World w;
  w.run_into_download("job-1");
  w.service.force_cancel("job-1");
  w.reboot();
  w.run();
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  expect_clean_end(w, "job canceled");
}

TEST(EngineRestart, CorruptCheckpoint_StartsCleanAndSaysSo) {
  World w;
  w.run_into_download("job-1");
  ASSERT_TRUE(w.store.bytes().has_value());
  (*w.store.bytes())[w.store.bytes()->size() - 3] ^= 0x20;
  w.reboot();
  ASSERT_FALSE(w.events.empty());
  const Event& e = w.events.back();
  EXPECT_EQ(e.kind, EventKind::Error);
  EXPECT_NE(e.message.find("crc32 mismatch"), std::string::npos) << e.message;
  w.run();
  // The service still lists the job IN_PROGRESS: it is taken again from the start.
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
}

TEST(EngineRestart, RestartWhileReportingFailed_ReportsTheSameOutcome) {
  World w;
  w.verify_failure = DfuFailed{ErrorCause::HashMismatch, "digest differs"};
  w.run();
  w.add_job("job-1");
  while (w.engine->state() != State::Reporting && w.step()) {
  }
  w.restart_process();
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "FAILED");
  EXPECT_EQ(w.service.updates.back().details.at("cause"), "HASH_MISMATCH");
  EXPECT_EQ(w.service.updates.back().details.at("reason"), "digest differs");
}

}  // namespace
}  // namespace awsfota::fota::testing
