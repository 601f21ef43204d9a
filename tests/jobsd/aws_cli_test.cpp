// The control plane through Debian's AWS CLI (`aws iot ... --endpoint-url`), as an operator uses it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "jobsd/local_stack.hpp"
#include "support/nginx.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
constexpr const char* kAws = "/usr/bin/aws";

class AwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kAws)) GTEST_SKIP() << "Debian's awscli is not installed";
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    setenv("AWS_PAGER", "", 1);
    // The file server create-job --document-source fetches from, as scripts/stack runs it: nginx.
    std::filesystem::create_directories(dir.path() / "files");
    auto n = awsfota::testing::Nginx::start(dir.path() / "nginx", {.root = dir.path() / "files"});
    ASSERT_TRUE(n) << n.error();
    files = std::move(*n);
    // Deletion shows DELETION_IN_PROGRESS long enough for the next CLI call to see it, however busy the machine.
    auto s = LocalStack::start(dir.path(), {.documents_url = "http://127.0.0.1:" + std::to_string(files->http_port()),
                                            .extra_args = {"--job-deletion-ms", "12000"}});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
    // The stack's key pair: the service checks the CLI's signatures against it.
    for (const auto& [name, value] : stack->aws_env()) setenv(name.c_str(), value.c_str(), 1);
  }

  // Runs `aws iot ARGS --endpoint-url ...`; its JSON output, or its error text.
  Expected<json, std::string> iot(std::vector<std::string> args) {
    std::vector<std::string> argv = {kAws, "iot"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(stack->http_port()),
                             "--output", "json", "--no-cli-pager"});
    auto out = awsfota::testing::run_command(argv);
    if (!out) return unexpected(out.error());
    if (out->find_first_not_of(" \n") == std::string::npos) return json::object();
    auto parsed = json::parse(*out, nullptr, false);
    if (parsed.is_discarded()) return unexpected("not JSON: " + *out);
    return parsed;
  }

  // How many requests of `operation` the service logged (one line per request).
  int logged(const std::string& operation) {
    std::ifstream log(dir.path() / "jobsd-1.log");
    int n = 0;
    for (std::string line; std::getline(log, line);) n += line.find(" " + operation + " ") != std::string::npos;
    return n;
  }

  // Things in group "fleet", set up over REST: only the calls under test go through the (slow to start) CLI.
  void fleet(std::initializer_list<const char*> members, std::initializer_list<const char*> others = {}) {
    ASSERT_EQ(stack->rest("POST", "/thing-groups/fleet", "{}").status, 200);
    for (const char* t : others) ASSERT_EQ(stack->rest("POST", std::string("/things/") + t, "{}").status, 200);
    for (const char* t : members) {
      ASSERT_EQ(stack->rest("POST", std::string("/things/") + t, "{}").status, 200);
      ASSERT_EQ(stack->rest("PUT", "/thing-groups/addThingToThingGroup",
                            nlohmann::json{{"thingGroupName", "fleet"}, {"thingName", t}}.dump())
                    .status,
                200);
    }
  }

  awsfota::testing::TempDir dir{"jobsd-cli"};
  std::unique_ptr<awsfota::testing::Nginx> files;
  std::unique_ptr<LocalStack> stack;
};

