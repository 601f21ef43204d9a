#include "agent/agent.hpp"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "agent/command.hpp"
#include "agent/display.hpp"
#include "agent/mqtt_link.hpp"
#include "awsfota/adapters/grub/grub_boot_control.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/adapters/ubootenv/uboot_boot_control.hpp"
#include "awsfota/adapters/rauc/rauc_boot_control.hpp"
#include "awsfota/adapters/rauc/sd_bus_rauc.hpp"
#include "awsfota/adapters/swupdate/socket_swupdate.hpp"
#include "awsfota/adapters/swupdate/swupdate_boot_control.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "awsfota/runtime/device.hpp"

namespace awsfota::agent {

using namespace std::chrono_literals;

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Waits for a stop signal on a thread of its own; `on_signal` runs there.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int)> on_signal)
      : thread_([this, fn = std::move(on_signal)] {
          const sigset_t set = stop_signals();
          const timespec tick{0, 200'000'000};
          while (!done_.load()) {
            const int sig = sigtimedwait(&set, nullptr, &tick);
            if (sig > 0) fn(sig);
          }
        }) {}
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

Expected<std::string, std::string> read_text(const std::filesystem::path& path, const char* field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(std::string(field) + ": cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether the boot step runs once per boot rather than at every start: see BootSettings.
bool once_per_boot(const AgentConfig& config) {
  return config.boot.once_per_boot.value_or(!config.reboot.command.empty());
}

// The boot control of a bootloader that chooses the slot itself (boot.backend); null for the file record.
std::unique_ptr<dfu::BootControl> bootloader_control(const AgentConfig& config) {
  switch (config.boot.backend) {
    case BootBackend::Grub:
      return std::make_unique<grub::GrubBootControl>(
          grub::GrubBootConfig{.env_file = config.boot.grub_env_file, .cmdline_file = config.boot.cmdline_file});
    case BootBackend::UBoot:
      return std::make_unique<ubootenv::UBootBootControl>(
          ubootenv::UBootOptions{.fw_env_config = config.boot.uboot_fw_env_config, .cmdline_file = config.boot.cmdline_file});
    case BootBackend::File: break;
  }
  return nullptr;
}

const char* bootloader_name(BootBackend backend) {
  switch (backend) {
    case BootBackend::Grub: return "GRUB";
    case BootBackend::UBoot: return "U-Boot";
    case BootBackend::File: break;
  }
  return "the boot step";
}

// A RAUC system's boot control: RAUC's, with awsfota's trial record in the state folder.
std::filesystem::path rauc_record(const AgentConfig& config) { return config.state_dir / "rauc.boot"; }

rauc::SdBusRaucOptions rauc_options(const RaucSettings& r) {
  return {.bus = r.bus, .install_timeout = r.install_timeout};
}

Expected<dfu::BootStatus, dfu::BootError> rauc_boot_status(const AgentConfig& config) {
  rauc::SdBusRauc service(rauc_options(*config.rauc));
  rauc::RaucBootControl control(service, {.bootname_a = config.rauc->bootname_a,
                                          .bootname_b = config.rauc->bootname_b,
                                          .record = rauc_record(config)});
  return control.status();
}

// A SWUpdate system's boot control: SWUpdate's ustate, with awsfota's trial record in the state folder.
std::filesystem::path swupdate_record(const AgentConfig& config) { return config.state_dir / "swupdate.boot"; }

Expected<dfu::BootStatus, dfu::BootError> swupdate_boot_status(const AgentConfig& config) {
  swupdate::SocketSwupdate service({.ctrl_socket = config.swupdate->ctrl_socket,
                                    .progress_socket = config.swupdate->progress_socket});
  swupdate::SwupdateBootControl control(service, {.record = swupdate_record(config), .boot_id = config.boot.boot_id_file});
  return control.status();
}

// The boot step (when the agent's start is the device's boot, or once per boot when a boot id says
// which boot this is), then what the boot control says. With a bootloader's control the bootloader
// took that step, and its control's status() settles this boot; on a RAUC system RAUC says which slot
// the bootloader started.
Expected<dfu::BootStatus, std::string> boot(const AgentConfig& config, dfu::BootControl* bootloader, Output& out) {
  posix::FileBootRecordStore store(config.boot.state_file);
  if (!bootloader && !config.rauc && !config.swupdate && config.boot.run_boot_step) {
    const auto& id_file = config.boot.boot_id_file;
    const bool once = once_per_boot(config);
    std::string boot_id;
    if (once) {
      auto text = read_text(id_file, "boot.boot-id-file");
      if (!text) return unexpected("boot: " + text.error());
      boot_id = *text;
      while (!boot_id.empty() && std::isspace(static_cast<unsigned char>(boot_id.back()))) boot_id.pop_back();
    }
    // An empty boot id is refused by run_boot_step_once, never taken for "every start is a boot".
    auto slot = once ? dfu::run_boot_step_once(store, boot_id) : dfu::run_boot_step(store);
    if (!slot && slot.error().code == dfu::BootErrorCode::InvalidRequest) {
      return unexpected("boot: " + id_file.string() + ": " + slot.error().reason);
    }
    if (!slot) {
      return unexpected("boot: the boot state file " + config.boot.state_file.string() + " is unusable (" +
                        slot.error().reason + "); inspect it with `awsfota-boot --state FILE status`");
    }
  }
  dfu::RecordBootControl record(store);
  auto status = config.rauc       ? rauc_boot_status(config)
                : config.swupdate ? swupdate_boot_status(config)
                : bootloader      ? bootloader->status()
                                  : record.status();
  if (!status) return unexpected("boot: " + status.error().reason);
  std::string line = std::string("boot: running slot ") + dfu::to_string(status->active);
  if (status->state == dfu::BootState::Trial) line += " on trial (self-test, then confirm)";
  if (status->state == dfu::BootState::RevertPending) {
    line += std::string(", rejected: the next boot goes back to slot ") + dfu::to_string(status->confirmed);
  }
  // Only on the boot that went back: later boots run what they run (the engine still reports the revert).
  if (status->reverted_from && status->reverted_this_boot) {
    line += std::string(", reverted from an unconfirmed trial of slot ") + dfu::to_string(*status->reverted_from);
  }
  if (bootloader) line += std::string(" (started by ") + bootloader_name(config.boot.backend) + ")";
  if (config.rauc) line += " (as RAUC says)";
  if (config.swupdate) line += " (as SWUpdate's ustate says)";
  out.line(line);
  // U-Boot: a confirmed slot that came up gets back the attempt boot.cmd took (RAUC's "mark good"), so
  // only boots that fail in a row lead to U-Boot's fallback (docs/boot.md).
  if (config.boot.backend == BootBackend::UBoot && status->state == dfu::BootState::Confirmed) {
    if (auto marked = bootloader->confirm(); !marked) return unexpected("boot: marking slot " + std::string(dfu::to_string(status->active)) + " good: " + marked.error().reason);
  }
  return *status;
}

// The configured version, else the one in the running slot's MCUboot header ("v1.0.1", "+build"
// only when not 0, as job documents write it), else "" (no "already installed" shortcut).
std::string running_version(const AgentConfig& config, const dfu::BootStatus& status, Output& out) {
  if (config.running_version) return *config.running_version;
  if (config.rauc) {
    // The version of the bundle RAUC installed in the booted slot, as RAUC recorded it.
    rauc::SdBusRauc service(rauc_options(*config.rauc));
    if (auto slots = service.slots()) {
      for (const auto& slot : *slots) {
        if (slot.state == "booted" && !slot.bundle_version.empty()) return slot.bundle_version;
      }
    }
    out.line("[warning] running-version: not configured and RAUC knows no bundle version of the booted slot; "
             "every job's bundle will be installed");
    return "";
  }
  if (config.swupdate) {
    out.line("[warning] running-version: not configured (SWUpdate keeps no version awsfota can read); "
             "every job's .swu will be installed");
    return "";
  }
  const auto& path = status.active == dfu::Slot::A ? config.slots.a : config.slots.b;
  std::ifstream in(path, std::ios::binary);
  std::array<std::uint8_t, image::kHeaderFieldsSize> head{};
  if (in && in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()))) {
    if (auto header = image::parse_header(head)) return version_label(header->version);
  }
  out.line("[warning] running-version: not configured and slot " + std::string(dfu::to_string(status.active)) + " (" +
           path.string() + ") holds no MCUboot image header; every job's image will be installed");
  return "";
}

