#include "awsfota/jobs/messages.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace awsfota::jobs {
namespace {

// A job document of exactly `length` characters in compact form: {"pad":"xxx..."}.
std::string document_of_length(std::size_t length) {
  const std::size_t overhead = std::string(R"({"pad":""})").size();
  return R"({"pad":")" + std::string(length - overhead, 'x') + R"("})";
}

std::string execution_with(const std::string& fields) {
  return R"({"timestamp":1559,"execution":{"jobId":"job-1",)" + fields + "}}";
}

// --- enums ------------------------------------------------------------------------------------------

TEST(Messages, StatusNamesRoundTrip) {
  const std::vector<std::pair<JobStatus, std::string>> statuses = {
      {JobStatus::Queued, "QUEUED"},       {JobStatus::InProgress, "IN_PROGRESS"},
      {JobStatus::Succeeded, "SUCCEEDED"}, {JobStatus::Failed, "FAILED"},
      {JobStatus::TimedOut, "TIMED_OUT"},  {JobStatus::Rejected, "REJECTED"},
      {JobStatus::Removed, "REMOVED"},     {JobStatus::Canceled, "CANCELED"},
  };
  for (const auto& [status, name] : statuses) {
    EXPECT_EQ(to_string(status), name);
    EXPECT_EQ(parse_job_status(name), status) << name;
  }
  EXPECT_FALSE(parse_job_status("queued"));
  EXPECT_FALSE(parse_job_status(""));
  EXPECT_FALSE(parse_job_status("CANCELLED"));
}

TEST(Messages, OnlyQueuedAndInProgressAreNotTerminal) {
  EXPECT_FALSE(is_terminal(JobStatus::Queued));
  EXPECT_FALSE(is_terminal(JobStatus::InProgress));
  for (const auto s : {JobStatus::Succeeded, JobStatus::Failed, JobStatus::TimedOut, JobStatus::Rejected,
                       JobStatus::Removed, JobStatus::Canceled}) {
    EXPECT_TRUE(is_terminal(s)) << to_string(s);
  }
}

TEST(Messages, RejectedCodesRoundTripAndUnknownCodesAreKept) {
  for (const auto code : {RejectedCode::InvalidTopic, RejectedCode::InvalidJson, RejectedCode::InvalidRequest,
                          RejectedCode::InvalidStateTransition, RejectedCode::ResourceNotFound,
                          RejectedCode::VersionMismatch, RejectedCode::InternalError, RejectedCode::RequestThrottled,
                          RejectedCode::TerminalStateReached}) {
    EXPECT_EQ(parse_rejected_code(to_string(code)), code) << to_string(code);
  }
  EXPECT_EQ(parse_rejected_code("SomethingNew"), RejectedCode::Unknown);
  const auto decoded = decode_rejected(R"({"code":"SomethingNew","message":"m","timestamp":5})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->code, RejectedCode::Unknown);
  EXPECT_EQ(decoded->code_text, "SomethingNew");
}

// --- encoding ---------------------------------------------------------------------------------------

TEST(Messages, EncodesRequestsAsCompactJson) {
  EXPECT_EQ(encode(GetPendingRequest{.client_token = "t-1"}), R"({"clientToken":"t-1"})");
  EXPECT_EQ(encode(GetPendingRequest{}), "{}");
  EXPECT_EQ(encode(DescribeExecutionRequest{.execution_number = 2, .include_job_document = true, .client_token = "c"}),
            R"({"clientToken":"c","executionNumber":2,"includeJobDocument":true})");
  EXPECT_EQ(encode(StartNextRequest{.status_details = StatusDetails{{"phase", "starting"}},
                                    .step_timeout_in_minutes = 30,
                                    .client_token = "s"}),
            R"({"clientToken":"s","statusDetails":{"phase":"starting"},"stepTimeoutInMinutes":30})");
  EXPECT_EQ(encode(UpdateExecutionRequest{.status = JobStatus::InProgress,
                                          .status_details = StatusDetails{{"phase", "downloading"}},
                                          .expected_version = 2,
                                          .client_token = "t-17"}),
            R"({"clientToken":"t-17","expectedVersion":2,"status":"IN_PROGRESS","statusDetails":{"phase":"downloading"}})");
}

TEST(Messages, EncodesTheJobDocumentAsJsonNotAsAString) {
  JobExecution e{.job_id = "j", .job_document = std::string(R"({"operation":"app_fw_update"})"), .version_number = 1};
  const std::string body = encode(NotifyNextMessage{.execution = e, .timestamp = 7});
  EXPECT_NE(body.find(R"("jobDocument":{"operation":"app_fw_update"})"), std::string::npos) << body;
}

TEST(Messages, NotifyNextWithoutExecutionEncodesOnlyTheTimestamp) {
  EXPECT_EQ(encode(NotifyNextMessage{.timestamp = 1700000000}), R"({"timestamp":1700000000})");
}

// --- round trips -------------------------------------------------------------------------------------

JobExecution full_execution() {
  return JobExecution{.job_id = "9b5caac6-3e8a-45dd-9273-c1b995762f4a",
                      .thing_name = "nrf-352656100000000",
                      .job_document = std::string(R"({"location":{"url":"https://h/f.bin"},"size":181124})"),
                      .status = JobStatus::InProgress,
                      .status_details = {{"phase", "downloading"}, {"progress", "42"}},
                      .queued_at = 1559000000,
                      .started_at = 1559000010,
                      .last_updated_at = 1559000020,
                      .version_number = 3,
                      .execution_number = 1,
                      .approximate_seconds_before_timed_out = 3540};
}

JobExecutionSummary summary(const std::string& id, std::int64_t version) {
  return JobExecutionSummary{.job_id = id, .queued_at = 1559000000, .started_at = std::nullopt,
                             .last_updated_at = 1559000001, .version_number = version, .execution_number = 1};
}

template <class T>
void expect_round_trip(const T& message, Expected<T, DecodeError> (*decode)(std::string_view)) {
  const std::string text = encode(message);
  const auto decoded = decode(text);
  ASSERT_TRUE(decoded) << text << ": " << decoded.error().message;
  EXPECT_EQ(*decoded, message) << text;
}

TEST(Messages, RequestsRoundTrip) {
  expect_round_trip(GetPendingRequest{.client_token = "abc"}, decode_get_pending_request);
  expect_round_trip(GetPendingRequest{}, decode_get_pending_request);
  expect_round_trip(StartNextRequest{}, decode_start_next_request);
  expect_round_trip(StartNextRequest{.status_details = StatusDetails{}, .step_timeout_in_minutes = -1,
                                     .client_token = "x"},
                    decode_start_next_request);
  expect_round_trip(StartNextRequest{.status_details = StatusDetails{{"a", "b"}}, .step_timeout_in_minutes = 10080},
                    decode_start_next_request);
  expect_round_trip(DescribeExecutionRequest{}, decode_describe_execution_request);
  expect_round_trip(DescribeExecutionRequest{.execution_number = 4, .include_job_document = false,
                                             .client_token = "d"},
                    decode_describe_execution_request);
  expect_round_trip(UpdateExecutionRequest{}, decode_update_execution_request);
  expect_round_trip(UpdateExecutionRequest{.status = JobStatus::Failed,
                                           .status_details = StatusDetails{{"reason", "bad hash"}},
                                           .expected_version = 9,
                                           .execution_number = 2,
                                           .include_job_execution_state = true,
                                           .include_job_document = true,
                                           .step_timeout_in_minutes = 5,
                                           .client_token = std::string(64, 'c')},
                    decode_update_execution_request);
}

TEST(Messages, ResponsesAndNotificationsRoundTrip) {
  expect_round_trip(GetPendingAccepted{.in_progress_jobs = {summary("a", 2)},
                                       .queued_jobs = {summary("b", 1), summary("c", 1)},
                                       .timestamp = 1559000100,
                                       .client_token = "g"},
                    decode_get_pending_accepted);
  expect_round_trip(GetPendingAccepted{}, decode_get_pending_accepted);
  expect_round_trip(ExecutionAccepted{.execution = full_execution(), .timestamp = 5, .client_token = "e"},
                    decode_execution_accepted);
  expect_round_trip(ExecutionAccepted{.timestamp = 5}, decode_execution_accepted);
  expect_round_trip(UpdateExecutionAccepted{.execution_state = JobExecutionState{JobStatus::Succeeded,
                                                                                 {{"phase", "confirmed"}}, 7},
                                            .job_document = std::string(R"({"a":[1,2.5,"x",null,true]})"),
                                            .timestamp = 8,
                                            .client_token = "u"},
                    decode_update_execution_accepted);
  expect_round_trip(UpdateExecutionAccepted{.timestamp = 8}, decode_update_execution_accepted);
  expect_round_trip(NotifyMessage{.queued = {summary("q", 1)}, .in_progress = {summary("p", 4)}, .timestamp = 9},
                    decode_notify);
  expect_round_trip(NotifyMessage{.timestamp = 9}, decode_notify);
  expect_round_trip(NotifyNextMessage{.execution = full_execution(), .timestamp = 10}, decode_notify_next);
  expect_round_trip(NotifyNextMessage{.timestamp = 10}, decode_notify_next);
  expect_round_trip(RejectedMessage{.code = RejectedCode::VersionMismatch,
                                    .code_text = "VersionMismatch",
                                    .message = "expected version 3",
                                    .client_token = "r",
                                    .timestamp = 11,
                                    .execution_state = JobExecutionState{JobStatus::InProgress, {}, 4}},
                    decode_rejected);
  expect_round_trip(RejectedMessage{.code = RejectedCode::Unknown, .code_text = "NewCode", .timestamp = 12},
                    decode_rejected);
}

TEST(Messages, EncodingARejectionWithoutCodeTextUsesTheCodeName) {
  const auto decoded = decode_rejected(encode(RejectedMessage{.code = RejectedCode::TerminalStateReached}));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->code, RejectedCode::TerminalStateReached);
  EXPECT_EQ(decoded->code_text, "TerminalStateReached");
}

// --- tolerance ----------------------------------------------------------------------------------------

// The nRF Connect SDK reference's own update body: quoted expectedVersion, statusDetails null, empty token.
TEST(Messages, DecodesTheReferencesUpdateBody) {
  const auto decoded = decode_update_execution_request(
      R"({"status":"IN_PROGRESS","statusDetails": null,"expectedVersion": "1","clientToken": ""})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->status, JobStatus::InProgress);
  EXPECT_FALSE(decoded->status_details.has_value());
  EXPECT_EQ(decoded->expected_version, 1);
  EXPECT_EQ(decoded->client_token, "");
}

TEST(Messages, AcceptsExpectedVersionAsNumberOrQuotedNumber) {
  for (const char* body : {R"({"status":"FAILED","expectedVersion":3})", R"({"status":"FAILED","expectedVersion":"3"})",
                           R"({"status":"FAILED","expectedVersion":"003"})"}) {
    const auto decoded = decode_update_execution_request(body);
    ASSERT_TRUE(decoded) << body << ": " << decoded.error().message;
    EXPECT_EQ(decoded->expected_version, 3) << body;
  }
}

TEST(Messages, RejectsExpectedVersionThatIsNotANonNegativeInteger) {
  for (const char* value : {R"("")", R"("3a")", R"(" 3")", R"("-1")", R"("+3")", "-1", "1.5", "true", "[3]",
                            R"("99999999999999999")", "18446744073709551616"}) {
    const std::string body = std::string(R"({"status":"FAILED","expectedVersion":)") + value + "}";
    const auto decoded = decode_update_execution_request(body);
    ASSERT_FALSE(decoded) << body;
    EXPECT_TRUE(decoded.error().message.starts_with("expectedVersion: ")) << decoded.error().message;
  }
}

TEST(Messages, IgnoresUnknownFieldsAndTreatsNullAsAbsent) {
  const auto decoded = decode_notify_next(execution_with(
      R"("versionNumber":2,"statusDetails":null,"queuedAt":null,"futureField":{"x":[1]},"status":"QUEUED")"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(decoded->execution);
  EXPECT_TRUE(decoded->execution->status_details.empty());
  EXPECT_FALSE(decoded->execution->queued_at);
  EXPECT_EQ(decoded->execution->version_number, 2);
}

TEST(Messages, DecodesAbsentOptionalFieldsAsDefaults) {
  const auto decoded = decode_notify_next(R"({"execution":{"jobId":"j","versionNumber":1}})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(decoded->execution);
  EXPECT_EQ(decoded->execution->status, JobStatus::Queued);
  EXPECT_EQ(decoded->execution->execution_number, 0);
  EXPECT_FALSE(decoded->execution->job_document);
  EXPECT_EQ(decoded->timestamp, 0);
}

TEST(Messages, EmptyRequestPayloadIsAnEmptyObjectButEmptyResponseIsAnError) {
  EXPECT_TRUE(decode_get_pending_request(""));
  EXPECT_TRUE(decode_start_next_request(""));
  EXPECT_TRUE(decode_describe_execution_request(""));
  // An update must say which status it sets.
  const auto update = decode_update_execution_request("");
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().message, "status: required field is missing");
  const auto notify = decode_notify("");
  ASSERT_FALSE(notify);
  EXPECT_NE(notify.error().message.find("empty"), std::string::npos) << notify.error().message;
}

// AWS's executionNumber is a long and runs past 2^31; every message keeps all of it, both ways.
TEST(Messages, ExecutionNumberPast32BitsSurvivesEveryMessage) {
  constexpr std::int64_t big = 6442450945;  // 0x1'8000'0001
  const auto next = decode_notify_next(
      R"({"timestamp":1,"execution":{"jobId":"j","status":"QUEUED","versionNumber":1,"executionNumber":6442450945}})");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->execution->execution_number, big);
  const auto pending = decode_get_pending_accepted(
      R"({"timestamp":1,"inProgressJobs":[],"queuedJobs":[{"jobId":"j","versionNumber":1,"executionNumber":6442450945}]})");
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_EQ(pending->queued_jobs.at(0).execution_number, big);
  const auto describe = decode_describe_execution_request(R"({"executionNumber":6442450945})");
  ASSERT_TRUE(describe) << describe.error().message;
  EXPECT_EQ(describe->execution_number, big);
  EXPECT_EQ(encode(DescribeExecutionRequest{.execution_number = big, .include_job_document = true, .client_token = "c"}),
            R"({"clientToken":"c","executionNumber":6442450945,"includeJobDocument":true})");
  const auto update = decode_update_execution_request(R"({"status":"IN_PROGRESS","executionNumber":6442450945})");
  ASSERT_TRUE(update) << update.error().message;
  EXPECT_EQ(update->execution_number, big);
}

TEST(Messages, ApproximateSecondsBeforeTimedOutIsReadWhenPresentAndNeverCostsTheMessage) {
  auto next = decode_notify_next(
      R"({"timestamp":1,"execution":{"jobId":"j","versionNumber":2,"approximateSecondsBeforeTimedOut":59}})");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->execution->approximate_seconds_before_timed_out, 59);
  next = decode_notify_next(R"({"timestamp":1,"execution":{"jobId":"j","versionNumber":2}})");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->execution->approximate_seconds_before_timed_out, std::nullopt);
  next = decode_notify_next(
      R"({"timestamp":1,"execution":{"jobId":"j","versionNumber":2,"approximateSecondsBeforeTimedOut":-3}})");
  ASSERT_TRUE(next) << "an odd value of a field the device only reads: " << next.error().message;
}

TEST(Messages, DecodesAwsNotifyAndGetPendingBodies) {
  const auto notify = decode_notify(
      R"({"timestamp":1517016948,"jobs":{"QUEUED":[{"jobId":"job1","queuedAt":1517016947,"lastUpdatedAt":1517016947,"executionNumber":1,"versionNumber":1}],"IN_PROGRESS":[{"jobId":"job0","queuedAt":1517016940,"startedAt":1517016941,"lastUpdatedAt":1517016942,"executionNumber":1,"versionNumber":2}]}})");
  ASSERT_TRUE(notify) << notify.error().message;
  ASSERT_EQ(notify->queued.size(), 1U);
  ASSERT_EQ(notify->in_progress.size(), 1U);
  EXPECT_EQ(notify->queued[0].job_id, "job1");
  EXPECT_EQ(notify->in_progress[0].started_at, 1517016941);
  EXPECT_EQ(notify->in_progress[0].version_number, 2);

  const auto pending = decode_get_pending_accepted(
      R"({"clientToken":"c1","timestamp":1517016948,"inProgressJobs":[],"queuedJobs":[{"jobId":"job1","queuedAt":1517016947,"lastUpdatedAt":1517016947,"executionNumber":1,"versionNumber":1}]})");
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_EQ(pending->client_token, "c1");
  EXPECT_TRUE(pending->in_progress_jobs.empty());
  ASSERT_EQ(pending->queued_jobs.size(), 1U);
}

TEST(Messages, DecodesARejectionThatCarriesATerminalExecutionState) {
  const auto decoded = decode_rejected(
      R"({"code":"InvalidStateTransition","message":"job is canceled","clientToken":"t","timestamp":3,"executionState":{"status":"CANCELED","versionNumber":5}})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->code, RejectedCode::InvalidStateTransition);
  ASSERT_TRUE(decoded->execution_state);
  EXPECT_TRUE(is_terminal(decoded->execution_state->status));
  EXPECT_EQ(decoded->execution_state->version_number, 5);
}

// --- strictness ---------------------------------------------------------------------------------------

struct BadBody {
  std::string body;
  std::string message;  // exact DecodeError message expected
};

TEST(Messages, RejectsWrongTypesNamingTheFieldPath) {
  const std::vector<BadBody> cases = {
      {execution_with(R"("versionNumber":"1")"), "execution.versionNumber: expected an integer, got string"},
      {execution_with(R"("versionNumber":1.5)"), "execution.versionNumber: expected an integer, got the number 1.5"},
      {execution_with(R"("versionNumber":1.0)"), "execution.versionNumber: expected an integer, got the number 1.0"},
      {execution_with(R"("versionNumber":true)"), "execution.versionNumber: expected an integer, got boolean"},
      {execution_with(R"("status":"QUEUED")"), "execution.versionNumber: required field is missing"},
      {execution_with(R"("versionNumber":1,"status":3)"), "execution.status: expected a status string, got an integer"},
      {execution_with(R"("versionNumber":1,"executionNumber":[])"), "execution.executionNumber: expected an integer, got array"},
      {execution_with(R"("versionNumber":1,"queuedAt":"yesterday")"), "execution.queuedAt: expected an integer, got string"},
      {execution_with(R"("versionNumber":1,"jobDocument":"{}")"), "execution.jobDocument: expected an object, got string"},
      {execution_with(R"("versionNumber":1,"statusDetails":{"a":1})"), R"(execution.statusDetails["a"]: expected a string, got an integer)"},
      {execution_with(R"("versionNumber":1,"statusDetails":["a"])"), "execution.statusDetails: expected an object of strings, got array"},
      {R"({"execution":{"versionNumber":1}})", "execution.jobId: required field is missing"},
      {R"({"execution":{"jobId":7,"versionNumber":1}})", "execution.jobId: expected a string, got an integer"},
      {R"({"execution":"job-1"})", "execution: expected an object, got string"},
      {R"({"timestamp":"now"})", "timestamp: expected an integer, got string"},
  };
  for (const auto& c : cases) {
    const auto decoded = decode_notify_next(c.body);
    ASSERT_FALSE(decoded) << c.body;
    EXPECT_EQ(decoded.error().message, c.message) << c.body;
  }
}

TEST(Messages, RejectsUnknownStatusAndNonsensicalNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {execution_with(R"("versionNumber":1,"status":"DONE")"), "execution.status: unknown status"},
      {execution_with(R"("versionNumber":-1)"), "execution.versionNumber: -1 is out of range"},
      {execution_with(R"("versionNumber":18446744073709551615)"), "execution.versionNumber: 18446744073709551615 is out of range"},
      {execution_with(R"("versionNumber":9007199254740992)"), "execution.versionNumber: 9007199254740992 is out of range"},
      {execution_with(R"("versionNumber":1,"executionNumber":-3)"), "execution.executionNumber: -3 is out of range"},
      {R"({"timestamp":-5})", "timestamp: -5 is out of range"},
  };
  for (const auto& [body, prefix] : cases) {
    const auto decoded = decode_notify_next(body);
    ASSERT_FALSE(decoded) << body;
    EXPECT_TRUE(decoded.error().message.starts_with(prefix)) << decoded.error().message;
  }
  const auto ok = decode_notify_next(execution_with(R"("versionNumber":9007199254740991)"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->execution->version_number, 9007199254740991);
}

TEST(Messages, RejectsInvalidJobIdsAndThingNamesInExecutions) {
  const auto bad_id = decode_execution_accepted(R"({"execution":{"jobId":"a/b","versionNumber":1}})");
  ASSERT_FALSE(bad_id);
  EXPECT_TRUE(bad_id.error().message.starts_with("execution.jobId: ")) << bad_id.error().message;
  const auto long_id =
      decode_execution_accepted(R"({"execution":{"jobId":")" + std::string(65, 'j') + R"(","versionNumber":1}})");
  ASSERT_FALSE(long_id);
  EXPECT_TRUE(long_id.error().message.starts_with("execution.jobId: ")) << long_id.error().message;
  const auto bad_thing =
      decode_execution_accepted(R"({"execution":{"jobId":"j","thingName":"a b","versionNumber":1}})");
  ASSERT_FALSE(bad_thing);
  EXPECT_TRUE(bad_thing.error().message.starts_with("execution.thingName: ")) << bad_thing.error().message;
}

TEST(Messages, RejectsStepTimeoutsOutsideAwsRange) {
  for (const char* value : {"0", "-2", "10081"}) {
    const auto decoded = decode_start_next_request(std::string(R"({"stepTimeoutInMinutes":)") + value + "}");
    ASSERT_FALSE(decoded) << value;
    EXPECT_TRUE(decoded.error().message.starts_with("stepTimeoutInMinutes: ")) << decoded.error().message;
  }
}

TEST(Messages, RejectsNonBooleanFlags) {
  const auto decoded = decode_describe_execution_request(R"({"includeJobDocument":"true"})");
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().message, "includeJobDocument: expected true or false, got string");
}

TEST(Messages, RejectsPayloadsThatAreNotJsonObjects) {
  for (const char* body : {"not json", R"({"clientToken":"a")", "[]", "42", R"("text")", "{} {}"}) {
    const auto decoded = decode_get_pending_request(body);
    ASSERT_FALSE(decoded) << body;
    EXPECT_TRUE(decoded.error().message.starts_with("the message is ")) << decoded.error().message;
  }
}

TEST(Messages, RejectsDeeplyNestedJsonWithoutRecursingIntoIt) {
  const std::string deep = R"({"clientToken":"a","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto decoded = decode_get_pending_request(deep);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("nested"), std::string::npos) << decoded.error().message;
}

// --- limits -------------------------------------------------------------------------------------------

TEST(Messages, ClientTokenIsAtMost64Characters) {
  EXPECT_TRUE(is_valid_client_token(""));
  EXPECT_TRUE(is_valid_client_token(std::string(64, 'c')));
  EXPECT_FALSE(is_valid_client_token(std::string(65, 'c')));
  EXPECT_TRUE(decode_get_pending_request(R"({"clientToken":")" + std::string(64, 'c') + R"("})"));
  const auto decoded = decode_get_pending_request(R"({"clientToken":")" + std::string(65, 'c') + R"("})");
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().message, "clientToken: is 65 characters long (at most 64)");
}

