#include "fleet/sim_device.hpp"

#include <iostream>

#include "awsfota/store/checkpoint_store.hpp"

namespace awsfota::fleet {

using std::chrono::milliseconds;
namespace mqtt = adapters::mosquitto;

// ---- the seams ----------------------------------------------------------------------------------

class SimDevice::Transport final : public fota::MqttTransport {
 public:
  explicit Transport(mqtt::Client& client) : client_(client) {}
  bool publish(std::string_view topic, std::string_view payload, int qos) override {
    return client_.publish(std::string(topic), std::string(payload), qos).has_value();
  }
  bool subscribe(std::string_view filter, int qos) override {
    return client_.subscribe(std::string(filter), qos).has_value();
  }

 private:
  mqtt::Client& client_;
};

// The download takes the device's download time, then stages the whole image at once (or gives up,
// for a device whose fate is a failing download).
class SimDevice::Download final : public fota::Downloader {
 public:
  explicit Download(SimDevice& device) : device_(device) {}
  void start(const fota::StartDownload& request) override {
    stop();
    const std::uint64_t size = request.expected_size.value_or(device_.context_.options.profile.image_size);
    const std::uint64_t boot = device_.boot_;
    pending_ = device_.scheduler_.after(device_.fate_.download_time, [this, size, boot] {
      pending_.reset();
      if (boot != device_.boot_ || !device_.fota_) return;
      if (device_.fate_.download_fails) {
        device_.fota_->on_download_failed(fota::ErrorCause::DownloadFailed,
                                          "simulated: the file server stopped answering, retries exhausted");
        return;
      }
      device_.boot_state_.staged_bytes = size;
      device_.fota_->on_download_progress(size, size);
      device_.fota_->on_download_finished(size);
    });
  }
  void stop() override {
    if (pending_) device_.scheduler_.cancel(*pending_);
    pending_.reset();
  }

 private:
  SimDevice& device_;
  std::optional<Scheduler::Token> pending_;
};

// The inactive slot, in memory: it only remembers how many bytes it holds.
class SimDevice::Slot final : public fota::DfuTarget {
 public:
  explicit Slot(SimDevice& device) : device_(device) {}
  void prepare(const fota::PrepareStaging& request) override {
    BootState& b = device_.boot_state_;
    const std::uint64_t kept = std::min(request.keep_bytes, b.staged_bytes);
    b.staged_bytes = kept;
    device_.fota_->on_dfu_staging_ready(kept == 0, kept);
  }
  void verify(const fota::VerifyStaged& request) override {
    const std::uint64_t staged = device_.boot_state_.staged_bytes;
    if (request.expected_size && *request.expected_size != staged) {
      device_.fota_->on_dfu_failed(fota::ErrorCause::SizeMismatch,
                                   "staged " + std::to_string(staged) + " bytes, expected " +
                                       std::to_string(*request.expected_size));
      return;
    }
    device_.fota_->on_dfu_verified(fota::ImageKind::Mcuboot);
  }
  void drop_staged() override {
    device_.boot_state_.staged_bytes = 0;
    device_.boot_state_.trial_scheduled = false;
  }

 private:
  SimDevice& device_;
};

// An A/B bootloader with trial boots, in memory (BootState is its "environment").
class SimDevice::Bootloader final : public fota::BootControl {
 public:
  explicit Bootloader(SimDevice& device) : device_(device) {}
  fota::BootOutcome boot_outcome() override {
    const BootState& b = device_.boot_state_;
    if (b.in_trial) return b.rejected ? fota::BootOutcome::RevertPending : fota::BootOutcome::Trial;
    if (b.reverted) return fota::BootOutcome::Reverted;
    if (b.trial_scheduled) return fota::BootOutcome::TrialPending;
    return fota::BootOutcome::Normal;
  }
  void schedule_trial(fota::ImageKind) override {
    device_.boot_state_.trial_scheduled = true;
    device_.fota_->on_dfu_trial_scheduled();
  }
  void confirm_running_image() override {
    device_.boot_state_.in_trial = false;
    device_.fota_->on_dfu_confirmed();
  }
  void reject_running_image() override {
    if (device_.boot_state_.in_trial) device_.boot_state_.rejected = true;
  }
  void acknowledge_revert() override { device_.boot_state_.reverted = false; }
  void request_reboot() override { device_.reboot(); }

