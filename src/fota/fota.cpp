// Fota: executes the engine's actions through the seams and turns seam results into inputs.
#include "awsfota/fota/fota.hpp"

#include <stdexcept>
#include <type_traits>

namespace awsfota::fota {

Expected<Fota, ConfigError> Fota::create(EngineConfig config, Seams seams, EventHandler on_event) {
  auto engine = Engine::create(std::move(config));
  if (!engine) return unexpected(engine.error());
  return Fota(std::move(*engine), seams, std::move(on_event));
}

namespace {
Engine make_engine(EngineConfig config) {
  auto engine = Engine::create(std::move(config));
  if (!engine) throw std::invalid_argument(engine.error().message);
  return std::move(*engine);
}
}  // namespace

Fota::Fota(EngineConfig config, Seams seams, EventHandler on_event)
    : Fota(make_engine(std::move(config)), seams, std::move(on_event)) {}

Fota::Fota(Engine engine, Seams seams, EventHandler on_event)
    : engine_(std::move(engine)), seams_(seams), on_event_(std::move(on_event)) {}

void Fota::start() {
  Started started;
  started.boot = seams_.boot.boot_outcome();
  auto loaded = seams_.store.load();
  if (!loaded) {
    started.checkpoint_error = loaded.error().message;
  } else {
    started.checkpoint = std::move(*loaded);
  }
  feed(std::move(started));
}

MessageResult Fota::on_mqtt_message(std::string_view topic, std::string_view payload) {
  if (!engine_.is_mine(topic)) return MessageResult::NotMine;
  feed(MqttMessage{std::string(topic), std::string(payload)});
  return MessageResult::Consumed;
}

void Fota::on_connected() { feed(MqttConnected{}); }
void Fota::on_disconnected() { feed(MqttDisconnected{}); }

bool Fota::feed_if_accepted(InputKind kind, InputEvent event) {
  if (!busy_ && !engine_.accepts(kind)) return false;
  feed(std::move(event));
  return true;
}

bool Fota::confirm() { return feed_if_accepted(InputKind::AppConfirm, AppConfirm{}); }
bool Fota::self_test_failed(std::string_view reason) {
  return feed_if_accepted(InputKind::AppSelfTestFailed, AppSelfTestFailed{std::string(reason)});
}
bool Fota::cancel() { return feed_if_accepted(InputKind::AppCancel, AppCancel{}); }
void Fota::defer_reboot() { feed(AppDeferReboot{}); }
void Fota::allow_reboot() { feed(AppAllowReboot{}); }
void Fota::on_messages_lost() { feed(MessagesLost{}); }

void Fota::on_download_progress(std::uint64_t committed_offset, std::uint64_t total, std::uint64_t received) {
  feed(DownloadProgress{committed_offset, total, received});
}
void Fota::on_download_finished(std::uint64_t size) { feed(DownloadFinished{size}); }
void Fota::on_download_failed(ErrorCause cause, std::string_view detail) {
  feed(DownloadFailed{cause, std::string(detail)});
}
void Fota::on_download_url_expired() { feed(DownloadUrlExpired{}); }
void Fota::on_dfu_erase_pending() { feed(DfuErasePending{}); }
void Fota::on_dfu_staging_ready(bool erased, std::uint64_t kept) { feed(DfuStagingReady{erased, kept}); }
void Fota::on_dfu_verified(ImageKind kind) { feed(DfuImageVerified{kind}); }
void Fota::on_dfu_trial_scheduled() { feed(DfuTrialScheduled{}); }
void Fota::on_dfu_confirmed() { feed(DfuImageConfirmed{}); }
void Fota::on_dfu_failed(ErrorCause cause, std::string_view detail) { feed(DfuFailed{cause, std::string(detail)}); }
void Fota::on_dfu_install_progress(int percent, std::string_view step) {
  feed(DfuInstallProgress{percent, std::string(step)});
}
void Fota::on_timer(TimerId id) { feed(TimerExpired{id}); }

// Inputs that arrive while actions run (a seam answering synchronously) wait their turn, so the engine
// always sees one input at a time and actions run in the order the engine gave them.
void Fota::feed(InputEvent event) {
  pending_.push_back(std::move(event));
  if (busy_) return;
  busy_ = true;
  while (!pending_.empty()) {
    Input input{seams_.timers.now(), std::move(pending_.front())};
    pending_.pop_front();
    for (const Action& action : engine_.handle(input)) execute(action);
  }
  busy_ = false;
}

void Fota::execute(const Action& action) {
  std::visit(
      [this](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, Subscribe>) {
          if (!seams_.mqtt.subscribe(a.filter, a.qos) && seams_.logger)
            seams_.logger->log(LogLevel::Warning, "subscribe failed: " + a.filter);
        } else if constexpr (std::is_same_v<T, Publish>) {
          if (!seams_.mqtt.publish(a.topic, a.payload, a.qos) && seams_.logger)
            seams_.logger->log(LogLevel::Warning, "publish failed (resent later): " + a.topic);
        } else if constexpr (std::is_same_v<T, StartDownload>) {
          seams_.downloader.start(a);
        } else if constexpr (std::is_same_v<T, StopDownload>) {
          seams_.downloader.stop();
        } else if constexpr (std::is_same_v<T, PrepareStaging>) {
          seams_.dfu.prepare(a);
        } else if constexpr (std::is_same_v<T, VerifyStaged>) {
          seams_.dfu.verify(a);
        } else if constexpr (std::is_same_v<T, ScheduleTrialBoot>) {
          seams_.boot.schedule_trial(a.kind);
        } else if constexpr (std::is_same_v<T, DropStaged>) {
          seams_.dfu.drop_staged();
        } else if constexpr (std::is_same_v<T, ConfirmRunningImage>) {
          seams_.boot.confirm_running_image();
        } else if constexpr (std::is_same_v<T, RejectRunningImage>) {
          seams_.boot.reject_running_image();
        } else if constexpr (std::is_same_v<T, AcknowledgeRevert>) {
          seams_.boot.acknowledge_revert();
        } else if constexpr (std::is_same_v<T, PersistCheckpoint>) {
          if (auto saved = seams_.store.save(a.checkpoint); !saved) pending_.push_back(CheckpointSaveFailed{saved.error().message});
        } else if constexpr (std::is_same_v<T, ClearCheckpoint>) {
          if (auto cleared = seams_.store.clear(); !cleared && seams_.logger)
            seams_.logger->log(LogLevel::Error, "checkpoint could not be cleared: " + cleared.error().message);
        } else if constexpr (std::is_same_v<T, StartTimer>) {
          seams_.timers.start(a.id, a.deadline);
        } else if constexpr (std::is_same_v<T, CancelTimer>) {
          seams_.timers.cancel(a.id);
        } else if constexpr (std::is_same_v<T, RequestReboot>) {
          seams_.boot.request_reboot();
        } else if constexpr (std::is_same_v<T, EmitEvent>) {
          if (on_event_) on_event_(a.event);
        } else if constexpr (std::is_same_v<T, Log>) {
          if (seams_.logger) seams_.logger->log(a.level, a.message);
        }
      },
      action);
}

}  // namespace awsfota::fota