TEST(Messages, JobDocumentIsAtMost32768Characters) {
  const auto at_limit = decode_execution_accepted(
      execution_with(R"("versionNumber":1,"jobDocument":)" + document_of_length(kMaxJobDocumentLength)));
  ASSERT_TRUE(at_limit) << at_limit.error().message;
  EXPECT_EQ(at_limit->execution->job_document->size(), kMaxJobDocumentLength);

  const auto over = decode_execution_accepted(
      execution_with(R"("versionNumber":1,"jobDocument":)" + document_of_length(kMaxJobDocumentLength + 1)));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().message,
            "execution.jobDocument: is 32769 characters long (AWS allows at most 32768)");

  const auto update_over =
      decode_update_execution_accepted(R"({"jobDocument":)" + document_of_length(kMaxJobDocumentLength + 1) + "}");
  ASSERT_FALSE(update_over);
  EXPECT_TRUE(update_over.error().message.starts_with("jobDocument: ")) << update_over.error().message;
}

TEST(Messages, JobDocumentLengthIsMeasuredCompact) {
  // Whitespace that the service or a pretty-printer adds does not count against the limit.
  std::string spaced = document_of_length(kMaxJobDocumentLength);
  spaced.insert(1, 1000, ' ');
  const auto decoded = decode_execution_accepted(execution_with(R"("versionNumber":1,"jobDocument":)" + spaced));
  ASSERT_TRUE(decoded) << decoded.error().message;
}

