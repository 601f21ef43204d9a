#include "e2e_fixture.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "support/build_paths.hpp"

namespace awsfota::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string E2ETest::kThing = "e2e-dev";

namespace {
const std::string kArn = "arn:aws:iot:us-east-1:000000000000:thing/";
constexpr std::uint64_t kSlotSize = 4 << 20;

std::string sha256_hex(const Bytes& bytes) {
  openssl::OpenSslCrypto crypto;
  const auto digest = image::sha256_of(crypto, bytes);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (auto b : digest) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}
}  // namespace

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const Bytes& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<int> progress_of(const std::string& log) {
  std::vector<int> out;
  static const std::regex line("DL_PROGRESS ([0-9]+)%");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool wait_for_progress(const fs::path& log, int percent, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto seen = progress_of(read_text(log));
    if (!seen.empty() && seen.back() >= percent && seen.back() < 100) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// --- Agent -------------------------------------------------------------------------------------------

Agent::Agent(const fs::path& config, const fs::path& log, std::vector<std::string> extra) {
  std::vector<std::string> args{awsfota::testing::program("awsfota-agent").string(), "--config", config.string()};
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

Agent::~Agent() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int s = 0;
    waitpid(pid_, &s, 0);
  }
}

void Agent::signal(int sig) {
  if (!status_) kill(pid_, sig);
}

std::optional<int> Agent::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int s = 0;
    if (waitpid(pid_, &s, WNOHANG) == pid_) {
      status_ = WIFEXITED(s) ? WEXITSTATUS(s) : -WTERMSIG(s);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(10ms);
  }
  return status_;
}

// --- E2ETest -----------------------------------------------------------------------------------------