// Loud on purpose: the switch takes away the project's checks of what is downloaded.
constexpr const char* kReferenceCompatWarning =
    "[warning] compat nrf-aws-fota: job documents are taken as the nRF Connect SDK AWS FOTA library takes "
    "them: plain http is allowed, and a document without sha256 has its size ignored, so nothing but the "
    "image's own checks (MCUboot hash, and the signature when verify.public-key is set) vouches for the "
    "file. Give documents a sha256 (`awsfota job document`) and use https, then remove \"compat\"";

// Different for each start of the process, so that answers to a previous run's requests are told apart.
std::string token_prefix() {
  const auto t = static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count());
  std::ostringstream s;
  s << "agent" << std::hex << ((t ^ (static_cast<unsigned long long>(::getpid()) << 20)) & 0xffffffffffULL);
  return s.str();
}

Expected<runtime::DeviceConfig, std::string> device_config(const AgentConfig& c, std::string version) {
  runtime::DeviceConfig d;
  d.engine.thing_name = c.mqtt.thing_name;
  d.engine.running_version = std::move(version);
  d.engine.client_token_prefix = token_prefix();
  d.engine.progress_min_interval = c.progress.min_interval;
  d.engine.progress_min_percent = c.progress.min_percent;
  d.engine.confirm_timeout = c.self_test.confirm_timeout;
  d.engine.document_options.compat = c.compat;
  d.slot_a = c.slots.a;
  d.slot_b = c.slots.b;
  d.slot_size = c.slots.size;
  d.partition_slots = c.slots.partition;
  d.delta_staging = c.staging.path;
  d.delta_staging_size = c.staging.size;
  if (c.modem.backend == ModemBackendKind::Simulated) {
    d.modem_dir = c.modem.dir;
    d.modem_staging = c.modem.staging;
    d.modem_staging_size = c.modem.staging_size;
  }
  d.boot_state = c.boot.state_file;
  if (c.rauc) {
    d.rauc = {.enabled = true,
              .bus = c.rauc->bus,
              .staging = c.rauc->staging,
              .staging_size = c.rauc->staging_size,
              .bootname_a = c.rauc->bootname_a,
              .bootname_b = c.rauc->bootname_b,
              .record = rauc_record(c),
              .install_timeout = c.rauc->install_timeout};
  }
  if (c.swupdate) {
    d.swupdate = {.enabled = true,
                  .ctrl_socket = c.swupdate->ctrl_socket,
                  .progress_socket = c.swupdate->progress_socket,
                  .staging = c.swupdate->staging,
                  .staging_size = c.swupdate->staging_size,
                  .record = swupdate_record(c),
                  .boot_id = c.boot.boot_id_file,
                  .install_timeout = c.swupdate->install_timeout};
  }
  d.checkpoint = c.checkpoint_file;
  d.staging_record = c.state_dir / "staging.record";
  if (!c.verify.public_key.empty()) {
    auto pem = read_text(c.verify.public_key, "verify.public-key");
    if (!pem) return unexpected(pem.error());
    d.signing_public_key_pem = *pem;
  }
  d.downgrade.allow_downgrade = c.verify.allow_downgrade;
  d.http.ca_file = c.download.ca_file.string();
  d.http.stall_timeout = c.download.stall_timeout;
  d.http.connect_timeout = c.download.connect_timeout;
  d.allow_plain_http = c.download.allow_plain_http;
  d.download.fragment_size = c.download.fragment_size;
  d.download.backoff = {.initial = c.download.retry.initial_delay,
                        .max_delay = c.download.retry.max_delay,
                        .max_attempts = c.download.retry.max_attempts,
                        .give_up_after = c.download.retry.give_up_after};
  d.commit_interval = c.download.commit_interval;
  return d;
}