TEST_F(AwsCli, RunsAJobLifecycleAndPrintsAwsErrors) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  auto thing = iot({"create-thing", "--thing-name", "t1"});
  ASSERT_TRUE(thing) << thing.error();
  EXPECT_EQ((*thing)["thingArn"], arn + "thing/t1");
  ASSERT_TRUE(iot({"create-thing-group", "--thing-group-name", "fleet"}));
  ASSERT_TRUE(iot({"add-thing-to-thing-group", "--thing-group-name", "fleet", "--thing-name", "t1"}));

  std::ofstream(dir.path() / "doc.json") << R"({"operation":"app_fw_update","size":3})";
  auto job = iot({"create-job", "--job-id", "j1", "--targets", arn + "thinggroup/fleet", "--document",
                  "file://" + (dir.path() / "doc.json").string(), "--timeout-config", "inProgressTimeoutInMinutes=30",
                  "--presigned-url-config", "roleArn=arn:aws:iam::000000000000:role/x,expiresInSec=600"});
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ((*job)["jobArn"], arn + "job/j1");

  auto execution = iot({"describe-job-execution", "--job-id", "j1", "--thing-name", "t1"});
  ASSERT_TRUE(execution) << execution.error();
  EXPECT_EQ((*execution)["execution"]["status"], "QUEUED");
  EXPECT_EQ((*execution)["execution"]["versionNumber"], 1);

  auto for_job = iot({"list-job-executions-for-job", "--job-id", "j1"});
  ASSERT_TRUE(for_job) << for_job.error();
  EXPECT_EQ((*for_job)["executionSummaries"][0]["thingArn"], arn + "thing/t1");

  ASSERT_TRUE(iot({"cancel-job", "--job-id", "j1", "--force", "--comment", "bad build"}));
  auto described = iot({"describe-job", "--job-id", "j1"});
  ASSERT_TRUE(described) << described.error();
  EXPECT_EQ((*described)["job"]["status"], "CANCELED");
  EXPECT_EQ((*described)["job"]["jobProcessDetails"]["numberOfCanceledThings"], 1);

  auto missing = iot({"describe-job", "--job-id", "nope"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("An error occurred (ResourceNotFoundException) when calling the DescribeJob operation"),
            std::string::npos)
      << missing.error();
}

TEST_F(AwsCli, CancelsOneExecutionDeletesAJobAndKeepsRolloutAndTargetSelection) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  for (const char* t : {"t1", "t2"}) ASSERT_TRUE(iot({"create-thing", "--thing-name", t}));
  std::ofstream(dir.path() / "doc.json") << R"({"operation":"app_fw_update","size":3})";
  auto job = iot({"create-job", "--job-id", "j2", "--targets", arn + "thing/t1", arn + "thing/t2", "--document",
                  "file://" + (dir.path() / "doc.json").string(), "--target-selection", "CONTINUOUS",
                  "--job-executions-rollout-config", "maximumPerMinute=50"});
  ASSERT_TRUE(job) << job.error();

  auto described = iot({"describe-job", "--job-id", "j2"});
  ASSERT_TRUE(described) << described.error();
  EXPECT_EQ((*described)["job"]["targetSelection"], "CONTINUOUS");
  EXPECT_EQ((*described)["job"]["jobExecutionsRolloutConfig"]["maximumPerMinute"], 50);

  ASSERT_TRUE(iot({"cancel-job-execution", "--job-id", "j2", "--thing-name", "t1"}));
  auto t1 = iot({"describe-job-execution", "--job-id", "j2", "--thing-name", "t1"});
  ASSERT_TRUE(t1) << t1.error();
  EXPECT_EQ((*t1)["execution"]["status"], "CANCELED");
  auto t2 = iot({"describe-job-execution", "--job-id", "j2", "--thing-name", "t2"});
  ASSERT_TRUE(t2) << t2.error();
  EXPECT_EQ((*t2)["execution"]["status"], "QUEUED");

  auto for_thing = iot({"list-job-executions-for-thing", "--thing-name", "t2"});
  ASSERT_TRUE(for_thing) << for_thing.error();
  EXPECT_EQ((*for_thing)["executionSummaries"][0]["jobId"], "j2");

  // A job that is not COMPLETED or CANCELED is deleted only with --force, as AWS does; the deletion
  // takes a while, and the id stays taken until it is done.
  auto refused = iot({"delete-job", "--job-id", "j2"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("(InvalidStateTransitionException) when calling the DeleteJob operation"),
            std::string::npos)
      << refused.error();
  ASSERT_TRUE(iot({"delete-job", "--job-id", "j2", "--force"}));
  auto deleting = iot({"describe-job", "--job-id", "j2"});
  ASSERT_TRUE(deleting) << deleting.error();
  EXPECT_EQ((*deleting)["job"]["status"], "DELETION_IN_PROGRESS");
  // Waited for over REST: an AWS CLI call costs seconds on a busy machine.
  for (int i = 0; i < 80 && stack->rest("GET", "/jobs/j2").status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  auto gone = iot({"describe-job", "--job-id", "j2"});
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().find("ResourceNotFoundException"), std::string::npos) << gone.error();
}

