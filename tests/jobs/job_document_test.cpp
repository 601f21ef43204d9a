#include "awsfota/jobs/job_document.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace awsfota::jobs {
namespace {

constexpr std::string_view kJobId = "9b5caac6-3e8a-45dd-9273-c1b995762f4a";
constexpr std::string_view kHost = "fota-update-bucket.s3.eu-central-1.amazonaws.com";

// An S3 presigned query string of the usual shape (SigV4, one week, signed host header).
const std::string kPresignedQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAEXAMPLEFOTA00001%2F20190604%2Feu-central-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20190604T115208Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=5d1f5e8cbd2c6a7e0b8f3f7a4b9d1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c";
const std::string kPath = "/update.bin?" + kPresignedQuery;

std::string execution_message(const std::string& execution_fields) {
  return R"({"timestamp":1559651527,"execution":{)" + execution_fields + "}}";
}

// The reference's full notify-next test message, with its document given as `location`.
std::string reference_message(const std::string& location) {
  return execution_message(R"("jobId":")" + std::string(kJobId) +
                           R"(","status":"QUEUED","queuedAt":1559651525,"lastUpdatedAt":1559651525,)"
                           R"("versionNumber":1,"executionNumber":1,"jobDocument":{"operation":"app_fw_update",)"
                           R"("fwversion":"v1.0.2","size":181124,"location":)" +
                           location + "}");
}

std::string split_location(const std::string& protocol, const std::string& host, const std::string& path) {
  return R"({"protocol":")" + protocol + R"(","host":")" + host + R"(","path":")" + path + R"("})";
}

std::string document_with_location(const std::string& location) {
  return R"({"operation":"app_fw_update","location":)" + location + "}";
}