TEST(Messages, StatusDetailsFollowAwsKeyAndValueRules) {
  EXPECT_TRUE(validate_status_details({}));
  EXPECT_TRUE(validate_status_details({{"phase", "downloading"}, {"a:b_c-D9", "x"}}));
  EXPECT_TRUE(validate_status_details({{std::string(128, 'k'), std::string(1024, 'v')}}));
  // 1,024 characters of two bytes each is still 1,024 characters.
  std::string accented;
  for (int i = 0; i < 1024; ++i) {
    accented += "\xc3\xa9";
  }
  EXPECT_TRUE(validate_status_details({{"k", accented}}));

  const std::vector<std::pair<StatusDetails, std::string>> bad = {
      {{{"", "v"}}, "a key is empty"},
      {{{std::string(129, 'k'), "v"}}, "is 129 characters long (at most 128)"},
      {{{"bad key", "v"}}, "has a character other than letters"},
      {{{"a/b", "v"}}, "has a character other than letters"},
      {{{"k\xc3\xa9", "v"}}, "has a character other than letters"},
      {{{"k", ""}}, "is empty"},
      {{{"k", std::string(1025, 'v')}}, "is 1025 characters long (at most 1024)"},
      {{{"k", "line\nbreak"}}, "control character"},
  };
  for (const auto& [details, fragment] : bad) {
    const auto result = validate_status_details(details);
    ASSERT_FALSE(result) << fragment;
    EXPECT_NE(result.error().message.find(fragment), std::string::npos) << result.error().message;
  }
}

