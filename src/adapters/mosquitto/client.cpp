#include "awsfota/adapters/mosquitto/client.hpp"

#include <mosquitto.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace awsfota::adapters::mosquitto {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Unexpected<MqttError> fail(MqttErrorCode code, std::string message) {
  return unexpected(MqttError{code, std::move(message)});
}

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string endpoint(const ClientOptions& o) { return o.host + ":" + std::to_string(o.port); }

bool readable(const std::string& path) { return std::ifstream(path).good(); }

std::string describe_rc(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

}  // namespace

const char* to_string(MqttErrorCode code) noexcept {
  switch (code) {
    case MqttErrorCode::InvalidOptions: return "InvalidOptions";
    case MqttErrorCode::Unreachable: return "Unreachable";
    case MqttErrorCode::Refused: return "Refused";
    case MqttErrorCode::Timeout: return "Timeout";
    case MqttErrorCode::NotConnected: return "NotConnected";
    case MqttErrorCode::ConnectionLost: return "ConnectionLost";
    case MqttErrorCode::Internal: return "Internal";
  }
  return "Internal";
}

Expected<std::unique_ptr<Client>, MqttError> Client::create(ClientOptions options) {
  if (options.client_id.empty()) return fail(MqttErrorCode::InvalidOptions, "mqtt: the client id is empty");
  if (options.port < 1 || options.port > 65535) {
    return fail(MqttErrorCode::InvalidOptions, "mqtt: port " + std::to_string(options.port) + " is not 1..65535");
  }
  if (options.tls) {
    for (const auto* file : {&options.tls->ca_file, &options.tls->cert_file, &options.tls->key_file}) {
      if (!file->empty() && !readable(*file)) {
        return fail(MqttErrorCode::InvalidOptions, "mqtt: cannot read TLS file " + *file);
      }
    }
    if (options.tls->ca_file.empty()) return fail(MqttErrorCode::InvalidOptions, "mqtt: TLS needs a CA file");
    if (options.tls->cert_file.empty() != options.tls->key_file.empty()) {
      return fail(MqttErrorCode::InvalidOptions, "mqtt: a client certificate needs its key, and a key its certificate");
    }
  }
  init_library_once();
  std::unique_ptr<Client> client(new Client(std::move(options)));
  const ClientOptions& o = client->options_;
  client->mosq_ = mosquitto_new(o.client_id.c_str(), o.clean_session, client.get());
  if (client->mosq_ == nullptr) return fail(MqttErrorCode::Internal, "mqtt: mosquitto_new failed: " + describe_rc(MOSQ_ERR_ERRNO));
  if (o.tls) {
    const char* cert = o.tls->cert_file.empty() ? nullptr : o.tls->cert_file.c_str();
    const char* key = o.tls->key_file.empty() ? nullptr : o.tls->key_file.c_str();
    const int rc = mosquitto_tls_set(client->mosq_, o.tls->ca_file.c_str(), nullptr, cert, key, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return fail(MqttErrorCode::InvalidOptions, "mqtt: TLS files not usable (" + o.tls->ca_file + ", " +
                                                     o.tls->cert_file + ", " + o.tls->key_file + "): " + describe_rc(rc));
    }
    // Verify the broker's certificate (1 = SSL_VERIFY_PEER) and refuse anything older than TLS 1.2.
    if (const int opts = mosquitto_tls_opts_set(client->mosq_, 1, "tlsv1.2", nullptr); opts != MOSQ_ERR_SUCCESS) {
      return fail(MqttErrorCode::InvalidOptions, "mqtt: TLS options refused: " + describe_rc(opts));
    }
    if (!o.tls->alpn.empty()) {
      if (const int alpn = mosquitto_string_option(client->mosq_, MOSQ_OPT_TLS_ALPN, o.tls->alpn.c_str());
          alpn != MOSQ_ERR_SUCCESS) {
        return fail(MqttErrorCode::InvalidOptions, "mqtt: ALPN \"" + o.tls->alpn + "\" refused: " + describe_rc(alpn));
      }
    }
  }
  if (o.tcp_nodelay) {
    if (const int rc = mosquitto_int_option(client->mosq_, MOSQ_OPT_TCP_NODELAY, 1); rc != MOSQ_ERR_SUCCESS) {
      return fail(MqttErrorCode::InvalidOptions, "mqtt: TCP_NODELAY refused: " + describe_rc(rc));
    }
  }
  mosquitto_connect_callback_set(client->mosq_, &Client::handle_connect);
  mosquitto_disconnect_callback_set(client->mosq_, &Client::handle_disconnect);
  mosquitto_message_callback_set(client->mosq_, &Client::handle_message);
  return client;
}

