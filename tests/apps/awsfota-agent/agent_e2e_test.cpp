// The real awsfota-agent program against real servers on 127.0.0.1: Mosquitto with TLS, client
// certificates and the per-thing ACL, the awsfota-jobsd Jobs service (both from the jobsd tests'
// LocalStack), and nginx serving the image over HTTPS. The reboot command is empty, so the agent exits
// when it asks for a reboot and the test starts it again: that start is the device's next boot.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/image/create.hpp"
#include "jobsd/local_stack.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"
#include "support/process.hpp"

namespace {

using awsfota::jobsd::testing::LocalStack;
using awsfota::testing::CertUsage;
using awsfota::testing::Nginx;
using awsfota::testing::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

#ifndef AWSFOTA_AGENT_BINARY
#error "AWSFOTA_AGENT_BINARY must name the awsfota-agent program"
#endif

const std::string kThing = "dev1";
const std::string kArn = "arn:aws:iot:us-east-1:000000000000:thing/";
constexpr std::uint64_t kSlotSize = 4 << 20;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string sha256_hex(const std::vector<std::uint8_t>& bytes) {
  awsfota::openssl::OpenSslCrypto crypto;
  const auto digest = awsfota::image::sha256_of(crypto, bytes);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (auto b : digest) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

// The agent as a child process whose exit status the test reads (ChildProcess does not give it).
class Agent {
 public:
  Agent(const fs::path& config, const fs::path& log, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{AWSFOTA_AGENT_BINARY, "--config", config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_path.c_str(), "a");
      if (f != nullptr) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Agent() {
    if (pid_ > 0 && !status_) {
      kill(pid_, SIGKILL);
      int s = 0;
      waitpid(pid_, &s, 0);
    }
  }
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void signal(int sig) { kill(pid_, sig); }
  // The exit status once the agent has ended within `timeout` (-signal when killed).
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int s = 0;
      if (waitpid(pid_, &s, WNOHANG) == pid_) {
        status_ = WIFEXITED(s) ? WEXITSTATUS(s) : -WTERMSIG(s);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(20ms);
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Percentages of the DL_PROGRESS lines in a log, in order.
std::vector<int> progress_of(const std::string& log) {
  std::vector<int> out;
  static const std::regex line("DL_PROGRESS ([0-9]+)%");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

// True once the log shows download progress of at least `percent` (and less than 100).
bool wait_for_progress(const fs::path& log, int percent, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto seen = progress_of(read_text(log));
    if (!seen.empty() && seen.back() >= percent && seen.back() < 100) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class AgentE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalStack::start(dir.path() / "stack", {});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
    ASSERT_EQ(stack->rest("POST", "/things/" + kThing).status, 200);
    auto device = stack->pki().issue(kThing, {}, CertUsage::Client);
    ASSERT_TRUE(device) << device.error();
    device_cert = *device;

    auto key = awsfota::openssl::generate_private_key_pem(awsfota::image::SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(key) << key.error();
    auto signer = awsfota::openssl::load_private_key_pem(*key);
    ASSERT_TRUE(signer) << signer.error();
    signer_ = std::move(*signer);
    std::ofstream(dir.path() / "signing.pub.pem") << awsfota::openssl::public_key_pem(signer_->public_key());

    fs::create_directories(dir.path() / "files");
    fs::create_directories(dir.path() / "state");
    // Slot A runs v1.0.0.
    write_bytes(dir.path() / "state" / "slot-a.img", make_image({1, 0, 0, 0}, 64 * 1024, 1));
  }

  std::vector<std::uint8_t> make_image(awsfota::image::ImageVersion version, std::size_t payload_size, unsigned seed) {
    std::vector<std::uint8_t> payload(payload_size);
    std::mt19937 rng(seed);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    awsfota::openssl::OpenSslCrypto crypto;
    auto image = awsfota::image::create_image(payload, {.version = version}, signer_.get(), crypto);
    EXPECT_TRUE(image) << image.error();
    return image ? *image : std::vector<std::uint8_t>{};
  }

  void start_nginx(const std::string& extra_server_config = "") {
    auto server = stack->pki().issue("files", {"IP:127.0.0.1", "DNS:localhost"});
    ASSERT_TRUE(server) << server.error();
    auto n = Nginx::start(dir.path() / "nginx", {.root = dir.path() / "files",
                                                 .http = false,
                                                 .https = true,
                                                 .tls = *server,
                                                 .extra_server_config = extra_server_config});
    ASSERT_TRUE(n) << n.error();
    nginx = std::move(*n);
  }

  json config() {
    const fs::path state = dir.path() / "state";
    return json{{"endpoint", "127.0.0.1"},
                {"port", stack->mqtt_port()},
                {"thing-name", kThing},
                {"cert", device_cert.cert.string()},
                {"key", device_cert.key.string()},
                {"root-ca", stack->pki().ca_cert().string()},
                {"mqtt", {{"reconnect-min-ms", 100}, {"reconnect-max-ms", 1000}, {"connect-timeout-seconds", 5}}},
                {"state-dir", state.string()},
                {"slots", {{"a", (state / "slot-a.img").string()}, {"b", (state / "slot-b.img").string()}, {"size", kSlotSize}}},
                {"download", {{"ca-file", stack->pki().ca_cert().string()}, {"commit-interval", 65536},
                              {"retry", {{"initial-delay-ms", 100}, {"max-delay-ms", 1000}}}}},
                {"progress", {{"min-interval-seconds", 0}, {"min-percent", 10}}},
                {"verify", {{"public-key", (dir.path() / "signing.pub.pem").string()}}},
                {"self-test", {{"command", "test \"$AWSFOTA_SLOT\" = B"}, {"timeout-seconds", 20}}},
                {"reboot", {{"command", ""}}},
                {"log", {{"progress", "lines"}}}};
  }

  fs::path write_config(const json& c, const std::string& name = "agent.json") {
    const fs::path p = dir.path() / name;
    std::ofstream(p) << c.dump(2);
    return p;
  }

  void create_job(const std::string& id, const std::vector<std::uint8_t>& image, const std::string& file,
                  std::string url = "") {
    write_bytes(dir.path() / "files" / file, image);
    json document = {{"operation", "app_fw_update"},
                     {"fwversion", "v1.0.1"},
                     {"size", image.size()},
                     {"sha256", sha256_hex(image)},
                     {"location", {{"url", url.empty() ? nginx->https_url(file) : url}}}};
    json body = {{"targets", {kArn + kThing}}, {"document", document.dump()}};
    auto r = stack->rest("PUT", "/jobs/" + id, body.dump());
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }

  std::string execution_status(const std::string& job) {
    auto body = stack->rest("GET", "/things/" + kThing + "/jobs/" + job).body;
    return body["execution"]["status"].is_string() ? body["execution"]["status"].get<std::string>() : body.dump();
  }

  // Runs the agent to its exit; its log.
  std::string run_to_exit(const fs::path& config_file, const std::string& log_name, std::vector<std::string> extra = {},
                          int expected_status = 0) {
    const fs::path log = dir.path() / log_name;
    Agent agent(config_file, log, std::move(extra));
    auto status = agent.wait(60s);
    EXPECT_EQ(status, std::optional<int>(expected_status)) << read_text(log);
    return read_text(log);
  }

  void interrupt_and_resume(int sig);

  TempDir dir{"agent-e2e"};
  std::unique_ptr<LocalStack> stack;
  std::unique_ptr<Nginx> nginx;
  awsfota::testing::CertFiles device_cert;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
};

TEST_F(AgentE2E, FullUpdateOverHttpsBootsOnTrialPassesSelfTestAndEndsSucceeded) {
  start_nginx();
  const auto image = make_image({1, 0, 1, 0}, 300 * 1024, 2);
  create_job("full-1", image, "app-v1.0.1.bin");
  const auto cfg = write_config(config());

  // First run: download, verify, trial scheduled, reboot requested: the agent exits.
  const std::string first = run_to_exit(cfg, "agent-1.log");
  EXPECT_NE(first.find("running v1.0.0"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: START"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: DL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job full-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_NE(first.find("reboot: no reboot command configured"), std::string::npos) << first;
  EXPECT_EQ(execution_status("full-1"), "IN_PROGRESS");

  // Second run is the reboot: the boot step starts slot B on trial, the self-test passes, confirm.
  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("self-test: passed"), std::string::npos) << second;
  EXPECT_NE(second.find("job full-1: CONFIRMED"), std::string::npos) << second;
  EXPECT_NE(second.find("job full-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("full-1"), "SUCCEEDED");

  // Slot B holds the image and is now the confirmed slot.
  const std::string slot_b = read_text(dir.path() / "state" / "slot-b.img");
  ASSERT_GE(slot_b.size(), image.size());
  EXPECT_TRUE(std::equal(image.begin(), image.end(), slot_b.begin(),
                         [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }));
  awsfota::posix::FileBootRecordStore boot(dir.path() / "state" / "boot.state");
  auto record = boot.load();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->confirmed, awsfota::dfu::Slot::B);
  EXPECT_FALSE(record->trial.has_value());
}

// Stops the agent with `sig` in the middle of a 2 MiB download (nginx sends 512 KiB/s), then checks
// that the next start resumes from the committed bytes and the job still ends SUCCEEDED.
void AgentE2E::interrupt_and_resume(int sig) {
  start_nginx("    limit_rate 512k;\n");
  const auto image = make_image({1, 0, 1, 0}, 2 << 20, 3);
  create_job("resume-1", image, "app-big.bin");
  const auto cfg = write_config(config());

  const fs::path log1 = dir.path() / "agent-1.log";
  {
    Agent agent(cfg, log1);
    ASSERT_TRUE(wait_for_progress(log1, 20, 30s)) << read_text(log1);
    agent.signal(sig);
    EXPECT_EQ(agent.wait(20s), std::optional<int>(sig == SIGKILL ? -SIGKILL : 0)) << read_text(log1);
  }
  const std::string first = read_text(log1);
  if (sig == SIGTERM) {
    EXPECT_NE(first.find("stopping (SIGTERM)"), std::string::npos) << first;
  }
  EXPECT_EQ(first.find("DL_PROGRESS 100%"), std::string::npos) << "the download should not have finished: " << first;
  EXPECT_TRUE(fs::exists(dir.path() / "state" / "checkpoint"));
  // DL_PROGRESS reports durable offsets only: the checkpoint holds at least the last one logged.
  const auto before = progress_of(first);
  ASSERT_FALSE(before.empty());

  // The next start resumes from the committed bytes, not from 0, and goes on to the reboot.
  const std::string second = run_to_exit(cfg, "agent-2.log");
  EXPECT_NE(second.find("job resume-1: START resumed"), std::string::npos) << second;
  const auto after = progress_of(second);
  ASSERT_FALSE(after.empty()) << second;
  EXPECT_GE(after.front(), before.back()) << "the second run did not resume where the first stopped: " << second;
  EXPECT_EQ(after.back(), 100) << second;
  EXPECT_NE(second.find("job resume-1: REBOOT_REQUESTED"), std::string::npos) << second;

  const std::string third = run_to_exit(cfg, "agent-3.log", {"--once"});
  EXPECT_NE(third.find("job resume-1: DONE SUCCEEDED"), std::string::npos) << third;
  EXPECT_EQ(execution_status("resume-1"), "SUCCEEDED");
}

TEST_F(AgentE2E, SigtermMidDownloadKeepsTheCheckpointAndTheNextStartResumes) { interrupt_and_resume(SIGTERM); }

TEST_F(AgentE2E, SigkillMidDownloadIsSurvivedAndTheNextStartResumes) { interrupt_and_resume(SIGKILL); }

TEST_F(AgentE2E, FailedSelfTestReportsFailedAndTheNextBootGoesBackToTheOldImage) {
  start_nginx();
  const auto image = make_image({1, 0, 1, 0}, 100 * 1024, 4);
  create_job("bad-1", image, "app-bad.bin");
  json c = config();
  c["self-test"]["command"] = "echo 'the new image cannot reach its sensor' >&2; exit 3";
  const auto cfg = write_config(c);

  (void)run_to_exit(cfg, "agent-1.log");
  const std::string trial = run_to_exit(cfg, "agent-2.log");
  EXPECT_NE(trial.find("self-test: failed: command `"), std::string::npos) << trial;
  EXPECT_NE(trial.find("exited with status 3"), std::string::npos) << trial;
  EXPECT_NE(trial.find("job bad-1: ERROR SELF_TEST_FAILED"), std::string::npos) << trial;
  EXPECT_NE(trial.find("job bad-1: REBOOT_REQUESTED rebooting back to the previous image"), std::string::npos) << trial;
  auto execution = stack->rest("GET", "/things/" + kThing + "/jobs/bad-1").body["execution"];
  EXPECT_EQ(execution["status"], "FAILED") << execution.dump();
  EXPECT_EQ(execution["statusDetails"]["detailsMap"]["cause"], "SELF_TEST_FAILED") << execution.dump();
  EXPECT_EQ(execution["statusDetails"]["detailsMap"]["reason"],
            "self-test failed: command `echo 'the new image cannot reach its sensor' >&2; exit 3` exited with status 3")
      << execution.dump();

  // The next start is the reboot: slot A again, still v1.0.0.
  const fs::path log3 = dir.path() / "agent-3.log";
  Agent agent(cfg, log3);
  EXPECT_TRUE(wait_for_text(log3, "running v1.0.0", 20s)) << read_text(log3);
  EXPECT_NE(read_text(log3).find("boot: running slot A, reverted from an unconfirmed trial of slot B"), std::string::npos)
      << read_text(log3);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log3);
}

// The reference's download troubleshooting cases, as docs/troubleshooting.md quotes them.
TEST_F(AgentE2E, UnresolvableHostInTheJobDocumentFailsTheJobAsHostUnreachable) {
  create_job("nohost-1", make_image({1, 0, 1, 0}, 4096, 5), "x.bin", "https://no-such-host.invalid/x.bin");
  const std::string log = run_to_exit(write_config(config()), "agent.log", {"--once"});
  EXPECT_NE(log.find("job nohost-1: ERROR CONNECT_FAILED: host unreachable: the name \"no-such-host.invalid\" does not "
                     "resolve; check the URL in the job document"),
            std::string::npos)
      << log;
  EXPECT_EQ(execution_status("nohost-1"), "FAILED");
}

TEST_F(AgentE2E, ServerWithoutContentRangeFailsTheJobNamingTheRangeProblem) {
  auto server = awsfota::testing::FaultServer::start(dir.path() / "files", dir.path() / "fault");
  ASSERT_TRUE(server) << server.error();
  create_job("norange-1", make_image({1, 0, 1, 0}, 200 * 1024, 6), "app.bin", (*server)->url("no_content_range", "app.bin"));
  json c = config();
  c["download"]["fragment-size"] = 65536;  // every request carries a Range header
  const std::string log = run_to_exit(write_config(c), "agent.log", {"--once"});
  EXPECT_NE(log.find("job norange-1: ERROR DOWNLOAD_FAILED: the server answered 206 without a Content-Range header: it "
                     "does not answer Range requests as S3 does"),
            std::string::npos)
      << log;
  EXPECT_EQ(execution_status("norange-1"), "FAILED");
}

TEST_F(AgentE2E, CertificateFromAnotherCaIsReportedAsConnectionRefusedInPlainWords) {
  TempDir other("agent-other-ca");
  auto pki = awsfota::testing::Pki::create(other.path(), "another CA");
  ASSERT_TRUE(pki) << pki.error();
  auto stranger = pki->issue(kThing, {}, CertUsage::Client);
  ASSERT_TRUE(stranger) << stranger.error();
  json c = config();
  c["cert"] = stranger->cert.string();
  c["key"] = stranger->key.string();
  const fs::path log = dir.path() / "refused.log";
  Agent agent(write_config(c, "refused.json"), log);
  EXPECT_TRUE(wait_for_text(log, "connection refused: check the device certificate, its key, the root CA and the policy", 20s))
      << read_text(log);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log);
}

TEST_F(AgentE2E, NothingListeningAtTheEndpointIsReportedAsUnreachable) {
  json c = config();
  c["port"] = awsfota::testing::free_port();
  const fs::path log = dir.path() / "unreachable.log";
  Agent agent(write_config(c, "unreachable.json"), log);
  EXPECT_TRUE(wait_for_text(log, "endpoint unreachable: nothing answers at 127.0.0.1:", 20s)) << read_text(log);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(20s), std::optional<int>(0)) << read_text(log);
}

TEST_F(AgentE2E, BadConfigFailsAtStartNamingTheField) {
  json c = config();
  c["download"]["fragment-size"] = -1;
  const std::string log = run_to_exit(write_config(c, "bad.json"), "bad.log", {}, 78);
  EXPECT_NE(log.find("config: download.fragment-size: expected a positive integer, got -1"), std::string::npos) << log;
}

}  // namespace
