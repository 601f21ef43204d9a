// The requests the job commands send and how they read answers, in botocore's iot/2015-05-28 shapes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/endpoint.hpp"
#include "cli/iot_api.hpp"

namespace awsfota::cli {
namespace {

using nlohmann::json;
using Query = std::vector<std::pair<std::string, std::string>>;

TEST(IotApi, CreateJob_IsPutWithBotocoreBody) {
  CreateJobParams p;
  p.job_id = "fw-1";
  p.targets = {thing_arn("eu-west-1", "123456789012", "t1")};
  p.document = R"({"operation":"app_fw_update"})";
  p.description = "v1.0.1";
  p.in_progress_timeout_minutes = 30;
  p.presigned_url_expires_sec = 600;
  p.presigned_url_role_arn = "arn:aws:iam::123456789012:role/r";
  p.max_executions_per_minute = 10;
  const auto r = create_job_request(p);
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.path, "/jobs/fw-1");
  EXPECT_TRUE(r.query.empty());
  EXPECT_EQ(json::parse(r.body),
            json::parse(R"({"targets":["arn:aws:iot:eu-west-1:123456789012:thing/t1"],
              "document":"{\"operation\":\"app_fw_update\"}","description":"v1.0.1","targetSelection":"SNAPSHOT",
              "timeoutConfig":{"inProgressTimeoutInMinutes":30},
              "presignedUrlConfig":{"roleArn":"arn:aws:iam::123456789012:role/r","expiresInSec":600},
              "jobExecutionsRolloutConfig":{"maximumPerMinute":10}})"));
}

TEST(IotApi, CreateJob_LeavesOutWhatIsNotGiven) {
  CreateJobParams p;
  p.job_id = "j";
  p.targets = {thing_group_arn("us-east-1", "1", "g")};
  p.document = "{}";
  EXPECT_EQ(json::parse(create_job_request(p).body),
            json::parse(R"({"targets":["arn:aws:iot:us-east-1:1:thinggroup/g"],"document":"{}",
                            "targetSelection":"SNAPSHOT"})"));
  // documentSource instead of the document, never both (AWS refuses that).
  p.document_source = "s3://fw-bucket/jobs/fw.json";
  EXPECT_EQ(json::parse(create_job_request(p).body),
            json::parse(R"({"targets":["arn:aws:iot:us-east-1:1:thinggroup/g"],
                            "documentSource":"s3://fw-bucket/jobs/fw.json","targetSelection":"SNAPSHOT"})"));
}

TEST(IotApi, DocumentSource_IsAnS3LinkOrObjectUrl) {
  for (const std::string ok : {"s3://fw-bucket/jobs/fw.json", "https://fw-bucket.s3.eu-west-1.amazonaws.com/jobs/fw.json",
                               "https://s3.us-east-1.amazonaws.com/example-firmware/device-firmware.1.0",
                               "http://127.0.0.1:8081/jobs/fw.json"}) {
    EXPECT_EQ(check_document_source(ok), "") << ok;
  }
  const std::string hint = "; expected s3://BUCKET/KEY or https://BUCKET.s3.REGION.amazonaws.com/KEY";
  EXPECT_EQ(check_document_source(""), "--document-source is empty" + hint);
  EXPECT_EQ(check_document_source("jobs/fw.json"),
            "--document-source 'jobs/fw.json' is neither an S3 link nor an http(s) URL with a host" + hint);
  EXPECT_EQ(check_document_source("ftp://h/fw.json"),
            "--document-source 'ftp://h/fw.json' is neither an S3 link nor an http(s) URL with a host" + hint);
  EXPECT_EQ(check_document_source("https://fw-bucket.s3.amazonaws.com/"),
            "--document-source 'https://fw-bucket.s3.amazonaws.com/' names no object (nothing after the host)" + hint);
  EXPECT_EQ(check_document_source("s3://fw-bucket"),
            "--document-source 's3://fw-bucket': expected s3://BUCKET/KEY with both a bucket and a key");
  EXPECT_EQ(check_document_source("s3:///key"),
            "--document-source 's3:///key': expected s3://BUCKET/KEY with both a bucket and a key");
  const std::string longest = "s3://b/" + std::string(kMaxDocumentSourceLength - 7, 'k');
  EXPECT_EQ(check_document_source(longest), "");
  EXPECT_EQ(check_document_source(longest + "k"), "--document-source is 1351 characters long, over AWS's limit of 1350");
}

TEST(IotApi, ReadRequests_HaveBotocorePathsAndQueries) {
  auto d = describe_job_request("fw-1");
  EXPECT_EQ(d.method + " " + d.path, "GET /jobs/fw-1");
  EXPECT_TRUE(d.body.empty());
  auto l = list_jobs_request({"IN_PROGRESS", "grp", 50, "tok"});
  EXPECT_EQ(l.method + " " + l.path, "GET /jobs");
  EXPECT_EQ(l.query, (Query{{"maxResults", "50"}, {"nextToken", "tok"}, {"status", "IN_PROGRESS"},
                            {"thingGroupName", "grp"}}));
  EXPECT_TRUE(list_jobs_request({}).query.empty());
  auto e = list_job_executions_for_job_request("fw-1", "n2");
  EXPECT_EQ(e.method + " " + e.path, "GET /jobs/fw-1/things");
  EXPECT_EQ(e.query, (Query{{"nextToken", "n2"}}));
  auto x = describe_job_execution_request("dev:1", "fw-1");
  EXPECT_EQ(x.method + " " + x.path, "GET /things/dev%3A1/jobs/fw-1");
  EXPECT_EQ(x.operation, "DescribeJobExecution");
}

TEST(IotApi, CancelJob_PutsForceAsQuery) {
  auto plain = cancel_job_request("fw-1", false);
  EXPECT_EQ(plain.method + " " + plain.path, "PUT /jobs/fw-1/cancel");
  EXPECT_TRUE(plain.query.empty());
  auto forced = cancel_job_request("fw-1", true, "bad build");
  EXPECT_EQ(forced.query, (Query{{"force", "true"}}));
  EXPECT_EQ(json::parse(forced.body), json::parse(R"({"comment":"bad build"})"));
}

TEST(IotApi, IdsAndNames_AreChecked) {
  EXPECT_TRUE(check_job_id("fw-1_A").empty());
  EXPECT_NE(check_job_id(""), "");
  EXPECT_NE(check_job_id("a/b"), "");
  EXPECT_NE(check_job_id(std::string(65, 'a')), "");
  EXPECT_TRUE(check_thing_name("dev:1").empty());
  EXPECT_NE(check_thing_name("dev 1"), "");
}

TEST(IotApi, DescribeJob_ReadsStatusTargetsAndCounts) {
  auto info = parse_describe_job(R"({"documentSource":null,"job":{"jobArn":"arn:aws:iot:r:1:job/fw-1","jobId":"fw-1",
    "status":"IN_PROGRESS","forceCanceled":false,"targets":["arn:aws:iot:r:1:thing/t1"],"createdAt":1.7e9,
    "jobProcessDetails":{"numberOfSucceededThings":2,"numberOfInProgressThings":1,"processingTargets":[]}}})");
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->job_id, "fw-1");
  EXPECT_EQ(info->status, "IN_PROGRESS");
  EXPECT_EQ(info->targets, std::vector<std::string>{"arn:aws:iot:r:1:thing/t1"});
  EXPECT_EQ(info->counts.at("succeeded"), 2);
  EXPECT_EQ(info->counts.at("inprogress"), 1);
  EXPECT_FALSE(parse_describe_job(R"({"nojob":1})"));
  EXPECT_FALSE(parse_describe_job("not json"));
}

