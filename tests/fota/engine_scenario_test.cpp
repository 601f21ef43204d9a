// Whole job flows through the engine against the simulated world: the exact statuses the service
// receives (with expectedVersion) and the events the application sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string> kHappyStatuses = {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying",
                                                 "IN_PROGRESS@3 awaiting_reboot", "IN_PROGRESS@4 confirming",
                                                 "SUCCEEDED@5 done"};
const std::vector<std::string> kHappyEvents = {"START",          "ERASE_PENDING",    "ERASE_DONE",  "DL_PROGRESS 25",
                                               "DL_PROGRESS 50", "DL_PROGRESS 75",   "DL_PROGRESS 100",
                                               "REBOOT_REQUESTED", "CONFIRMED",      "DONE mcuboot"};

TEST(EngineScenario, HappyPath_ReportsEachPhaseAndSucceedsOnlyAfterConfirm) {
  World w;
  w.run();
  w.add_job("job-1");
  w.run();
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(kHappyStatuses));
  EXPECT_THAT(w.event_names(), ::testing::ElementsAreArray(kHappyEvents));
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_EQ(w.reboots, 1);
  EXPECT_TRUE(w.running_new_confirmed);
  EXPECT_FALSE(w.store.bytes().has_value());
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  const auto& done = w.service.updates.back().details;
  EXPECT_EQ(done.at("fwversion"), "v2.0.0");
}

TEST(EngineScenario, Connect_SubscribesQos1ThenAsksForTheNextJob) {
  World w;
  Engine& e = *w.engine;
  auto actions = e.handle(Input{Millis(5), MqttConnected{}});
  ASSERT_EQ(actions.size(), 5u);
  EXPECT_EQ(std::get<Subscribe>(actions[0]).filter, "$aws/things/sensor-7/jobs/notify-next");
  EXPECT_EQ(std::get<Subscribe>(actions[1]).filter, "$aws/things/sensor-7/jobs/+/get/+");
  EXPECT_EQ(std::get<Subscribe>(actions[2]).filter, "$aws/things/sensor-7/jobs/+/update/+");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(std::get<Subscribe>(actions[static_cast<std::size_t>(i)]).qos, 1);
  const auto& ask = std::get<Publish>(actions[3]);
  EXPECT_EQ(ask.topic, "$aws/things/sensor-7/jobs/$next/get");
  EXPECT_NE(ask.payload.find("\"clientToken\":\"t-1\""), std::string::npos) << ask.payload;
  EXPECT_EQ(std::get<StartTimer>(actions[4]).id, TimerId::Response);
}

// AWS sends notify-next only when the next job changes, never because a device came back: a job
// queued while the device was offline is learned by asking on the reconnect.
TEST(EngineScenario, JobQueuedWhileOfflineIdle_IsAskedForOnReconnect) {
  World w;
  w.run();
  ASSERT_EQ(w.engine->state(), State::Idle);
  w.disconnect();
  w.add_job("job-1");  // its notify-next is lost with the connection
  w.run(50);
  EXPECT_EQ(w.job_status("job-1"), "QUEUED");
  w.connect();
  w.run();
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(kHappyStatuses));
}

TEST(EngineScenario, PendingJobAtConnect_IsTakenFromTheNextGetAnswer) {
  World w;
  w.service.add_job(ServiceJob{"job-1", "QUEUED", 1, firmware_doc(), {}});  // queued while offline
  w.run();
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(kHappyStatuses));
}

class EngineAlreadyInstalled : public ::testing::TestWithParam<const char*> {};

// The running version is "v1.0.0" (World's config); documents write versions with or without the "v".
TEST_P(EngineAlreadyInstalled, SucceedsWithoutDownloading) {
  World w;
  w.run();
  w.add_job("job-1", firmware_doc(GetParam()));
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("SUCCEEDED@1 done"));
  EXPECT_EQ(w.service.updates[0].details.at("reason"), "already installed");
  EXPECT_THAT(w.event_names(), ElementsAre("DONE unknown"));
  EXPECT_THAT(w.download_urls, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}
INSTANTIATE_TEST_SUITE_P(EngineScenario, EngineAlreadyInstalled, ::testing::Values("v1.0.0", "1.0.0", "V1.0.0"));