TEST_F(AwsCli, CreateJobTakesItsDocumentFromAnS3UrlOnTheLocalFileServer) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  ASSERT_TRUE(iot({"create-thing", "--thing-name", "t1"}));
  std::filesystem::create_directories(dir.path() / "files" / "jobs");
  const std::string document = R"({"operation":"app_fw_update","fwversion":"v1.0.2","size":181124})";
  std::ofstream(dir.path() / "files" / "jobs" / "fw.json") << document;

  auto job = iot({"create-job", "--job-id", "from-s3", "--targets", arn + "thing/t1", "--document-source",
                  "https://fw-bucket.s3.us-east-1.amazonaws.com/jobs/fw.json"});
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ((*job)["jobId"], "from-s3");
  auto stored = iot({"get-job-document", "--job-id", "from-s3"});
  ASSERT_TRUE(stored) << stored.error();
  EXPECT_EQ(json::parse((*stored)["document"].get<std::string>()), json::parse(document));

  auto missing = iot({"create-job", "--job-id", "nope", "--targets", arn + "thing/t1", "--document-source",
                      "s3://fw-bucket/jobs/missing.json"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("(InvalidRequestException) when calling the CreateJob operation: documentSource: "
                                 "cannot fetch s3://fw-bucket/jobs/missing.json"),
            std::string::npos)
      << missing.error();
}

TEST_F(AwsCli, AutoPaginatesTheListsThroughNextToken) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  std::vector<std::string> targets;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(iot({"create-thing", "--thing-name", "t" + std::to_string(i)}));
    targets.push_back(arn + "thing/t" + std::to_string(i));
  }
  std::ofstream(dir.path() / "doc.json") << R"({"operation":"x"})";
  for (const char* id : {"j1", "j2", "j3"}) {
    std::vector<std::string> args = {"create-job", "--job-id", id, "--document", "file://" + (dir.path() / "doc.json").string(),
                                     "--targets"};
    args.insert(args.end(), targets.begin(), targets.end());
    ASSERT_TRUE(iot(args));
  }
  // --page-size sets maxResults; the CLI follows nextToken until the service stops sending one.
  auto things = iot({"list-things", "--page-size", "2"});
  ASSERT_TRUE(things) << things.error();
  ASSERT_EQ((*things)["things"].size(), 5u) << things->dump();
  EXPECT_EQ((*things)["things"][4]["thingName"], "t5");
  EXPECT_EQ(logged("ListThings"), 3) << "pages of 2, 2 and 1: the service paged, not the CLI";
  auto jobs = iot({"list-jobs", "--page-size", "1"});
  ASSERT_TRUE(jobs) << jobs.error();
  ASSERT_EQ((*jobs)["jobs"].size(), 3u);
  EXPECT_EQ((*jobs)["jobs"][2]["jobId"], "j3");
  auto for_job = iot({"list-job-executions-for-job", "--job-id", "j2", "--page-size", "2"});
  ASSERT_TRUE(for_job) << for_job.error();
  EXPECT_EQ((*for_job)["executionSummaries"].size(), 5u);
  auto for_thing = iot({"list-job-executions-for-thing", "--thing-name", "t3", "--page-size", "2"});
  ASSERT_TRUE(for_thing) << for_thing.error();
  EXPECT_EQ((*for_thing)["executionSummaries"].size(), 3u);
  // --max-items stops early and hands back a token to resume from.
  auto first = iot({"list-things", "--page-size", "2", "--max-items", "3"});
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ((*first)["things"].size(), 3u);
  ASSERT_TRUE(first->contains("NextToken")) << first->dump();
  auto rest = iot({"list-things", "--page-size", "2", "--starting-token", (*first)["NextToken"].get<std::string>()});
  ASSERT_TRUE(rest) << rest.error();
  ASSERT_EQ((*rest)["things"].size(), 2u) << rest->dump();
  EXPECT_EQ((*rest)["things"][0]["thingName"], "t4");
}

