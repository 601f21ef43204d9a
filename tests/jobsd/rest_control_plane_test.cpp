// The control plane's AWS contract over REST: target ARNs in the service's account and region, refused
// fields, AWS's patterns for free text, the presigned-URL role, and the operations beyond create/cancel.
#include "jobsd/fields.hpp"
#include "jobsd/rest_api.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class RestControlPlane : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    add_things({"t1", "t2"});
  }
  RestResponse call(const std::string& method, const std::string& path, const json& body = nullptr,
                    std::map<std::string, std::string> query = {}) {
    return handle_rest(*service, {method, path, std::move(query), body.is_null() ? "" : body.dump()}, now,
                       notifications, scope);
  }
  static json parsed(const RestResponse& r) { return json::parse(r.body); }
  json job_body(const std::string& target, json extra = json::object()) {
    extra["targets"] = {target};
    if (!extra.contains("document")) extra["document"] = "{}";
    return extra;
  }
  std::string message(const RestResponse& r) { return parsed(r).value("message", ""); }

  ArnScope scope{.region = "eu-west-1", .account = "123456789012", .data_endpoint = "mqtt.local"};
  const std::string thing = "arn:aws:iot:eu-west-1:123456789012:thing/";
  const std::string group = "arn:aws:iot:eu-west-1:123456789012:thinggroup/";
  std::vector<OutgoingMessage> notifications;
};

TEST_F(RestControlPlane, TargetsOfAnotherAccountOrRegionAreRefused) {
  EXPECT_EQ(call("PUT", "/jobs/ok", job_body(thing + "t1")).status, 200);
  for (const std::string arn : {"arn:aws:iot:us-east-1:123456789012:thing/t1", "arn:aws:iot:eu-west-1:000000000000:thing/t1",
                                "arn:aws:iot:eu-west-1:999999999999:thinggroup/g", "arn:aws:s3:eu-west-1:123456789012:thing/t1",
                                "arn:aws:iot:eu-west-1:123456789012:job/t1", "arn:aws:iot:eu-west-1:123456789012:thing/"}) {
    auto r = call("PUT", "/jobs/bad", job_body(arn));
    EXPECT_EQ(r.status, 400) << arn;
    EXPECT_EQ(r.error_type, "InvalidRequestException") << arn;
    EXPECT_NE(message(r).find(arn), std::string::npos) << message(r);
  }
  auto other = call("PUT", "/jobs/bad", job_body("arn:aws:iot:eu-west-1:000000000000:thing/t1"));
  EXPECT_NE(message(other).find("account 123456789012 in region eu-west-1"), std::string::npos) << message(other);
  ASSERT_EQ(call("POST", "/thing-groups/g").status, 200);
  auto add = call("PUT", "/thing-groups/addThingToThingGroup",
                  {{"thingGroupArn", "arn:aws:iot:us-east-1:123456789012:thinggroup/g"}, {"thingName", "t1"}});
  EXPECT_EQ(add.error_type, "InvalidRequestException");
}

TEST_F(RestControlPlane, UnimplementedFieldsAreRefusedByName) {
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{
           {"jobExecutionsRetryConfig", {{"criteriaList", json::array()}}},
           {"schedulingConfig", {{"startTime", "2030-01-01T00:00"}}},
           {"jobTemplateArn", "arn:aws:iot:eu-west-1:123456789012:jobtemplate/x"},
           {"namespaceId", "ns"},
           {"documentParameters", {{"k", "v"}}},
           {"destinationPackageVersions", {"arn:x"}},
           {"tags", {{{"Key", "k"}, {"Value", "v"}}}}}) {
    auto r = call("PUT", "/jobs/x", job_body(thing + "t1", {{field, value}}));
    EXPECT_EQ(r.error_type, "InvalidRequestException") << field;
    EXPECT_EQ(message(r).rfind(field + ":", 0), 0U) << message(r);
  }
  auto ns = call("DELETE", "/jobs/x", nullptr, {{"namespaceId", "ns"}});
  EXPECT_EQ(message(ns).rfind("namespaceId:", 0), 0U) << message(ns);
  EXPECT_FALSE(service->describe_job("x"));
}