Client::~Client() {
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

void Client::handle_connect(struct ::mosquitto*, void* self, int rc) {
  auto* client = static_cast<Client*>(self);
  client->connack_ = rc;
  if (rc != 0) {
    client->last_reason_ = std::string("the broker refused the connection: ") + mosquitto_connack_string(rc);
    return;
  }
  for (const auto& [filter, qos] : client->subscriptions_) {
    mosquitto_subscribe(client->mosq_, nullptr, filter.c_str(), qos);
  }
  client->backoff_ = milliseconds(0);
  client->set_connected(true, "connected to " + endpoint(client->options_));
}

void Client::handle_disconnect(struct ::mosquitto*, void* self, int rc) {
  auto* client = static_cast<Client*>(self);
  client->dropped_ = true;
  client->last_reason_ = rc == 0 ? "disconnected" : "connection to " + endpoint(client->options_) + " lost: " + describe_rc(rc);
  client->set_connected(false, client->last_reason_);
}

void Client::handle_message(struct ::mosquitto*, void* self, const struct ::mosquitto_message* message) {
  auto* client = static_cast<Client*>(self);
  if (!client->message_handler_ || message == nullptr || message->topic == nullptr) return;
  std::string payload;
  if (message->payload != nullptr && message->payloadlen > 0) {
    payload.assign(static_cast<const char*>(message->payload), static_cast<std::size_t>(message->payloadlen));
  }
  client->message_handler_(message->topic, payload);
}

void Client::set_connected(bool connected, const std::string& reason) {
  const bool changed = connected != connected_;
  connected_ = connected;
  if (!connected) {
    backoff_ = std::clamp(backoff_ * 2, options_.reconnect_min, options_.reconnect_max);
    next_attempt_ = Clock::now() + backoff_;
  }
  if (changed && connection_handler_) connection_handler_(connected, reason);
}

Expected<void, MqttError> Client::connect(milliseconds timeout) {
  wanted_ = true;
  connack_.reset();
  dropped_ = false;
  const int rc = mosquitto_connect(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    const int saved_errno = errno;
    // Only a failure to reach the port is "unreachable"; anything later in the TLS handshake means
    // the other side turned us down (another CA, no certificate, not TLS at all).
    const bool unreachable = rc == MOSQ_ERR_EAI || rc == MOSQ_ERR_NO_CONN ||
                             (rc == MOSQ_ERR_ERRNO && (saved_errno == ECONNREFUSED || saved_errno == EHOSTUNREACH ||
                                                       saved_errno == ENETUNREACH || saved_errno == ETIMEDOUT));
    const std::string reason = describe_rc(rc);
    set_connected(false, "cannot connect to " + endpoint(options_) + ": " + reason);
    return fail(unreachable ? MqttErrorCode::Unreachable : MqttErrorCode::Refused,
                "mqtt: cannot connect to " + endpoint(options_) + ": " + reason +
                    (unreachable ? "" : " (the TLS handshake failed: check the CA, certificate and key)"));
  }
  const auto deadline = Clock::now() + timeout;
  while (!connack_ && !dropped_ && Clock::now() < deadline) {
    const int loop_rc = loop_io(milliseconds(50), true);
    if (loop_rc != MOSQ_ERR_SUCCESS && !connack_) {
      set_connected(false, describe_rc(loop_rc));
      return fail(MqttErrorCode::Refused,
                  "mqtt: " + endpoint(options_) + " closed the connection before accepting it (" + describe_rc(loop_rc) +
                      "): the broker refused the TLS client certificate (missing, from another CA, or expired) "
                      "or the client id");
    }
  }
  if (connack_ && *connack_ == 0) return {};
  if (connack_) return fail(MqttErrorCode::Refused, "mqtt: " + endpoint(options_) + ": " + last_reason_);
  if (dropped_) return fail(MqttErrorCode::Refused, "mqtt: " + endpoint(options_) + ": " + last_reason_);
  mosquitto_disconnect(mosq_);
  return fail(MqttErrorCode::Timeout, "mqtt: no answer from " + endpoint(options_) + " within " +
                                          std::to_string(timeout.count()) + " ms");
}

Expected<void, MqttError> Client::connect_async() {
  wanted_ = true;
  connack_.reset();
  dropped_ = false;
  return await_connack(
      mosquitto_connect(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s), "connect to ");
}

Expected<void, MqttError> Client::subscribe(const std::string& filter, int qos) {
  auto known = std::find_if(subscriptions_.begin(), subscriptions_.end(), [&](const auto& s) { return s.first == filter; });
  if (known == subscriptions_.end()) {
    subscriptions_.emplace_back(filter, qos);
  } else {
    known->second = qos;
  }
  if (!connected_) return {};  // made when the connection comes up
  const int rc = mosquitto_subscribe(mosq_, nullptr, filter.c_str(), qos);
  if (rc == MOSQ_ERR_NO_CONN) return fail(MqttErrorCode::NotConnected, "mqtt: not connected");
  if (rc != MOSQ_ERR_SUCCESS) return fail(MqttErrorCode::Internal, "mqtt: subscribe " + filter + ": " + describe_rc(rc));
  return {};
}

Expected<void, MqttError> Client::publish(const std::string& topic, const std::string& payload, int qos, bool retain) {
  if (!connected_) return fail(MqttErrorCode::NotConnected, "mqtt: not connected, " + topic + " not published");
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                                   retain);
  if (rc == MOSQ_ERR_SUCCESS) return {};
  if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
    return fail(MqttErrorCode::NotConnected, "mqtt: not connected, " + topic + " not published");
  }
  return fail(MqttErrorCode::Internal, "mqtt: publish " + topic + ": " + describe_rc(rc));
}

