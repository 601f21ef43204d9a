// The control-plane REST mapping, without sockets: requests as the AWS CLI sends them.
#include "jobsd/rest_api.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class RestApi : public ServiceTest {
 protected:
  RestResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    std::map<std::string, std::string> query = {}) {
    return handle_rest(*service, {method, path, std::move(query), body}, now, notifications);
  }
  static json parsed(const RestResponse& r) { return json::parse(r.body); }
  std::vector<OutgoingMessage> notifications;
  const std::string thing_arn = "arn:aws:iot:us-east-1:000000000000:thing/";
};

TEST_F(RestApi, CreateThingThenJobByArnAndDescribeIt) {
  auto thing = call("POST", "/things/t1", "{}");
  ASSERT_EQ(thing.status, 200) << thing.body;
  EXPECT_EQ(parsed(thing)["thingArn"], thing_arn + "t1");
  EXPECT_EQ(thing.operation, "CreateThing");

  auto created = call("PUT", "/jobs/j1",
                      json{{"targets", {thing_arn + "t1"}},
                           {"document", R"({"operation":"app_fw_update"})"},
                           {"description", "first"},
                           {"timeoutConfig", {{"inProgressTimeoutInMinutes", 5}}},
                           {"presignedUrlConfig", {{"roleArn", "arn:aws:iam::000000000000:role/x"}, {"expiresInSec", 300}}},
                           {"targetSelection", "SNAPSHOT"}}
                          .dump());
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(parsed(created)["jobArn"], "arn:aws:iot:us-east-1:000000000000:job/j1");
  EXPECT_EQ(parsed(created)["description"], "first");
  EXPECT_NE(find(notifications, topic("t1", "notify-next")), nullptr);

  auto job = parsed(call("GET", "/jobs/j1"))["job"];
  EXPECT_EQ(job["status"], "IN_PROGRESS");
  EXPECT_EQ(job["targets"][0], thing_arn + "t1");
  EXPECT_EQ(job["timeoutConfig"]["inProgressTimeoutInMinutes"], 5);
  EXPECT_EQ(job["presignedUrlConfig"]["expiresInSec"], 300);
  EXPECT_EQ(job["presignedUrlConfig"]["roleArn"], "arn:aws:iam::000000000000:role/x");
  EXPECT_EQ(job["jobProcessDetails"]["numberOfQueuedThings"], 1);
  EXPECT_DOUBLE_EQ(job["createdAt"].get<double>(), static_cast<double>(now) / 1000.0);

  EXPECT_EQ(parsed(call("GET", "/jobs/j1/job-document"))["document"], R"({"operation":"app_fw_update"})");
  auto execution = parsed(call("GET", "/things/t1/jobs/j1"))["execution"];
  EXPECT_EQ(execution["status"], "QUEUED");
  EXPECT_EQ(execution["versionNumber"], 1);
  EXPECT_EQ(execution["thingArn"], thing_arn + "t1");
  EXPECT_EQ(parsed(call("GET", "/jobs/j1/things"))["executionSummaries"][0]["jobExecutionSummary"]["status"], "QUEUED");
  EXPECT_EQ(parsed(call("GET", "/things/t1/jobs"))["executionSummaries"][0]["jobId"], "j1");
  EXPECT_EQ(parsed(call("GET", "/jobs"))["jobs"][0]["jobId"], "j1");
  EXPECT_EQ(parsed(call("GET", "/things"))["things"][0]["thingName"], "t1");
}

