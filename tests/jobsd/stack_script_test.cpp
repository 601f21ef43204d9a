// scripts/stack as a user runs it: up on free ports in a scratch run folder, add-thing, a device on
// the issued certificate, an upload and an expiring link through nginx, status, down.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "jobsd/local_stack.hpp"
#include "support/build_paths.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace mqtt = adapters::mosquitto;

// Something else listening on 127.0.0.1:port for as long as it lives.
class PortSquatter {
 public:
  explicit PortSquatter(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listening_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                 ::listen(fd_, 4) == 0;
  }
  ~PortSquatter() {
    if (fd_ >= 0) ::close(fd_);
  }
  PortSquatter(const PortSquatter&) = delete;
  PortSquatter& operator=(const PortSquatter&) = delete;
  [[nodiscard]] bool listening() const { return listening_; }

 private:
  int fd_;
  bool listening_ = false;
};

// The command lines of running processes that mention `text` (the stack's run folder).
std::vector<std::string> processes_mentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(text) != std::string::npos && pid != std::to_string(::getpid())) found.push_back(pid + ": " + cmdline);
  }
  return found;
}

// One connection attempt, no waiting: does anything accept on 127.0.0.1:port right now?
bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool accepted = fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  if (fd >= 0) ::close(fd);
  return accepted;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StackScript : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("AWSFOTA_STACK_DIR", (dir.path() / "run").c_str(), 1);
    setenv("AWSFOTA_JOBSD", awsfota::testing::program("awsfota-jobsd").c_str(), 1);
    setenv("AWSFOTA_MINUTE_MS", "1000", 1);
  }
  void TearDown() override { (void)stack({"down"}); }

  Expected<std::string, std::string> stack(std::vector<std::string> args) {
    std::vector<std::string> argv = {(awsfota::testing::source_dir() / "scripts" / "stack").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--name", "t"});
    return awsfota::testing::run_command(argv);
  }

  std::vector<std::string> port_flags() const {
    return {"--mqtt-port", std::to_string(mqtt_port), "--https-port", std::to_string(https_port),
            "--http-port", std::to_string(http_port), "--api-port", std::to_string(api_port)};
  }
  Expected<std::string, std::string> up(std::vector<std::string> flags) {
    flags.insert(flags.begin(), "up");
    return stack(std::move(flags));
  }

  awsfota::testing::TempDir dir{"jobsd-script"};
  const std::uint16_t mqtt_port = awsfota::testing::free_port();
  const std::uint16_t https_port = awsfota::testing::free_port();
  const std::uint16_t http_port = awsfota::testing::free_port();
  const std::uint16_t api_port = awsfota::testing::free_port();
};

TEST_F(StackScript, FailedUpStopsWhatItStartedAndSaysWhy) {
  PortSquatter squatter(api_port);  // taken after mosquitto and nginx have started
  ASSERT_TRUE(squatter.listening());
  auto failed = up(port_flags());
  ASSERT_FALSE(failed) << "up succeeded with its API port taken: " << *failed;
  EXPECT_NE(failed.error().find("127.0.0.1:" + std::to_string(api_port) + " is taken"), std::string::npos)
      << failed.error();
  EXPECT_NE(failed.error().find("stopped what it had started: mosquitto nginx"), std::string::npos) << failed.error();

  const auto run = dir.path() / "run";
  EXPECT_EQ(processes_mentioning(run.string()), std::vector<std::string>{}) << "daemons of the failed up still run";
  EXPECT_FALSE(accepts_connections(mqtt_port)) << "mosquitto still listens";
  EXPECT_FALSE(accepts_connections(https_port)) << "nginx still listens";
  EXPECT_FALSE(std::filesystem::exists(run / "mosquitto.pid"));
  EXPECT_FALSE(std::filesystem::exists(run / "nginx.pid"));
  EXPECT_FALSE(std::filesystem::exists(run / "stack.env")) << "ports recorded for a stack that does not run";
  EXPECT_FALSE(stack({"status"}));
}

TEST_F(StackScript, UpOnARunningStackKeepsItsPortsAndRefusesOthers) {
  auto first = up(port_flags());
  ASSERT_TRUE(first) << first.error();
  const auto settings = dir.path() / "run" / "stack.env";
  const std::string recorded = read_text(settings);
  EXPECT_NE(recorded.find("MQTT_PORT=" + std::to_string(mqtt_port)), std::string::npos) << recorded;

  const std::uint16_t other_port = awsfota::testing::free_port();
  auto other = up({"--mqtt-port", std::to_string(other_port)});
  ASSERT_FALSE(other) << *other;
  EXPECT_NE(other.error().find("already runs with MQTT " + std::to_string(mqtt_port)), std::string::npos)
      << other.error();
  EXPECT_NE(other.error().find("down --name t"), std::string::npos) << other.error();
  EXPECT_EQ(read_text(settings), recorded);
  auto status = stack({"status"});
  EXPECT_TRUE(status) << "the running stack must survive the refused up: " << status.error();

  auto again = up({});  // the recorded ports: nothing to start, nothing to change
  ASSERT_TRUE(again) << again.error();
  EXPECT_NE(again->find("mosquitto already runs"), std::string::npos) << *again;
  EXPECT_EQ(read_text(settings), recorded);
}