adapters::mosquitto::ClientOptions mqtt_options(const AgentConfig& c) {
  adapters::mosquitto::ClientOptions o;
  o.host = c.mqtt.endpoint;
  o.port = c.mqtt.port;
  o.client_id = c.mqtt.thing_name;
  o.tls = adapters::mosquitto::TlsFiles{c.mqtt.root_ca.string(), c.mqtt.cert.string(), c.mqtt.key.string(),
                                        effective_alpn(c.mqtt).value_or("")};
  o.keepalive_s = static_cast<int>(c.mqtt.keepalive.count());
  o.reconnect_min = c.mqtt.reconnect_min;
  o.reconnect_max = c.mqtt.reconnect_max;
  return o;
}

Environment command_env(const AgentConfig& c, const dfu::BootStatus& status, const std::string& version) {
  const auto& slot_path = status.active == dfu::Slot::A ? c.slots.a : c.slots.b;
  return {{"AWSFOTA_THING_NAME", c.mqtt.thing_name},
          {"AWSFOTA_SLOT", dfu::to_string(status.active)},
          {"AWSFOTA_SLOT_PATH", slot_path.string()},
          {"AWSFOTA_RUNNING_VERSION", version},
          {"AWSFOTA_AGENT_PID", std::to_string(::getpid())}};
}

