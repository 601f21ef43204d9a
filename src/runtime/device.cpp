#include "awsfota/runtime/device.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include "awsfota/adapters/curl/system_env.hpp"
#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/adapters/posix/simulated_modem.hpp"
#include "awsfota/adapters/rauc/rauc_target.hpp"
#include "awsfota/adapters/rauc/sd_bus_rauc.hpp"
#include "awsfota/adapters/swupdate/socket_swupdate.hpp"
#include "awsfota/adapters/swupdate/swupdate_boot_control.hpp"
#include "awsfota/adapters/swupdate/swupdate_target.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "awsfota/dfu/modem_target.hpp"
#include "awsfota/runtime/boot_seam.hpp"
#include "awsfota/runtime/dfu_staging.hpp"
#include "awsfota/runtime/downloader.hpp"
#include "awsfota/store/checkpoint_store.hpp"

namespace awsfota::runtime {

namespace {

// The file checkpoint store, remembering the job's fwversion for the modem backend's version label.
class ObservingStore final : public store::CheckpointStore {
 public:
  explicit ObservingStore(std::filesystem::path path) : file_(std::move(path)) {}
  [[nodiscard]] Expected<std::optional<store::Checkpoint>, store::StoreError> load() override {
    auto loaded = file_.load();
    if (loaded && *loaded) fw_version_ = (*loaded)->fw_version.value_or("");
    return loaded;
  }
  [[nodiscard]] Expected<void, store::StoreError> save(const store::Checkpoint& checkpoint) override {
    fw_version_ = checkpoint.fw_version.value_or("");
    return file_.save(checkpoint);
  }
  [[nodiscard]] Expected<void, store::StoreError> clear() override { return file_.clear(); }
  [[nodiscard]] std::string fw_version() const { return fw_version_; }

 private:
  store::FileCheckpointStore file_;
  std::string fw_version_;
};

using Dev = std::unique_ptr<posix::PosixBlockDevice>;

// Set on the thread that runs a RAUC install: what it reports goes to the engine through the loop.
thread_local bool t_on_install_thread = false;

// The staging area as the engine's DFU seam, except that the verify of a RAUC bundle (which is
// RAUC's whole install, minutes long) runs on a thread of its own, so the engine thread goes on
// (MQTT, timers) and RAUC's progress reaches the job while it runs. Its results reach the engine
// through the loop, as the seam's contract allows.
class InstallingStaging final : public fota::DfuTarget {
 public:
  explicit InstallingStaging(DfuStaging& staging) : staging_(staging) {}
  ~InstallingStaging() override { join(); }
  InstallingStaging(const InstallingStaging&) = delete;
  InstallingStaging& operator=(const InstallingStaging&) = delete;

  void prepare(const fota::PrepareStaging& request) override { staging_.prepare(request); }
  void drop_staged() override { staging_.drop_staged(); }  // waits for an install under way
  void verify(const fota::VerifyStaged& request) override {
    const image::ImageKind kind = staging_.staged_kind(request.job_id);
    if (kind != image::ImageKind::RaucBundle && kind != image::ImageKind::SwupdateImage) return staging_.verify(request);
    join();
    worker_ = std::thread([this, request] {
      t_on_install_thread = true;
      staging_.verify(request);
    });
  }
  // RAUC cannot be interrupted: a Device that goes away waits for the install's end.
  void join() {
    if (worker_.joinable()) worker_.join();
  }

 private:
  DfuStaging& staging_;
  std::thread worker_;
};

Expected<Dev, std::string> open_device(const char* field, const std::filesystem::path& path, std::uint64_t size) {
  if (path.empty()) return unexpected(std::string(field) + " is empty");
  auto dev = posix::PosixBlockDevice::open(path, size);
  if (!dev) return unexpected(std::string(field) + ": " + dev.error().message);
  return std::move(*dev);
}

}  // namespace

struct Device::Parts final : DownloadListener, DfuListener {
  explicit Parts(DeviceConfig c)
      : config(std::move(c)),
        loop(config.loop_capacity),
        boot_store(config.boot_state),
        boot(boot_store),
        store(config.checkpoint),
        fetcher(config.http) {}