std::size_t count_of(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// --- the reference's cases ------------------------------------------------------------------------

TEST(JobDocument, ParsesTheReferenceExecutionMessage) {
  const auto r = parse_job_execution_message(reference_message(split_location("https:", std::string(kHost), kPath)));
  ASSERT_EQ(r.status, JobParseStatus::Ok) << r.reason;
  EXPECT_TRUE(r.reason.empty());
  EXPECT_EQ(r.job_id, kJobId);
  EXPECT_EQ(r.version_number, 1);
  ASSERT_TRUE(r.job);
  const PendingJob& job = *r.job;
  EXPECT_EQ(job.job_id, kJobId);
  EXPECT_EQ(job.version_number, 1);
  EXPECT_EQ(job.execution_number, 1);
  EXPECT_EQ(job.status, JobStatus::Queued);
  EXPECT_EQ(job.document.operation, "app_fw_update");
  EXPECT_EQ(job.document.fw_version, "v1.0.2");
  EXPECT_EQ(job.document.size, 181124U);
  EXPECT_FALSE(job.document.sha256);
  EXPECT_TRUE(job.document.location.https);
  EXPECT_EQ(job.document.location.host, kHost);
  EXPECT_FALSE(job.document.location.port);
  EXPECT_EQ(job.document.location.path, kPath);
  EXPECT_TRUE(job.document.slot_paths.empty());
  const std::string url = job.document.location.url();
  EXPECT_EQ(url, "https://" + std::string(kHost) + kPath);
  // Exactly one '/' between host and file: the leading '/' of the path did not double.
  EXPECT_EQ(count_of(url, "//"), 1U) << url;
}

TEST(JobDocument, ParsesTheSameJobGivenAsASingleUrl) {
  const std::string url = "https://" + std::string(kHost) + kPath;
  const auto r = parse_job_execution_message(reference_message(R"({"url":")" + url + R"("})"));
  ASSERT_EQ(r.status, JobParseStatus::Ok) << r.reason;
  EXPECT_EQ(r.job_id, kJobId);
  const auto& location = r.job->document.location;
  EXPECT_TRUE(location.https);
  EXPECT_EQ(location.host, kHost);
  EXPECT_EQ(location.path, kPath);
  EXPECT_EQ(location.url(), url);
}

TEST(JobDocument, MalformedJsonIsAnInvalidJob) {
  const std::string good = reference_message(split_location("https:", std::string(kHost), "/update.bin"));
  std::string missing_quote = good;
  missing_quote.erase(missing_quote.find(R"("jobId")"), 1);  // {jobId":...
  std::string missing_comma = good;
  missing_comma.erase(missing_comma.find(R"(,"status")"), 1);
  for (const auto& payload : {missing_quote, missing_comma}) {
    const auto r = parse_job_execution_message(payload);
    EXPECT_EQ(r.status, JobParseStatus::InvalidJob) << payload;
    EXPECT_TRUE(r.job_id.empty());
    EXPECT_FALSE(r.job);
    EXPECT_NE(r.reason.find("not valid JSON"), std::string::npos) << r.reason;
  }
}

TEST(JobDocument, MissingHostIsAnInvalidDocumentThatStillNamesTheJob) {
  const auto r = parse_job_execution_message(reference_message(R"({"protocol":"https:","path":"/update.bin"})"));
  EXPECT_EQ(r.status, JobParseStatus::InvalidDocument);
  EXPECT_EQ(r.job_id, kJobId);
  EXPECT_EQ(r.version_number, 1);
  EXPECT_FALSE(r.job);
  EXPECT_EQ(r.reason,
            "job document: location.host is missing; the document needs location.url or protocol, host and path");
}

TEST(JobDocument, MissingPathIsAnInvalidDocument) {
  const auto r = parse_job_execution_message(reference_message(R"({"protocol":"https:","host":"h.example"})"));
  EXPECT_EQ(r.status, JobParseStatus::InvalidDocument);
  EXPECT_EQ(r.job_id, kJobId);
  EXPECT_EQ(r.reason,
            "job document: location.path is missing; the document needs location.url or protocol, host and path");
}

TEST(JobDocument, MissingJobIdIsAnInvalidJob) {
  const auto r = parse_job_execution_message(
      execution_message(R"("status":"QUEUED","versionNumber":1,"jobDocument":{"location":{"url":"https://h/f"}})"));
  EXPECT_EQ(r.status, JobParseStatus::InvalidJob);
  EXPECT_TRUE(r.job_id.empty());
  EXPECT_EQ(r.reason, "job execution is unusable: execution.jobId: required field is missing");
}

TEST(JobDocument, MissingLocationIsAnInvalidDocument) {
  const auto r = parse_job_execution_message(
      execution_message(R"("jobId":"job-1","versionNumber":4,"jobDocument":{"operation":"app_fw_update"})"));
  EXPECT_EQ(r.status, JobParseStatus::InvalidDocument);
  EXPECT_EQ(r.job_id, "job-1");
  EXPECT_EQ(r.version_number, 4);
  EXPECT_EQ(r.reason,
            "job document: location is missing; the document needs location.url or protocol, host and path");
}

TEST(JobDocument, MessageWithOnlyATimestampIsNoJob) {
  const auto r = parse_job_execution_message(R"({"timestamp":1559651527})");
  EXPECT_EQ(r.status, JobParseStatus::NoJob);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_TRUE(r.job_id.empty());
  EXPECT_FALSE(r.job);
  EXPECT_EQ(parse_job_execution_message(R"({"timestamp":1,"execution":null,"clientToken":"c"})").status,
            JobParseStatus::NoJob);
}

TEST(JobDocument, ParsesTheReferenceDocumentFormat) {
  const auto doc = parse_job_document(
      R"({"operation": "app_fw_update", "fwversion": "v1.0.2", "size": 181124,
          "location": {"protocol": "https:", "host": "bucket.s3.eu-central-1.amazonaws.com", "path": "app_update.bin"}})");
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->operation, "app_fw_update");
  EXPECT_EQ(doc->fw_version, "v1.0.2");
  EXPECT_EQ(doc->size, 181124U);
  EXPECT_EQ(doc->location.url(), "https://bucket.s3.eu-central-1.amazonaws.com/app_update.bin");

  const auto plain = parse_job_document(
      R"({"operation":"app_fw_update","fwversion":"v1.0.2","size":181124,
          "location":{"protocol":"http:","host":"bucket.example","path":"app_update.bin"}})");
  ASSERT_TRUE(plain) << plain.error().reason;
  EXPECT_FALSE(plain->location.https);
  EXPECT_EQ(plain->location.path, "/app_update.bin");
  EXPECT_EQ(plain->location.url(), "http://bucket.example/app_update.bin");
}

