// Presigned links as long as AWS's reach a device, and path-style and virtual-hosted S3 URLs of one
// object give one link.
#include <nlohmann/json.hpp>

#include "awsfota/jobs/job_document.hpp"
#include "jobsd/presign.hpp"
#include "jobsd/rest_api.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

TEST(S3ObjectPath, PathStyleAndVirtualHostedNameTheSameObject) {
  for (const char* url : {"https://fw.s3.eu-west-1.amazonaws.com/images/app.bin", "https://fw.s3.amazonaws.com/images/app.bin",
                          "https://s3.eu-west-1.amazonaws.com/fw/images/app.bin", "https://s3.amazonaws.com/fw/images/app.bin",
                          "https://s3-eu-west-1.amazonaws.com/fw/images/app.bin"}) {
    EXPECT_EQ(s3_object_path(url), "/images/app.bin") << url;
    EXPECT_EQ(document_source_path(url).value_or("error"), "/images/app.bin") << url;
  }
  EXPECT_EQ(s3_object_path("https://127.0.0.1:8443/fw/app.bin"), "/fw/app.bin");
  const LinkSigner signer("https://127.0.0.1:8443", "k");
  EXPECT_EQ(replace_presigned_placeholders("${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/b/x.bin}", signer, 9),
            replace_presigned_placeholders("${aws:iot:s3-presigned-url:https://b.s3.us-east-1.amazonaws.com/x.bin}", signer, 9));
}

TEST(LinkSigner, AwsLengthLinksCarryS3sQueryParametersAfterNginxsOwn) {
  const LinkSigner short_signer("https://127.0.0.1:8443", "k");
  const LinkSigner long_signer("https://127.0.0.1:8443", "k", LinkStyle::AwsLength);
  const std::string short_link = short_signer.sign("/fw/app.bin", 1'700'003'600, 3600);
  const std::string link = long_signer.sign("/fw/app.bin", 1'700'003'600, 3600);
  // nginx checks md5 and expires, which stay as they were.
  EXPECT_EQ(link.rfind(short_link + "&X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0), 0U) << link;
  for (const char* p : {"X-Amz-Credential=ASIA", "X-Amz-Date=20231114T221320Z", "X-Amz-Expires=3600",
                        "X-Amz-SignedHeaders=host", "X-Amz-Security-Token=", "X-Amz-Signature="}) {
    EXPECT_NE(link.find(p), std::string::npos) << p;
  }
  EXPECT_GT(link.size(), 2048U);
  EXPECT_LT(link.size(), 4096U);
  EXPECT_EQ(link, long_signer.sign("/fw/app.bin", 1'700'003'600, 3600));  // the same input, the same link
}

// The device library's parser, with the agent's default options, takes the link jobsd hands out.
TEST_F(ServiceTest, AwsLengthLinkPassesTheDevicesDocumentParserWithDefaultOptions) {
  reopen(Config{.minute_ms = kMinute, .signer = LinkSigner("https://127.0.0.1:8443", "k", LinkStyle::AwsLength)});
  add_things({"t1"});
  std::vector<OutgoingMessage> out;
  CreateJobRequest request{
      .job_id = "long",
      .things = {"t1"},
      .document = R"({"operation":"app_fw_update","location":{"url":"${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/fw/app.bin}"}})",
      .presigned_role_arn = "arn:aws:iam::000000000000:role/presign"};
  ASSERT_TRUE(service->create_job(request, now, out));
  const OutgoingMessage* next = find(out, topic("t1", "notify-next"));
  ASSERT_NE(next, nullptr);
  auto parsed = jobs::parse_job_execution_message(next->payload);
  ASSERT_EQ(parsed.status, jobs::JobParseStatus::Ok) << parsed.reason;
  const std::string url = parsed.job->document.location.url();
  EXPECT_GT(url.size(), 2048U);
  EXPECT_EQ(url.rfind("https://127.0.0.1:8443/app.bin?md5=", 0), 0U) << url.substr(0, 80);
  EXPECT_NE(url.find("X-Amz-Security-Token="), std::string::npos);
}

}  // namespace
}  // namespace awsfota::jobsd::testing