Expected<void, MqttError> Client::try_reconnect() {
  connack_.reset();
  dropped_ = false;
  return await_connack(mosquitto_reconnect(mosq_), "reconnect to ");
}

// After mosquitto_connect() or mosquitto_reconnect() answered `rc`: run_once() waits for the CONNACK,
// or, when the attempt failed at once, backs off before the next one.
Expected<void, MqttError> Client::await_connack(int rc, const char* attempt) {
  if (rc != MOSQ_ERR_SUCCESS) {
    last_reason_ = attempt + endpoint(options_) + " failed: " + describe_rc(rc);
    backoff_ = std::clamp(backoff_ * 2, options_.reconnect_min, options_.reconnect_max);
    next_attempt_ = Clock::now() + backoff_;
    return fail(MqttErrorCode::Unreachable, "mqtt: " + last_reason_);
  }
  awaiting_connack_ = true;
  return {};
}

Expected<void, MqttError> Client::run_once(milliseconds timeout) {
  if (!connected_ && !awaiting_connack_) {
    if (!wanted_) return fail(MqttErrorCode::NotConnected, "mqtt: not connected");
    const auto now = Clock::now();
    if (now < next_attempt_) {
      std::this_thread::sleep_for(std::min(timeout, std::chrono::duration_cast<milliseconds>(next_attempt_ - now)));
      return fail(MqttErrorCode::NotConnected, "mqtt: not connected, " + last_reason_);
    }
    if (auto r = try_reconnect(); !r) return r;
  }
  const int rc = loop_io(timeout, awaiting_connack_ && !connack_);
  if (connack_) awaiting_connack_ = false;
  if (rc == MOSQ_ERR_SUCCESS) return {};
  awaiting_connack_ = false;
  if (connected_) set_connected(false, "connection to " + endpoint(options_) + " lost: " + describe_rc(rc));
  if (!connected_ && next_attempt_ < Clock::now()) {
    backoff_ = std::clamp(backoff_ * 2, options_.reconnect_min, options_.reconnect_max);
    next_attempt_ = Clock::now() + backoff_;
  }
  return fail(MqttErrorCode::ConnectionLost, "mqtt: connection to " + endpoint(options_) + " lost: " + describe_rc(rc));
}

// mosquitto_loop() waits in select(), which refuses (MOSQ_ERR_INVAL) a descriptor past FD_SETSIZE
// (1024): a process with a few hundred clients (awsfota-fleet; each holds a socket and a socket pair)
// has those. These are its steps with poll(). While the TLS handshake or the CONNECT is under way
// (`connecting`) only reads are waited for, in short slices: a queued CONNECT makes the socket look
// writable long before the handshake lets it go, and mosquitto keeps that state to itself.
int Client::loop_io(milliseconds timeout, bool connecting) {
  const int fd = mosquitto_socket(mosq_);
  if (fd < 0) return MOSQ_ERR_NO_CONN;
  if (connecting) timeout = std::min(timeout, milliseconds(5));
  const bool want_write = !connecting && mosquitto_want_write(mosq_);
  pollfd p{fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
  const int ready = ::poll(&p, 1, static_cast<int>(std::max<milliseconds::rep>(timeout.count(), 0)));
  if (ready < 0) return errno == EINTR ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ERRNO;
  if ((p.revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
    const int rc = mosquitto_loop_read(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_) < 0) return rc;
  }
  if (connecting || (p.revents & POLLOUT) != 0 || mosquitto_want_write(mosq_)) {
    const int rc = mosquitto_loop_write(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_) < 0) return rc;
  }
  return mosquitto_loop_misc(mosq_);
}

int Client::socket() const noexcept { return mosq_ ? mosquitto_socket(mosq_) : -1; }

bool Client::wants_write() const noexcept { return mosq_ && connected_ && mosquitto_want_write(mosq_); }

void Client::disconnect(milliseconds timeout) {
  wanted_ = false;
  if (!connected_) return;
  const auto deadline = Clock::now() + timeout;
  while (mosquitto_want_write(mosq_) && Clock::now() < deadline) {
    if (loop_io(milliseconds(10), false) != MOSQ_ERR_SUCCESS) break;
  }
  mosquitto_disconnect(mosq_);
  (void)loop_io(milliseconds(10), false);
  connected_ = false;
  if (connection_handler_) connection_handler_(false, "disconnected");
}

}  // namespace awsfota::adapters::mosquitto