// --- execution messages ---------------------------------------------------------------------------

TEST(JobDocument, ExecutionProblemsBeforeTheDocumentAreInvalidJobs) {
  struct Case {
    std::string fields;
    std::string job_id;  // expected, when it could be read
    std::string reason_fragment;
  };
  const std::vector<Case> cases = {
      {R"("jobId":"job-1","jobDocument":{})", "job-1", "execution.versionNumber: required field is missing"},
      {R"("jobId":"job-1","versionNumber":"1","jobDocument":{})", "job-1", "execution.versionNumber: expected an integer, got string"},
      {R"("jobId":"job-1","versionNumber":1.5,"jobDocument":{})", "job-1", "execution.versionNumber: expected an integer"},
      {R"("jobId":5,"versionNumber":1)", "", "execution.jobId: expected a string, got an integer"},
      {R"("jobId":"a b","versionNumber":1)", "", "execution.jobId: \"a b\" is not a job id"},
      {R"("jobId":"job-1","versionNumber":1,"status":"DONE","jobDocument":{})", "job-1", "execution.status: unknown status"},
  };
  for (const auto& c : cases) {
    const auto r = parse_job_execution_message(execution_message(c.fields));
    EXPECT_EQ(r.status, JobParseStatus::InvalidJob) << c.fields;
    EXPECT_EQ(r.job_id, c.job_id) << c.fields;
    EXPECT_NE(r.reason.find(c.reason_fragment), std::string::npos) << r.reason;
  }
  EXPECT_EQ(parse_job_execution_message(R"({"execution":"job-1"})").status, JobParseStatus::InvalidJob);
  EXPECT_EQ(parse_job_execution_message("[1,2]").status, JobParseStatus::InvalidJob);
  EXPECT_EQ(parse_job_execution_message("").status, JobParseStatus::InvalidJob);
}

TEST(JobDocument, DocumentProblemsAreInvalidDocumentsWithJobIdAndVersion) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("jobId":"job-7","versionNumber":3)", "the execution has no jobDocument"},
      {R"("jobId":"job-7","versionNumber":3,"jobDocument":null)", "the execution has no jobDocument"},
      {R"("jobId":"job-7","versionNumber":3,"jobDocument":"{}")", "expected a JSON object, got string"},
      {R"("jobId":"job-7","versionNumber":3,"jobDocument":{"location":{"protocol":1,"host":"h","path":"p"}})",
       "location.protocol: expected a string, got an integer"},
      {R"("jobId":"job-7","versionNumber":3,"jobDocument":{"location":"https://h/f"})",
       "location: expected an object, got string"},
  };
  for (const auto& [fields, fragment] : cases) {
    const auto r = parse_job_execution_message(execution_message(fields));
    EXPECT_EQ(r.status, JobParseStatus::InvalidDocument) << fields;
    EXPECT_EQ(r.job_id, "job-7");
    EXPECT_EQ(r.version_number, 3);
    EXPECT_NE(r.reason.find(fragment), std::string::npos) << r.reason;
  }
}

TEST(JobDocument, ExecutionWithTooLongUrlIsUrlTooLong) {
  const std::string url = "https://h.example/" + std::string(5000, 'a');
  const auto r = parse_job_execution_message(reference_message(R"({"url":")" + url + R"("})"));
  EXPECT_EQ(r.status, JobParseStatus::UrlTooLong);
  EXPECT_EQ(r.job_id, kJobId);
  EXPECT_NE(r.reason.find("4096"), std::string::npos) << r.reason;
}

TEST(JobDocument, ExecutionCarriesStatusDetailsAndTheDualSlotChoice) {
  const auto r = parse_job_execution_message(
      execution_message(R"("jobId":"j","versionNumber":2,"executionNumber":3,"status":"IN_PROGRESS",)"
                        R"("statusDetails":{"phase":"downloading"},)"
                        R"("jobDocument":{"location":{"protocol":"https","host":"h","path":"s0.bin s1.bin"}})"),
      DocumentOptions{.inactive_slot = 0});
  ASSERT_EQ(r.status, JobParseStatus::Ok) << r.reason;
  EXPECT_EQ(r.job->status, JobStatus::InProgress);
  EXPECT_EQ(r.job->execution_number, 3);
  EXPECT_EQ(r.job->status_details.at("phase"), "downloading");
  EXPECT_EQ(r.job->document.location.path, "/s0.bin");
}

