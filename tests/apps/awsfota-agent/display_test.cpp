#include "agent/display.hpp"

#include <gtest/gtest.h>

namespace {

using awsfota::adapters::mosquitto::MqttErrorCode;
using awsfota::agent::event_line;
using awsfota::fota::ErrorCause;
using awsfota::fota::Event;
using awsfota::fota::EventKind;
using awsfota::fota::ImageKind;

TEST(AgentDisplay_EventLine, NamesTheJobTheKindAndItsDetails) {
  EXPECT_EQ(event_line({.kind = EventKind::Start, .job_id = "j1", .message = "resumed"}), "job j1: START resumed");
  EXPECT_EQ(event_line({.kind = EventKind::DlProgress, .job_id = "j1", .percent = 40}), "job j1: DL_PROGRESS 40%");
  EXPECT_EQ(event_line({.kind = EventKind::Error, .job_id = "j1", .cause = ErrorCause::HashMismatch, .message = "sha256 differs"}),
            "job j1: ERROR HASH_MISMATCH: sha256 differs");
  EXPECT_EQ(event_line({.kind = EventKind::Done, .job_id = "j1", .image = ImageKind::Mcuboot, .message = "confirmed"}),
            "job j1: DONE SUCCEEDED (mcuboot), confirmed");
  EXPECT_EQ(event_line({.kind = EventKind::RebootRequested, .job_id = "j1"}), "job j1: REBOOT_REQUESTED rebooting");
  EXPECT_EQ(event_line({.kind = EventKind::RebootRequested, .job_id = "j1", .cause = ErrorCause::SelfTestFailed}),
            "job j1: REBOOT_REQUESTED rebooting back to the previous image (SELF_TEST_FAILED)");
  EXPECT_EQ(event_line({.kind = EventKind::RebootRequested, .job_id = "j1", .deferred = true}),
            "job j1: REBOOT_REQUESTED deferred by the application");
  EXPECT_EQ(event_line({.kind = EventKind::Canceled, .job_id = "j1", .message = "canceled in the cloud"}),
            "job j1: CANCELED canceled in the cloud");
}

TEST(AgentDisplay_EventLine, LeavesOutTheJobWhenThereIsNone) {
  EXPECT_EQ(event_line({.kind = EventKind::Error, .cause = ErrorCause::Internal, .message = "checkpoint damaged"}),
            "ERROR INTERNAL: checkpoint damaged");
}

TEST(AgentDisplay_ProgressBar, FillsInProportionAndClamps) {
  EXPECT_EQ(awsfota::agent::progress_bar(0, "j1", 10), "[..........]   0% job j1");
  EXPECT_EQ(awsfota::agent::progress_bar(45, "j1", 10), "[####......]  45% job j1");
  EXPECT_EQ(awsfota::agent::progress_bar(100, "", 10), "[##########] 100%");
  EXPECT_EQ(awsfota::agent::progress_bar(250, "", 4), "[####] 100%");
  EXPECT_EQ(awsfota::agent::progress_bar(-3, "", 4), "[....]   0%");
}

TEST(AgentDisplay_ProgressLines, LogsTheFirstEveryStepAndTheEnd) {
  using awsfota::agent::progress_line_due;
  EXPECT_TRUE(progress_line_due(-1, 37));
  EXPECT_FALSE(progress_line_due(37, 39));
  EXPECT_TRUE(progress_line_due(37, 40));
  EXPECT_FALSE(progress_line_due(90, 99));
  EXPECT_TRUE(progress_line_due(90, 100));
  EXPECT_FALSE(progress_line_due(100, 100));
}

TEST(AgentDisplay_MqttFailure, SaysWhatToCheckInPlainWords) {
  EXPECT_EQ(awsfota::agent::mqtt_failure(MqttErrorCode::Refused, "h:8883", "TLS alert"),
            "connection refused: check the device certificate, its key, the root CA and the policy (TLS alert)");
  EXPECT_EQ(awsfota::agent::mqtt_failure(MqttErrorCode::Unreachable, "h:8883", ""),
            "endpoint unreachable: nothing answers at h:8883; check endpoint and port in the config and the network");
  EXPECT_NE(awsfota::agent::mqtt_failure(MqttErrorCode::Timeout, "h:8883", "").find("no answer from h:8883"),
            std::string::npos);
}

TEST(AgentDisplay_VersionLabel, WritesVersionsAsJobDocumentsDo) {
  EXPECT_EQ(awsfota::agent::version_label({1, 0, 2, 0}), "v1.0.2");
  EXPECT_EQ(awsfota::agent::version_label({2, 10, 300, 7}), "v2.10.300+7");
}

}  // namespace
