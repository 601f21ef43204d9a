// `awsfota job create --document-source` against the local awsfota-jobsd, which fetches the document
// from its file server (nginx) as AWS fetches it from S3: the CreateJob request carries documentSource,
// the service keeps the fetched document, and the command's usage errors come before any request.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "cli_runner.hpp"
#include "jobsd/local_stack.hpp"
#include "support/nginx.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

using awsfota::jobsd::testing::LocalStack;
using nlohmann::json;

class CliDocumentSource : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "files" / "jobs");
    auto n = awsfota::testing::Nginx::start(dir_.path() / "nginx", {.root = dir_.path() / "files"});
    ASSERT_TRUE(n) << n.error();
    files_ = std::move(*n);
    auto s = LocalStack::start(dir_.path() / "stack",
                               {.documents_url = "http://127.0.0.1:" + std::to_string(files_->http_port())});
    ASSERT_TRUE(s) << s.error();
    stack_ = std::move(*s);
    auto r = stack_->rest("POST", "/things/t1");
    ASSERT_LT(r.status, 300) << r.body.dump();
    std::ofstream(dir_.path() / "files" / "jobs" / "fw.json") << kDocument;
  }

  CliResult create(const std::string& job_id, std::vector<std::string> document_args) {
    std::vector<std::string> args{"job", "create", job_id, "--thing", "t1", "--account", "000000000000"};
    args.insert(args.end(), document_args.begin(), document_args.end());
    args.insert(args.end(), {"--endpoint-url", "http://127.0.0.1:" + std::to_string(stack_->http_port())});
    return run_awsfota(args, stack_->aws_env());
  }

  // The document the service holds for `job_id` (parsed), or null when there is none.
  json stored_document(const std::string& job_id) {
    auto r = stack_->rest("GET", "/jobs/" + job_id + "/job-document");
    if (r.status != 200 || !r.body["document"].is_string()) return nullptr;
    return json::parse(r.body["document"].get<std::string>());
  }

  static constexpr const char* kDocument =
      R"({"operation":"app_fw_update","fwversion":"v1.0.2","location":{"url":"https://127.0.0.1:8443/fw.bin"}})";

  awsfota::testing::TempDir dir_{"cli-docsrc"};
  std::unique_ptr<awsfota::testing::Nginx> files_;
  std::unique_ptr<LocalStack> stack_;
};

TEST_F(CliDocumentSource, EveryS3FormTheServiceFetchesBecomesTheJobsDocument) {
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"from-s3-uri", "s3://fw-bucket/jobs/fw.json"},
      {"from-virtual-hosted", "https://fw-bucket.s3.us-east-1.amazonaws.com/jobs/fw.json"},
      {"from-path-style", "https://s3.us-east-1.amazonaws.com/fw-bucket/jobs/fw.json"},
  };
  for (const auto& [job_id, source] : sources) {
    auto created = create(job_id, {"--document-source", source});
    ASSERT_EQ(created.exit_code, 0) << source << ": " << created.err;
    EXPECT_NE(created.out.find("created job " + job_id), std::string::npos) << created.out;
    EXPECT_EQ(stored_document(job_id), json::parse(kDocument)) << source;
  }
}

TEST_F(CliDocumentSource, AMissingObjectIsTheServicesErrorInOneLine) {
  auto missing = create("nope", {"--document-source", "s3://fw-bucket/jobs/missing.json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("CreateJob failed: InvalidRequestException: documentSource: cannot fetch "
                             "s3://fw-bucket/jobs/missing.json"),
            std::string::npos)
      << missing.err;
  EXPECT_TRUE(stored_document("nope").is_null());
}

TEST_F(CliDocumentSource, ExactlyOneWayOfGivingTheDocumentOrAUsageError) {
  const std::string file = (dir_.path() / "files" / "jobs" / "fw.json").string();
  auto both = create("both", {"--document-file", file, "--document-source", "s3://fw-bucket/jobs/fw.json"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("more than one job document: give one of --document-file FILE, --document-source S3-URL, "
                          "or --image FILE with --url (or --host/--path)"),
            std::string::npos)
      << both.err;
  auto none = create("none", {});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no job document: give one of"), std::string::npos) << none.err;
  auto empty = create("empty", {"--document-source", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("--document-source is empty"), std::string::npos) << empty.err;
  auto not_s3 = create("not-s3", {"--document-source", "jobs/fw.json"});
  EXPECT_EQ(not_s3.exit_code, 2);
  EXPECT_NE(not_s3.err.find("--document-source 'jobs/fw.json' is neither an S3 link nor an http(s) URL"),
            std::string::npos)
      << not_s3.err;
  for (const char* job_id : {"both", "none", "empty", "not-s3"}) {
    EXPECT_TRUE(stored_document(job_id).is_null()) << job_id << " was created";
  }
}

}  // namespace
}  // namespace awsfota::cli::testing