 private:
  SimDevice& device_;
};

// Lines the engine logs as bugs are worth seeing; the rest of its log is not, for a thousand devices.
namespace {
class BugLogger final : public fota::Logger {
 public:
  explicit BugLogger(std::string thing) : thing_(std::move(thing)) {}
  void log(fota::LogLevel level, std::string_view message) override {
    if (level == fota::LogLevel::Bug) std::cerr << "fleet: " << thing_ << ": engine bug: " << message << "\n";
  }

 private:
  std::string thing_;
};
}  // namespace

// ---- the device ---------------------------------------------------------------------------------

SimDevice::SimDevice(std::size_t index, std::string thing, DeviceFate fate, FleetContext& context, Scheduler& scheduler)
    : index_(index),
      thing_(std::move(thing)),
      fate_(fate),
      context_(context),
      scheduler_(scheduler),
      checkpoint_(std::make_unique<store::MemoryCheckpointStore>()),
      download_(std::make_unique<Download>(*this)),
      slot_(std::make_unique<Slot>(*this)),
      bootloader_(std::make_unique<Bootloader>(*this)),
      logger_(std::make_unique<BugLogger>(thing_)) {}

SimDevice::~SimDevice() { power_off(); }

milliseconds SimDevice::since(fota::Millis then) const {
  return std::chrono::duration_cast<milliseconds>(scheduler_.now() - then);
}

void SimDevice::set_phase(Phase phase) { context_.recorder.phase(index_, phase); }

bool SimDevice::power_on(std::string& error) {
  const FleetOptions& o = context_.options;
  ++boot_;
  ++boots_;
  rebooting_ = false;
  power_on_at_ = scheduler_.now();
  mqtt::ClientOptions client_options;
  client_options.host = o.endpoints.mqtt_host;
  client_options.port = o.endpoints.mqtt_port;
  client_options.client_id = thing_;
  const auto base = o.endpoints.cert_dir / thing_;
  client_options.tls = mqtt::TlsFiles{o.endpoints.ca_cert.string(), base.string() + ".pem", base.string() + ".key", {}};
  client_options.keepalive_s = 120;
  client_options.tcp_nodelay = true;
  auto client = mqtt::Client::create(client_options);
  if (!client) {
    error = client.error().message;
    set_phase(Phase::Offline);
    return false;
  }
  client_ = std::move(*client);
  transport_ = std::make_unique<Transport>(*client_);
  timers_ = std::make_unique<DeviceTimers>(scheduler_, [this](fota::TimerId id) {
    if (fota_) fota_->on_timer(id);
  });
  fota::EngineConfig config;
  config.thing_name = thing_;
  config.running_version = o.profile.running_version;
  config.client_token_prefix = "sim" + std::to_string(boot_);
  fota_.emplace(config,
                fota::Fota::Seams{*transport_, *download_, *slot_, *bootloader_, *checkpoint_, *timers_, logger_.get()},
                [this](const fota::Event& e) { on_event(e); });
  client_->on_message([this](const std::string& topic, const std::string& payload) {
    if (fota_) (void)fota_->on_mqtt_message(topic, payload);
  });
  up_ = false;
  client_->on_connection([this](bool connected, const std::string&) {
    if (!fota_) return;
    if (!connected) {
      fota_->on_disconnected();
      return;
    }
    fota_->on_connected();
    if (!up_) {
      up_ = true;
      after_boot_connected();
    }
  });
  trial_boot_ = boot_state_.in_trial;
  fota_->start();
  auto c = boots_ == 1 ? client_->connect(std::chrono::seconds(20)) : client_->connect_async();
  if (!c) {
    error = c.error().message;
    power_off();
    set_phase(Phase::Offline);
    return false;
  }
  return true;
}

void SimDevice::after_boot_connected() {
  if (boots_ == 1) {
    context_.recorder.stage(index_, Stage::Connect, since(power_on_at_));
    set_phase(Phase::Idle);
    return;
  }
  booted_at_ = scheduler_.now();
  context_.recorder.stage(index_, Stage::Boot, since(reboot_at_));
  if (!trial_boot_) {
    set_phase(outcome_);
    return;
  }
  set_phase(Phase::Confirming);
  // The self-test runs once the new image is up and its session with the service is back.
  const std::uint64_t boot = boot_;
  scheduler_.after(milliseconds(0), [this, boot] {
    if (boot != boot_ || !fota_) return;
    if (fate_.self_test_fails) (void)fota_->self_test_failed("simulated self-test failure on the new image");
    else (void)fota_->confirm();
  });
}

void SimDevice::on_event(const fota::Event& e) {
  using fota::EventKind;
  switch (e.kind) {
    case EventKind::Start:
      if (e.message == "new") {
        taken_at_ = scheduler_.now();
        context_.recorder.job_started(index_);
        context_.recorder.taken(index_, std::chrono::duration_cast<milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch()).count());
        set_phase(Phase::Downloading);
      }
      break;
    case EventKind::RebootRequested:
      if (e.cause == fota::ErrorCause::None) {
        if (taken_at_.count() > 0) context_.recorder.stage(index_, Stage::Download, since(taken_at_));
        set_phase(Phase::Rebooting);
      } else {
        set_phase(Phase::Reverting);
      }
      break;
    case EventKind::Done:
      if (trial_boot_) context_.recorder.stage(index_, Stage::Confirm, since(booted_at_));
      outcome_ = Phase::Succeeded;
      set_phase(Phase::Succeeded);
      break;
    case EventKind::Error:
      if (e.job_id.empty() || e.cause == fota::ErrorCause::None || e.cause == fota::ErrorCause::Internal) break;
      if (trial_boot_) context_.recorder.stage(index_, Stage::Confirm, since(booted_at_));
      context_.recorder.failed(index_, std::string(fota::to_string(e.cause)));
      outcome_ = Phase::Failed;
      set_phase(Phase::Failed);
      break;
    case EventKind::Canceled:
      outcome_ = Phase::Canceled;
      set_phase(Phase::Canceled);
      break;
    default:
      break;
  }
}