// AWS's executionNumber is a long and runs past 2^31: kept whole, not cut to 32 bits.
TEST(JobDocument, ExecutionNumberPast32BitsIsKeptWhole) {
  const auto r = parse_job_execution_message(
      execution_message(R"("jobId":"j","versionNumber":2,"executionNumber":6442450945,)"
                        R"("jobDocument":{"location":{"url":"https://h/fw.bin"}})"));
  ASSERT_EQ(r.status, JobParseStatus::Ok) << r.reason;
  EXPECT_EQ(r.job->execution_number, 6442450945);
}

TEST(JobDocument, NamesEveryParseStatus) {
  EXPECT_EQ(to_string(JobParseStatus::NoJob), "NoJob");
  EXPECT_EQ(to_string(JobParseStatus::InvalidJob), "InvalidJob");
  EXPECT_EQ(to_string(JobParseStatus::InvalidDocument), "InvalidDocument");
  EXPECT_EQ(to_string(JobParseStatus::UrlTooLong), "UrlTooLong");
  EXPECT_EQ(to_string(JobParseStatus::Ok), "Ok");
  EXPECT_EQ(to_string(DocumentErrorCode::MissingField), "MissingField");
}

// --- location.url ---------------------------------------------------------------------------------

TEST(JobDocument, UrlTakesPrecedenceAndKeepsThePort) {
  const auto doc = parse_job_document(document_with_location(
      R"({"url":"https://files.example:8443/fw/app.bin?sig=1","protocol":"http:","host":"other","path":"x"})"));
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_TRUE(doc->location.https);
  EXPECT_EQ(doc->location.host, "files.example");
  EXPECT_EQ(doc->location.port, 8443);
  EXPECT_EQ(doc->location.path, "/fw/app.bin?sig=1");
  EXPECT_EQ(doc->location.url(), "https://files.example:8443/fw/app.bin?sig=1");
}

TEST(JobDocument, ParsesUrlForms) {
  struct Case {
    std::string url;
    bool https;
    std::string host;
    std::optional<std::uint16_t> port;
    std::string path;
    std::string rebuilt;
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:8080/a.bin", false, "127.0.0.1", 8080, "/a.bin", "http://127.0.0.1:8080/a.bin"},
      {"HTTPS://Host.Example/a.bin", true, "Host.Example", std::nullopt, "/a.bin", "https://Host.Example/a.bin"},
      {"https://[::1]:8443/a.bin", true, "::1", 8443, "/a.bin", "https://[::1]:8443/a.bin"},
      {"https://[2001:db8::7]/a.bin", true, "2001:db8::7", std::nullopt, "/a.bin", "https://[2001:db8::7]/a.bin"},
      {"https://h.example", true, "h.example", std::nullopt, "/", "https://h.example/"},
      {"https://h.example?x=1", true, "h.example", std::nullopt, "/?x=1", "https://h.example/?x=1"},
      {"https://h.example//a.bin", true, "h.example", std::nullopt, "/a.bin", "https://h.example/a.bin"},
      {"https://h.example/a.bin#part", true, "h.example", std::nullopt, "/a.bin", "https://h.example/a.bin"},
      {"https://h.example:65535/a", true, "h.example", 65535, "/a", "https://h.example:65535/a"},
  };
  for (const auto& c : cases) {
    const auto doc = parse_job_document(document_with_location(R"({"url":")" + c.url + R"("})"));
    ASSERT_TRUE(doc) << c.url << ": " << doc.error().reason;
    EXPECT_EQ(doc->location.https, c.https) << c.url;
    EXPECT_EQ(doc->location.host, c.host) << c.url;
    EXPECT_EQ(doc->location.port, c.port) << c.url;
    EXPECT_EQ(doc->location.path, c.path) << c.url;
    EXPECT_EQ(doc->location.url(), c.rebuilt) << c.url;
  }
}

TEST(JobDocument, RejectsUnusableUrls) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://h.example/a.bin", "scheme \"ftp\" is not supported"},
      {"file:///etc/passwd", "scheme \"file\" is not supported"},
      {"h.example/a.bin", "is not an absolute URL"},
      {"https://user:secret@h.example/a.bin", "user information"},
      {"https:///a.bin", "the host is empty"},
      {"https://:8443/a.bin", "the host is empty"},
      {"https://h.example:0/a.bin", "not a number from 1 to 65535"},
      {"https://h.example:65536/a.bin", "not a number from 1 to 65535"},
      {"https://h.example:http/a.bin", "not a number from 1 to 65535"},
      {"https://h.example:/a.bin", "the port after ':' is empty"},
      {"https://[::1/a.bin", "no closing ']'"},
      {"https://[zz::1]/a.bin", "is not an IPv6 address"},
      {"https://[::1]x/a.bin", "after the IPv6 address"},
      {"https://::1/a.bin", "must be written in brackets"},
      {"https://h ex/a.bin", "has a character other than"},
      {"https://h.example/a b.bin", "space or control character"},
  };
  for (const auto& [url, fragment] : cases) {
    const auto doc = parse_job_document(document_with_location(R"({"url":")" + url + R"("})"));
    ASSERT_FALSE(doc) << url;
    EXPECT_EQ(doc.error().code, DocumentErrorCode::InvalidValue) << url;
    EXPECT_TRUE(doc.error().reason.starts_with("job document: location.url: ")) << doc.error().reason;
    EXPECT_NE(doc.error().reason.find(fragment), std::string::npos) << doc.error().reason;
  }
}

TEST(JobDocument, NonStringUrlFallsBackToProtocolHostAndPathLikeTheReference) {
  const auto doc = parse_job_document(
      document_with_location(R"({"url":42,"protocol":"https:","host":"h.example","path":"a.bin"})"));
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->location.url(), "https://h.example/a.bin");
  const auto alone = parse_job_document(document_with_location(R"({"url":42})"));
  ASSERT_FALSE(alone);
  EXPECT_EQ(alone.error().code, DocumentErrorCode::WrongType);
  EXPECT_TRUE(alone.error().reason.starts_with("job document: location.url: expected a string, got an integer"))
      << alone.error().reason;
}

// --- protocol, host and path ----------------------------------------------------------------------

TEST(JobDocument, ProtocolDecidesHttps) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"https:", true}, {"https", true}, {"HTTPS:", true}, {"https://", true}, {"http:", false}, {"http", false},
  };
  for (const auto& [protocol, https] : cases) {
    const auto doc = parse_job_document(document_with_location(split_location(protocol, "h.example", "a.bin")));
    ASSERT_TRUE(doc) << protocol << ": " << doc.error().reason;
    EXPECT_EQ(doc->location.https, https) << protocol;
  }
  for (const char* protocol : {"ftp:", "", "htt", "mqtt"}) {
    const auto doc = parse_job_document(document_with_location(split_location(protocol, "h.example", "a.bin")));
    ASSERT_FALSE(doc) << protocol;
    EXPECT_EQ(doc.error().code, DocumentErrorCode::InvalidValue);
    EXPECT_NE(doc.error().reason.find("location.protocol"), std::string::npos) << doc.error().reason;
  }
}

