// The checkpoint keeps what the job document parser returns: every job the parser accepts, even with
// each field at its limit, must give a checkpoint that saves and loads back unchanged. Otherwise a
// restart would drop the job's staged progress.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "awsfota/jobs/job_document.hpp"
#include "awsfota/jobs/topics.hpp"
#include "awsfota/store/checkpoint.hpp"

namespace awsfota::store {
namespace {

// The fields the engine copies from a parsed job into its checkpoint.
Checkpoint checkpoint_of(const jobs::PendingJob& job) {
  Checkpoint cp;
  cp.job_id = job.job_id;
  cp.version_number = job.version_number;
  cp.execution_number = job.execution_number;
  cp.phase = CheckpointPhase::Downloading;
  cp.url = job.document.location.url();
  cp.size = job.document.size;
  cp.sha256 = job.document.sha256;
  cp.fw_version = job.document.fw_version;
  return cp;
}

std::string message_of(const std::string& job_id, const std::string& document) {
  return R"({"execution":{"jobId":")" + job_id + R"(","versionNumber":3,"executionNumber":2,"jobDocument":)" +
         document + "}}";
}

std::string repeated(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(CheckpointOfJob, EveryAcceptedJobAtTheFieldLimitsRoundTrips) {
  const std::string url_prefix = "https://h.example/";
  const auto url_of = [&](std::size_t length) { return url_prefix + std::string(length - url_prefix.size(), 'a'); };
  const auto with_url = [](const std::string& url) { return R"({"location":{"url":")" + url + R"("}})"; };
  const auto with_version = [](const std::string& json_text) {
    return R"({"fwversion":")" + json_text + R"(","location":{"url":"https://h/f"}})";
  };
  const std::string id = "job-1";
  struct Case {
    std::string what, message;
    bool must_be_accepted;
  };
  const std::vector<Case> cases = {
      {"fwversion at the limit", message_of(id, with_version(std::string(jobs::kMaxFwVersionLength, 'v'))), true},
      {"fwversion over the limit", message_of(id, with_version(std::string(jobs::kMaxFwVersionLength + 1, 'v'))), false},
      {"fwversion of 2000", message_of(id, with_version(std::string(2000, 'v'))), false},
      {"fwversion of two-byte characters", message_of(id, with_version(repeated("\\u00e9", 512))), true},
      {"fwversion of two-byte characters over", message_of(id, with_version(repeated("\\u00e9", 513))), false},
      {"fwversion of control characters", message_of(id, with_version(repeated("\\u0001", jobs::kMaxFwVersionLength))), true},
      {"fwversion of quotes", message_of(id, with_version(repeated("\\\"", jobs::kMaxFwVersionLength))), true},
      {"url at the stored limit", message_of(id, with_url(url_of(jobs::kMaxStoredUrlLength))), true},
      {"url over the stored limit", message_of(id, with_url(url_of(jobs::kMaxStoredUrlLength + 1))), false},
      {"url of 20000", message_of(id, with_url(url_of(20000))), false},
      {"job id at the limit", message_of(std::string(jobs::kMaxJobIdLength, 'j'), with_url("https://h/f")), true},
      {"job id over the limit", message_of(std::string(jobs::kMaxJobIdLength + 1, 'j'), with_url("https://h/f")), false},
      {"everything at once",
       message_of(std::string(jobs::kMaxJobIdLength, 'j'),
                  R"({"fwversion":")" + repeated("\\u0001", jobs::kMaxFwVersionLength) + R"(","size":9007199254740991,)"
                  R"("sha256":")" + std::string(64, 'A') + R"(","location":{"url":")" +
                      url_of(jobs::kMaxStoredUrlLength) + R"("}})"),
       true},
  };
  // The largest limit a caller can ask for: the parser must still keep within what the store reads.
  const jobs::DocumentOptions options{.max_url_length = 1'000'000};
  for (const auto& c : cases) {
    const auto parsed = jobs::parse_job_execution_message(c.message, options);
    if (parsed.status != jobs::JobParseStatus::Ok) {
      EXPECT_FALSE(c.must_be_accepted) << c.what << ": " << parsed.reason;
      continue;
    }
    const Checkpoint cp = checkpoint_of(*parsed.job);
    const auto bytes = encode_checkpoint(cp);
    ASSERT_TRUE(bytes) << c.what << ": accepted by the parser but " << bytes.error().message;
    const auto back = decode_checkpoint(*bytes);
    ASSERT_TRUE(back) << c.what << ": " << back.error().message;
    EXPECT_EQ(*back, cp) << c.what;
  }
}

}  // namespace
}  // namespace awsfota::store
