// Engine::trial_checked_in(): the health signal the agent confirms on when it has no self-test command
// (issue 16, part 6). It holds only in a trial boot, once the service accepted this boot's
// "confirming" report and said the job is IN_PROGRESS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

// The first job until the device has rebooted into its trial, before this boot's MQTT session.
void boot_into_unconfirmed_trial(World& w) {
  w.run_into_trial("job-1");
  ASSERT_TRUE(w.running_trial);
  ASSERT_EQ(w.engine->state(), State::Trial);
}

TEST(EngineTrialHealth, HoldsOnlyOnceTheServiceAcceptedThisBootsReportOnTheJob) {
  World w;
  boot_into_unconfirmed_trial(w);
  EXPECT_FALSE(w.engine->trial_checked_in()) << "no MQTT session yet in this boot";
  while (w.step()) {  // the session and the report, no timer
  }
  ASSERT_EQ(w.engine->state(), State::Trial);
  EXPECT_TRUE(w.engine->trial_checked_in());
  EXPECT_EQ(w.job_status("job-1"), "IN_PROGRESS");
  // Confirming ends the trial, and with it the signal.
  w.feed(AppConfirm{});
  w.run();
  EXPECT_FALSE(w.engine->trial_checked_in());
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
}

TEST(EngineTrialHealth, AJobTheServiceNoLongerHasInProgressGivesNoSignal) {
  World w;
  boot_into_unconfirmed_trial(w);
  ServiceJob* j = w.service.find("job-1");
  j->status = "CANCELED";  // canceled with force while the device rebooted
  ++j->version;
  w.run();
  EXPECT_FALSE(w.engine->trial_checked_in());
}

TEST(EngineTrialHealth, WithoutAnMqttSessionThereIsNoSignalAndTheConfirmTimeoutDecides) {
  World w;
  boot_into_unconfirmed_trial(w);
  w.tasks.clear();  // this boot's connect never happens: the new image has no network
  ASSERT_EQ(w.engine->state(), State::Trial);
  EXPECT_FALSE(w.engine->trial_checked_in());
  w.run();  // idle at once: the confirm timer fires and the trial fails
  EXPECT_FALSE(w.engine->trial_checked_in());
  EXPECT_NE(w.engine->state(), State::Trial);
  EXPECT_FALSE(w.running_new_confirmed);
  EXPECT_EQ(w.event_names().back(), "ERROR SELF_TEST_FAILED");
}

}  // namespace
}  // namespace awsfota::fota::testing
