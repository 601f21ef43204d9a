// libawsfota's application API: firmware updates driven by AWS IoT Jobs, in the spirit of the nRF
// Connect SDK "AWS FOTA" library. Create it with the seams (an MQTT transport, an event handler, the
// downloader, DFU target, boot control, checkpoint store and timers), forward MQTT events to it, and
// react to its events.
//
// Threading: Fota is NOT thread-safe. Drive it from one thread, the agent's event loop: forward MQTT
// callbacks, timer expiries and seam results to that thread before calling on_*(). Seams may call
// on_*() from inside a seam call (Fota queues such inputs and handles them in order).
//
//   using namespace awsfota::fota;
//   Fota fota(EngineConfig{.thing_name = "sensor-7", .running_version = "v1.0.0"},
//             Fota::Seams{mqtt, downloader, dfu, boot, store, timers, &logger},
//             [](const Event& e) {
//               if (e.kind == EventKind::RebootRequested && !e.deferred) { /* BootControl reboots */ }
//               if (e.kind == EventKind::Error) std::cerr << to_string(e.cause) << ": " << e.message << "\n";
//             });
//   if (auto started = fota.start(); !started) die(started.error().message);
//   // in the MQTT client's callbacks:
//   fota.on_connected();
//   if (fota.on_mqtt_message(topic, payload) == MessageResult::NotMine) handle_own(topic, payload);
//   // after a reboot into the new image, once the application's self-test passed:
//   fota.confirm();
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"
#include "awsfota/fota/engine.hpp"
#include "awsfota/fota/seams.hpp"

namespace awsfota::fota {

// The reference's values: 0 = the library consumed the message, 1 = it is the application's.
enum class MessageResult : int { Consumed = 0, NotMine = 1 };

using EventHandler = std::function<void(const Event&)>;

class Fota {
 public:
  struct Seams {
    MqttTransport& mqtt;
    Downloader& downloader;
    DfuTarget& dfu;
    BootControl& boot;
    CheckpointStore& store;
    TimerService& timers;
    Logger* logger = nullptr;  // optional
  };

  // Fails (INVALID_CONFIGURATION) when the configuration is unusable; see EngineConfig.
  [[nodiscard]] static Expected<Fota, ConfigError> create(EngineConfig config, Seams seams, EventHandler on_event);
  // As create(), but a bad configuration throws std::invalid_argument (for callers that prefer that).
  Fota(EngineConfig config, Seams seams, EventHandler on_event);
  Fota(Fota&&) noexcept = default;
  Fota& operator=(Fota&&) = delete;

  // Reads the boot outcome and the checkpoint and starts (resuming a job the checkpoint holds). Call
  // once, before anything else. A damaged checkpoint is not an error here: it is discarded, an Error
  // event says so, and the engine starts clean.
  void start();

  // MQTT: forward every incoming message; Consumed for the Jobs replies and notifications of this thing.
  MessageResult on_mqtt_message(std::string_view topic, std::string_view payload);
  void on_connected();
  void on_disconnected();
  // Jobs messages were dropped on the way (a full queue in front of the engine): it asks the service
  // again, for the next job when idle, for the job in hand otherwise.
  void on_messages_lost();

  // The job in hand, "" when none.
  [[nodiscard]] const std::string& job_id() const noexcept { return engine_.job_id(); }
  [[nodiscard]] State state() const noexcept { return engine_.state(); }
  // In a trial boot, the service has this boot's report on the job and says it is IN_PROGRESS
  // (Engine::trial_checked_in): a health signal for confirming without a self-test of one's own.
  [[nodiscard]] bool trial_checked_in() const noexcept { return engine_.trial_checked_in(); }

  // Application calls. Each returns false when it does not apply in the current state (nothing happens).
  bool confirm();                                  // the running (trial) image works: keep it
  bool self_test_failed(std::string_view reason);  // it does not: report FAILED, go back to the old image
  bool cancel();                                   // give up the job in hand (reported FAILED, cause CANCELED)
  void defer_reboot();                             // RebootRequested is then only an event: no reboot
  void allow_reboot();                             // end deferral; reboots now when one is pending

  // Results from the seams (see the contracts in seams.hpp).
  void on_download_progress(std::uint64_t committed_offset, std::uint64_t total, std::uint64_t received = 0);
  void on_download_finished(std::uint64_t size);
  void on_download_failed(ErrorCause cause, std::string_view detail);
  void on_download_url_expired();
  void on_dfu_erase_pending();
  void on_dfu_staging_ready(bool erased, std::uint64_t kept);
  void on_dfu_verified(ImageKind kind);
  void on_dfu_trial_scheduled();
  void on_dfu_confirmed();
  void on_dfu_failed(ErrorCause cause, std::string_view detail);
  // During verify, from an installer that installs there (RAUC): INSTALL_PROGRESS events, and
  // IN_PROGRESS reports {phase: installing, percent, step} throttled as download progress is.
  void on_dfu_install_progress(int percent, std::string_view step);
  void on_timer(TimerId id);

  [[nodiscard]] const Engine& engine() const noexcept { return engine_; }

 private:
  Fota(Engine engine, Seams seams, EventHandler on_event);
  void feed(InputEvent event);
  bool feed_if_accepted(InputKind kind, InputEvent event);
  void execute(const Action& action);

  Engine engine_;
  Seams seams_;
  EventHandler on_event_;
  std::deque<InputEvent> pending_;
  bool busy_ = false;
};

}  // namespace awsfota::fota