TEST(SameFwVersion, DropsOneLeadingVOnlyAndNeverMatchesEmpty) {
  EXPECT_TRUE(same_fw_version("v1.0.1", "1.0.1"));
  EXPECT_TRUE(same_fw_version("1.0.1", "V1.0.1"));
  EXPECT_TRUE(same_fw_version("mfw-1.1.0", "mfw-1.1.0"));
  EXPECT_FALSE(same_fw_version("1.0.1", "1.0.1+0"));
  EXPECT_FALSE(same_fw_version("vv1.0.1", "1.0.1"));
  EXPECT_FALSE(same_fw_version("", ""));
  EXPECT_FALSE(same_fw_version("v", "V"));
}

TEST(EngineScenario, AnotherVersionThatOnlyLooksAlike_IsInstalled) {
  World w;
  w.run();
  w.add_job("job-1", firmware_doc("v1.0.0-rc1"));
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_FALSE(w.download_urls.empty());
}

TEST(EngineScenario, DownloadStartsOnlyAfterInProgressIsAccepted) {
  World w;
  w.run();
  w.add_job("job-1");
  // Run until the claim is published but not yet answered.
  while (w.service.updates.empty() && w.step()) {
  }
  EXPECT_EQ(w.engine->state(), State::Claiming);
  EXPECT_THAT(w.download_urls, IsEmpty());
  w.run();
  EXPECT_EQ(w.download_urls.size(), 1u);
}

struct FailureCase {
  const char* name;
  std::function<void(World&)> arrange;
  std::vector<std::string> statuses;
  std::string error_event;
};

class EngineFailure : public ::testing::TestWithParam<FailureCase> {};

TEST_P(EngineFailure, EndsFailedWithTheCauseAndDropsTheStagedImage) {
  const FailureCase& c = GetParam();
  World w;
  c.arrange(w);
  w.run();
  w.add_job("job-1");
  w.run();
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(c.statuses));
  EXPECT_EQ(w.job_status("job-1"), "FAILED");
  auto names = w.event_names();
  EXPECT_NE(std::find(names.begin(), names.end(), c.error_event), names.end()) << ::testing::PrintToString(names);
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("DONE", 0) == 0; }), 0);
  EXPECT_FALSE(w.store.bytes().has_value());
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  const auto& last = w.service.updates.back().details;
  EXPECT_FALSE(last.at("reason").empty());
}

DownloadFailed download_failure(ErrorCause cause) { return DownloadFailed{cause, "fake downloader gave up"}; }
DfuFailed dfu_failure(ErrorCause cause) { return DfuFailed{cause, "fake dfu said no"}; }