TEST(IotApi, ListJobs_ReadsSummariesAndToken) {
  auto page = parse_list_jobs(R"({"jobs":[{"jobId":"a","status":"COMPLETED","targetSelection":"SNAPSHOT",
    "createdAt":1700000000.5},{"jobId":"b","status":"IN_PROGRESS"}],"nextToken":"t"})");
  ASSERT_TRUE(page) << page.error();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].job_id, "a");
  EXPECT_EQ(page->items[0].created_at, 1700000000.5);
  EXPECT_EQ(page->items[1].status, "IN_PROGRESS");
  EXPECT_EQ(page->next_token, "t");
}

TEST(IotApi, ListJobExecutions_ReadsThingFromArn) {
  auto page = parse_list_job_executions(R"({"executionSummaries":[
    {"thingArn":"arn:aws:iot:r:1:thing/t1","jobExecutionSummary":{"status":"QUEUED","executionNumber":1}},
    {"thingArn":"arn:aws:iot:r:1:thing/t2","jobExecutionSummary":{"status":"SUCCEEDED","executionNumber":3}}]})");
  ASSERT_TRUE(page) << page.error();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].thing_name, "t1");
  EXPECT_EQ(page->items[1].status, "SUCCEEDED");
  EXPECT_EQ(page->items[1].execution_number, 3);
  EXPECT_TRUE(page->next_token.empty());
  EXPECT_FALSE(parse_list_job_executions(R"({"executionSummaries":[{"jobExecutionSummary":{}}]})"));
}

