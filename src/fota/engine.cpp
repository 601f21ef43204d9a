// Engine: the public face of the sans-IO core. Turns an Input into a table dispatch and returns the
// actions collected on the way.
#include <algorithm>
#include <type_traits>

#include "awsfota/jobs/topics.hpp"
#include "fota/engine_impl.hpp"

namespace awsfota::fota {
namespace {

bool valid_token_prefix(std::string_view prefix) {
  return !prefix.empty() && prefix.size() <= 40 && std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

InputKind kind_of(const InputEvent& event) {
  return std::visit(
      [](const auto& e) -> InputKind {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Started>) return InputKind::Started;
        else if constexpr (std::is_same_v<T, MqttConnected>) return InputKind::Connected;
        else if constexpr (std::is_same_v<T, MqttDisconnected>) return InputKind::Disconnected;
        else if constexpr (std::is_same_v<T, MqttMessage>) return InputKind::JobNotice;  // refined later
        else if constexpr (std::is_same_v<T, DownloadProgress>) return InputKind::DownloadProgress;
        else if constexpr (std::is_same_v<T, DownloadFinished>) return InputKind::DownloadFinished;
        else if constexpr (std::is_same_v<T, DownloadFailed>) return InputKind::DownloadFailed;
        else if constexpr (std::is_same_v<T, DownloadUrlExpired>) return InputKind::DownloadUrlExpired;
        else if constexpr (std::is_same_v<T, DfuErasePending>) return InputKind::DfuErasePending;
        else if constexpr (std::is_same_v<T, DfuStagingReady>) return InputKind::DfuStagingReady;
        else if constexpr (std::is_same_v<T, DfuImageVerified>) return InputKind::DfuImageVerified;
        else if constexpr (std::is_same_v<T, DfuTrialScheduled>) return InputKind::DfuTrialScheduled;
        else if constexpr (std::is_same_v<T, DfuImageConfirmed>) return InputKind::DfuImageConfirmed;
        else if constexpr (std::is_same_v<T, DfuFailed>) return InputKind::DfuFailed;
        else if constexpr (std::is_same_v<T, TimerExpired>)
          return e.id == TimerId::Response ? InputKind::ResponseTimeout : InputKind::ConfirmTimeout;
        else if constexpr (std::is_same_v<T, CheckpointSaveFailed>) return InputKind::CheckpointSaveFailed;
        else if constexpr (std::is_same_v<T, AppConfirm>) return InputKind::AppConfirm;
        else if constexpr (std::is_same_v<T, AppSelfTestFailed>) return InputKind::AppSelfTestFailed;
        else if constexpr (std::is_same_v<T, AppCancel>) return InputKind::AppCancel;
        else if constexpr (std::is_same_v<T, AppDeferReboot>) return InputKind::AppDeferReboot;
        else if constexpr (std::is_same_v<T, AppAllowReboot>) return InputKind::AppAllowReboot;
        else if constexpr (std::is_same_v<T, DfuInstallProgress>) return InputKind::DfuInstallProgress;
        else return InputKind::MessagesLost;
      },
      event);
}

}  // namespace

Expected<Engine, ConfigError> Engine::create(EngineConfig config) {
  if (!jobs::is_valid_thing_name(config.thing_name)) {
    return unexpected(ConfigError{"thing_name '" + config.thing_name + "': must be 1..128 of [a-zA-Z0-9:_-]"});
  }
  if (!valid_token_prefix(config.client_token_prefix)) {
    return unexpected(ConfigError{"client_token_prefix '" + config.client_token_prefix +
                                  "': must be 1..40 of [a-zA-Z0-9_-]"});
  }
  if (config.progress_min_percent < 1 || config.progress_min_percent > 100) {
    return unexpected(ConfigError{"progress_min_percent: must be 1..100"});
  }
  if (config.progress_min_interval.count() < 0 || config.response_timeout.count() <= 0 ||
      config.confirm_timeout.count() <= 0) {
    return unexpected(ConfigError{"progress_min_interval must be >= 0, response_timeout and confirm_timeout > 0"});
  }
  auto impl = std::make_unique<EngineImpl>(std::move(config));
  impl->reboots_deferred = impl->config.defer_reboot;
  return Engine(std::move(impl));
}

Engine::Engine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

std::vector<Action> Engine::handle(const Input& input) {
  EngineImpl& e = *impl_;
  e.now = input.now;
  e.out.clear();
  if (const auto* message = std::get_if<MqttMessage>(&input.event)) {
    if (e.state == State::Created) {
      e.log(LogLevel::Bug, "MQTT message before Started: ignored");
    } else {
      e.on_message(input.event, *message);
    }
  } else {
    e.dispatch(Dispatch(kind_of(input.event), &input.event));
  }
  if (e.state != State::Created) e.flush();
  return std::move(e.out);
}

State Engine::state() const noexcept { return impl_->state; }

bool Engine::trial_checked_in() const noexcept { return impl_->state == State::Trial && impl_->trial_checked_in; }

const std::string& Engine::job_id() const noexcept {
  static const std::string none;
  return impl_->job ? impl_->job->id : none;
}

bool Engine::accepts(InputKind kind) const noexcept { return impl_->has_row(impl_->state, kind); }

bool Engine::is_mine(std::string_view topic) const {
  auto t = jobs::classify_topic(topic, impl_->config.thing_name);
  return t && (t->reply != jobs::Reply::None || t->kind == jobs::TopicKind::NotifyNext ||
               t->kind == jobs::TopicKind::Notify);
}

}  // namespace awsfota::fota