  DeviceConfig config;
  std::string jobs_prefix;
  EventLoop loop;
  std::atomic<bool> messages_lost{false};  // a dropped message's resync is queued and not yet run
  Dev slot_a, slot_b, envelope_record, delta_staging, modem_staging;
  posix::FileBootRecordStore boot_store;
  dfu::RecordBootControl boot;
  openssl::OpenSslCrypto crypto;
  std::optional<posix::SimulatedModem> modem;
  std::unique_ptr<dfu::AppSlotTarget> app;
  std::unique_ptr<dfu::AppDeltaTarget> delta;
  std::unique_ptr<dfu::ModemTarget> modem_target;
  // RAUC systems: the service, its boot control (then the one the device uses), its target.
  std::unique_ptr<rauc::SdBusRauc> rauc_service;
  std::unique_ptr<rauc::RaucBootControl> rauc_boot;
  std::unique_ptr<rauc::RaucTarget> rauc_target;
  // SWUpdate systems: the daemon's client, its boot control (then the one the device uses), its target.
  std::unique_ptr<swupdate::SocketSwupdate> swupdate_service;
  std::unique_ptr<swupdate::SwupdateBootControl> swupdate_boot;
  std::unique_ptr<swupdate::SwupdateTarget> swupdate_target;
  ObservingStore store;
  std::unique_ptr<DfuStaging> staging;
  std::unique_ptr<InstallingStaging> installing;
  std::unique_ptr<BootSeam> boot_seam;
  curl::CurlFetcher fetcher;
  curl::SystemClock clock;
  curl::SystemRandom random;
  // Up while the MQTT session is: a download waits for it during an outage (download::LinkState).
  download::LinkState link;
  std::unique_ptr<ThreadedDownloader> downloader;
  std::optional<fota::Fota> fota;
  fota::BootOutcome outcome = fota::BootOutcome::Normal;

  void log(fota::LogLevel level, const std::string& message) {
    if (config.logger) config.logger->log(level, message);
  }
  // RAUC's boot control on a RAUC system, else the caller's bootloader boot control, else the file record's.
  dfu::BootControl& active_boot() {
    if (rauc_boot) return *rauc_boot;
    if (swupdate_boot) return *swupdate_boot;
    return config.boot_control ? *config.boot_control : boot;
  }

  // DownloadListener and DfuListener: results reach the engine on its thread.
  void on_download_progress(std::uint64_t offset, std::uint64_t total, std::uint64_t received) override {
    fota->on_download_progress(offset, total, received);
  }
  void on_download_finished(std::uint64_t size) override { fota->on_download_finished(size); }
  void on_download_failed(fota::ErrorCause cause, std::string_view detail) override {
    fota->on_download_failed(cause, detail);
  }
  void on_failed(fota::ErrorCause cause, std::string_view detail) override {
    if (t_on_install_thread) {
      (void)loop.post_even_if_full([this, cause, d = std::string(detail)] { fota->on_dfu_failed(cause, d); });
      return;
    }
    fota->on_dfu_failed(cause, detail);
  }
  void on_url_expired() override { fota->on_download_url_expired(); }
  void on_erase_pending() override { fota->on_dfu_erase_pending(); }
  void on_staging_ready(bool erased, std::uint64_t kept) override { fota->on_dfu_staging_ready(erased, kept); }
  void on_verified(fota::ImageKind kind) override {
    if (t_on_install_thread) {
      (void)loop.post_even_if_full([this, kind] { fota->on_dfu_verified(kind); });
      return;
    }
    fota->on_dfu_verified(kind);
  }
  void on_trial_scheduled() override { fota->on_dfu_trial_scheduled(); }
  void on_confirmed() override { fota->on_dfu_confirmed(); }