// With no self-test command: confirm once the new image has shown that it can do what the next update
// needs, an MQTT session and its job read back from the service (Fota::trial_checked_in). Until then
// nothing; the engine's confirm timeout fails the trial when that never happens.
void health_check(const AgentConfig& c, runtime::Device& device, Output& out, const std::atomic<bool>& stop) {
  out.line("self-test: none configured; health check: waiting for the MQTT session and the job's status (at most " +
           std::to_string(c.self_test.confirm_timeout.count()) + " s)");
  enum : int { kWaiting, kHealthy, kTrialOver };
  auto verdict = std::make_shared<std::atomic<int>>(kWaiting);  // a queued probe may outlive this function
  while (!stop.load()) {
    (void)device.post([verdict](fota::Fota& f) {
      if (f.state() != fota::State::Trial) *verdict = kTrialOver;
      else if (f.trial_checked_in()) *verdict = kHealthy;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (*verdict == kHealthy) {
      out.line("self-test: health check passed (MQTT session up, job IN_PROGRESS); confirming the new image");
      device.confirm();
      return;
    }
    if (*verdict == kTrialOver) {
      out.line("self-test: health check ended: the trial is over without it");
      return;
    }
  }
}

// After a trial boot: the self-test decides (no command: the health check).
void self_test(const AgentConfig& c, const Environment& env, runtime::Device& device, Output& out,
               const std::atomic<bool>& stop) {
  if (c.self_test.command.empty()) return health_check(c, device, out, stop);
  out.line("self-test: running `" + c.self_test.command + "`");
  const auto result = run_command(c.self_test.command, c.self_test.timeout, env, stop);
  if (result.kind == CommandResult::Kind::Stopped) return;  // the next start runs it again (or reverts)
  if (result.ok()) {
    out.line("self-test: passed; confirming the new image");
    device.confirm();
  } else {
    const std::string reason = "command `" + c.self_test.command + "` " + result.describe(c.self_test.timeout);
    out.line("self-test: failed: " + reason);
    device.self_test_failed(reason);
  }
}

// What the engine thread observes for --once: a job was in hand and is over.
struct OnceWatch {
  bool had_job = false;
  bool done(const fota::Fota& fota) {
    const auto s = fota.state();
    if (s != fota::State::Created && s != fota::State::Idle) had_job = true;
    return had_job && s == fota::State::Idle;
  }
};

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

// One run of the agent: the state its threads share, and the steps of run_agent().
class AgentRun {
 public:
  AgentRun(const AgentConfig& config, Output& out) : config_(config), out_(out) {}

  // State folder, boot step, running version, and the Device's configuration.
  Expected<runtime::DeviceConfig, std::string> prepare() {
    std::error_code ec;
    std::filesystem::create_directories(config_.state_dir, ec);
    if (ec) return unexpected("state-dir: cannot create " + config_.state_dir.string() + ": " + ec.message());
    bootloader_ = bootloader_control(config_);
    auto status = boot(config_, bootloader_.get(), out_);
    if (!status) return unexpected(status.error());
    status_ = *status;
    version_ = running_version(config_, status_, out_);
    auto d = device_config(config_, version_);
    if (!d) return unexpected(d.error());
    d->boot_control = bootloader_.get();
    d->on_event = [this](const fota::Event& e) { out_.event(e); };
    d->logger = &out_;
    d->reboot = [this] {
      // On the engine thread: leave the loop; the reboot itself happens once MQTT has flushed.
      reboot_requested_ = true;
      if (auto* device = device_.load()) device->stop();
    };
    return d;
  }

  std::unique_ptr<MqttLink> make_link() {
    MqttCallbacks callbacks{
        .on_message = [this](const std::string& t, const std::string& p) {
          if (auto* d = device_.load()) (void)d->on_mqtt_message(t, p);
        },
        .on_connection = [this, was_up = false](bool up, const std::string& reason) mutable {
          if (up == was_up) return;  // the client may say "down" twice while closing
          was_up = up;
          out_.line(up ? "mqtt: " + reason : "mqtt: disconnected" + (reason == "disconnected" ? "" : " (" + reason + ")"));
          auto* d = device_.load();
          if (d && up) d->on_connected();
          if (d && !up) d->on_disconnected();
        },
        .log = [this](const std::string& line) { out_.line(line); },
    };
    return std::make_unique<MqttLink>(mqtt_options(config_), config_.mqtt.connect_timeout, std::move(callbacks));
  }

  void attach(runtime::Device* device) { device_ = device; }

  void on_signal(int sig) {
    out_.line(std::string("stopping (") + (sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP") +
              "): the checkpoint keeps the job for the next start");
    stopping_ = true;
    if (auto* d = device_.load()) d->stop();
  }

  std::thread start_self_test(runtime::Device& device) {
    if (device.boot_outcome() != fota::BootOutcome::Trial) return {};
    return std::thread([this, &device, env = command_env(config_, status_, version_)] {
      self_test(config_, env, device, out_, stopping_);
    });
  }

  // The engine's thread, until a stop signal, a reboot request or (with --once) the job's end.
  void run_engine(runtime::Device& device, bool once) {
    if (!once) {
      device.run();
      return;
    }
    OnceWatch watch;
    while (!stopping_.load() && !reboot_requested_.load()) {
      if (device.run_until([&] { return watch.done(device.fota()); }, 1s)) {
        out_.line("--once: the job has ended; exiting");
        return;
      }
    }
  }

  void stop_threads() { stopping_ = true; }

  // After everything stopped: the reboot, when the engine asked for one.
  int finish() {
    if (!reboot_requested_.load()) return kExitOk;
    if (config_.reboot.command.empty()) {
      out_.line("reboot: no reboot command configured; exiting so that the next start boots the new image");
      return kExitOk;
    }
    out_.line("reboot: running `" + config_.reboot.command + "`");
    const std::atomic<bool> never{false};
    const auto result = run_command(config_.reboot.command, 120s, command_env(config_, status_, version_), never);
    if (result.ok()) return kExitOk;
    // With a boot id (the default with a command) the next start of the agent is not taken for the
    // reboot: the trial stays scheduled, and the engine asks for the reboot again.
    out_.line("reboot: the reboot command " + result.describe(120s) +
              (once_per_boot(config_) ? "; exiting (the trial waits for a real reboot; the next start asks again)"
                                      : "; exiting (the next start boots the new image)"));
    return kExitFailure;
  }

  [[nodiscard]] const std::string& version() const { return version_; }

 private:
  const AgentConfig& config_;
  Output& out_;
  std::unique_ptr<dfu::BootControl> bootloader_;  // outlives the Device, which uses it
  dfu::BootStatus status_;
  std::string version_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> reboot_requested_{false};
  // Read by the MQTT and signal threads; cleared before the Device goes away.
  std::atomic<runtime::Device*> device_{nullptr};
};

}  // namespace

int run_agent(const AgentConfig& config, const RunOptions& options, Output& out) {
  AgentRun run(config, out);
  auto device_config = run.prepare();
  if (!device_config) {
    out.line(device_config.error());
    return kExitFailure;
  }
  // Declared before the Device, so destroyed after it: the Device's engine publishes through it.
  std::unique_ptr<MqttLink> link = run.make_link();
  auto made = runtime::Device::create(std::move(*device_config), *link);
  if (!made) {
    out.line("cannot start: " + made.error());
    return kExitFailure;
  }
  std::unique_ptr<runtime::Device> device = std::move(*made);
  run.attach(device.get());
  out.line("awsfota-agent: thing " + config.mqtt.thing_name + ", running " +
           (run.version().empty() ? "(unknown version)" : run.version()) + ", boot outcome " +
           std::string(fota::to_string(device->boot_outcome())));
  if (config.compat == jobs::Compat::NrfAwsFota) out.line(kReferenceCompatWarning);
  device->start();

  auto signals = std::make_unique<SignalWatcher>([&run](int sig) { run.on_signal(sig); });
  std::thread tester = run.start_self_test(*device);
  auto started = link->start();
  if (started) {
    run.run_engine(*device, options.once);
  } else {
    out.line("mqtt: " + started.error());
  }

  run.stop_threads();
  if (tester.joinable()) tester.join();
  signals.reset();
  link->stop(2s);  // the last status updates go out before the process ends
  run.attach(nullptr);
  device.reset();  // stops the download; the checkpoint stays as it is
  return started ? run.finish() : kExitFailure;
}

}  // namespace awsfota::agent