// abortConfig and exponentialRate as an operator gives them to `aws iot create-job`: the base rate
// notifies 4 of 5 things in the first minute; two failures of four trip the rule at 50 %.
TEST_F(AwsCli, AbortConfigCancelsTheRolloutAndDescribeJobSaysWhy) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  fleet({"t1", "t2", "t3", "t4", "t5"});
  std::ofstream(dir.path() / "doc.json") << R"({"operation":"app_fw_update"})";
  const json rollout = json::parse(R"({"maximumPerMinute":10,"exponentialRate":{"baseRatePerMinute":4,)"
                                   R"("incrementFactor":1.5,"rateIncreaseCriteria":{"numberOfSucceededThings":2}}})");
  const json abort = json::parse(R"({"criteriaList":[{"failureType":"FAILED","action":"CANCEL",)"
                                 R"("thresholdPercentage":50,"minNumberOfExecutedThings":2}]})");
  auto job = iot({"create-job", "--job-id", "j3", "--targets", arn + "thinggroup/fleet", "--document",
                  "file://" + (dir.path() / "doc.json").string(), "--job-executions-rollout-config", rollout.dump(),
                  "--abort-config", abort.dump()});
  ASSERT_TRUE(job) << job.error();
  auto described = iot({"describe-job", "--job-id", "j3"});
  ASSERT_TRUE(described) << described.error();
  EXPECT_EQ((*described)["job"]["jobExecutionsRolloutConfig"], rollout);
  EXPECT_EQ((*described)["job"]["abortConfig"], abort);
  EXPECT_EQ((*described)["job"]["jobProcessDetails"]["numberOfQueuedThings"], 4);
  EXPECT_EQ((*described)["job"]["jobProcessDetails"]["processingTargets"], json::array({arn + "thinggroup/fleet"}));

  std::map<std::string, std::unique_ptr<TestDevice>> devices;
  for (const char* t : {"t1", "t2", "t3"}) {
    auto d = stack->device(t);
    ASSERT_TRUE(d) << d.error();
    devices[t] = std::move(*d);
    ASSERT_TRUE(devices[t]->request("start-next", "{}"));
  }
  ASSERT_TRUE(devices["t1"]->request("j3/update", R"({"status":"FAILED"})"));  // 1 of 4
  EXPECT_EQ(stack->rest("GET", "/jobs/j3").body["job"]["status"], "IN_PROGRESS");
  ASSERT_TRUE(devices["t2"]->request("j3/update", R"({"status":"FAILED"})"));  // 2 of 4: 50 %

  described = iot({"describe-job", "--job-id", "j3"});
  ASSERT_TRUE(described) << described.error();
  const json& aborted = (*described)["job"];
  EXPECT_EQ(aborted["status"], "CANCELED");
  EXPECT_EQ(aborted["reasonCode"], "ABORT_CRITERIA_MET");
  EXPECT_EQ(aborted["comment"].get<std::string>().rfind("Aborted by abortConfig: 2 of 4 notified things ended FAILED", 0), 0u)
      << aborted["comment"];
  EXPECT_EQ(aborted["jobProcessDetails"]["numberOfFailedThings"], 2);
  EXPECT_EQ(aborted["jobProcessDetails"]["numberOfInProgressThings"], 1) << "t3 runs on, as on AWS";
  EXPECT_EQ(aborted["jobProcessDetails"]["numberOfCanceledThings"], 1) << "t4 was still QUEUED";
  EXPECT_EQ(aborted["jobProcessDetails"]["numberOfQueuedThings"], 0);
  EXPECT_FALSE(aborted["jobProcessDetails"].contains("processingTargets"));
  EXPECT_EQ(stack->rest("GET", "/things/t5/jobs/j3").error_type, "ResourceNotFoundException")
      << "t5 waited for the next minute and never gets the job";
  auto t3 = devices["t3"]->request("j3/update", R"({"status":"SUCCEEDED"})");
  ASSERT_TRUE(t3);
  EXPECT_EQ(t3->topic, devices["t3"]->topic("j3/update/accepted")) << t3->body.dump();
}

