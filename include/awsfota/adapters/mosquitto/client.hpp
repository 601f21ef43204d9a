// An MQTT client over libmosquitto: TLS with a CA, a client certificate and key; connect, subscribe,
// publish, a message callback, and reconnect with backoff. Used by the local Jobs service and by the
// device agent; nothing above the adapters includes libmosquitto.
//
// Contract:
// - Single-threaded: every call, and every callback, happens on the thread that calls run_once();
//   the caller drives the network by calling run_once() in its loop (it blocks at most `timeout`).
// - connect() blocks until the broker accepted the session (CONNACK) or refused it, or `timeout`.
// - subscribe() is remembered: after a reconnect the client subscribes again before it reports the
//   connection as up. publish() while disconnected fails with NotConnected (nothing is queued), so
//   the caller decides whether the message still matters.
// - After the connection drops, run_once() reconnects with exponential backoff between
//   reconnect_min and reconnect_max and reports each change through the connection callback.
// - Payloads are bytes in std::string; topics are UTF-8 without wildcards for publish.
//
//   using namespace awsfota::adapters::mosquitto;
//   auto client = Client::create({.host = "127.0.0.1", .port = 8883, .client_id = "sensor-7",
//                                 .tls = TlsFiles{"ca.pem", "sensor-7.pem", "sensor-7.key"}});
//   if (!client) die(client.error().message);
//   (*client)->on_message([](const std::string& topic, const std::string& payload) { ... });
//   if (auto c = (*client)->connect(std::chrono::seconds(5)); !c) die(c.error().message);
//   (void)(*client)->subscribe("$aws/things/sensor-7/jobs/notify-next");
//   while (running) (void)(*client)->run_once(std::chrono::milliseconds(100));
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"

struct mosquitto;
struct mosquitto_message;

namespace awsfota::adapters::mosquitto {

struct TlsFiles {
  std::string ca_file;    // PEM: the CA that signed the broker's certificate
  std::string cert_file;  // PEM: this client's certificate (empty: no client certificate)
  std::string key_file;   // PEM: its private key
  // TLS ALPN protocol to offer; empty offers none. AWS IoT Core takes MQTT on port 443 only with
  // "x-amzn-mqtt-ca". TLS 1.2 is the lowest version the client accepts, whatever OpenSSL allows.
  std::string alpn;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string client_id;  // for AWS IoT, the thing name
  std::optional<TlsFiles> tls{};
  int keepalive_s = 30;
  bool clean_session = true;
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{8000};
  // Send small packets at once instead of waiting for the previous one's ACK (Nagle's algorithm):
  // a request and its answer then take microseconds on loopback rather than the 40 ms of a delayed ACK.
  bool tcp_nodelay = false;
};

// Each value says what the caller does next.
enum class MqttErrorCode {
  InvalidOptions,   // fix the configuration (empty client id, bad port, unreadable TLS files)
  Unreachable,      // nothing answers at host:port; check the address or start the broker, then retry
  Refused,          // the broker or TLS refused us: certificate, CA or authorization is wrong; retrying won't help
  Timeout,          // no answer in time; retry
  NotConnected,     // not connected now; wait for the connection callback, then retry
  ConnectionLost,   // the connection dropped; run_once() reconnects
  Internal,         // libmosquitto failed (out of memory, protocol error); log and retry
};
[[nodiscard]] const char* to_string(MqttErrorCode code) noexcept;

struct MqttError {
  MqttErrorCode code = MqttErrorCode::Internal;
  std::string message;  // names the broker, the file or the reason
};

class Client {
 public:
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;
  // connected == false comes with the reason the connection ended or could not be made.
  using ConnectionHandler = std::function<void(bool connected, const std::string& reason)>;

  [[nodiscard]] static Expected<std::unique_ptr<Client>, MqttError> create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void on_message(MessageHandler handler) { message_handler_ = std::move(handler); }
  void on_connection(ConnectionHandler handler) { connection_handler_ = std::move(handler); }

  [[nodiscard]] Expected<void, MqttError> connect(std::chrono::milliseconds timeout);
  // As connect(), but returns once the TCP connection is made: the TLS handshake and the CONNACK
  // happen in later run_once() calls, and the connection callback reports the session up. A refusal
  // then counts as a lost connection (reconnects with backoff). For a caller that brings up many
  // clients on one thread (awsfota-fleet), which must not wait for each handshake in turn.
  [[nodiscard]] Expected<void, MqttError> connect_async();
  [[nodiscard]] Expected<void, MqttError> subscribe(const std::string& filter, int qos = 1);
  [[nodiscard]] Expected<void, MqttError> publish(const std::string& topic, const std::string& payload, int qos = 1,
                                                  bool retain = false);
  // Network I/O and callbacks for at most `timeout`; reconnects when the connection is down.
  [[nodiscard]] Expected<void, MqttError> run_once(std::chrono::milliseconds timeout);
  // Sends what is queued (best effort, at most `timeout`) and closes the connection.
  void disconnect(std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

  [[nodiscard]] bool connected() const noexcept { return connected_; }
  // For a caller that waits on many clients with poll() before calling run_once() on the ready ones:
  // the connection's socket (-1 while there is none) and whether packets wait to be sent.
  [[nodiscard]] int socket() const noexcept;
  [[nodiscard]] bool wants_write() const noexcept;
  [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }

 private:
  explicit Client(ClientOptions options) : options_(std::move(options)) {}
  static void handle_connect(struct ::mosquitto*, void* self, int rc);
  static void handle_disconnect(struct ::mosquitto*, void* self, int rc);
  static void handle_message(struct ::mosquitto*, void* self, const struct ::mosquitto_message* message);
  void set_connected(bool connected, const std::string& reason);
  [[nodiscard]] Expected<void, MqttError> try_reconnect();
  [[nodiscard]] Expected<void, MqttError> await_connack(int rc, const char* attempt);
  int loop_io(std::chrono::milliseconds timeout, bool connecting);

  ClientOptions options_;
  struct ::mosquitto* mosq_ = nullptr;
  MessageHandler message_handler_;
  ConnectionHandler connection_handler_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  bool connected_ = false;
  bool wanted_ = false;        // the caller wants a connection (connect() succeeded once, no disconnect())
  std::optional<int> connack_;  // the last CONNACK code while connect() waits
  bool dropped_ = false;        // the connection ended while connect() waited
  bool awaiting_connack_ = false;  // a reconnect is under way
  std::string last_reason_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
};

}  // namespace awsfota::adapters::mosquitto