INSTANTIATE_TEST_SUITE_P(
    EachCause, EngineFailure,
    ::testing::Values(
        FailureCase{"ConnectFailed", [](World& w) { w.download_failure = download_failure(ErrorCause::ConnectFailed); },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading CONNECT_FAILED"}, "ERROR CONNECT_FAILED"},
        FailureCase{"DownloadFailed", [](World& w) { w.download_failure = download_failure(ErrorCause::DownloadFailed); },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading DOWNLOAD_FAILED"}, "ERROR DOWNLOAD_FAILED"},
        FailureCase{"ProtoNotSupported",
                    [](World& w) { w.download_failure = download_failure(ErrorCause::ProtoNotSupported); },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading PROTO_NOT_SUPPORTED"},
                    "ERROR PROTO_NOT_SUPPORTED"},
        FailureCase{"NoSpace", [](World& w) { w.prepare_failure = dfu_failure(ErrorCause::NoSpace); },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading NO_SPACE"}, "ERROR NO_SPACE"},
        FailureCase{"HashMismatch", [](World& w) { w.verify_failure = dfu_failure(ErrorCause::HashMismatch); },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "FAILED@3 verifying HASH_MISMATCH"},
                    "ERROR HASH_MISMATCH"},
        FailureCase{"SignatureInvalid", [](World& w) { w.verify_failure = dfu_failure(ErrorCause::SignatureInvalid); },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "FAILED@3 verifying SIGNATURE_INVALID"},
                    "ERROR SIGNATURE_INVALID"},
        FailureCase{"TypeMismatch", [](World& w) { w.verify_failure = dfu_failure(ErrorCause::TypeMismatch); },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "FAILED@3 verifying TYPE_MISMATCH"},
                    "ERROR TYPE_MISMATCH"},
        FailureCase{"SizeMismatchServed", [](World& w) { w.served_total = 1200; },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading SIZE_MISMATCH"}, "ERROR SIZE_MISMATCH"},
        FailureCase{"ScheduleFailed", [](World& w) { w.schedule_failure = dfu_failure(ErrorCause::Dfu); },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "FAILED@3 verifying DFU"}, "ERROR DFU"},
        FailureCase{"UrlExpiredBeyondRefresh", [](World& w) { w.url_expiries = 4; },
                    {"IN_PROGRESS@1 downloading", "FAILED@2 downloading URL_EXPIRED"}, "ERROR URL_EXPIRED"},
        FailureCase{"SelfTestFailed", [](World& w) { w.self_test_failure = "sensor bus dead"; },
                    // The self-test runs before MQTT is up: the unsent `confirming` gives way to FAILED.
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "IN_PROGRESS@3 awaiting_reboot",
                     "FAILED@4 confirming SELF_TEST_FAILED"},
                    "ERROR SELF_TEST_FAILED"},
        FailureCase{"ConfirmTimedOut", [](World& w) { w.auto_confirm = false; },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "IN_PROGRESS@3 awaiting_reboot",
                     "IN_PROGRESS@4 confirming", "FAILED@5 confirming SELF_TEST_FAILED"},
                    "ERROR SELF_TEST_FAILED"},
        FailureCase{"ConfirmFailed", [](World& w) { w.confirm_failure = dfu_failure(ErrorCause::Dfu); },
                    {"IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying", "IN_PROGRESS@3 awaiting_reboot",
                     "IN_PROGRESS@4 confirming", "FAILED@5 confirming DFU"},
                    "ERROR DFU"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(EngineScenario, FailedTrial_RequestsARebootBackToTheOldImage) {
  World w;
  w.self_test_failure = "no network";
  w.run();
  w.add_job("job-1");
  w.run();
  EXPECT_EQ(w.reboots, 2);  // into the trial, and back
  EXPECT_FALSE(w.running_new_confirmed);
  EXPECT_EQ(w.last_outcome, BootOutcome::Reverted);
  EXPECT_EQ(w.statuses().size(), 4u);  // nothing more is reported after the revert
}

// Runs the first job until its new image is on trial, with the application's self-test held back.
void run_into_trial(World& w) {
  w.run_into_trial("job-1");
  ASSERT_TRUE(w.running_trial);
  ASSERT_EQ(w.engine->state(), State::Trial);
}

// The job was force-canceled while the device tested the new image: the FAILED report is refused
// (InvalidStateTransition, with the CANCELED executionState), but the rejected image must still go, and no job may start before it does.
TEST(EngineScenario, FailedTrialOfACanceledJob_StillRebootsBackBeforeTheNextJob) {
  World w;
  run_into_trial(w);
  ServiceJob* j = w.service.find("job-1");
  j->status = "CANCELED";
  ++j->version;
  w.add_job("job-2");
  w.feed(AppSelfTestFailed{"sensor bus dead"});
  w.auto_confirm = true;
  w.run();
  EXPECT_EQ(w.statuses().at(3), "FAILED@4 confirming SELF_TEST_FAILED -> InvalidStateTransition");
  EXPECT_EQ(w.reboots, 3);  // into job-1's trial, back, into job-2's trial
  EXPECT_THAT(w.invariant_violations, IsEmpty());  // job-2 did not start before the reboot back
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
  EXPECT_THAT(w.bugs, IsEmpty());
}

// The job is canceled in the cloud while its image is on trial: the update is undone (the image is
// rejected and the device reboots back to the old one) before the next job starts.
TEST(EngineScenario, CloudCancelDuringTheTrial_RejectsTheImageAndRebootsBack) {
  World w;
  run_into_trial(w);
  w.add_job("job-2");
  w.cloud_cancel("job-1");
  while (w.reboots < 2 && w.step()) {  // the messages only: no timer fires, no self-test answer
  }
  ASSERT_EQ(w.reboots, 2);  // into job-1's trial, and back
  EXPECT_FALSE(w.running_new_confirmed);
  EXPECT_EQ(w.last_outcome, BootOutcome::Reverted);
  w.auto_confirm = true;
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "CANCELED");
  auto names = w.event_names();

  auto canceled = std::find(names.begin(), names.end(), "CANCELED");
  ASSERT_NE(canceled, names.end());
  EXPECT_EQ(*std::next(canceled), "REBOOT_REQUESTED");
  EXPECT_EQ(w.events[static_cast<std::size_t>(std::next(canceled) - names.begin())].cause, ErrorCause::Canceled);
  EXPECT_EQ(w.reboots, 3);  // into job-1's trial, back, into job-2's trial
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
}

