// What the broker's TLS and ACL, and the service's listeners, let through.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include "jobsd/local_stack.hpp"
#include "jobsd/presign.hpp"
#include "support/nginx.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace mqtt = adapters::mosquitto;

class StackSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalStack::start(dir.path(), {});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
  }
  awsfota::testing::TempDir dir{"jobsd-sec"};
  std::unique_ptr<LocalStack> stack;
};

TEST_F(StackSecurity, ThingCannotSubscribeOrPublishOnAnotherThingsTopics) {
  ASSERT_EQ(stack->rest("POST", "/things/t1").status, 200);
  ASSERT_EQ(stack->rest("POST", "/things/t2").status, 200);
  auto t1 = stack->device("t1");
  ASSERT_TRUE(t1) << t1.error();
  auto t2 = stack->device("t2");
  ASSERT_TRUE(t2) << t2.error();
  (*t2)->subscribe("$aws/things/t1/jobs/#");

  ASSERT_EQ(stack->rest("PUT", "/jobs/j1", json{{"targets", {kThingArn + "t1"}}, {"document", "{}"}}.dump()).status, 200);
  ASSERT_TRUE((*t1)->wait_for((*t1)->topic("notify-next")));
  // t2 publishes as if it were t1; the broker drops it, so the execution stays QUEUED.
  (*t2)->publish("$aws/things/t1/jobs/j1/update", R"({"status":"SUCCEEDED"})");
  (*t2)->publish("$aws/things/t1/jobs/start-next", "{}");
  // t1's own round trip proves the service has handled everything published before it.
  ASSERT_TRUE((*t1)->request("get", "{}"));
  for (const auto& m : (*t2)->drain(milliseconds(200))) {
    EXPECT_EQ(m.topic.rfind("$aws/things/t2/", 0), 0U) << "t2 received " << m.topic;
  }
  EXPECT_EQ(stack->rest("GET", "/things/t1/jobs/j1").body["execution"]["status"], "QUEUED");
  for (const auto& m : (*t1)->drain(milliseconds(100))) {
    EXPECT_NE(m.topic, (*t1)->topic("j1/update/accepted")) << "an update in t1's name went through";
  }
}

// The broker takes the client id from the certificate's CN, as AWS IoT policies pin it: a thing that
// connects as "awsfota-jobsd" (persistent session and all) gets a session of its own, and the service
// keeps its connection and its queued requests.
TEST_F(StackSecurity, ThingUsingTheServicesClientIdCannotTakeOverItsSession) {
  ASSERT_EQ(stack->rest("POST", "/things/t2").status, 200);
  auto t2 = stack->device("t2");
  ASSERT_TRUE(t2) << t2.error();
  auto cert = stack->pki().issue("intruder", {}, awsfota::testing::CertUsage::Client);
  ASSERT_TRUE(cert) << cert.error();
  auto intruder = mqtt::Client::create({.host = "127.0.0.1",
                                        .port = stack->mqtt_port(),
                                        .client_id = "awsfota-jobsd",
                                        .tls = mqtt::TlsFiles{stack->pki().ca_cert().string(), cert->cert.string(),
                                                              cert->key.string()},
                                        .clean_session = false});
  ASSERT_TRUE(intruder);
  ASSERT_TRUE((*intruder)->connect(milliseconds(3000)));

  // Had the broker closed the service's connection, it would have logged that before it could
  // reconnect and answer this.
  ASSERT_TRUE((*t2)->request("get", R"({"clientToken":"after-intruder"})"));
  const std::string log = stack->service_log();
  EXPECT_EQ(log.find("mqtt down"), std::string::npos) << "the intruder pushed the service off the broker:\n" << log;
  EXPECT_TRUE((*intruder)->connected()) << "the intruder, under its own client id, is not in anyone's way";
}

TEST_F(StackSecurity, ClientWithoutCertificateIsRefused) {
  auto r = stack->try_connect("t1", mqtt::TlsFiles{stack->pki().ca_cert().string(), "", ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, mqtt::MqttErrorCode::Refused) << r.error().message;
}

TEST_F(StackSecurity, ClientWithCertificateFromAnotherCaIsRefused) {
  auto other = awsfota::testing::Pki::create(dir.path() / "other-pki", "some other CA");
  ASSERT_TRUE(other) << other.error();
  auto cert = other->issue("t1", {}, awsfota::testing::CertUsage::Client);
  ASSERT_TRUE(cert) << cert.error();
  auto r = stack->try_connect("t1", mqtt::TlsFiles{stack->pki().ca_cert().string(), cert->cert.string(),
                                                   cert->key.string()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, mqtt::MqttErrorCode::Refused) << r.error().message;
}

TEST_F(StackSecurity, PlainMqttWithoutTlsIsRefused) {
  auto r = stack->try_connect("t1", std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().code, mqtt::MqttErrorCode::InvalidOptions);
}

// A non-loopback IPv4 address of this machine, if it has one.
std::optional<std::string> external_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  freeifaddrs(list);
  return found;
}

TEST_F(StackSecurity, RestApiListensOnLoopbackOnly) {
  EXPECT_EQ(stack->rest("GET", "/things").status, 200);
  auto address = external_address();
  if (!address) GTEST_SKIP() << "this machine has no non-loopback IPv4 address to try";
  httplib::Client outside(*address, stack->http_port());
  outside.set_connection_timeout(1, 0);
  auto r = outside.Get("/things");
  EXPECT_FALSE(r) << "the REST API answered on " << *address;
}

TEST(ExpiringLinks, NginxSecureLinkAcceptsSignedLinksUntilTheyExpire) {
  awsfota::testing::TempDir dir("jobsd-links");
  std::filesystem::create_directories(dir.path() / "files");
  awsfota::testing::write_file(dir.path() / "files" / "app.bin", std::vector<std::byte>(100, std::byte{7}));
  auto nginx = awsfota::testing::Nginx::start(
      dir.path() / "nginx",
      {.root = dir.path() / "files",
       .extra_server_config = "secure_link $arg_md5,$arg_expires;\n"
                              "secure_link_md5 \"$secure_link_expires$uri s3cret\";\n"
                              "if ($secure_link = \"\") { return 403; }\n"
                              "if ($secure_link = \"0\") { return 403; }\n"});
  ASSERT_TRUE(nginx) << nginx.error();
  const LinkSigner signer("http://127.0.0.1:" + std::to_string((*nginx)->http_port()), "s3cret");
  const std::int64_t now_s = std::time(nullptr);
  auto get = [&](const std::string& url) {
    httplib::Client c("127.0.0.1", (*nginx)->http_port());
    const std::string path = url.rfind("http", 0) == 0 ? url.substr(url.find('/', url.find("://") + 3)) : url;
    auto r = c.Get(path);
    return r ? r->status : -1;
  };
  EXPECT_EQ(get(signer.sign("/app.bin", now_s + 60)), 200);
  EXPECT_EQ(get(signer.sign("/app.bin", now_s - 1)), 403) << "an expired link";
  EXPECT_EQ(get(LinkSigner("http://x", "wrong").sign("/app.bin", now_s + 60)), 403) << "another secret";
  EXPECT_EQ(get("/app.bin"), 403) << "no link at all";
}

}  // namespace
}  // namespace awsfota::jobsd::testing
