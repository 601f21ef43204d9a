#include "agent/mqtt_link.hpp"

#include <algorithm>

#include "agent/display.hpp"

namespace awsfota::agent {

using adapters::mosquitto::Client;
using adapters::mosquitto::MqttErrorCode;
using namespace std::chrono_literals;

MqttLink::MqttLink(adapters::mosquitto::ClientOptions options, std::chrono::milliseconds connect_timeout,
                   MqttCallbacks callbacks)
    : options_(std::move(options)), connect_timeout_(connect_timeout), callbacks_(std::move(callbacks)) {}

MqttLink::~MqttLink() { stop(0ms); }

Expected<void, std::string> MqttLink::start() {
  auto client = Client::create(options_);
  if (!client) return unexpected(mqtt_failure(client.error().code, "", client.error().message));
  client_ = std::move(*client);
  client_->on_message([this](const std::string& topic, const std::string& payload) {
    if (callbacks_.on_message) callbacks_.on_message(topic, payload);
  });
  client_->on_connection([this](bool up, const std::string& reason) {
    connected_ = up;
    if (up) last_report_.reset();
    if (callbacks_.on_connection) callbacks_.on_connection(up, reason);
  });
  thread_ = std::thread([this] { run(); });
  return {};
}

void MqttLink::stop(std::chrono::milliseconds flush) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (client_ && client_->connected()) {
    drain();
    client_->disconnect(flush);
  }
  connected_ = false;
}

bool MqttLink::publish(std::string_view topic, std::string_view payload, int qos) {
  if (!connected_.load()) return false;
  std::lock_guard lock(mutex_);
  queue_.push_back(Op{false, std::string(topic), std::string(payload), qos});
  return true;
}

bool MqttLink::subscribe(std::string_view filter, int qos) {
  if (!connected_.load()) return false;
  std::lock_guard lock(mutex_);
  queue_.push_back(Op{true, std::string(filter), {}, qos});
  return true;
}

void MqttLink::report(MqttErrorCode code, const std::string& line) {
  if (last_report_ == code) return;
  last_report_ = code;
  if (callbacks_.log) callbacks_.log(line);
}

void MqttLink::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

bool MqttLink::connect_once() {
  auto connected = client_->connect(connect_timeout_);
  if (connected) return true;
  report(connected.error().code, "mqtt: " + mqtt_failure(connected.error().code, options_.host + ":" + std::to_string(options_.port),
                                 connected.error().message));
  return false;
}

void MqttLink::drain() {
  std::deque<Op> ops;
  {
    std::lock_guard lock(mutex_);
    ops.swap(queue_);
  }
  for (const Op& op : ops) {
    auto done = op.subscribe ? client_->subscribe(op.topic, op.qos) : client_->publish(op.topic, op.payload, op.qos);
    // Not sent: the engine resends what it still needs after its response timeout or the reconnect.
    if (!done && callbacks_.log) callbacks_.log("mqtt: " + done.error().message);
  }
}

void MqttLink::run() {
  // Until the first session, connect() itself is retried (the client reconnects on its own only once
  // it had a session); the delay doubles from reconnect_min to reconnect_max.
  auto delay = options_.reconnect_min;
  while (!stopping_.load()) {
    if (connect_once()) break;
    sleep_for(delay);
    delay = std::min(delay * 2, options_.reconnect_max);
  }
  while (!stopping_.load()) {
    drain();
    auto ran = client_->run_once(50ms);
    if (!ran && ran.error().code != MqttErrorCode::NotConnected && ran.error().code != MqttErrorCode::ConnectionLost) {
      report(ran.error().code, "mqtt: " + mqtt_failure(ran.error().code, options_.host + ":" + std::to_string(options_.port),
                                     ran.error().message));
    }
  }
}

}  // namespace awsfota::agent