// With reboots deferred, the reboot back waits for allow_reboot(); meanwhile no job is taken.
TEST(EngineScenario, FailedTrialWithRebootsDeferred_RebootsBackOnAllowAndTakesNoJobBefore) {
  World w;
  run_into_trial(w);
  w.feed(AppDeferReboot{});
  w.feed(AppSelfTestFailed{"no network"});
  w.add_job("job-2");
  w.run();
  ASSERT_EQ(w.job_status("job-1"), "FAILED");
  EXPECT_EQ(w.event_names().back(), "REBOOT_REQUESTED deferred");
  EXPECT_EQ(w.reboots, 1);
  EXPECT_EQ(w.job_status("job-2"), "QUEUED");
  EXPECT_EQ(w.engine->state(), State::Idle);
  w.auto_confirm = true;
  w.feed(AppAllowReboot{});
  w.run();
  EXPECT_EQ(w.reboots, 3);  // back, then into job-2's trial
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

// The process restarts after the image was rejected but before the reboot back, once with the
// FAILED report still to send and once after it was accepted: either way the next step is that reboot.
TEST(EngineScenario, RestartWhileARejectedImageRuns_ReportsThenRebootsBack) {
  for (bool reported : {false, true}) {
    World w;
    run_into_trial(w);
    w.feed(AppDeferReboot{});  // hold the reboot back so that the restart comes first
    w.feed(AppSelfTestFailed{"no network"});
    ASSERT_TRUE(w.running_rejected);
    if (reported) w.run();
    ASSERT_EQ(w.job_status("job-1") == "FAILED", reported);
    w.add_job("job-2");
    w.restart_process();
    EXPECT_EQ(w.last_outcome, BootOutcome::RevertPending);
    w.auto_confirm = true;
    w.run();
    EXPECT_EQ(w.job_status("job-1"), "FAILED") << reported;
    EXPECT_EQ(w.reboots, 3) << reported;  // into job-1's trial, back, into job-2's trial
    EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED") << reported;
    EXPECT_THAT(w.invariant_violations, IsEmpty()) << reported;
  }
}

// The boot record keeps a revert through later boots (the job that owned the trial may learn of it
// only after several restarts). A new job clears it when it starts, so a restart of the next job
// between its verification and the trial request does not read the old revert as its own.
TEST(EngineScenario, EarlierRevert_IsNotTakenForTheNextJobsRollback) {
  World w;
  w.self_test_failure = "no network";
  w.run();
  w.add_job("job-1");
  w.run();
  ASSERT_EQ(w.job_status("job-1"), "FAILED");
  ASSERT_TRUE(w.revert_on_record);
  w.restart_process();  // a later start still sees the revert on record
  w.run();
  EXPECT_EQ(w.last_outcome, BootOutcome::Reverted);

  w.self_test_failure.reset();
  w.add_job("job-2");
  auto verified_not_scheduled = [&w] {
    auto cp = w.store.load();
    return cp && *cp && (*cp)->job_id == "job-2" && (*cp)->phase == store::CheckpointPhase::Verified &&
           !w.trial_scheduled;
  };
  while (!verified_not_scheduled() && w.step()) {
  }
  ASSERT_TRUE(verified_not_scheduled());
  EXPECT_FALSE(w.revert_on_record);
  w.restart_process();
  EXPECT_EQ(w.last_outcome, BootOutcome::Normal);
  w.run();
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
  EXPECT_TRUE(w.running_new_confirmed);
}

TEST(EngineScenario, RolledBackByTheBootloader_ReportsFailedRolledBack) {
  World w;
  w.run();
  w.add_job("job-1");
  // Run until the device has rebooted into the trial, then lose power before the confirm.
  while (!w.running_trial && w.step()) {
  }
  w.reboot();  // unconfirmed trial: the bootloader reverts
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying",
                                        "IN_PROGRESS@3 awaiting_reboot", "FAILED@4 confirming ROLLED_BACK"));
  auto names = w.event_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "ROLLED_BACK ROLLED_BACK"), names.end());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

