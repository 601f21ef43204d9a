// scripts/stack as a user runs it: up on free ports in a scratch run folder, add-thing, a device on
// the issued certificate, an upload and an expiring link through nginx, status, down.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>

#include "jobsd/local_stack.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace mqtt = adapters::mosquitto;

class StackScript : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("AWSFOTA_STACK_DIR", (dir.path() / "run").c_str(), 1);
    setenv("AWSFOTA_JOBSD", AWSFOTA_JOBSD_BINARY, 1);
    setenv("AWSFOTA_MINUTE_MS", "1000", 1);
  }
  void TearDown() override { (void)stack({"down"}); }

  Expected<std::string, std::string> stack(std::vector<std::string> args) {
    std::vector<std::string> argv = {std::string(AWSFOTA_SOURCE_DIR) + "/scripts/stack"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--name", "t"});
    return awsfota::testing::run_command(argv);
  }

  awsfota::testing::TempDir dir{"jobsd-script"};
};

TEST_F(StackScript, UpAddThingServeAndDown) {
  const auto mqtt_port = awsfota::testing::free_port();
  const auto https_port = awsfota::testing::free_port();
  const auto http_port = awsfota::testing::free_port();
  const auto api_port = awsfota::testing::free_port();
  auto up = stack({"up", "--mqtt-port", std::to_string(mqtt_port), "--https-port", std::to_string(https_port),
                   "--http-port", std::to_string(http_port), "--api-port", std::to_string(api_port)});
  ASSERT_TRUE(up) << up.error();
  ASSERT_TRUE(stack({"status"}));
  auto added = stack({"add-thing", "dev-1"});
  ASSERT_TRUE(added) << added.error();
  const auto pki = dir.path() / "run" / "pki";
  EXPECT_NE(added->find((pki / "things" / "dev-1.pem").string()), std::string::npos) << *added;

  // The device connects with what add-thing issued, and the service knows the thing.
  auto client = mqtt::Client::create({.port = mqtt_port, .client_id = "dev-1",
                                      .tls = mqtt::TlsFiles{(pki / "ca.pem").string(),
                                                            (pki / "things" / "dev-1.pem").string(),
                                                            (pki / "things" / "dev-1.key").string()}});
  ASSERT_TRUE(client);
  TestDevice device(std::move(*client), "dev-1");
  ASSERT_TRUE(device.connect());
  device.subscribe(device.topic("#"));

  httplib::Client api("127.0.0.1", api_port);
  httplib::Client files("127.0.0.1", http_port);
  ASSERT_EQ(files.Put("/fw/app.bin", std::string(1000, 'x'), "application/octet-stream")->status, 201);
  const json job = {{"targets", {"arn:aws:iot:us-east-1:000000000000:thing/dev-1"}},
                    {"document", R"({"url":"${aws:iot:s3-presigned-url:https://bucket.s3.amazonaws.com/fw/app.bin}"})"},
                    {"presignedUrlConfig", {{"expiresInSec", 60}}}};
  ASSERT_EQ(api.Put("/jobs/j1", job.dump(), "application/json")->status, 200);

  std::optional<Message> described;
  for (int i = 0; i < 20 && !described; ++i) described = device.request("j1/get", "{}", milliseconds(500));
  ASSERT_TRUE(described);
  const std::string url = described->body["execution"]["jobDocument"]["url"];
  const std::string prefix = "https://127.0.0.1:" + std::to_string(https_port);
  ASSERT_EQ(url.rfind(prefix + "/fw/app.bin?md5=", 0), 0U) << url;

  httplib::SSLClient https("127.0.0.1", https_port);
  https.set_ca_cert_path((pki / "ca.pem").c_str());
  https.enable_server_certificate_verification(true);
  auto ranged = https.Get(url.substr(prefix.size()), {{"Range", "bytes=10-19"}});
  ASSERT_TRUE(ranged) << "HTTPS with the stack's CA failed";
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->get_header_value("Content-Range"), "bytes 10-19/1000");
  const std::string expired = url.substr(prefix.size(), url.find("&expires=") - prefix.size()) + "&expires=1000";
  EXPECT_EQ(https.Get(expired)->status, 403);

  ASSERT_TRUE(stack({"down"}));
  EXPECT_FALSE(stack({"status"})) << "status fails once the stack is down";
}

}  // namespace
}  // namespace awsfota::jobsd::testing
