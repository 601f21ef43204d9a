// The agent's MQTT connection: the mosquitto adapter's Client on a thread of its own, seen by the
// engine as a fota::MqttTransport.
//
// The Client is single-threaded, so only this thread touches it: it connects (retrying with backoff,
// logging each new reason in plain words), runs run_once(), and carries out the publishes and
// subscriptions that the engine thread queued through publish()/subscribe(), in their order. Incoming
// messages and connection changes go to the callbacks, on this thread; the agent's callbacks only
// post them to the engine thread (runtime::Device's entry points).
//
//   MqttLink link(options, {.on_message = ..., .on_connection = ..., .log = ...});
//   link.start();
//   ... engine: link.publish(topic, payload, 1) ...
//   link.stop();        // sends what is queued (best effort), disconnects, joins
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "awsfota/fota/seams.hpp"

namespace awsfota::agent {

struct MqttCallbacks {
  std::function<void(const std::string& topic, const std::string& payload)> on_message;
  std::function<void(bool connected, const std::string& reason)> on_connection;
  std::function<void(const std::string& line)> log;  // plain-words problems, each new one once
};

class MqttLink final : public fota::MqttTransport {
 public:
  MqttLink(adapters::mosquitto::ClientOptions options, std::chrono::milliseconds connect_timeout,
           MqttCallbacks callbacks);
  ~MqttLink() override;
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  // Creates the client (its options are checked here: a message naming the file or setting) and
  // starts the thread.
  [[nodiscard]] Expected<void, std::string> start();
  // Sends what is queued (at most `flush`), disconnects and joins. Idempotent.
  void stop(std::chrono::milliseconds flush = std::chrono::milliseconds(1000));

  // fota::MqttTransport, from any thread: queued for the MQTT thread; false when not connected.
  [[nodiscard]] bool publish(std::string_view topic, std::string_view payload, int qos) override;
  [[nodiscard]] bool subscribe(std::string_view filter, int qos) override;

  [[nodiscard]] bool connected() const { return connected_.load(); }

 private:
  struct Op {
    bool subscribe = false;
    std::string topic;
    std::string payload;
    int qos = 1;
  };
  void run();
  bool connect_once();
  void drain();
  void sleep_for(std::chrono::milliseconds delay);
  // Logs `line` unless the last report had the same code (a flapping detail is not news).
  void report(adapters::mosquitto::MqttErrorCode code, const std::string& line);

  adapters::mosquitto::ClientOptions options_;
  std::chrono::milliseconds connect_timeout_;
  MqttCallbacks callbacks_;
  std::unique_ptr<adapters::mosquitto::Client> client_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Op> queue_;
  std::optional<adapters::mosquitto::MqttErrorCode> last_report_;  // MQTT thread only
};

}  // namespace awsfota::agent