// The checkpoint counted 500 staged bytes, but after the restart the staging area could keep none
// (its record was lost): the download must resume where the bytes really are, and the checkpoint
// must stop claiming more.
TEST(EngineScenario, StagedBytesLostAtRestart_DownloadResumesWhereStagingReallyIs) {
  World w;
  w.run_into_download("job-1");
  w.lose_staged_record = true;
  w.restart_process();
  w.run();
  ASSERT_GE(w.download_offsets.size(), 2u);
  EXPECT_EQ(w.download_offsets.back(), 0u);
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
}

TEST(EngineScenario, InvalidDocument_IsReportedFailedWithTheReason) {
  World w;
  w.run();
  w.add_job("job-1", R"({"operation":"app_fw_update","fwversion":"v2","location":{"protocol":"https:"}})");
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("FAILED@1 downloading INVALID_UPDATE"));
  EXPECT_NE(w.service.updates[0].details.at("reason").find("invalid job document"), std::string::npos);
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

TEST(EngineScenario, UrlExpired_RefreshesTheDocumentAndResumesAtTheSameOffset) {
  World w;
  w.run_into_download("job-1");
  // The running transfer hits the expired URL on its next request, and so does the first retry.
  w.download_active = false;
  w.tasks.emplace_back([&w] { w.feed(DownloadUrlExpired{}); });
  w.url_expiries = 1;
  w.run();
  EXPECT_THAT(w.download_offsets, ElementsAre(0u, 500u, 500u));
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  ASSERT_GE(w.download_urls.size(), 3u);
  EXPECT_NE(w.download_urls[0], w.download_urls[1]);  // a fresh presigned URL each time
  EXPECT_NE(w.download_urls[1], w.download_urls[2]);
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(kHappyStatuses));
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineScenario, VersionMismatch_RereadsTheExecutionAndRetriesWithTheRightVersion) {
  World w;
  w.run();
  w.add_job("job-1");
  w.service.bump_version_before_next_update = 1;
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading -> VersionMismatch", "IN_PROGRESS@2 downloading",
                                        "IN_PROGRESS@3 verifying", "IN_PROGRESS@4 awaiting_reboot",
                                        "IN_PROGRESS@5 confirming", "SUCCEEDED@6 done"));
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

TEST(EngineScenario, OtherRejection_IsAnErrorWithTheServiceCodeAndTheJobIsGivenUp) {
  World w;
  w.run();
  w.add_job("job-1");
  w.service.reject_next_update = "InvalidRequest";
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading -> InvalidRequest"));
  ASSERT_FALSE(w.events.empty());
  EXPECT_EQ(w.events[0].kind, EventKind::Error);
  EXPECT_NE(w.events[0].message.find("InvalidRequest: fake service: InvalidRequest"), std::string::npos);
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineScenario, ThrottledUpdate_IsRetriedAfterTheResponseTimeout) {
  World w;
  w.run();
  w.add_job("job-1");
  w.service.reject_next_update = "RequestThrottled";
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading -> RequestThrottled", "IN_PROGRESS@1 downloading",
                                        "IN_PROGRESS@2 verifying", "IN_PROGRESS@3 awaiting_reboot",
                                        "IN_PROGRESS@4 confirming", "SUCCEEDED@5 done"));
}

// ---- cancellation ----------------------------------------------------------------------------------

TEST(EngineScenario, CloudCancelDuringDownload_StopsDropsAndAsksForTheNextJob) {
  World w;
  w.run_into_download("job-1");
  ASSERT_EQ(w.engine->state(), State::Downloading);
  w.cloud_cancel("job-1");
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading"));
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_FALSE(w.download_active);
  EXPECT_EQ(w.staged, 0u);
  EXPECT_FALSE(w.store.bytes().has_value());
  EXPECT_EQ(w.engine->state(), State::Idle);
  // The next job is taken normally afterwards.
  w.add_job("job-2");
  w.run();
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
  EXPECT_THAT(w.bugs, IsEmpty());
}