TEST_F(RestControlPlane, UnknownOperationsAreNotImplementedNotMissingResources) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/jobs/j1/unknown"}, {"POST", "/jobs"}, {"GET", "/job-templates"}, {"DELETE", "/thing-groups/g/x"},
           {"GET", "/things/t1/jobs/j1/executionNumber/1"}}) {
    auto r = call(method, path);
    EXPECT_EQ(r.status, 501) << method << " " << path;
    EXPECT_EQ(r.error_type, "NotImplementedException") << method << " " << path;
  }
}

TEST_F(RestControlPlane, FreeTextFollowsAwsPatternsAndLengths) {
  const std::string long_text(2029, 'a');
  const std::vector<std::pair<json, std::string>> bad_jobs = {
      {{{"description", "tab\there"}}, "description"},
      {{{"description", long_text}}, "description"},
      {{{"description", "zero\u200bwidth"}}, "description"},
  };
  for (const auto& [extra, field] : bad_jobs) {
    auto r = call("PUT", "/jobs/x", job_body(thing + "t1", extra));
    EXPECT_EQ(r.error_type, "InvalidRequestException") << extra.dump().substr(0, 60);
    EXPECT_EQ(message(r).rfind(field + ":", 0), 0U) << message(r);
  }
  EXPECT_EQ(call("PUT", "/jobs/ok", job_body(thing + "t1", {{"description", std::string(2028, 'a')}})).status, 200);
  EXPECT_EQ(call("PUT", "/jobs/ok2", job_body(thing + "t2", {{"description", "Firmware 2.0 — für alle"}})).status, 200);
  for (const json& body : {json{{"reasonCode", "lower"}}, json{{"reasonCode", std::string(129, 'A')}},
                           json{{"comment", "new\nline"}}, json{{"comment", std::string(2029, 'c')}}}) {
    auto r = call("PUT", "/jobs/ok/cancel", body);
    EXPECT_EQ(r.error_type, "InvalidRequestException") << body.dump().substr(0, 60);
  }
  EXPECT_EQ(call("PUT", "/jobs/ok/cancel", {{"reasonCode", "BAD_BUILD_7"}, {"comment", "rolled back"}}).status, 200);
}

TEST(FreeText, RefusesMalformedUtf8AndOtherCategoryCharacters) {
  EXPECT_NE(check_free_text("comment", "\xff"), std::nullopt);
  EXPECT_NE(check_free_text("comment", "\xc0\x80"), std::nullopt);          // overlong NUL
  EXPECT_NE(check_free_text("comment", "\xed\xa0\x80"), std::nullopt);      // a surrogate
  EXPECT_NE(check_free_text("comment", "\xee\x80\x80"), std::nullopt);      // U+E000, private use
  EXPECT_NE(check_free_text("comment", "\xef\xbf\xbe"), std::nullopt);      // U+FFFE
  EXPECT_EQ(check_free_text("comment", "\xf0\x9f\x9a\x80 ok"), std::nullopt);  // U+1F680
  EXPECT_EQ(check_reason_code("A_1"), std::nullopt);
  EXPECT_NE(check_reason_code(""), std::nullopt);
}

TEST_F(RestControlPlane, PresignedPlaceholderNeedsARoleOfTheAccountWhichDescribeJobShows) {
  const std::string document = R"({"url":"${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/b/fw.bin}"})";
  auto without = call("PUT", "/jobs/p", job_body(thing + "t1", {{"document", document}}));
  EXPECT_EQ(without.error_type, "InvalidRequestException");
  EXPECT_EQ(message(without).rfind("presignedUrlConfig.roleArn:", 0), 0U) << message(without);
  auto other_account = call("PUT", "/jobs/p", job_body(thing + "t1", {{"document", document},
                                                                    {"presignedUrlConfig",
                                                                     {{"roleArn", "arn:aws:iam::000000000000:role/r"}}}}));
  EXPECT_EQ(other_account.error_type, "InvalidRequestException");
  const std::string role = "arn:aws:iam::123456789012:role/awsfota-presign";
  ASSERT_EQ(call("PUT", "/jobs/p", job_body(thing + "t1", {{"document", document},
                                                           {"presignedUrlConfig", {{"roleArn", role}, {"expiresInSec", 600}}}}))
                .status,
            200);
  auto shown = parsed(call("GET", "/jobs/p"))["job"]["presignedUrlConfig"];
  EXPECT_EQ(shown, (json{{"roleArn", role}, {"expiresInSec", 600}}));
}

