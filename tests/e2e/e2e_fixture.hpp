// The end-to-end fixture: the real awsfota-agent program against a real stack on 127.0.0.1
// (LocalStack: Mosquitto with TLS and the per-thing ACL, awsfota-jobsd) and nginx serving signed
// images. The agent's reboot is its own exit: the test starts it again, and that start is the next boot.
//
//   E2E e;                                            // in a gtest TEST_F via E2ETest
//   start_stack(); start_nginx({.http = true, .limit_rate = "512k"});
//   auto image = make_image({1, 0, 1, 0}, 1 << 20, 7);
//   create_job("j1", document_for(image, "a.bin"));
//   Agent agent(write_config(config()), dir.path() / "a.log");
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/image/create.hpp"
#include "jobsd/local_stack.hpp"
#include "support/nginx.hpp"
#include "support/process.hpp"

namespace awsfota::e2e {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

std::string read_text(const fs::path& p);
void write_bytes(const fs::path& p, const Bytes& bytes);
// Percentages of the DL_PROGRESS lines in a log, in order.
std::vector<int> progress_of(const std::string& log);
// True once `file` contains `text` (polled), false after `timeout`.
bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::milliseconds timeout);
// True once the log shows download progress of at least `percent` (and less than 100).
bool wait_for_progress(const fs::path& log, int percent, std::chrono::milliseconds timeout);

// The agent as a child process whose exit status the test reads.
class Agent {
 public:
  Agent(const fs::path& config, const fs::path& log, std::vector<std::string> extra = {});
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void signal(int sig);
  // The exit status once the agent has ended within `timeout` (-signal when killed).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Whether it has already ended (reaps it when so).
  bool ended() { return wait(std::chrono::milliseconds(0)).has_value(); }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct FileServer {
  bool http = true;
  bool https = false;
  std::string limit_rate{};  // nginx limit_rate, e.g. "512k"; empty: unthrottled
  std::string extra_server_config{};
  std::string extra_http_config{};
};

class E2ETest : public ::testing::Test {
 protected:
  static const std::string kThing;

  void start_stack(jobsd::testing::StackOptions options = {});
  // After start_stack (HTTPS needs the stack's CA), or before it for plain HTTP only.
  void start_nginx(const FileServer& server);
  Bytes make_image(image::ImageVersion version, std::size_t payload_size, unsigned seed);
  // The configuration the tests share: fast reconnects and retries, progress every 5 %.
  nlohmann::json config();
  fs::path write_config(const nlohmann::json& c, const std::string& name = "agent.json");
  // Writes `image` as files/<file> and a document pointing at it over nginx (sha256 included).
  nlohmann::json document_for(const Bytes& image, const std::string& file, const std::string& version);
  // The same with `url` as location.url (another server, or a presigned-URL placeholder).
  nlohmann::json document_at(const Bytes& image, const std::string& file, const std::string& version,
                             const std::string& url);
  void create_job(const std::string& id, const nlohmann::json& document, nlohmann::json extra = nlohmann::json::object());
  nlohmann::json execution(const std::string& job);
  std::string execution_status(const std::string& job);
  std::optional<dfu::BootRecord> boot_record();
  fs::path slot_file(dfu::Slot slot) const;
  // Whether the slot file starts with exactly `image`.
  bool slot_holds(dfu::Slot slot, const Bytes& image) const;
  // Runs the agent (with `extra`) until it exits on its own; its log. Fails on timeout or when the exit
  // status is not `expected_status`.
  std::string run_to_exit(const fs::path& config_file, const std::string& log_name, std::vector<std::string> extra,
                          std::chrono::seconds timeout = std::chrono::seconds(90), int expected_status = 0);

  awsfota::testing::TempDir dir{"e2e"};
  std::unique_ptr<jobsd::testing::LocalStack> stack;
  std::unique_ptr<awsfota::testing::Nginx> nginx;
  awsfota::testing::CertFiles device_cert;
  std::unique_ptr<image::ImageSigner> signer;
  Bytes factory_image;  // slot A at the start: v1.0.0
};

}  // namespace awsfota::e2e