// AWS refuses an update of an ended execution as InvalidStateTransition with its executionState.
TEST(EngineScenario, CloudCancelNoticedFromARejectedUpdate_InvalidStateTransition) {
  World w;
  w.run_into_download("job-1");
  // Canceled with --force, and the notify-next never reached the device.
  ServiceJob* j = w.service.find("job-1");
  j->status = "CANCELED";
  ++j->version;
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying -> InvalidStateTransition"));
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_THAT(w.event_names(), ::testing::Not(::testing::Contains(::testing::StartsWith("ERROR"))));
  EXPECT_EQ(w.staged, 0u);
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_FALSE(w.store.bytes().has_value());
  EXPECT_EQ(w.reboots, 0);
}

// A service that answers an update of an ended execution TerminalStateReached without a state (older
// local stacks did) ends the job the same way.
TEST(EngineScenario, CloudCancelNoticedFromARejectedUpdate_TerminalStateReachedWithoutState) {
  World w;
  w.run_into_download("job-1");
  w.service.reject_next_update = "TerminalStateReached";
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying -> TerminalStateReached"));
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_EQ(w.staged, 0u);
  EXPECT_EQ(w.engine->state(), State::Idle);
}

TEST(EngineScenario, JobRemovedWhileHeld_ResourceNotFoundDropsIt) {
  World w;
  w.run_into_download("job-1");
  w.service.jobs.clear();  // deleted (delete-job --force)
  w.run();
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineScenario, CancelDuringAwaitingReboot_DropsTheScheduledImage) {
  World w;
  w.config.defer_reboot = true;
  w.boot(BootOutcome::Normal);
  w.run();
  w.add_job("job-1");
  w.run();
  ASSERT_EQ(w.engine->state(), State::AwaitingReboot);
  EXPECT_EQ(w.event_names().back(), "REBOOT_REQUESTED deferred");
  EXPECT_TRUE(w.trial_scheduled);
  w.cloud_cancel("job-1");
  w.run();
  EXPECT_FALSE(w.trial_scheduled);
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_EQ(w.reboots, 0);
}

TEST(EngineScenario, AppCancelDuringDownload_ReportsFailedCanceled) {
  World w;
  w.run_into_download("job-1");
  ASSERT_TRUE(w.engine->accepts(InputKind::AppCancel));
  w.feed(AppCancel{});
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "FAILED@2 downloading CANCELED"));
  EXPECT_EQ(w.staged, 0u);
  EXPECT_FALSE(w.download_active);
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineScenario, AppCancelDuringAwaitingReboot_ReportsFailedAndUnschedules) {
  World w;
  w.config.defer_reboot = true;
  w.boot(BootOutcome::Normal);
  w.run();
  w.add_job("job-1");
  w.run();
  ASSERT_EQ(w.engine->state(), State::AwaitingReboot);
  w.feed(AppCancel{});
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "IN_PROGRESS@2 verifying",
                                        "IN_PROGRESS@3 awaiting_reboot", "FAILED@4 awaiting_reboot CANCELED"));
  EXPECT_FALSE(w.trial_scheduled);
}

TEST(EngineScenario, DeferredReboot_WaitsForAllowReboot) {
  World w;
  w.config.defer_reboot = true;
  w.boot(BootOutcome::Normal);
  w.run();
  w.add_job("job-1");
  w.run();
  EXPECT_EQ(w.reboots, 0);
  w.feed(AppAllowReboot{});
  w.run();
  EXPECT_EQ(w.reboots, 1);
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
}

// ---- duplicates and a second job -------------------------------------------------------------------