void E2ETest::start_stack(jobsd::testing::StackOptions options) {
  auto s = jobsd::testing::LocalStack::start(dir.path() / "stack", std::move(options));
  ASSERT_TRUE(s) << s.error();
  stack = std::move(*s);
  ASSERT_EQ(stack->rest("POST", "/things/" + kThing).status, 200);
  auto device = stack->pki().issue(kThing, {}, awsfota::testing::CertUsage::Client);
  ASSERT_TRUE(device) << device.error();
  device_cert = *device;

  auto key = openssl::generate_private_key_pem(image::SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(key) << key.error();
  auto loaded = openssl::load_private_key_pem(*key);
  ASSERT_TRUE(loaded) << loaded.error();
  signer = std::move(*loaded);
  std::ofstream(dir.path() / "signing.pub.pem") << openssl::public_key_pem(signer->public_key());
  fs::create_directories(dir.path() / "files");
  fs::create_directories(dir.path() / "state");
  factory_image = make_image({1, 0, 0, 0}, 32 * 1024, 1);
  write_bytes(slot_file(dfu::Slot::A), factory_image);
}

void E2ETest::start_nginx(const FileServer& server) {
  fs::create_directories(dir.path() / "files");
  awsfota::testing::NginxOptions o{.root = dir.path() / "files", .http = server.http, .https = server.https};
  if (server.https) {
    auto cert = stack->pki().issue("files", {"IP:127.0.0.1", "DNS:localhost"});
    ASSERT_TRUE(cert) << cert.error();
    o.tls = *cert;
  }
  o.extra_http_config = server.extra_http_config;
  o.extra_server_config = server.extra_server_config;
  if (!server.limit_rate.empty()) o.extra_server_config += "\n    limit_rate " + server.limit_rate + ";\n";
  auto n = awsfota::testing::Nginx::start(dir.path() / "nginx", o);
  ASSERT_TRUE(n) << n.error();
  nginx = std::move(*n);
}

Bytes E2ETest::make_image(image::ImageVersion version, std::size_t payload_size, unsigned seed) {
  Bytes payload(payload_size);
  std::mt19937 rng(seed);
  for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
  openssl::OpenSslCrypto crypto;
  auto made = image::create_image(payload, {.version = version}, signer.get(), crypto);
  EXPECT_TRUE(made) << made.error();
  return made ? *made : Bytes{};
}

json E2ETest::config() {
  const fs::path state = dir.path() / "state";
  return json{{"endpoint", "127.0.0.1"},
              {"port", stack->mqtt_port()},
              {"thing-name", kThing},
              {"cert", device_cert.cert.string()},
              {"key", device_cert.key.string()},
              {"root-ca", stack->pki().ca_cert().string()},
              {"mqtt", {{"reconnect-min-ms", 100}, {"reconnect-max-ms", 500}, {"connect-timeout-seconds", 5}}},
              {"state-dir", state.string()},
              {"slots", {{"a", slot_file(dfu::Slot::A).string()}, {"b", slot_file(dfu::Slot::B).string()}, {"size", kSlotSize}}},
              {"download", {{"ca-file", stack->pki().ca_cert().string()}, {"commit-interval", 32768},
                            {"retry", {{"initial-delay-ms", 100}, {"max-delay-ms", 500}}}}},
              {"progress", {{"min-interval-seconds", 0}, {"min-percent", 5}}},
              {"verify", {{"public-key", (dir.path() / "signing.pub.pem").string()}}},
              {"self-test", {{"command", "true"}, {"timeout-seconds", 20}}},
              {"reboot", {{"command", ""}}},
              {"log", {{"progress", "lines"}}}};
}

fs::path E2ETest::write_config(const json& c, const std::string& name) {
  const fs::path p = dir.path() / name;
  std::ofstream(p) << c.dump(2);
  return p;
}

json E2ETest::document_for(const Bytes& image, const std::string& file, const std::string& version) {
  return document_at(image, file, version, nginx->https_port() != 0 ? nginx->https_url(file) : nginx->http_url(file));
}

json E2ETest::document_at(const Bytes& image, const std::string& file, const std::string& version,
                          const std::string& url) {
  write_bytes(dir.path() / "files" / file, image);
  return json{{"operation", "app_fw_update"},
              {"fwversion", version},
              {"size", image.size()},
              {"sha256", sha256_hex(image)},
              {"location", {{"url", url}}}};
}

void E2ETest::create_job(const std::string& id, const json& document, json extra) {
  json body = std::move(extra);
  body["targets"] = {kArn + kThing};
  body["document"] = document.dump();
  auto r = stack->rest("PUT", "/jobs/" + id, body.dump());
  ASSERT_EQ(r.status, 200) << r.body.dump();
}

json E2ETest::execution(const std::string& job) {
  return stack->rest("GET", "/things/" + kThing + "/jobs/" + job).body["execution"];
}

std::string E2ETest::execution_status(const std::string& job) {
  const auto e = execution(job);
  return e["status"].is_string() ? e["status"].get<std::string>() : e.dump();
}

std::optional<dfu::BootRecord> E2ETest::boot_record() {
  if (!fs::exists(dir.path() / "state" / "boot.state")) return std::nullopt;
  posix::FileBootRecordStore store(dir.path() / "state" / "boot.state");
  auto r = store.load();
  if (!r) return std::nullopt;
  return *r;
}

fs::path E2ETest::slot_file(dfu::Slot slot) const {
  return dir.path() / "state" / (slot == dfu::Slot::A ? "slot-a.img" : "slot-b.img");
}

bool E2ETest::slot_holds(dfu::Slot slot, const Bytes& image) const {
  const std::string held = read_text(slot_file(slot));
  return held.size() >= image.size() &&
         std::equal(image.begin(), image.end(), held.begin(),
                    [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); });
}

std::string E2ETest::run_to_exit(const fs::path& config_file, const std::string& log_name,
                                 std::vector<std::string> extra, std::chrono::seconds timeout, int expected_status) {
  const fs::path log = dir.path() / log_name;
  Agent agent(config_file, log, std::move(extra));
  auto status = agent.wait(timeout);
  EXPECT_EQ(status, std::optional<int>(expected_status)) << read_text(log);
  return read_text(log);
}

}  // namespace awsfota::e2e