TEST_F(RestControlPlane, UpdateJobChangesWhatItNamesAndRefusesTheRest) {
  ASSERT_EQ(call("PUT", "/jobs/j", job_body(thing + "t1", {{"description", "old"}})).status, 200);
  auto updated = call("PATCH", "/jobs/j", {{"description", "new"}, {"timeoutConfig", {{"inProgressTimeoutInMinutes", 9}}}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.operation, "UpdateJob");
  auto job = parsed(call("GET", "/jobs/j"))["job"];
  EXPECT_EQ(job["description"], "new");
  EXPECT_EQ(job["timeoutConfig"]["inProgressTimeoutInMinutes"], 9);
  EXPECT_EQ(call("PATCH", "/jobs/j", {{"jobExecutionsRetryConfig", json::object()}}).error_type, "InvalidRequestException");
  EXPECT_EQ(call("PATCH", "/jobs/j", {{"timeoutConfig", {{"inProgressTimeoutInMinutes", 0}}}}).error_type,
            "InvalidRequestException");
  EXPECT_EQ(call("PATCH", "/jobs/missing", {{"description", "x"}}).error_type, "ResourceNotFoundException");
}

TEST_F(RestControlPlane, ThingGroupsAreDescribedListedAndFilterListJobs) {
  ASSERT_EQ(call("POST", "/thing-groups/fleet").status, 200);
  ASSERT_EQ(call("POST", "/thing-groups/lab").status, 200);
  ASSERT_EQ(call("PUT", "/thing-groups/addThingToThingGroup", {{"thingGroupName", "fleet"}, {"thingArn", thing + "t2"}}).status, 200);
  auto described = parsed(call("GET", "/thing-groups/fleet"));
  EXPECT_EQ(described["thingGroupArn"], group + "fleet");
  EXPECT_EQ(described["version"], 1);
  EXPECT_EQ(call("GET", "/thing-groups/ghost").error_type, "ResourceNotFoundException");
  auto groups = parsed(call("GET", "/thing-groups", nullptr, {{"namePrefixFilter", "fl"}}))["thingGroups"];
  EXPECT_EQ(groups, (json::array({{{"groupName", "fleet"}, {"groupArn", group + "fleet"}}})));
  EXPECT_EQ(parsed(call("GET", "/thing-groups/fleet/things"))["things"], (json::array({"t2"})));

  ASSERT_EQ(call("PUT", "/jobs/by-group", job_body(group + "fleet")).status, 200);
  ASSERT_EQ(call("PUT", "/jobs/by-thing", job_body(thing + "t1")).status, 200);
  auto jobs = parsed(call("GET", "/jobs", nullptr, {{"thingGroupName", "fleet"}}))["jobs"];
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0]["jobId"], "by-group");
  EXPECT_TRUE(parsed(call("GET", "/jobs", nullptr, {{"thingGroupName", "lab"}}))["jobs"].empty());
  EXPECT_EQ(call("GET", "/jobs", nullptr, {{"thingGroupName", "ghost"}}).error_type, "ResourceNotFoundException");
}