TEST(EngineScenario, DuplicateNotifyNextAndGetAnswers_ChangeNothing) {
  World w;
  w.run_into_download("job-1");
  const auto before = w.statuses();
  const std::string notify = w.service.prefix() + "notify-next";
  const std::string body = R"({"timestamp":1,"execution":{"jobId":"job-1","status":"IN_PROGRESS","versionNumber":2,"executionNumber":1,"jobDocument":)" +
                           std::string(R"({"fwversion":"v2.0.0","size":1000,"location":{"url":"https://x/y"}}}})");
  for (int i = 0; i < 3; ++i) {
    auto actions = w.engine->handle(Input{w.now, MqttMessage{notify, body}});
    for (const auto& a : actions) {
      EXPECT_TRUE(std::holds_alternative<Log>(a)) << "a duplicate notice must not act";
    }
  }
  // A re-delivered $next/get answer with an old token is stale.
  auto stale = w.engine->handle(Input{w.now, MqttMessage{w.service.prefix() + "$next/get/accepted",
                                                         R"({"clientToken":"t-1","timestamp":1})"}});
  for (const auto& a : stale) EXPECT_TRUE(std::holds_alternative<Log>(a));
  w.run();
  EXPECT_THAT(w.statuses(), ::testing::ElementsAreArray(kHappyStatuses));
  EXPECT_EQ(before.size(), 1u);
}

TEST(EngineScenario, RedeliveredNoticeOfAFinishedJob_IsStale) {
  World w;
  w.run();
  w.add_job("job-1");
  w.run();
  ASSERT_EQ(w.job_status("job-1"), "SUCCEEDED");
  const auto updates = w.service.updates.size();
  const auto events = w.events.size();
  const std::string body = R"({"timestamp":1,"execution":{"jobId":"job-1","status":"QUEUED","versionNumber":1,"executionNumber":1,"jobDocument":{"fwversion":"v2.0.0","size":1000,"location":{"url":"https://x/y"}}}})";
  w.deliver_all({{w.service.prefix() + "notify-next", body}});
  w.run();
  EXPECT_EQ(w.service.updates.size(), updates);
  EXPECT_EQ(w.events.size(), events);
  EXPECT_EQ(w.engine->state(), State::Idle);
}

TEST(EngineScenario, SecondJobArrivingMidJob_WaitsAndIsTakenAfterwards) {
  World w;
  w.run_into_download("job-1");
  // Delivered even though AWS would not send it while job-1 is in progress: the engine must check.
  w.service.jobs.push_back(ServiceJob{"job-2", "QUEUED", 1, firmware_doc("v3.0.0"), {}});
  const std::string body = R"({"timestamp":1,"execution":{"jobId":"job-2","status":"QUEUED","versionNumber":1,"executionNumber":1,"jobDocument":{"fwversion":"v3.0.0","size":1000,"location":{"url":"https://x/y"}}}})";
  w.deliver_all({{w.service.prefix() + "notify-next", body}});
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_EQ(w.job_status("job-2"), "SUCCEEDED");
  std::vector<std::string> jobs_in_order;
  for (const auto& u : w.service.updates) {
    if (jobs_in_order.empty() || jobs_in_order.back() != u.job_id) jobs_in_order.push_back(u.job_id);
  }
  EXPECT_THAT(jobs_in_order, ElementsAre("job-1", "job-2"));
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  EXPECT_THAT(w.bugs, IsEmpty());
}

// ---- progress throttling ---------------------------------------------------------------------------

TEST(EngineScenario, Progress_IsReportedAtMostEveryIntervalAndStep) {
  World w;
  w.config.progress_min_interval = std::chrono::seconds(10);
  w.config.progress_min_percent = 10;
  w.boot(BootOutcome::Normal);
  w.file_size = 10000;
  w.chunk = 100;  // 100 chunks, one second apart: 1 % per second
  w.run();
  w.add_job("job-1", firmware_doc("v2.0.0", 10000));
  w.run();
  int progress = 0;
  int last_percent = 0;
  for (const auto& u : w.service.updates) {
    if (u.details.count("percent") == 0 || u.details.at("percent") == "0") continue;
    ++progress;
    int pct = std::stoi(u.details.at("percent"));
    EXPECT_GE(pct - last_percent, 10);
    last_percent = pct;
    EXPECT_EQ(u.details.at("total"), "10000");
    EXPECT_EQ(std::to_string(pct * 100), u.details.at("bytes"));
  }
  EXPECT_GE(progress, 4);
  EXPECT_LE(progress, 9);
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
}

// ---- disconnects -----------------------------------------------------------------------------------

class DisconnectAtEveryStep : public ::testing::TestWithParam<int> {};

TEST_P(DisconnectAtEveryStep, ReconnectsResendsAndStillSucceeds) {
  World w;
  w.run();
  w.add_job("job-1");
  for (int i = 0; i < GetParam() && w.step(); ++i) {
  }
  w.disconnect();
  w.run(50);  // messages in flight are lost; nothing is answered while offline
  w.tasks.emplace_back([&w] { w.connect(); });
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED") << "disconnect after step " << GetParam();
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_EQ(w.engine->state(), State::Idle);
  // Accepted statuses follow the happy path's phases in order. Resends may repeat a phase, and a phase
  // whose status could not be sent before the next one was due is skipped (only the newest is sent).
  const std::vector<std::string> order = {"downloading", "verifying", "awaiting_reboot", "confirming", "done"};
  std::vector<std::string> phases;
  std::size_t at = 0;
  for (const auto& u : w.service.updates) {
    if (u.outcome != "accepted") continue;
    std::string p = u.status == "SUCCEEDED" ? "done" : u.details.at("phase");
    auto pos = static_cast<std::size_t>(std::find(order.begin(), order.end(), p) - order.begin());
    EXPECT_GE(pos, at) << p << " after " << order[at];
    at = std::max(at, pos);
    if (phases.empty() || phases.back() != p) phases.push_back(p);
  }
  EXPECT_EQ(phases.front(), "downloading");
  EXPECT_NE(std::find(phases.begin(), phases.end(), "awaiting_reboot"), phases.end());
  EXPECT_EQ(phases.back(), "done");
}

INSTANTIATE_TEST_SUITE_P(EngineScenario, DisconnectAtEveryStep, ::testing::Range(0, 40));

TEST(EngineScenario, FailedStatusNotPublishedWhileOffline_IsSentAfterReconnect) {
  World w;
  w.run_into_download("job-1");
  w.disconnect();
  w.download_active = false;
  w.feed(DownloadFailed{ErrorCause::DownloadFailed, "gave up"});
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "IN_PROGRESS");
  w.connect();
  w.run();
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "FAILED@2 downloading DOWNLOAD_FAILED"));
}