TEST(Messages, DecoderAppliesStatusDetailsRulesWithThePath) {
  const auto bad_key =
      decode_update_execution_request(R"({"status":"IN_PROGRESS","statusDetails":{"bad key!":"v"}})");
  ASSERT_FALSE(bad_key);
  EXPECT_TRUE(bad_key.error().message.starts_with("statusDetails: key \"bad key!\"")) << bad_key.error().message;
  const auto long_value = decode_update_execution_request(R"({"status":"IN_PROGRESS","statusDetails":{"k":")" +
                                                          std::string(1025, 'v') + R"("}})");
  ASSERT_FALSE(long_value);
  EXPECT_TRUE(long_value.error().message.starts_with("statusDetails: ")) << long_value.error().message;
  const auto state = decode_rejected(R"({"code":"InvalidRequest","executionState":{"status":"FAILED","statusDetails":{"k":""}}})");
  ASSERT_FALSE(state);
  EXPECT_TRUE(state.error().message.starts_with("executionState.statusDetails: ")) << state.error().message;
}

TEST(Messages, RejectionNeedsACode) {
  const auto missing = decode_rejected(R"({"message":"m"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "code: required field is missing");
  EXPECT_FALSE(decode_rejected(R"({"code":""})"));
  EXPECT_FALSE(decode_rejected(R"({"code":404})"));
}

TEST(Messages, RejectsSummaryListsOfTheWrongShape) {
  const auto not_array = decode_get_pending_accepted(R"({"queuedJobs":{"jobId":"a"}})");
  ASSERT_FALSE(not_array);
  EXPECT_EQ(not_array.error().message, "queuedJobs: expected an array, got object");
  const auto bad_item = decode_notify(R"({"jobs":{"QUEUED":[{"jobId":"a"},{"versionNumber":1}]}})");
  ASSERT_FALSE(bad_item);
  EXPECT_EQ(bad_item.error().message, "jobs.QUEUED[1].jobId: required field is missing");
}

}  // namespace
}  // namespace awsfota::jobs