// Called from inside the engine: the teardown waits until the engine has returned.
void SimDevice::reboot() {
  if (rebooting_) return;
  rebooting_ = true;
  reboot_at_ = scheduler_.now();
  const std::uint64_t boot = boot_;
  scheduler_.after(milliseconds(0), [this, boot] {
    if (boot != boot_) return;
    power_off();
    // What the bootloader does at the reset.
    BootState& b = boot_state_;
    const bool into_trial = b.trial_scheduled;
    if (b.trial_scheduled) {
      b.trial_scheduled = false;
      b.in_trial = true;
      b.rejected = false;
    } else if (b.in_trial) {
      b.in_trial = false;
      b.rejected = false;
      b.reverted = true;
    }
    if (into_trial && fate_.never_back) {
      set_phase(Phase::Lost);
      return;
    }
    scheduler_.after(fate_.boot_time, [this] {
      std::string error;
      if (!power_on(error)) std::cerr << "fleet: " << thing_ << " did not come back: " << error << "\n";
    });
  });
}

void SimDevice::power_off() {
  fota_.reset();
  if (timers_) timers_->cancel_all();
  download_->stop();
  timers_.reset();
  transport_.reset();
  client_.reset();
  ++boot_;
}

void SimDevice::pump() {
  if (client_) (void)client_->run_once(milliseconds(0));
}

int SimDevice::socket() const { return client_ ? client_->socket() : -1; }
bool SimDevice::wants_write() const { return client_ && client_->wants_write(); }

void SimDevice::shutdown() {
  if (client_) client_->disconnect(milliseconds(100));
  power_off();
}

}  // namespace awsfota::fleet
