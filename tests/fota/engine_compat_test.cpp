// The reference's own example document through the whole engine: by this project's rules its sample
// size fails the job against a real file; with DocumentOptions::compat NrfAwsFota the job runs to
// SUCCEEDED, as on the reference's devices, and the engine says loudly how little was checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"
#include "support/reference_document.hpp"

namespace awsfota::fota::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using awsfota::testing::kReferenceExampleDocument;
using awsfota::testing::kReferenceExampleUrl;

EngineConfig with_reference_rules() {
  EngineConfig c = World::default_config();
  c.document_options.compat = jobs::Compat::NrfAwsFota;
  return c;
}

// The warnings that name the compat mode.
std::vector<std::string> compat_warnings(const World& w) {
  std::vector<std::string> out;
  for (const auto& line : w.warnings) {
    if (line.find("compat nrf-aws-fota") != std::string::npos) out.push_back(line);
  }
  return out;
}

// A file that is not the example's 181,124 bytes, as any real file is, in ten chunks.
void serve_another_size(World& w) {
  w.file_size = 200'000;
  w.chunk = 20'000;
}

TEST(EngineCompat, TheReferenceExampleFailsOnItsSampleSizeByDefault) {
  World w;
  serve_another_size(w);
  w.run();
  w.add_job("ref-1", std::string(kReferenceExampleDocument));
  w.run();
  EXPECT_EQ(w.job_status("ref-1"), "FAILED");
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "FAILED@2 downloading SIZE_MISMATCH"));
  EXPECT_THAT(compat_warnings(w), IsEmpty());
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineCompat, TheReferenceExampleRunsToSucceededUnderItsRulesWithAWarning) {
  World w(with_reference_rules());
  serve_another_size(w);
  w.run();
  w.add_job("ref-1", std::string(kReferenceExampleDocument));
  w.run();
  EXPECT_EQ(w.job_status("ref-1"), "SUCCEEDED");
  EXPECT_THAT(w.download_urls, ElementsAre(std::string(kReferenceExampleUrl)));
  const auto warned = compat_warnings(w);
  ASSERT_EQ(warned.size(), 1u) << "once, when the job is taken";
  EXPECT_THAT(warned[0], HasSubstr("job ref-1 "));
  EXPECT_THAT(warned[0], HasSubstr("no sha256, so its size is not checked"));
  EXPECT_THAT(warned[0], HasSubstr("plain http (" + std::string(kReferenceExampleUrl) + ")"));
  EXPECT_THAT(w.bugs, IsEmpty());
  EXPECT_THAT(w.invariant_violations, IsEmpty());
}

TEST(EngineCompat, ADocumentWithSha256IsHeldToItsSizeWithoutAWarning) {
  World w(with_reference_rules());
  serve_another_size(w);
  w.run();
  w.add_job("ref-2", firmware_doc("v2.0.0", 181124, R"(,"sha256":")" + std::string(64, 'a') + R"(")"));
  w.run();
  EXPECT_EQ(w.job_status("ref-2"), "FAILED");
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading", "FAILED@2 downloading SIZE_MISMATCH"));
  EXPECT_THAT(compat_warnings(w), IsEmpty());
}

}  // namespace
}  // namespace awsfota::fota::testing