TEST_F(AwsCli, AContinuousJobWithARolloutRateReachesAThingAddedLaterAndBadRulesAreRefused) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  fleet({"t1", "t2", "t3"}, {"late"});
  std::ofstream(dir.path() / "doc.json") << R"({"operation":"app_fw_update"})";
  const std::vector<std::string> create = {
      "create-job", "--targets", arn + "thinggroup/fleet", "--document", "file://" + (dir.path() / "doc.json").string(),
      "--target-selection", "CONTINUOUS", "--job-executions-rollout-config",
      R"({"exponentialRate":{"baseRatePerMinute":1,"incrementFactor":2,"rateIncreaseCriteria":{"numberOfNotifiedThings":5}}})"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = create;
    args.insert(args.end(), more.begin(), more.end());
    return iot(args);
  };
  auto bad = with({"--job-id", "bad", "--abort-config",
                   "criteriaList=[{failureType=FAILED,action=CANCEL,thresholdPercentage=10.999,minNumberOfExecutedThings=5}]"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("(InvalidRequestException) when calling the CreateJob operation: abortConfig.criteriaList[0]."
                             "thresholdPercentage must be 0..100 with at most two decimals"),
            std::string::npos)
      << bad.error();

  ASSERT_TRUE(with({"--job-id", "j4", "--abort-config",
                    "criteriaList=[{failureType=ALL,action=CANCEL,thresholdPercentage=10,minNumberOfExecutedThings=5}]"}));
  EXPECT_EQ(stack->rest("GET", "/jobs/j4").body["job"]["jobProcessDetails"]["numberOfQueuedThings"], 1)
      << "the base rate: one a minute";

  ASSERT_TRUE(iot({"add-thing-to-thing-group", "--thing-group-name", "fleet", "--thing-name", "late"}));
  EXPECT_EQ(stack->rest("GET", "/things/late/jobs/j4").body["execution"]["status"], "QUEUED")
      << "a later member is not held back by the rate";
  auto described = iot({"describe-job", "--job-id", "j4"});
  ASSERT_TRUE(described) << described.error();
  EXPECT_EQ((*described)["job"]["jobProcessDetails"]["numberOfQueuedThings"], 2);
  EXPECT_EQ((*described)["job"]["status"], "IN_PROGRESS");
}

TEST_F(AwsCli, RefusesForeignTargetsUnimplementedFieldsAndOperationsAsAwsDoes) {
  ASSERT_TRUE(iot({"create-thing", "--thing-name", "t1"}));
  auto foreign = iot({"create-job", "--job-id", "j", "--targets", "arn:aws:iot:us-east-1:111122223333:thing/t1",
                      "--document", "{}"});
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().find("(InvalidRequestException) when calling the CreateJob operation: targets: "
                                 "'arn:aws:iot:us-east-1:111122223333:thing/t1' is in region us-east-1, account "
                                 "111122223333"),
            std::string::npos)
      << foreign.error();
  const std::string t1 = "arn:aws:iot:us-east-1:000000000000:thing/t1";
  auto scheduled = iot({"create-job", "--job-id", "j", "--targets", t1, "--document", "{}", "--scheduling-config",
                        "startTime=2030-01-01T00:00"});
  ASSERT_FALSE(scheduled);
  EXPECT_NE(scheduled.error().find("(InvalidRequestException) when calling the CreateJob operation: schedulingConfig:"),
            std::string::npos)
      << scheduled.error();
  const std::string placeholder = R"({"url":"${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/b/fw.bin}"})";
  auto no_role = iot({"create-job", "--job-id", "j", "--targets", t1, "--document", placeholder});
  ASSERT_FALSE(no_role);
  EXPECT_NE(no_role.error().find("CreateJob operation: presignedUrlConfig.roleArn:"), std::string::npos) << no_role.error();
  ASSERT_EQ(stack->rest("PUT", "/jobs/j", json{{"targets", {t1}}, {"document", "{}"}}.dump()).status, 200);
  auto lower = iot({"cancel-job", "--job-id", "j", "--reason-code", "oops"});
  ASSERT_FALSE(lower);
  EXPECT_NE(lower.error().find("(InvalidRequestException) when calling the CancelJob operation: reasonCode:"),
            std::string::npos)
      << lower.error();
  // An operation the service lacks says so, once (botocore does not retry a 501).
  auto templates = iot({"list-job-templates"});
  ASSERT_FALSE(templates);
  EXPECT_NE(templates.error().find("(NotImplementedException) when calling the ListJobTemplates operation"),
            std::string::npos)
      << templates.error();
  EXPECT_EQ(logged("501"), 1);
}