TEST(JobDocument, PathGetsExactlyOneLeadingSlash) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a.bin", "/a.bin"}, {"/a.bin", "/a.bin"}, {"//a.bin", "/a.bin"}, {"dir/a.bin?x=1", "/dir/a.bin?x=1"},
      {"", "/"},
  };
  for (const auto& [path, expected] : cases) {
    const auto doc = parse_job_document(document_with_location(split_location("https:", "h.example", path)));
    ASSERT_TRUE(doc) << path << ": " << doc.error().reason;
    EXPECT_EQ(doc->location.path, expected) << path;
    EXPECT_EQ(count_of(doc->location.url(), "//"), 1U) << doc->location.url();
  }
}

TEST(JobDocument, HostMayCarryAPort) {
  const auto doc = parse_job_document(document_with_location(split_location("http:", "127.0.0.1:8080", "a.bin")));
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->location.host, "127.0.0.1");
  EXPECT_EQ(doc->location.port, 8080);
  EXPECT_EQ(doc->location.url(), "http://127.0.0.1:8080/a.bin");
}

TEST(JobDocument, RejectsMissingOrMistypedLocationFields) {
  struct Case {
    std::string location;
    DocumentErrorCode code;
    std::string reason;
  };
  const std::string hint = "; the document needs location.url or protocol, host and path";
  const std::vector<Case> cases = {
      {R"({"host":"h","path":"p"})", DocumentErrorCode::MissingField, "job document: location.protocol is missing" + hint},
      {R"({"protocol":"https:","path":"p"})", DocumentErrorCode::MissingField, "job document: location.host is missing" + hint},
      {R"({"protocol":"https:","host":"h"})", DocumentErrorCode::MissingField, "job document: location.path is missing" + hint},
      {R"({"protocol":"https:","host":["h"],"path":"p"})", DocumentErrorCode::WrongType,
       "job document: location.host: expected a string, got array" + hint},
      {R"({"protocol":"https:","host":"h","path":7})", DocumentErrorCode::WrongType,
       "job document: location.path: expected a string, got an integer" + hint},
      {R"({"protocol":"https:","host":"","path":"p"})", DocumentErrorCode::InvalidValue,
       "job document: location.host: the host is empty"},
      {R"({"protocol":"https:","host":"u@h","path":"p"})", DocumentErrorCode::InvalidValue, ""},
      {R"("https://h/p")", DocumentErrorCode::WrongType, "job document: location: expected an object, got string" + hint},
      {"{}", DocumentErrorCode::MissingField, "job document: location.protocol is missing" + hint},
  };
  for (const auto& c : cases) {
    const auto doc = parse_job_document(document_with_location(c.location));
    ASSERT_FALSE(doc) << c.location;
    EXPECT_EQ(doc.error().code, c.code) << c.location << ": " << doc.error().reason;
    if (!c.reason.empty()) {
      EXPECT_EQ(doc.error().reason, c.reason) << c.location;
    }
  }
}

// --- dual-slot paths ------------------------------------------------------------------------------

TEST(JobDocument, DualSlotPathPicksTheInactiveSlot) {
  const std::string document = document_with_location(split_location("https:", "h.example", "s0.bin /s1.bin"));
  for (unsigned slot : {0U, 1U}) {
    const auto doc = parse_job_document(document, DocumentOptions{.inactive_slot = slot});
    ASSERT_TRUE(doc) << doc.error().reason;
    EXPECT_EQ(doc->slot_paths, (std::vector<std::string>{"/s0.bin", "/s1.bin"}));
    EXPECT_EQ(doc->location.path, doc->slot_paths[slot]);
  }
  const auto default_slot = parse_job_document(document);
  ASSERT_TRUE(default_slot);
  EXPECT_EQ(default_slot->location.path, "/s1.bin");
}

TEST(JobDocument, RejectsMalformedDualSlotPaths) {
  for (const char* path : {"a b c", " a", "a ", "a  b"}) {
    const auto doc = parse_job_document(document_with_location(split_location("https:", "h.example", path)));
    ASSERT_FALSE(doc) << path;
    EXPECT_EQ(doc.error().code, DocumentErrorCode::InvalidValue) << path;
    EXPECT_NE(doc.error().reason.find("location.path"), std::string::npos) << doc.error().reason;
  }
  const auto bad_slot = parse_job_document(document_with_location(split_location("https:", "h", "a b")),
                                           DocumentOptions{.inactive_slot = 2});
  ASSERT_FALSE(bad_slot);
  EXPECT_NE(bad_slot.error().reason.find("inactive_slot"), std::string::npos) << bad_slot.error().reason;
}

// --- optional fields ------------------------------------------------------------------------------

TEST(JobDocument, Sha256IsNormalizedToLowercase) {
  const std::string upper(64, 'A');
  const auto doc = parse_job_document(R"({"sha256":")" + upper + R"(","location":{"url":"https://h/f"}})");
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->sha256, std::string(64, 'a'));
}

TEST(JobDocument, RejectsBadOptionalFields) {
  struct Case {
    std::string fields;
    DocumentErrorCode code;
    std::string reason_prefix;
  };
  const std::vector<Case> cases = {
      {R"("sha256":")" + std::string(63, 'a') + R"(")", DocumentErrorCode::InvalidValue, "job document: sha256: "},
      {R"("sha256":")" + std::string(65, 'a') + R"(")", DocumentErrorCode::InvalidValue, "job document: sha256: "},
      {R"("sha256":")" + std::string(63, 'a') + R"(g")", DocumentErrorCode::InvalidValue, "job document: sha256: "},
      {R"("sha256":12)", DocumentErrorCode::WrongType, "job document: sha256: expected a string"},
      {R"("size":0)", DocumentErrorCode::InvalidValue, "job document: size: must be a positive number of bytes"},
      {R"("size":-5)", DocumentErrorCode::InvalidValue, "job document: size: must be a positive number of bytes"},
      {R"("size":1.5)", DocumentErrorCode::WrongType, "job document: size: expected an integer"},
      {R"("size":"181124")", DocumentErrorCode::WrongType, "job document: size: expected an integer, got string"},
      {R"("size":18446744073709551615)", DocumentErrorCode::InvalidValue, "job document: size: "},
      {R"("fwversion":1)", DocumentErrorCode::WrongType, "job document: fwversion: expected a string"},
      {R"("operation":{})", DocumentErrorCode::WrongType, "job document: operation: expected a string"},
  };
  for (const auto& c : cases) {
    const auto doc = parse_job_document("{" + c.fields + R"(,"location":{"url":"https://h/f"}})");
    ASSERT_FALSE(doc) << c.fields;
    EXPECT_EQ(doc.error().code, c.code) << c.fields << ": " << doc.error().reason;
    EXPECT_TRUE(doc.error().reason.starts_with(c.reason_prefix)) << doc.error().reason;
  }
}

TEST(JobDocument, AbsentOptionalFieldsStayEmptyAndUnknownFieldsAreIgnored) {
  const auto doc = parse_job_document(R"({"location":{"url":"https://h/f"},"futureField":[1,2],"size":null})");
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_TRUE(doc->operation.empty());
  EXPECT_FALSE(doc->fw_version);
  EXPECT_FALSE(doc->size);
  EXPECT_FALSE(doc->sha256);
}

// --- whole-document errors and limits -------------------------------------------------------------

TEST(JobDocument, RejectsTextThatIsNotAJsonObject) {
  for (const char* text : {"", "nope", R"({"location":)", "[]", "null", R"("{}")"}) {
    const auto doc = parse_job_document(text);
    ASSERT_FALSE(doc) << text;
    EXPECT_EQ(doc.error().code, DocumentErrorCode::InvalidJson) << text;
    EXPECT_TRUE(doc.error().reason.starts_with("job document")) << doc.error().reason;
  }
}

TEST(JobDocument, DocumentIsAtMost32768Characters) {
  const std::string prefix = R"({"location":{"url":"https://h/f"},"pad":")";
  const std::string suffix = R"("})";
  const auto of_length = [&](std::size_t n) { return prefix + std::string(n - prefix.size() - suffix.size(), 'x') + suffix; };
  const auto at_limit = parse_job_document(of_length(kMaxJobDocumentLength));
  ASSERT_TRUE(at_limit) << at_limit.error().reason;
  const auto over = parse_job_document(of_length(kMaxJobDocumentLength + 1));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, DocumentErrorCode::TooLarge);
  EXPECT_EQ(over.error().reason, "job document: 32769 characters, over AWS's limit of 32768");

  const auto in_message = parse_job_execution_message(
      execution_message(R"("jobId":"j","versionNumber":1,"jobDocument":)" + of_length(kMaxJobDocumentLength + 1)));
  EXPECT_EQ(in_message.status, JobParseStatus::InvalidDocument);
  EXPECT_EQ(in_message.job_id, "j");
}