TEST_F(RestControlPlane, RemovingAThingFromAGroupRemovesItsQueuedExecutionsOfTheGroupsJobs) {
  add_things({"t3"});
  ASSERT_EQ(call("POST", "/thing-groups/fleet").status, 200);
  for (const char* t : {"t1", "t2", "t3"}) {
    ASSERT_EQ(call("PUT", "/thing-groups/addThingToThingGroup", {{"thingGroupName", "fleet"}, {"thingName", t}}).status, 200);
  }
  ASSERT_EQ(call("PUT", "/jobs/g", job_body(group + "fleet", {{"targetSelection", "CONTINUOUS"}})).status, 200);
  // t3 is also named directly by another job of the group's.
  ASSERT_EQ(call("PUT", "/jobs/both", {{"targets", {group + "fleet", thing + "t3"}}, {"document", "{}"}}).status, 200);
  (void)send("t2", "g/update", R"({"status":"IN_PROGRESS"})");
  notifications.clear();
  for (const char* t : {"t1", "t2", "t3"}) {
    auto r = call("PUT", "/thing-groups/removeThingFromThingGroup", {{"thingGroupArn", group + "fleet"}, {"thingName", t}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(service->describe_execution("g", "t1")->status, JobStatus::Removed);
  EXPECT_EQ(service->describe_execution("g", "t2")->status, JobStatus::InProgress);  // the device owns it now
  EXPECT_EQ(service->describe_execution("both", "t3")->status, JobStatus::Queued);   // still a target by name
  EXPECT_EQ(service->describe_execution("g", "t3")->status, JobStatus::Removed);
  EXPECT_EQ(parsed(call("GET", "/jobs/g"))["job"]["jobProcessDetails"]["numberOfRemovedThings"], 2);
  EXPECT_NE(find(notifications, topic("t1", "notify")), nullptr);
  EXPECT_TRUE(parsed(call("GET", "/thing-groups/fleet/things"))["things"].empty());
  EXPECT_EQ(call("PUT", "/thing-groups/removeThingFromThingGroup", {{"thingGroupName", "ghost"}, {"thingName", "t1"}}).error_type,
            "ResourceNotFoundException");
}

TEST_F(RestControlPlane, DeleteThingRemovesItsPendingWorkAndSucceedsForAnUnknownThing) {
  ASSERT_EQ(call("PUT", "/jobs/j", job_body(thing + "t1")).status, 200);
  EXPECT_EQ(call("DELETE", "/things/t1", nullptr, {{"expectedVersion", "2"}}).error_type, "VersionConflictException");
  auto deleted = call("DELETE", "/things/t1");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.operation, "DeleteThing");
  EXPECT_EQ(call("GET", "/things/t1").error_type, "ResourceNotFoundException");
  EXPECT_EQ(service->describe_execution("j", "t1")->status, JobStatus::Removed);
  EXPECT_EQ(call("DELETE", "/things/never").status, 200);
}

TEST_F(RestControlPlane, DeleteJobExecutionNeedsItsNumberAndForceUnlessTerminal) {
  ASSERT_EQ(call("PUT", "/jobs/j", job_body(thing + "t1")).status, 200);
  const auto number = std::to_string(service->describe_execution("j", "t1")->execution_number);
  EXPECT_EQ(call("DELETE", "/things/t1/jobs/j/executionNumber/" + number).error_type, "InvalidStateTransitionException");
  EXPECT_EQ(call("DELETE", "/things/t1/jobs/j/executionNumber/" + number + "9").error_type, "ResourceNotFoundException");
  EXPECT_EQ(call("DELETE", "/things/t1/jobs/j/executionNumber/x").error_type, "InvalidRequestException");
  notifications.clear();
  auto forced = call("DELETE", "/things/t1/jobs/j/executionNumber/" + number, nullptr, {{"force", "true"}});
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(forced.operation, "DeleteJobExecution");
  EXPECT_EQ(call("GET", "/things/t1/jobs/j").error_type, "ResourceNotFoundException");
  EXPECT_FALSE(body(notifications, topic("t1", "notify-next")).contains("execution"));
}

TEST_F(RestControlPlane, DescribeEndpointAnswersTheBrokerForDataAts) {
  auto r = call("GET", "/endpoint", nullptr, {{"endpointType", "iot:Data-ATS"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parsed(r), (json{{"endpointAddress", "mqtt.local"}}));
  EXPECT_EQ(call("GET", "/endpoint").error_type, "InvalidRequestException");
  EXPECT_EQ(call("GET", "/endpoint", nullptr, {{"endpointType", "iot:CredentialProvider"}}).error_type,
            "InvalidRequestException");
}

}  // namespace
}  // namespace awsfota::jobsd::testing