TEST_F(StackScript, UpAddThingServeAndDown) {
  auto started = up(port_flags());
  ASSERT_TRUE(started) << started.error();
  ASSERT_TRUE(stack({"status"}));
  auto added = stack({"add-thing", "dev-1"});
  ASSERT_TRUE(added) << added.error();
  const auto pki = dir.path() / "run" / "pki";
  EXPECT_NE(added->find((pki / "things" / "dev-1.pem").string()), std::string::npos) << *added;
  // Keys, and nginx.conf with the link secret, are for this user only.
  namespace fs = std::filesystem;
  constexpr auto kOthers = fs::perms::group_all | fs::perms::others_all;
  for (const auto& path : {dir.path() / "run", dir.path() / "run" / "nginx" / "nginx.conf", dir.path() / "run" / "link-secret"}) {
    EXPECT_EQ(fs::status(path).permissions() & kOthers, fs::perms::none) << path << " is open to other users";
  }

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
  // The stack's own account, which `scripts/stack env` prints; the service refuses any other.
  const std::string settings = read_text(dir.path() / "run" / "stack.env");
  const auto account_at = settings.find("AWS_ACCOUNT_ID=");
  ASSERT_NE(account_at, std::string::npos) << settings;
  const std::string account = settings.substr(account_at + 15, 12);
  const json job = {{"targets", {"arn:aws:iot:us-east-1:" + account + ":thing/dev-1"}},
                    {"document", R"({"url":"${aws:iot:s3-presigned-url:https://bucket.s3.amazonaws.com/fw/app.bin}"})"},
                    {"presignedUrlConfig", {{"expiresInSec", 60}, {"roleArn", "arn:aws:iam::" + account + ":role/presign"}}}};
  // The control plane takes only requests signed with the stack's key pair, which `env` prints.
  ASSERT_EQ(api.Put("/jobs/j1", job.dump(), "application/json")->status, 403);
  auto env = stack({"env"});
  ASSERT_TRUE(env) << env.error();
  const auto exported = [&](const std::string& name) {
    // One NAME=VALUE line each, and one `export NAME ...` line that names them all.
    const auto at = env->find("\n" + name + "=");
    const auto export_at = env->rfind("\nexport ");
    if (at == std::string::npos || export_at == std::string::npos ||
        env->substr(export_at, env->find('\n', export_at + 1) - export_at).find(" " + name) == std::string::npos) {
      return std::string();
    }
    return env->substr(at + name.size() + 2, env->find('\n', at + 1) - at - name.size() - 2);
  };
  const sigv4::SigV4Credentials keys{exported("AWS_ACCESS_KEY_ID"), exported("AWS_SECRET_ACCESS_KEY"), ""};
  ASSERT_EQ(keys.access_key_id.size(), 20u) << *env;
  ASSERT_EQ(keys.secret_access_key.size(), 40u) << *env;
  EXPECT_EQ(exported("AWS_DEFAULT_REGION"), "us-east-1") << *env;
  // Exported, so that the awsfota CLI run from the shell builds ARNs in the stack's account.
  EXPECT_EQ(exported("AWS_ACCOUNT_ID"), account) << *env;
  EXPECT_EQ(std::filesystem::status(dir.path() / "run" / "credentials").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  httplib::Headers signed_put;
  for (auto& [name, value] : sigv4_headers(keys, "PUT", api_port, "/jobs/j1", job.dump())) signed_put.emplace(name, value);
  ASSERT_EQ(api.Put("/jobs/j1", signed_put, job.dump(), "application/json")->status, 200);

  std::optional<Message> described;
  for (int i = 0; i < 20 && !described; ++i) described = device.request("j1/get", "{}", milliseconds(500));
  ASSERT_TRUE(described);
  const std::string url = described->body["execution"]["jobDocument"]["url"];
  const std::string prefix = "https://127.0.0.1:" + std::to_string(https_port);
  ASSERT_EQ(url.rfind(prefix + "/fw/app.bin?md5=", 0), 0U) << url;
  // The stack hands out links as long as S3's, and nginx takes them.
  EXPECT_GT(url.size(), 2048U);
  EXPECT_NE(url.find("&X-Amz-Security-Token="), std::string::npos) << url;

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
