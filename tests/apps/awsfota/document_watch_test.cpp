// Job documents the CLI writes, and the watch table.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "awsfota/jobs/job_document.hpp"
#include "cli/document.hpp"
#include "cli/watch.hpp"

namespace awsfota::cli {
namespace {

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

TEST(JobDocument, UrlForm_ParsesWithSizeShaAndVersion) {
  DocumentSpec s;
  s.size = 181124;
  s.sha256 = kSha;
  s.fwversion = "v1.0.2";
  s.url = "https://127.0.0.1:8443/fw.bin";
  auto text = build_job_document(s);
  ASSERT_TRUE(text) << text.error();
  auto doc = jobs::parse_job_document(*text);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->operation, "app_fw_update");
  EXPECT_EQ(doc->size, 181124u);
  EXPECT_EQ(doc->sha256, kSha);
  EXPECT_EQ(doc->fw_version, "v1.0.2");
  EXPECT_EQ(doc->location.url(), "https://127.0.0.1:8443/fw.bin");
}

TEST(JobDocument, ReferenceForm_KeepsProtocolHostPath) {
  DocumentSpec s;
  s.size = 10;
  s.sha256 = kSha;
  s.protocol = "http:";
  s.host = "files.example.com";
  s.path = "app_update.bin";
  auto text = build_job_document(s);
  ASSERT_TRUE(text) << text.error();
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["location"], nlohmann::json::parse(R"({"protocol":"http:","host":"files.example.com","path":"app_update.bin"})"));
  EXPECT_FALSE(j.contains("fwversion"));
  auto doc = jobs::parse_job_document(*text);
  ASSERT_TRUE(doc);
  EXPECT_FALSE(doc->location.https);
}

TEST(JobDocument, PresignedPlaceholder_IsKeptVerbatim) {
  DocumentSpec s;
  s.size = 10;
  s.sha256 = kSha;
  s.url = "${aws:iot:s3-presigned-url:https://b.s3.eu-west-1.amazonaws.com/fw.bin}";
  auto text = build_job_document(s);
  ASSERT_TRUE(text) << text.error();
  EXPECT_EQ(nlohmann::json::parse(*text)["location"]["url"], *s.url);
  EXPECT_EQ(presigned_placeholder_url(*s.url), "https://b.s3.eu-west-1.amazonaws.com/fw.bin");
  EXPECT_EQ(presigned_placeholder_url("https://x/y"), std::nullopt);
}

TEST(JobDocument, UnusableLocation_IsRefusedWithTheParsersReason) {
  DocumentSpec s;
  s.size = 10;
  s.sha256 = kSha;
  s.url = "ftp://h/x";
  auto text = build_job_document(s);
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().find("would not be accepted"), std::string::npos);
  s.url = "${aws:iot:s3-presigned-url:nonsense}";
  EXPECT_FALSE(build_job_document(s));
}

TEST(JobDocument, FwVersion_LeavesOutBuildZero) {
  EXPECT_EQ(fwversion_of({1, 2, 3, 0}), "v1.2.3");
  EXPECT_EQ(fwversion_of({1, 2, 3, 4}), "v1.2.3+4");
}

TEST(Watch, Row_ReadsPhasePercentReason) {
  auto r = make_watch_row("t1", "IN_PROGRESS", {{"phase", "downloading"}, {"percent", "42"}});
  EXPECT_EQ(r.phase, "downloading");
  EXPECT_EQ(r.percent, 42);
  EXPECT_EQ(make_watch_row("t", "IN_PROGRESS", {{"percent", "x"}}).percent, std::nullopt);
  EXPECT_EQ(make_watch_row("t", "IN_PROGRESS", {{"percent", "101"}}).percent, std::nullopt);
  EXPECT_EQ(make_watch_row("t", "SUCCEEDED", {}).percent, 100);
  EXPECT_EQ(make_watch_row("t", "FAILED", {{"reason", "self-test failed"}}).reason, "self-test failed");
}

TEST(Watch, Terminal_AndOutcome) {
  std::vector<WatchRow> rows{make_watch_row("a", "SUCCEEDED", {}), make_watch_row("b", "IN_PROGRESS", {})};
  EXPECT_FALSE(all_terminal(rows));
  rows[1].status = "FAILED";
  EXPECT_TRUE(all_terminal(rows));
  EXPECT_FALSE(all_succeeded(rows));
  rows[1].status = "SUCCEEDED";
  EXPECT_TRUE(all_succeeded(rows));
  EXPECT_FALSE(all_terminal({}));
  for (const char* s : {"QUEUED", "IN_PROGRESS"}) EXPECT_FALSE(is_terminal_status(s));
  for (const char* s : {"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})
    EXPECT_TRUE(is_terminal_status(s));
}

TEST(Watch, Table_AlignsColumnsAndShowsProgress) {
  std::vector<WatchRow> rows{make_watch_row("thing-1", "IN_PROGRESS", {{"phase", "downloading"}, {"percent", "50"}}),
                             make_watch_row("t2", "FAILED", {{"phase", "done"}, {"reason", "bad hash"}})};
  EXPECT_EQ(render_table("fw-1", rows),
            "job fw-1\n"
            "THING    STATUS       PHASE        PROGRESS\n"
            "thing-1  IN_PROGRESS  downloading  [##########..........]  50%\n"
            "t2       FAILED       done         bad hash\n");
  EXPECT_EQ(render_line(rows[0]), "thing-1 IN_PROGRESS downloading 50%");
  EXPECT_EQ(render_line(rows[1]), "t2 FAILED done (bad hash)");
  EXPECT_NE(render_table("j", {}).find("no executions yet"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::cli