TEST_F(RestApi, GetJobDocumentReturnsTheDocumentAsCreatedInItsKeyOrder) {
  reopen(Config{.minute_ms = kMinute, .signer = LinkSigner("https://files", "k")});
  ASSERT_EQ(call("POST", "/things/t1").status, 200);
  const std::string document = R"({"z":1, "a":"${aws:iot:s3-presigned-url:https://b/x.bin}"})";
  ASSERT_EQ(call("PUT", "/jobs/j1",
                 json{{"targets", {thing_arn + "t1"}},
                      {"document", document},
                      {"presignedUrlConfig", {{"roleArn", "arn:aws:iam::000000000000:role/presign"}}}}
                     .dump())
                .status,
            200);
  EXPECT_EQ(parsed(call("GET", "/jobs/j1/job-document"))["document"],
            R"({"z":1,"a":"${aws:iot:s3-presigned-url:https://b/x.bin}"})");
  // Devices get the placeholder replaced.
  auto next = json::parse(find(notifications, topic("t1", "notify-next"))->payload);
  EXPECT_EQ(next["execution"]["jobDocument"]["a"].get<std::string>().rfind("https://files/x.bin?md5=", 0), 0U);
}

TEST_F(RestApi, ThingGroupsTargetTheirMembers) {
  ASSERT_EQ(call("POST", "/things/t1").status, 200);
  ASSERT_EQ(call("POST", "/thing-groups/fleet", "{}").status, 200);
  auto added = call("PUT", "/thing-groups/addThingToThingGroup",
                    json{{"thingGroupArn", "arn:aws:iot:us-east-1:000000000000:thinggroup/fleet"}, {"thingName", "t1"}}.dump());
  ASSERT_EQ(added.status, 200) << added.body;
  auto created = call("PUT", "/jobs/g",
                      json{{"targets", {"arn:aws:iot:us-east-1:000000000000:thinggroup/fleet"}}, {"document", "{}"}}.dump());
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(parsed(call("GET", "/things/t1/jobs/g"))["execution"]["status"], "QUEUED");
}

TEST_F(RestApi, CancelAndDeleteHonourForce) {
  ASSERT_EQ(call("POST", "/things/t1").status, 200);
  ASSERT_EQ(call("PUT", "/jobs/j1", json{{"targets", {thing_arn + "t1"}}, {"document", "{}"}}.dump()).status, 200);
  (void)send("t1", "start-next", "{}");
  auto refused = call("DELETE", "/jobs/j1");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.error_type, "InvalidStateTransitionException");
  auto exec_refused = call("PUT", "/things/t1/jobs/j1/cancel", "{}");
  EXPECT_EQ(exec_refused.error_type, "InvalidStateTransitionException");
  auto stale = call("PUT", "/things/t1/jobs/j1/cancel", R"({"expectedVersion":1})", {{"force", "true"}});
  EXPECT_EQ(stale.error_type, "VersionConflictException");
  auto canceled = call("PUT", "/jobs/j1/cancel", R"({"reasonCode":"R","comment":"c"})", {{"force", "true"}});
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  auto job = parsed(call("GET", "/jobs/j1"))["job"];
  EXPECT_EQ(job["status"], "CANCELED");
  EXPECT_EQ(job["forceCanceled"], true);
  EXPECT_EQ(job["comment"], "c");
  EXPECT_EQ(parsed(call("GET", "/things/t1/jobs/j1"))["execution"]["forceCanceled"], true);
  EXPECT_EQ(call("DELETE", "/jobs/j1").status, 200);
  EXPECT_EQ(parsed(call("GET", "/jobs/j1"))["job"]["status"], "DELETION_IN_PROGRESS");
  now += Config{}.job_deletion_ms;
  (void)service->tick(now);
  EXPECT_EQ(call("GET", "/jobs/j1").status, 404);
}

TEST_F(RestApi, ErrorsUseAwsExceptionNamesAndMessages) {
  struct Case {
    std::string method, path, body;
    int status;
    std::string type;
  };
  ASSERT_EQ(call("POST", "/things/t1").status, 200);
  ASSERT_EQ(call("PUT", "/jobs/dup", json{{"targets", {thing_arn + "t1"}}, {"document", "{}"}}.dump()).status, 200);
  const std::vector<Case> cases = {
      {"GET", "/jobs/missing", "", 404, "ResourceNotFoundException"},
      {"GET", "/things/t1/jobs/missing", "", 404, "ResourceNotFoundException"},
      {"GET", "/things/ghost", "", 404, "ResourceNotFoundException"},
      {"PUT", "/jobs/dup", json{{"targets", {thing_arn + "t1"}}, {"document", "{}"}}.dump(), 409,
       "ResourceAlreadyExistsException"},
      {"PUT", "/jobs/x", "{not json", 400, "InvalidRequestException"},
      {"PUT", "/jobs/x", R"({"document":"{}"})", 400, "InvalidRequestException"},
      {"PUT", "/jobs/x", json{{"targets", {"t1"}}, {"document", "{}"}}.dump(), 400, "InvalidRequestException"},
      {"PUT", "/jobs/x", json{{"targets", {thing_arn + "t1"}}, {"document", 5}}.dump(), 400, "InvalidRequestException"},
      {"PUT", "/jobs/x", json{{"targets", {thing_arn + "t1"}}, {"documentSource", "https://h/d.json"}}.dump(), 400,
       "InvalidRequestException"},
      {"PUT", "/jobs/x", json{{"targets", {thing_arn + "t1"}}, {"document", "{}"}, {"timeoutConfig", 3}}.dump(), 400,
       "InvalidRequestException"},
      {"PUT", "/jobs/x", json{{"targets", {thing_arn + "ghost"}}, {"document", "{}"}}.dump(), 404,
       "ResourceNotFoundException"},
      {"GET", "/things/t1/jobs", "", 200, ""},
      {"PATCH", "/nowhere", "", 501, "NotImplementedException"},
  };
  for (const auto& c : cases) {
    auto r = call(c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << " -> " << r.body;
    EXPECT_EQ(r.error_type, c.type) << c.method << " " << c.path;
    if (!c.type.empty()) {
      EXPECT_FALSE(parsed(r)["message"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(call("GET", "/things/t1/jobs", "", {{"status", "NOPE"}}).error_type, "InvalidRequestException");
}

TEST(DocumentSourcePath, MapsS3AndLocalUrlsOntoTheFileServer) {
  EXPECT_EQ(document_source_path("https://fw.s3.eu-central-1.amazonaws.com/jobs/fw.json").value_or(""), "/jobs/fw.json");
  EXPECT_EQ(document_source_path("https://fw.s3.amazonaws.com/fw.json?versionId=3").value_or(""), "/fw.json");
  EXPECT_EQ(document_source_path("https://fw.s3-us-west-2.amazonaws.com/a/b.json").value_or(""), "/a/b.json");
  EXPECT_EQ(document_source_path("https://s3.us-east-1.amazonaws.com/fw/jobs/fw.json").value_or(""), "/jobs/fw.json");
  EXPECT_EQ(document_source_path("s3://fw/jobs/fw.json").value_or(""), "/jobs/fw.json");
  EXPECT_EQ(document_source_path("http://127.0.0.1:8081/docs/fw.json").value_or(""), "/docs/fw.json");
  EXPECT_EQ(document_source_path("https://localhost/fw.json").value_or(""), "/fw.json");
}

TEST(DocumentSourcePath, NamesWhatIsWrongWithABadUrl) {
  auto not_url = document_source_path("fw.json");
  ASSERT_FALSE(not_url);
  EXPECT_NE(not_url.error().find("is not a URL"), std::string::npos) << not_url.error();
  auto elsewhere = document_source_path("https://example.com/fw.json");
  ASSERT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.error().find("neither an S3 URL"), std::string::npos) << elsewhere.error();
  auto ftp = document_source_path("ftp://127.0.0.1/fw.json");
  ASSERT_FALSE(ftp);
  EXPECT_NE(ftp.error().find("scheme ftp"), std::string::npos) << ftp.error();
  auto no_key = document_source_path("s3://fw");
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().find("no object key"), std::string::npos) << no_key.error();
  EXPECT_FALSE(document_source_path("s3:///key"));
}

TEST_F(RestApi, CreateJobFetchesItsDocumentSourceFromTheFileServer) {
  ASSERT_EQ(call("POST", "/things/t1", "{}").status, 200);
  std::vector<std::string> fetched;
  const DocumentFetcher fetch = [&](const std::string& path) -> Expected<std::string, std::string> {
    fetched.push_back(path);
    if (path == "/jobs/fw.json") return std::string(R"({"operation":"app_fw_update","size":7})");
    return unexpected(std::string("HTTP 404"));
  };
  auto create = [&](const std::string& id, json extra) {
    json body = {{"targets", {thing_arn + "t1"}}};
    body.update(extra);
    return handle_rest(*service, {"PUT", "/jobs/" + id, {}, body.dump()}, now, notifications, {}, fetch);
  };
  auto created = create("j1", {{"documentSource", "https://fw.s3.us-east-1.amazonaws.com/jobs/fw.json"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(fetched, std::vector<std::string>{"/jobs/fw.json"});
  EXPECT_EQ(parsed(call("GET", "/jobs/j1/job-document"))["document"], R"({"operation":"app_fw_update","size":7})");

  auto missing = create("j2", {{"documentSource", "s3://fw/nope.json"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.error_type, "InvalidRequestException");
  EXPECT_NE(parsed(missing)["message"].get<std::string>().find("cannot fetch s3://fw/nope.json: HTTP 404"),
            std::string::npos) << missing.body;
  auto both = create("j3", {{"documentSource", "s3://fw/jobs/fw.json"}, {"document", "{}"}});
  EXPECT_EQ(both.status, 400);
  EXPECT_NE(parsed(both)["message"].get<std::string>().find("not both"), std::string::npos) << both.body;
  auto bad_url = create("j4", {{"documentSource", "https://example.com/fw.json"}});
  EXPECT_EQ(bad_url.status, 400);
  EXPECT_NE(parsed(bad_url)["message"].get<std::string>().find("documentSource: 'https://example.com"),
            std::string::npos) << bad_url.body;
  // A service started without a file server says so instead of pretending.
  auto no_server = call("PUT", "/jobs/j5", json{{"targets", {thing_arn + "t1"}}, {"documentSource", "s3://fw/jobs/fw.json"}}.dump());
  EXPECT_EQ(no_server.status, 400);
  EXPECT_NE(parsed(no_server)["message"].get<std::string>().find("without a file server"), std::string::npos);
  EXPECT_EQ(fetched.size(), 2u) << "only well-formed single sources are fetched";
}

TEST_F(RestApi, ListsComeInPagesOfMaxResultsLinkedByNextToken) {
  for (const char* t : {"t1", "t2", "t3", "t4", "t5"}) ASSERT_EQ(call("POST", std::string("/things/") + t, "{}").status, 200);
  std::vector<std::string> names;
  std::map<std::string, std::string> query{{"maxResults", "2"}};
  for (int page = 0; page < 10; ++page) {
    auto r = parsed(call("GET", "/things", "", query));
    EXPECT_LE(r["things"].size(), 2u);
    for (const auto& t : r["things"]) names.push_back(t["thingName"]);
    if (!r.contains("nextToken")) break;
    query["nextToken"] = r["nextToken"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"t1", "t2", "t3", "t4", "t5"}));

  auto all = parsed(call("GET", "/things"));
  EXPECT_EQ(all["things"].size(), 5u);
  EXPECT_FALSE(all.contains("nextToken")) << "everything fits the default page";

  ASSERT_EQ(call("PUT", "/jobs/j1", json{{"targets", {thing_arn + "t1", thing_arn + "t2", thing_arn + "t3"}},
                                         {"document", "{}"}}.dump()).status, 200);
  auto first = parsed(call("GET", "/jobs/j1/things", "", {{"maxResults", "2"}}));
  ASSERT_EQ(first["executionSummaries"].size(), 2u);
  auto second = parsed(call("GET", "/jobs/j1/things", "", {{"maxResults", "2"}, {"nextToken", first["nextToken"]}}));
  ASSERT_EQ(second["executionSummaries"].size(), 1u);
  EXPECT_EQ(second["executionSummaries"][0]["thingArn"], thing_arn + "t3");
  EXPECT_FALSE(second.contains("nextToken"));

  for (const auto& [k, v] : std::map<std::string, std::string>{{"maxResults", "0"}, {"maxResults", "251"}}) {
    auto bad = call("GET", "/jobs", "", {{k, v}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(parsed(bad)["message"].get<std::string>().find("maxResults: '" + v + "' must be a number in 1..250"),
              std::string::npos) << bad.body;
  }
  for (const char* token : {"x", "-1", "99", ""}) {
    auto bad = call("GET", "/things/t1/jobs", "", {{"nextToken", token}});
    EXPECT_EQ(bad.status, 400) << token;
    EXPECT_NE(parsed(bad)["message"].get<std::string>().find("is not a token this list handed out"), std::string::npos);
  }
}

}  // namespace
}  // namespace awsfota::jobsd::testing