// The registry is set up over REST directly: each AWS CLI call costs a second or two.
TEST_F(AwsCli, ServesTheThingGroupOperationsAndRemovesWhatLeavesAGroup) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  ASSERT_EQ(stack->rest("POST", "/thing-groups/fleet").status, 200);
  for (const char* t : {"t1", "t2"}) {
    ASSERT_EQ(stack->rest("POST", std::string("/things/") + t).status, 200);
    ASSERT_EQ(stack->rest("PUT", "/thing-groups/addThingToThingGroup",
                          json{{"thingGroupName", "fleet"}, {"thingName", t}}.dump())
                  .status,
              200);
  }
  ASSERT_EQ(stack->rest("PUT", "/jobs/g", json{{"targets", {arn + "thinggroup/fleet"}}, {"document", "{}"}}.dump()).status,
            200);
  EXPECT_EQ((*iot({"describe-thing-group", "--thing-group-name", "fleet"}))["thingGroupArn"], arn + "thinggroup/fleet");
  EXPECT_EQ((*iot({"list-thing-groups"}))["thingGroups"][0]["groupName"], "fleet");
  EXPECT_EQ((*iot({"list-jobs", "--thing-group-name", "fleet"}))["jobs"][0]["jobId"], "g");
  ASSERT_TRUE(iot({"remove-thing-from-thing-group", "--thing-group-name", "fleet", "--thing-name", "t1"}));
  EXPECT_EQ((*iot({"list-things-in-thing-group", "--thing-group-name", "fleet"}))["things"], (json::array({"t2"})));
  auto removed = iot({"describe-job-execution", "--job-id", "g", "--thing-name", "t1"});
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ((*removed)["execution"]["status"], "REMOVED");
}

TEST_F(AwsCli, ServesUpdateJobDeleteJobExecutionDeleteThingAndDescribeEndpoint) {
  const std::string arn = "arn:aws:iot:us-east-1:000000000000:";
  for (const char* t : {"t1", "t2"}) ASSERT_EQ(stack->rest("POST", std::string("/things/") + t).status, 200);
  const std::string role = "roleArn=arn:aws:iam::000000000000:role/presign,expiresInSec=300";
  const std::string placeholder = R"({"url":"${aws:iot:s3-presigned-url:https://b.s3.us-east-1.amazonaws.com/fw.bin}"})";
  ASSERT_TRUE(iot({"create-job", "--job-id", "g", "--targets", arn + "thing/t1", arn + "thing/t2", "--document",
                   placeholder, "--presigned-url-config", role}));
  ASSERT_TRUE(iot({"update-job", "--job-id", "g", "--description", "second wave"}));
  auto job = iot({"describe-job", "--job-id", "g"});
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ((*job)["job"]["presignedUrlConfig"],
            (json{{"roleArn", "arn:aws:iam::000000000000:role/presign"}, {"expiresInSec", 300}}));
  EXPECT_EQ((*job)["job"]["description"], "second wave");

  const auto number = stack->rest("GET", "/things/t1/jobs/g").body["execution"]["executionNumber"].get<std::int64_t>();
  auto queued = iot({"delete-job-execution", "--job-id", "g", "--thing-name", "t1", "--execution-number",
                     std::to_string(number)});
  ASSERT_FALSE(queued);
  EXPECT_NE(queued.error().find("(InvalidStateTransitionException) when calling the DeleteJobExecution operation"),
            std::string::npos)
      << queued.error();
  ASSERT_TRUE(iot({"delete-job-execution", "--job-id", "g", "--thing-name", "t1", "--execution-number",
                   std::to_string(number), "--force"}));
  EXPECT_EQ(stack->rest("GET", "/things/t1/jobs/g").status, 404);
  ASSERT_TRUE(iot({"delete-thing", "--thing-name", "t2"}));
  EXPECT_EQ(stack->rest("GET", "/things/t2/jobs/g").body["execution"]["status"], "REMOVED");

  auto endpoint = iot({"describe-endpoint", "--endpoint-type", "iot:Data-ATS"});
  ASSERT_TRUE(endpoint) << endpoint.error();
  EXPECT_EQ((*endpoint)["endpointAddress"], "127.0.0.1");
}

}  // namespace
}  // namespace awsfota::jobsd::testing