TEST(IotApi, DescribeJobExecution_ReadsStatusDetailsMap) {
  auto ex = parse_describe_job_execution(R"({"execution":{"jobId":"fw-1","status":"IN_PROGRESS",
    "statusDetails":{"detailsMap":{"phase":"downloading","percent":"40"}},"thingArn":"arn:aws:iot:r:1:thing/t1",
    "versionNumber":3,"executionNumber":1}})");
  ASSERT_TRUE(ex) << ex.error();
  EXPECT_EQ(ex->thing_name, "t1");
  EXPECT_EQ(ex->status, "IN_PROGRESS");
  EXPECT_EQ(ex->status_details.at("phase"), "downloading");
  EXPECT_EQ(ex->status_details.at("percent"), "40");
  EXPECT_EQ(ex->version_number, 3);
  EXPECT_FALSE(parse_describe_job_execution("{}"));
}

TEST(IotApi, ErrorBody_BecomesOneLine) {
  EXPECT_EQ(describe_api_error("DescribeJob", 404, "ResourceNotFoundException:http://internal.amazon.com/",
                               R"({"message":"Job fw-9 does not exist"})"),
            "DescribeJob failed: ResourceNotFoundException: Job fw-9 does not exist (HTTP 404)");
  EXPECT_EQ(describe_api_error("CreateJob", 409, "", R"({"__type":"com.amazonaws#ResourceAlreadyExistsException",
                                                       "Message":"exists"})"),
            "CreateJob failed: ResourceAlreadyExistsException: exists (HTTP 409)");
  EXPECT_EQ(describe_api_error("ListJobs", 502, "", "<html>bad gateway</html>\n"),
            "ListJobs failed: <html>bad gateway</html> (HTTP 502)");
  EXPECT_NE(describe_api_error("ListJobs", 403, "InvalidSignatureException", "{}").find("AWS_SECRET_ACCESS_KEY"),
            std::string::npos);
}

TEST(Endpoint, SplitUrl_PartsAndDecodedQuery) {
  auto u = split_url("HTTP://127.0.0.1:8080/a/b%20c?x=1&y=a%2Fb&flag#frag");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->authority, "127.0.0.1:8080");
  EXPECT_EQ(u->path, "/a/b%20c");
  EXPECT_EQ(u->query, (Query{{"x", "1"}, {"y", "a/b"}, {"flag", ""}}));
  EXPECT_FALSE(split_url("ftp://h/x"));
  EXPECT_FALSE(split_url("h/x"));
  EXPECT_FALSE(split_url("http://user@h/x"));
}

TEST(Endpoint, IotEndpoint_RegionOrUrl) {
  auto aws = iot_endpoint("eu-west-1", "");
  ASSERT_TRUE(aws);
  EXPECT_EQ(join_url(*aws), "https://iot.eu-west-1.amazonaws.com/");
  auto local = iot_endpoint("", "http://127.0.0.1:9000/");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->authority, "127.0.0.1:9000");
  EXPECT_EQ(local->path, "");
  EXPECT_FALSE(iot_endpoint("", ""));
}

TEST(Endpoint, S3Target_VirtualHostedOrPathStyle) {
  auto aws = s3_object_target("s3://fw-bucket/rel/app v2.bin", "eu-central-1", "");
  ASSERT_TRUE(aws) << aws.error();
  EXPECT_EQ(aws->object_url, "https://fw-bucket.s3.eu-central-1.amazonaws.com/rel/app%20v2.bin");
  auto local = s3_object_target("s3://b/k.bin", "us-east-1", "http://127.0.0.1:9000");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->object_url, "http://127.0.0.1:9000/b/k.bin");
  EXPECT_FALSE(s3_object_target("s3://bucket-only", "r", ""));
}

