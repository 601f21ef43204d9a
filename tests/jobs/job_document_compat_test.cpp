// DocumentOptions::compat: the reference's example document read by this project's rules and by the
// reference's (NrfAwsFota: without a sha256 the size is not read).
#include <gtest/gtest.h>

#include <string>

#include "awsfota/jobs/job_document.hpp"
#include "support/reference_document.hpp"

namespace awsfota::jobs {
namespace {

using awsfota::testing::kReferenceExampleDocument;
using awsfota::testing::kReferenceExampleSize;
using awsfota::testing::kReferenceExampleUrl;

const DocumentOptions kReferenceRules{.compat = Compat::NrfAwsFota};

constexpr std::string_view kDigest = "3f8d6a2c4b1e0f9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d";

// The example with `fields` (e.g. `"sha256":"...",`) put first, before "operation".
std::string reference_example_with(const std::string& fields) {
  std::string doc(kReferenceExampleDocument);
  return doc.insert(doc.find('{') + 1, fields);
}

TEST(JobDocumentCompat, TheReferenceExampleKeepsItsSizeByThisProjectsRules) {
  const auto doc = parse_job_document(kReferenceExampleDocument);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->operation, "app_fw_update");
  EXPECT_EQ(doc->fw_version, "v1.0.2");
  EXPECT_FALSE(doc->location.https);
  EXPECT_EQ(doc->location.url(), kReferenceExampleUrl);
  EXPECT_FALSE(doc->sha256);
  // Enforced later against the file: the example's size is what makes it fail on a real file.
  EXPECT_EQ(doc->size, kReferenceExampleSize);
}

TEST(JobDocumentCompat, TheReferenceExampleHasNoSizeByTheReferencesRules) {
  const auto doc = parse_job_document(kReferenceExampleDocument, kReferenceRules);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->size, std::nullopt);
  // Everything else reads as by this project's rules.
  auto by_default = parse_job_document(kReferenceExampleDocument);
  ASSERT_TRUE(by_default);
  by_default->size.reset();
  EXPECT_EQ(*doc, *by_default);
}

TEST(JobDocumentCompat, ASha256MakesTheSizeCountAgain) {
  const auto doc = parse_job_document(reference_example_with(R"("sha256":")" + std::string(kDigest) + R"(",)"),
                                      kReferenceRules);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->sha256, std::string(kDigest));
  EXPECT_EQ(doc->size, kReferenceExampleSize);

  // ...and type-checked as usual.
  const auto bad = parse_job_document(
      R"({"sha256":")" + std::string(kDigest) + R"(","size":"181124","location":{"url":"http://h/f.bin"}})",
      kReferenceRules);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, DocumentErrorCode::WrongType);
  EXPECT_EQ(bad.error().reason, "job document: size: expected an integer, got string");
}

TEST(JobDocumentCompat, WithoutSha256TheSizeIsNotReadAtAll) {
  // The reference never looks at it, so a size it would ignore does not refuse the document here either.
  for (const std::string size : {R"("181124")", "-1", "0", "1.5", "{}"}) {
    const std::string text = R"({"size":)" + size + R"(,"location":{"protocol":"http:","host":"h","path":"f.bin"}})";
    const auto doc = parse_job_document(text, kReferenceRules);
    ASSERT_TRUE(doc) << size << ": " << doc.error().reason;
    EXPECT_EQ(doc->size, std::nullopt) << size;
    EXPECT_FALSE(parse_job_document(text)) << size << " is refused by this project's rules";
  }
  // A null sha256 counts as absent, as every null does.
  const auto null_digest = parse_job_document(reference_example_with(R"("sha256":null,)"), kReferenceRules);
  ASSERT_TRUE(null_digest) << null_digest.error().reason;
  EXPECT_EQ(null_digest->size, std::nullopt);
}

TEST(JobDocumentCompat, TheRestIsAsStrictAsEver) {
  // Only the size is the reference's: a document the reference could not fetch either is still refused.
  const auto no_host = parse_job_document(R"({"location":{"protocol":"http:","path":"f.bin"}})", kReferenceRules);
  ASSERT_FALSE(no_host);
  EXPECT_EQ(no_host.error().code, DocumentErrorCode::MissingField);
  const auto bad_digest = parse_job_document(reference_example_with(R"("sha256":"abc",)"), kReferenceRules);
  ASSERT_FALSE(bad_digest);
  EXPECT_EQ(bad_digest.error().code, DocumentErrorCode::InvalidValue);
}

TEST(JobDocumentCompat, AnExecutionCarryingTheReferenceExampleIsAJobWithoutSize) {
  const std::string message = R"({"timestamp":1559651527,"execution":{"jobId":"ref-1","status":"QUEUED",)"
                              R"("versionNumber":1,"executionNumber":1,"jobDocument":)" +
                              std::string(kReferenceExampleDocument) + "}}";
  const auto r = parse_job_execution_message(message, kReferenceRules);
  ASSERT_EQ(r.status, JobParseStatus::Ok) << r.reason;
  ASSERT_TRUE(r.job);
  EXPECT_EQ(r.job->document.location.url(), kReferenceExampleUrl);
  EXPECT_EQ(r.job->document.size, std::nullopt);
  const auto strict = parse_job_execution_message(message);
  ASSERT_EQ(strict.status, JobParseStatus::Ok) << strict.reason;
  EXPECT_EQ(strict.job->document.size, kReferenceExampleSize);
}

}  // namespace
}  // namespace awsfota::jobs