TEST(EngineScenario, LostAcceptanceOfTheFinalReport_IsRecognisedOnResend) {
  World w;
  w.run();
  w.add_job("job-1");
  // Run until SUCCEEDED has reached the service, then drop the connection before its answer arrives.
  while ((w.service.updates.empty() || w.service.updates.back().status != "SUCCEEDED") && w.step()) {
  }
  w.disconnect();
  w.run(50);
  w.connect();
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_EQ(w.event_names().back(), "DONE mcuboot");
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_FALSE(w.store.bytes().has_value());
}

// ---- unexpected inputs -----------------------------------------------------------------------------

TEST(EngineScenario, UnexpectedInput_IsLoggedAsABugAndChangesNothing) {
  World w;
  w.run();
  ASSERT_EQ(w.engine->state(), State::Idle);
  auto actions = w.engine->handle(Input{w.now, DfuImageVerified{ImageKind::Mcuboot}});
  ASSERT_EQ(actions.size(), 1u);
  const auto& log = std::get<Log>(actions[0]);
  EXPECT_EQ(log.level, LogLevel::Bug);
  EXPECT_NE(log.message.find("DfuImageVerified in state Idle"), std::string::npos);
  EXPECT_EQ(w.engine->state(), State::Idle);
}

TEST(EngineScenario, ForeignTopics_AreNotTheEngines) {
  World w;
  EXPECT_FALSE(w.engine->is_mine("sensors/temperature"));
  EXPECT_FALSE(w.engine->is_mine("$aws/things/other-thing/jobs/notify-next"));
  EXPECT_TRUE(w.engine->is_mine("$aws/things/sensor-7/jobs/notify-next"));
  EXPECT_TRUE(w.engine->is_mine("$aws/things/sensor-7/jobs/job-1/update/accepted"));
}

TEST(EngineScenario, BadConfiguration_IsRefusedWithTheField) {
  EngineConfig c = World::default_config();
  c.thing_name = "bad thing/name";
  auto e = Engine::create(c);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("thing_name"), std::string::npos);
  c = World::default_config();
  c.progress_min_percent = 0;
  EXPECT_FALSE(Engine::create(c));
}

}  // namespace
}  // namespace awsfota::fota::testing