TEST(JobDocument, UrlLongerThanTheLimitIsUrlTooLong) {
  const DocumentOptions options{.max_url_length = 40};
  const auto as_url = parse_job_document(document_with_location(R"({"url":"https://h.example/)" +
                                                                std::string(40, 'a') + R"("})"),
                                         options);
  ASSERT_FALSE(as_url);
  EXPECT_EQ(as_url.error().code, DocumentErrorCode::UrlTooLong);
  const auto as_parts = parse_job_document(
      document_with_location(split_location("https:", "h.example", std::string(40, 'a'))), options);
  ASSERT_FALSE(as_parts);
  EXPECT_EQ(as_parts.error().code, DocumentErrorCode::UrlTooLong);
  EXPECT_NE(as_parts.error().reason.find("over the limit of 40"), std::string::npos) << as_parts.error().reason;
  // Exactly at the limit is fine: "https://h.example/" is 18 characters.
  const auto at_limit = parse_job_document(
      document_with_location(split_location("https:", "h.example", std::string(22, 'a'))), options);
  ASSERT_TRUE(at_limit) << at_limit.error().reason;
}

TEST(JobDocument, FwversionIsAtMostTheLimitTheCheckpointKeeps) {
  const auto with_version = [](const std::string& version) {
    return parse_job_document(R"({"fwversion":")" + version + R"(","location":{"url":"https://h/f"}})");
  };
  const auto at_limit = with_version(std::string(kMaxFwVersionLength, 'v'));
  ASSERT_TRUE(at_limit) << at_limit.error().reason;
  EXPECT_EQ(at_limit->fw_version, std::string(kMaxFwVersionLength, 'v'));

  const auto over = with_version(std::string(kMaxFwVersionLength + 1, 'v'));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, DocumentErrorCode::InvalidValue);
  EXPECT_EQ(over.error().reason, "job document: fwversion: is 1025 bytes long, over the limit of 1024 bytes");

  // The limit is in bytes, as stored: 512 two-byte characters fit, 513 do not.
  std::string two_byte_chars;
  for (int i = 0; i < 512; ++i) two_byte_chars += "\u00e9";
  EXPECT_TRUE(with_version(two_byte_chars));
  EXPECT_FALSE(with_version(two_byte_chars + "\u00e9"));

  const auto in_message = parse_job_execution_message(execution_message(
      R"("jobId":"j","versionNumber":1,"jobDocument":{"fwversion":")" + std::string(2000, 'v') +
      R"(","location":{"url":"https://h/f"}})"));
  EXPECT_EQ(in_message.status, JobParseStatus::InvalidDocument);
  EXPECT_EQ(in_message.job_id, "j");
  EXPECT_NE(in_message.reason.find("fwversion"), std::string::npos) << in_message.reason;
}

