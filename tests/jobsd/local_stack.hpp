// A stack-like fixture for the service's integration tests: a throwaway PKI, Mosquitto with TLS,
// client certificates, the certificate CN as user name and the per-thing ACL (as scripts/stack
// configures it) on a free 127.0.0.1 port, and awsfota-jobsd connected to it as its privileged
// client with a fast clock. Devices are MQTT clients of the project's mosquitto adapter. The stack
// generates an access key pair (dir/credentials, as scripts/stack does); rest() signs with it, and
// aws_env() hands it to the commands a test runs (the AWS CLI, the awsfota CLI).
//
//   auto stack = LocalStack::start(dir.path(), {.minute_ms = 200});
//   ASSERT_TRUE(stack) << stack.error();
//   auto device = (*stack)->device("t1");             // certificate CN=t1, connected, subscribed
//   auto r = (*stack)->rest("POST", "/things/t1");    // the control plane, as the AWS CLI calls it
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "awsfota/expected.hpp"
#include "sigv4/sigv4.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::jobsd::testing {

// The ARN prefix of the stack's things: kThingArn + "t1" names thing t1.
inline const std::string kThingArn = "arn:aws:iot:us-east-1:000000000000:thing/";

using awsfota::testing::CertFiles;
using awsfota::testing::ChildProcess;
using awsfota::testing::Pki;

struct Message {
  std::string topic;
  nlohmann::json body;
};

// A device: one MQTT connection with its own certificate, and what it received.
class TestDevice {
 public:
  TestDevice(std::unique_ptr<adapters::mosquitto::Client> client, std::string thing);

  [[nodiscard]] const std::string& thing() const { return thing_; }
  [[nodiscard]] std::string topic(const std::string& rest) const { return "$aws/things/" + thing_ + "/jobs/" + rest; }
  [[nodiscard]] Expected<void, adapters::mosquitto::MqttError> connect();
  void subscribe(const std::string& filter);
  void publish(const std::string& topic, const std::string& payload);
  // Publishes `payload` on topic(op) and waits for the answer on topic(op)/accepted or /rejected.
  [[nodiscard]] std::optional<Message> request(const std::string& op, const std::string& payload,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The first message (received before or within `timeout`) on `topic`; removed from the inbox.
  [[nodiscard]] std::optional<Message> wait_for(const std::string& topic,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Pumps the network for `duration` and returns everything that arrived meanwhile.
  std::vector<Message> drain(std::chrono::milliseconds duration);
  // Pumps the network until the client has noticed a lost connection and made a new one (it
  // reconnects on its own); false on timeout.
  [[nodiscard]] bool wait_reconnected(std::chrono::milliseconds timeout);

 private:
  void pump(std::chrono::milliseconds timeout);
  std::unique_ptr<adapters::mosquitto::Client> client_;
  std::string thing_;
  std::deque<Message> inbox_;
  int next_token_ = 1;
  int sessions_ = 0;  // connections made so far
};

struct StackOptions {
  std::int64_t minute_ms = 60000;
  std::string documents_url{};          // --documents-url: where create-job --document-source fetches from
  std::string files_url = "https://127.0.0.1:1";  // --files-url: where presigned-URL placeholders point
  std::vector<std::string> extra_args{};  // more awsfota-jobsd options
  // --api-requests-per-second: well above AWS's 10 so that the suite's bursts are not throttled; a
  // test of the limit sets its own.
  double api_requests_per_second = 1000;
  bool anonymous = false;  // --anonymous instead of --credentials-file
};

// How rest() signs: with the stack's key pair at the current time unless told otherwise.
struct RestSigning {
  std::optional<sigv4::SigV4Credentials> credentials{};  // nullopt: the stack's own
  bool sign = true;                                     // false: no Authorization at all
  std::int64_t unix_time = 0;                           // 0: now
};

struct RestResult {
  int status = 0;
  nlohmann::json body;
  std::string error_type;
};

// The headers that sign a control-plane request to 127.0.0.1:port as the AWS CLI signs a rest-json
// call (Host, X-Amz-Date, Content-Type for a body, the body's hash; signing name iot, us-east-1).
// `path` may hold a query; unix_time 0 is now.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> sigv4_headers(const sigv4::SigV4Credentials& credentials,
                                                                            const std::string& method,
                                                                            std::uint16_t port, const std::string& path,
                                                                            const std::string& body,
                                                                            std::int64_t unix_time = 0);

class LocalStack {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<LocalStack>, std::string> start(const std::filesystem::path& dir,
                                                                               StackOptions options);
  ~LocalStack();

  // A connected device with a certificate (CN = thing) from this stack's CA, subscribed to its topics.
  [[nodiscard]] Expected<std::unique_ptr<TestDevice>, std::string> device(const std::string& thing);
  // A client with the given TLS files (or none) that tries to connect; the connect result.
  [[nodiscard]] Expected<void, adapters::mosquitto::MqttError> try_connect(const std::string& client_id,
                                                                           std::optional<adapters::mosquitto::TlsFiles> tls);
  [[nodiscard]] RestResult rest(const std::string& method, const std::string& path, const std::string& body = "");
  [[nodiscard]] RestResult rest(const std::string& method, const std::string& path, const std::string& body,
                                const RestSigning& signing);
  // The key pair jobsd takes (also in dir()/credentials, ~/.aws/credentials format).
  [[nodiscard]] const sigv4::SigV4Credentials& credentials() const { return credentials_; }
  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION for a command run against the stack.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> aws_env() const;

  // Stops the service (SIGTERM) and starts it again on the same database.
  [[nodiscard]] Expected<void, std::string> restart_service();
  // Stops the broker (SIGTERM) and starts it again on the same port; clients must reconnect. The
  // broker keeps its persistent sessions (the service's) across the restart, as scripts/stack does.
  [[nodiscard]] Expected<void, std::string> restart_broker();
  // Stops the broker (SIGTERM) and leaves it down until restart_broker(): the service stays up (its
  // REST API answers) while its MQTT link is gone.
  void stop_broker();
  // What the running awsfota-jobsd has logged so far (one line per request, "mqtt up/down: ...").
  [[nodiscard]] std::string service_log() const;
  // Freezes the service (SIGSTOP) and lets it go on (SIGCONT), e.g. to hold it off the broker while
  // the broker restarts and devices reconnect before it.
  void pause_service();
  void resume_service();

  [[nodiscard]] const Pki& pki() const { return *pki_; }
  [[nodiscard]] std::uint16_t mqtt_port() const { return mqtt_port_; }
  [[nodiscard]] std::uint16_t http_port() const { return http_port_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  LocalStack() = default;
  [[nodiscard]] Expected<void, std::string> start_broker();
  [[nodiscard]] Expected<void, std::string> start_service();

  std::filesystem::path dir_;
  StackOptions options_;
  std::optional<Pki> pki_;
  CertFiles server_;
  CertFiles service_cert_;
  std::uint16_t mqtt_port_ = 0;
  std::uint16_t http_port_ = 0;
  sigv4::SigV4Credentials credentials_;
  std::unique_ptr<ChildProcess> broker_;
  std::unique_ptr<ChildProcess> service_;
  int service_starts_ = 0;
};

}  // namespace awsfota::jobsd::testing