  Expected<void, std::string> build_targets();
  Expected<void, std::string> build_app_targets(Routes& routes);
  Expected<void, std::string> build_rauc_target(Routes& routes);
  Expected<void, std::string> build_swupdate_target(Routes& routes);
  Expected<void, std::string> build_staging(Routes routes);
  // On the install's thread: to the engine (INSTALL_PROGRESS, the job's "installing" reports) through
  // the loop, with a bounded post (a later report says more than a dropped one).
  void on_install_progress(int percent, const std::string& message) {
    if (!t_on_install_thread) return log(fota::LogLevel::Info, "install: " + std::to_string(percent) + "% " + message);
    (void)loop.post([this, percent, message] { fota->on_dfu_install_progress(percent, message); });
  }
  Expected<void, std::string> build_engine(fota::MqttTransport& mqtt, bool modem_applied);
};

Expected<void, std::string> Device::Parts::build_rauc_target(Routes& routes) {
  const DeviceConfig::Rauc& r = config.rauc;
  rauc_service = std::make_unique<rauc::SdBusRauc>(rauc::SdBusRaucOptions{.bus = r.bus, .install_timeout = r.install_timeout});
  rauc_boot = std::make_unique<rauc::RaucBootControl>(
      *rauc_service, rauc::RaucBootOptions{.bootname_a = r.bootname_a,
                                           .bootname_b = r.bootname_b,
                                           .record = r.record.empty() ? std::filesystem::path(config.checkpoint.string() + ".rauc")
                                                                      : r.record});
  // RAUC's progress arrives on the engine thread, inside the install (verify); it is logged and
  // logged.
  auto made = rauc::RaucTarget::create(*rauc_service, *rauc_boot, {.staging = r.staging, .capacity = r.staging_size},
                                       [this](const rauc::RaucProgress& p) { on_install_progress(p.percent, p.message); });
  if (!made) return unexpected("rauc: " + made.error());
  rauc_target = std::move(*made);
  routes.rauc = {rauc_target.get(), [this] { return rauc_target->staged_device(); }};
  return {};
}

Expected<void, std::string> Device::Parts::build_swupdate_target(Routes& routes) {
  const DeviceConfig::Swupdate& s = config.swupdate;
  swupdate_service = std::make_unique<swupdate::SocketSwupdate>(swupdate::SocketSwupdateOptions{
      .ctrl_socket = s.ctrl_socket, .progress_socket = s.progress_socket, .install_timeout = s.install_timeout});
  swupdate_boot = std::make_unique<swupdate::SwupdateBootControl>(
      *swupdate_service,
      swupdate::SwupdateBootOptions{.record = s.record.empty() ? std::filesystem::path(config.checkpoint.string() + ".swupdate")
                                                               : s.record,
                                    .boot_id = s.boot_id});
  auto made = swupdate::SwupdateTarget::create(*swupdate_service, *swupdate_boot, {.staging = s.staging, .capacity = s.staging_size},
                                               [this](const swupdate::SwupdateProgress& p) { on_install_progress(p.percent, p.step); });
  if (!made) return unexpected("swupdate: " + made.error());
  swupdate_target = std::move(*made);
  routes.swupdate = {swupdate_target.get(), [this] { return swupdate_target->staged_device(); }};
  return {};
}

Expected<void, std::string> Device::Parts::build_targets() {
  Routes routes;
  if (config.rauc.enabled) {
    if (auto built = build_rauc_target(routes); !built) return built;
  }
  if (config.swupdate.enabled) {
    if (auto built = build_swupdate_target(routes); !built) return built;
  }
  if ((config.rauc.enabled || config.swupdate.enabled) && config.slot_size == 0) return build_staging(std::move(routes));
  if (auto built = build_app_targets(routes); !built) return built;
  return build_staging(std::move(routes));
}

Expected<void, std::string> Device::Parts::build_app_targets(Routes& routes) {
  if (config.slot_size == 0) return unexpected(std::string("slot_size must be more than 0"));
  auto a = open_device("slot_a", config.slot_a, config.slot_size);
  if (!a) return unexpected(a.error());
  auto b = open_device("slot_b", config.slot_b, config.slot_size);
  if (!b) return unexpected(b.error());
  slot_a = std::move(*a);
  slot_b = std::move(*b);

  dfu::AppConfig app_config;
  if (!config.signing_public_key_pem.empty()) {
    auto key = openssl::load_public_key_pem(config.signing_public_key_pem);
    if (!key) return unexpected("signing_public_key_pem: " + key.error());
    app_config.verify.key = *key;
  }
  app_config.running_version = image::parse_version(config.engine.running_version);
  if (!app_config.running_version) log(fota::LogLevel::Warning, "running_version is not a version: no downgrade check");
  app_config.downgrade = config.downgrade;
  if (config.partition_slots) {
    if (!config.delta_staging.empty()) {
      return unexpected(std::string("delta_staging: application deltas need slots that hold whole images, not partition slots"));
    }
    auto r = open_device("envelope_record",
                         config.envelope_record.empty() ? std::filesystem::path(config.checkpoint.string() + ".envelope")
                                                        : config.envelope_record,
                         dfu::kSplitRecordSize);
    if (!r) return unexpected(r.error());
    envelope_record = std::move(*r);
    app = std::make_unique<dfu::AppSlotTarget>(*slot_a, *slot_b, *envelope_record, active_boot(), crypto, app_config);
  } else {
    app = std::make_unique<dfu::AppSlotTarget>(*slot_a, *slot_b, active_boot(), crypto, app_config);
  }

  routes.app = {app.get(), [this] { return app->staged_device(); }};
  if (!config.delta_staging.empty()) {
    auto s = open_device("delta_staging", config.delta_staging,
                         config.delta_staging_size ? config.delta_staging_size : config.slot_size);
    if (!s) return unexpected(s.error());
    delta_staging = std::move(*s);
    delta = std::make_unique<dfu::AppDeltaTarget>(*slot_a, *slot_b, *delta_staging, active_boot(), crypto, app_config);
    routes.app_delta = {delta.get(), [this] { return static_cast<dfu::BlockDevice*>(delta_staging.get()); }};
  }
  if (!config.modem_dir.empty()) {
    auto s = open_device("modem_staging", config.modem_staging,
                         config.modem_staging_size ? config.modem_staging_size : config.slot_size);
    if (!s) return unexpected(s.error());
    modem_staging = std::move(*s);
    modem.emplace(config.modem_dir);
    // The engine hears of the erase from the staging's prepare(); the target's own events are logged.
    // The signing key covers modem images too: with one configured, only signed modem envelopes pass.
    modem_target = std::make_unique<dfu::ModemTarget>(
        *modem_staging, *modem,
        [this](dfu::DfuEvent e) {
          log(fota::LogLevel::Debug, e == dfu::DfuEvent::ErasePending ? "modem staging: erasing" : "modem staging: erased");
        },
        dfu::ModemVerify{.policy = app_config.verify, .crypto = &crypto});
    routes.modem = {modem_target.get(), [this] { return static_cast<dfu::BlockDevice*>(modem_staging.get()); }};
  }
  return {};
}

Expected<void, std::string> Device::Parts::build_staging(Routes routes) {
  StagingOptions options{
      .allowed = config.allowed_kinds,
      .commit_interval = config.commit_interval,
      .record_path = config.staging_record.empty() ? std::filesystem::path(config.checkpoint.string() + ".staging")
                                                   : config.staging_record,
      .version_label = [this] { return store.fw_version(); },
      .boot = &active_boot(),
  };
  staging = std::make_unique<DfuStaging>(std::move(routes), crypto, std::move(options));
  staging->set_listener(this);
  installing = std::make_unique<InstallingStaging>(*staging);
  return {};
}

Expected<void, std::string> Device::Parts::build_engine(fota::MqttTransport& mqtt, bool modem_applied) {
  boot_seam = std::make_unique<BootSeam>(active_boot(), *staging, config.reboot, modem_applied, config.logger);
  boot_seam->set_listener(this);
  outcome = boot_seam->boot_outcome();
  download::DownloadOptions download = config.download;
  download.link = &link;
  // The reference's documents are plain http without a digest: its compat mode must fetch them.
  const bool reference_compat = config.engine.document_options.compat == jobs::Compat::NrfAwsFota;
  downloader = std::make_unique<ThreadedDownloader>(
      loop, fetcher, clock, random, *staging,
      DownloaderOptions{.download = download, .allow_plain_http = config.allow_plain_http || reference_compat});
  downloader->set_listener(this);
  // The reference's dual-slot documents ("path": "s0.bin s1.bin") name one file per slot: fetch the
  // one for the slot an update is written to, the one not running now (slot A is index 0).
  fota::EngineConfig engine = config.engine;
  if (auto status = active_boot().status()) engine.document_options.inactive_slot = status->active == dfu::Slot::A ? 1U : 0U;
  auto made = fota::Fota::create(
      std::move(engine),
      fota::Fota::Seams{mqtt, *downloader, *installing, *boot_seam, store, loop, config.logger}, config.on_event);
  if (!made) return unexpected("engine: " + made.error().message);
  fota.emplace(std::move(*made));
  loop.set_timer_handler([this](fota::TimerId id) { fota->on_timer(id); });
  jobs_prefix = "$aws/things/" + config.engine.thing_name + "/jobs/";
  return {};
}

Expected<std::unique_ptr<Device>, std::string> Device::create(DeviceConfig config, fota::MqttTransport& mqtt) {
  if (config.boot_state.empty() && !config.boot_control && !config.rauc.enabled && !config.swupdate.enabled) {
    return unexpected(std::string("boot_state is empty"));
  }
  if (config.boot_control && config.rauc.enabled) {
    return unexpected(std::string("rauc: on a RAUC system the boot control is RAUC's; boot_control must be null"));
  }
  if (config.boot_control && config.swupdate.enabled) {
    return unexpected(std::string("swupdate: on a SWUpdate system the boot control is SWUpdate's ustate; boot_control must be null"));
  }
  if (config.rauc.enabled && config.swupdate.enabled) {
    return unexpected(std::string("swupdate: a device installs through RAUC or through SWUpdate, not both"));
  }
  if (config.checkpoint.empty()) return unexpected(std::string("checkpoint is empty"));
  auto parts = std::make_unique<Parts>(std::move(config));
  if (auto built = parts->build_targets(); !built) return unexpected(built.error());
  bool modem_applied = false;
  if (parts->modem) {
    // The modem's own "boot": a staged modem update is applied now, and then runs on trial.
    auto init = parts->modem->init();
    if (!init) return unexpected("modem_dir: modem init failed: " + init.error().reason);
    modem_applied = init->applied;
  }
  if (auto built = parts->build_engine(mqtt, modem_applied); !built) return unexpected(built.error());
  return std::unique_ptr<Device>(new Device(std::move(parts)));
}

Device::Device(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Device::~Device() {
  parts_->loop.stop();
  parts_->downloader->stop();
  parts_->installing->join();
}

// The control inputs below come at the pace of people and connections, never in floods, and losing
// one would leave the engine waiting (offline for good, or a self-test result unheard): they are
// queued even when the queue is full. Only MQTT messages, which the network can flood, may be dropped
// (the engine's response timer asks again).
void Device::start() {
  (void)parts_->loop.post_even_if_full([p = parts_.get()] { p->fota->start(); });
}

fota::MessageResult Device::on_mqtt_message(std::string_view topic, std::string_view payload) {
  if (topic.substr(0, parts_->jobs_prefix.size()) != parts_->jobs_prefix) return fota::MessageResult::NotMine;
  const bool posted = parts_->loop.post([p = parts_.get(), t = std::string(topic), m = std::string(payload)] {
    (void)p->fota->on_mqtt_message(t, m);
  });
  if (!posted) {
    parts_->log(fota::LogLevel::Warning, "engine queue full: MQTT message on " + std::string(topic) + " dropped");
    // What it said is lost, not what it was about: once the queue drains the engine asks the service
    // again. One such task at a time, whatever the flood.
    if (!parts_->messages_lost.exchange(true)) {
      (void)parts_->loop.post_even_if_full([p = parts_.get()] {
        p->messages_lost = false;
        p->fota->on_messages_lost();
      });
    }
  }
  return fota::MessageResult::Consumed;
}

void Device::on_connected() {
  parts_->link.set_up(true);  // read by the download's thread, so not through the loop
  (void)parts_->loop.post_even_if_full([p = parts_.get()] { p->fota->on_connected(); });
}
void Device::on_disconnected() {
  parts_->link.set_up(false);
  (void)parts_->loop.post_even_if_full([p = parts_.get()] { p->fota->on_disconnected(); });
}
void Device::confirm() {
  (void)parts_->loop.post_even_if_full([p = parts_.get()] { (void)p->fota->confirm(); });
}
void Device::self_test_failed(std::string reason) {
  (void)parts_->loop.post_even_if_full([p = parts_.get(), r = std::move(reason)] { (void)p->fota->self_test_failed(r); });
}
void Device::cancel() {
  (void)parts_->loop.post_even_if_full([p = parts_.get()] { (void)p->fota->cancel(); });
}

bool Device::post(std::function<void(fota::Fota&)> fn) {
  return parts_->loop.post([p = parts_.get(), fn = std::move(fn)] { fn(*p->fota); });
}

void Device::run() { parts_->loop.run(); }
bool Device::run_until(const std::function<bool()>& done, std::chrono::milliseconds budget) {
  return parts_->loop.run_until(done, budget);
}
void Device::stop() { parts_->loop.stop(); }

fota::BootOutcome Device::boot_outcome() const { return parts_->outcome; }
const fota::Fota& Device::fota() const { return *parts_->fota; }

}  // namespace awsfota::runtime