TEST(Endpoint, S3Target_DottedOrNonDnsBucket_IsPathStyle) {
  // botocore: a dotted bucket would not match S3's wildcard certificate, so it goes in the path.
  auto dotted = s3_object_target("s3://fw.example.com/rel/app.bin", "eu-west-1", "");
  ASSERT_TRUE(dotted) << dotted.error();
  EXPECT_EQ(dotted->object_url, "https://s3.eu-west-1.amazonaws.com/fw.example.com/rel/app.bin");
  EXPECT_EQ(dotted->url.authority, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(dotted->url.path, "/fw.example.com/rel/app.bin");
  auto upper = s3_object_target("s3://Legacy_Bucket/k", "us-east-1", "");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->object_url, "https://s3.us-east-1.amazonaws.com/Legacy_Bucket/k");
  EXPECT_TRUE(s3_virtual_host_ok("fw-bucket-01"));
  for (const auto& path_style : std::vector<std::string>{"a.b.c", "ab", std::string(64, 'a'), "-fw", "fw-", "Fw", "fw_1", "10.0.0.1"})
    EXPECT_FALSE(s3_virtual_host_ok(path_style)) << path_style;
  EXPECT_FALSE(s3_object_target("https://b/k", "r", ""));
}

// Found by the cli_responses fuzz target: a message with a line break split the one-line error.
TEST(IotApi, ApiErrorStaysOneLineWhateverTheServerSends) {
  EXPECT_EQ(describe_api_error("DescribeJob", 404, "", R"({"message":"Job fw-9 not found\nsecond line\r\n"})"),
            "DescribeJob failed: Job fw-9 not found second line (HTTP 404)");
  EXPECT_EQ(describe_api_error("ListJobs", 429, "Throttling\nException", "Rate exceeded\r\nRetry later\n"),
            "ListJobs failed: Throttling Exception: Rate exceeded  Retry later (HTTP 429)");
}

// ---- following nextToken ------------------------------------------------------------------------

// A scripted ListJobs: page i answers with next_tokens[i] (the last page has ""), and every call is
// recorded. It refuses to go on forever, so a pager that never stops fails the test instead of hanging.
struct ScriptedPages {
  std::vector<std::string> next_tokens;
  std::vector<std::string> asked;
  Expected<Page<int>, std::string> operator()(const std::string& token) {
    asked.push_back(token);
    if (asked.size() > 3 * kMaxPages) return unexpected(std::string("scripted service: asked too often"));
    const std::size_t i = asked.size() - 1;
    return Page<int>{{static_cast<int>(i)}, i < next_tokens.size() ? next_tokens[i] : std::string("t") + std::to_string(i)};
  }
};

TEST(Paging, FollowsEveryTokenUntilAPageHasNone) {
  ScriptedPages pages{{"a", "b", ""}, {}};
  auto items = collect_pages<int>("ListJobs", pages);
  ASSERT_TRUE(items) << items.error();
  EXPECT_EQ(*items, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(pages.asked, (std::vector<std::string>{"", "a", "b"}));
}

TEST(Paging, StopsWithAClearErrorWhenTheServiceRepeatsAToken) {
  for (const auto& tokens : {std::vector<std::string>{"same", "same"}, std::vector<std::string>{"a", "b", "a"}}) {
    ScriptedPages pages{tokens, {}};
    auto items = collect_pages<int>("ListJobs", pages);
    ASSERT_FALSE(items) << "paging did not stop";
    EXPECT_EQ(pages.asked.size(), tokens.size()) << items.error();
    EXPECT_TRUE(items.error().starts_with("ListJobs: the service sent nextToken \"" + tokens.back() + "\" again after " +
                                          std::to_string(tokens.size()) + " pages"))
        << items.error();
  }
}

TEST(Paging, StopsAfterThePageCapWhenTokensNeverEnd) {
  ScriptedPages endless;  // a fresh token on every page
  auto items = collect_pages<int>("ListJobExecutionsForJob", endless);
  ASSERT_FALSE(items);
  EXPECT_EQ(endless.asked.size(), kMaxPages);
  EXPECT_EQ(items.error(), "ListJobExecutionsForJob: still more pages after 10000; stopped (the service keeps sending a nextToken)");
}

TEST(Paging, AFailedPageEndsThePagingWithItsError) {
  int calls = 0;
  auto items = collect_pages<int>("ListJobs", [&](const std::string&) -> Expected<Page<int>, std::string> {
    if (++calls == 2) return unexpected(std::string("ListJobs failed: Throttling (HTTP 429)"));
    return Page<int>{{calls}, "next"};
  });
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error(), "ListJobs failed: Throttling (HTTP 429)");
}

}  // namespace
}  // namespace awsfota::cli