TEST(JobDocument, UrlLimitOptionIsCappedByTheLimitTheCheckpointKeeps) {
  const DocumentOptions options{.max_url_length = 100000};
  const std::string prefix = "https://h.example/";
  const auto of_length = [&](std::size_t n) { return prefix + std::string(n - prefix.size(), 'a'); };
  const auto at_limit = parse_job_document(document_with_location(R"({"url":")" + of_length(kMaxStoredUrlLength) + R"("})"), options);
  ASSERT_TRUE(at_limit) << at_limit.error().reason;
  for (const auto& location : {R"({"url":")" + of_length(kMaxStoredUrlLength + 1) + R"("})",
                               split_location("https:", "h.example", std::string(kMaxStoredUrlLength, 'a'))}) {
    const auto over = parse_job_document(document_with_location(location), options);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, DocumentErrorCode::UrlTooLong);
    EXPECT_NE(over.error().reason.find("over the limit of 8192"), std::string::npos) << over.error().reason;
  }
}

TEST(JobDocument, S3PresignedUrlOfUsualLengthFitsTheDefaultLimit) {
  // A presigned URL with a session token runs to about 1,500 characters.
  const std::string url = "https://" + std::string(kHost) + kPath + "&X-Amz-Security-Token=" + std::string(1100, 'T');
  const auto doc = parse_job_document(document_with_location(R"({"url":")" + url + R"("})"));
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->location.url(), url);
}

}  // namespace
}  // namespace awsfota::jobs
