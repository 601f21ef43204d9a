#include "capi/instance.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/jobs/topics.hpp"

namespace awsfota::capi {

namespace fs = std::filesystem;

// The C enums mirror the engine's: the values are converted by a cast, so they must stay in step.
static_assert(AWS_FOTA_IMAGE_MCUBOOT == static_cast<int>(fota::ImageKind::Mcuboot));
static_assert(AWS_FOTA_IMAGE_MODEM_DELTA == static_cast<int>(fota::ImageKind::ModemDelta));
static_assert(AWS_FOTA_IMAGE_FULL_MODEM == static_cast<int>(fota::ImageKind::FullModem));
static_assert(AWS_FOTA_IMAGE_APP_DELTA == static_cast<int>(fota::ImageKind::AppDelta));
static_assert(AWS_FOTA_ERROR_CONNECT_FAILED == static_cast<int>(fota::ErrorCause::ConnectFailed));
static_assert(AWS_FOTA_ERROR_INVALID_CONFIGURATION == static_cast<int>(fota::ErrorCause::InvalidConfiguration));
static_assert(AWS_FOTA_ERROR_CANCELED == static_cast<int>(fota::ErrorCause::Canceled));

namespace {

thread_local std::string t_last_error;

std::string text_of(const char* s) { return s ? std::string(s) : std::string(); }

aws_fota_evt_id evt_id_of(fota::EventKind kind) noexcept {
  switch (kind) {
    case fota::EventKind::Start: return AWS_FOTA_EVT_START;
    case fota::EventKind::Done: return AWS_FOTA_EVT_DONE;
    case fota::EventKind::Error: return AWS_FOTA_EVT_ERROR;
    case fota::EventKind::ErasePending: return AWS_FOTA_EVT_ERASE_PENDING;
    case fota::EventKind::EraseDone: return AWS_FOTA_EVT_ERASE_DONE;
    case fota::EventKind::DlProgress: return AWS_FOTA_EVT_DL_PROGRESS;
    case fota::EventKind::RebootRequested: return AWS_FOTA_EVT_REBOOT_REQUESTED;
    case fota::EventKind::Confirmed: return AWS_FOTA_EVT_CONFIRMED;
    case fota::EventKind::RolledBack: return AWS_FOTA_EVT_ROLLED_BACK;
    case fota::EventKind::Canceled: return AWS_FOTA_EVT_CANCELED;
    case fota::EventKind::InstallProgress: break;  // not delivered (see deliver())
  }
  return AWS_FOTA_EVT_ERROR;
}

// Different at each init, so that answers to an earlier run's requests are told apart.
std::string client_token_prefix() {
  const auto t = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::ostringstream s;
  s << "capi" << std::hex << ((t ^ (static_cast<unsigned long long>(::getpid()) << 20)) & 0xffffffffffULL);
  return s.str();
}

Expected<std::string, std::string> read_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("signing_key_file: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<runtime::DeviceConfig, std::string> device_config_of(const Settings& s, const std::string& thing) {
  const fs::path dir = s.state_dir;
  runtime::DeviceConfig d;
  d.engine.thing_name = thing;
  d.engine.running_version = s.running_version;
  d.engine.client_token_prefix = client_token_prefix();
  d.engine.confirm_timeout = std::chrono::seconds(s.confirm_timeout_s);
  d.slot_a = s.slot_a.empty() ? dir / "slot-a.img" : fs::path(s.slot_a);
  d.slot_b = s.slot_b.empty() ? dir / "slot-b.img" : fs::path(s.slot_b);
  d.slot_size = s.slot_size;
  d.delta_staging = s.delta_staging;
  d.boot_state = dir / "boot.state";
  d.checkpoint = dir / "checkpoint";
  d.staging_record = dir / "staging.record";
  if (!s.signing_key_file.empty()) {
    auto pem = read_key(s.signing_key_file);
    if (!pem) return unexpected(pem.error());
    d.signing_public_key_pem = std::move(*pem);
  }
  d.http.ca_file = s.ca_file;
  d.allow_plain_http = s.allow_plain_http;
  d.commit_interval = s.commit_interval;
  return d;
}

// The device's boot: switch to a scheduled trial, or back from an unconfirmed one.
Expected<void, std::string> run_boot(const Settings& s) {
  posix::FileBootRecordStore store(fs::path(s.state_dir) / "boot.state");
  auto slot = dfu::run_boot_step(store);
  if (!slot) return unexpected("boot step: " + slot.error().reason);
  return {};
}

}  // namespace

int fail(int code, std::string message) {
  t_last_error = std::move(message);
  return code;
}
const char* last_error() noexcept { return t_last_error.c_str(); }

bool is_thing_name(const char* name) { return jobs::is_valid_thing_name(name); }

aws_fota_boot_outcome to_c(fota::BootOutcome outcome) noexcept {
  switch (outcome) {
    case fota::BootOutcome::Normal: return AWS_FOTA_BOOT_NORMAL;
    case fota::BootOutcome::TrialPending: return AWS_FOTA_BOOT_TRIAL_PENDING;
    case fota::BootOutcome::Trial: return AWS_FOTA_BOOT_TRIAL;
    case fota::BootOutcome::Reverted: return AWS_FOTA_BOOT_REVERTED;
    case fota::BootOutcome::RevertPending: return AWS_FOTA_BOOT_REVERT_PENDING;
  }
  return AWS_FOTA_BOOT_NORMAL;
}

Expected<Settings, std::string> settings_of(const aws_fota_config& c) {
  Settings s;
  s.state_dir = text_of(c.state_dir);
  if (s.state_dir.empty()) return unexpected(std::string("config: state_dir is NULL or empty"));
  if (c.slot_size == 0) return unexpected(std::string("config: slot_size is 0"));
  s.slot_a = text_of(c.slot_a);
  s.slot_b = text_of(c.slot_b);
  if (!s.slot_a.empty() && s.slot_a == s.slot_b) return unexpected("config: slot_a and slot_b are both " + s.slot_a);
  s.slot_size = c.slot_size;
  s.delta_staging = text_of(c.delta_staging);
  s.running_version = text_of(c.running_version);
  s.ca_file = text_of(c.ca_file);
  s.signing_key_file = text_of(c.signing_key_file);
  s.allow_plain_http = c.allow_plain_http != 0;
  if (c.confirm_timeout_s) s.confirm_timeout_s = c.confirm_timeout_s;
  if (c.commit_interval) s.commit_interval = c.commit_interval;
  s.skip_boot_step = c.skip_boot_step != 0;
  s.log = c.log;
  s.log_user_data = c.log_user_data;
  return s;
}

bool CTransport::publish(std::string_view topic, std::string_view payload, int qos) {
  const std::string name(topic);  // the C side wants it NUL-terminated
  return transport_.publish(transport_.user_data, name.c_str(), payload.data(), payload.size(), qos) == 0;
}

bool CTransport::subscribe(std::string_view filter, int qos) {
  const std::string name(filter);
  return transport_.subscribe(transport_.user_data, name.c_str(), qos) == 0;
}

void CLogger::log(fota::LogLevel level, std::string_view message) {
  if (!fn_) return;
  const std::string line(message);
  fn_(user_data_, static_cast<int>(level), line.c_str());
}

Instance::~Instance() {
  if (device) device->stop();
  if (engine.joinable()) engine.join();
}

Expected<std::unique_ptr<Instance>, std::string> Instance::create(const Settings& settings,
                                                                   const aws_fota_transport& transport,
                                                                   aws_fota_callback_t callback) {
  std::error_code ec;
  fs::create_directories(settings.state_dir, ec);
  if (ec) return unexpected("state_dir: cannot create " + settings.state_dir + ": " + ec.message());
  if (!settings.skip_boot_step) {
    if (auto booted = run_boot(settings); !booted) return unexpected(booted.error());
  }
  auto config = device_config_of(settings, transport.client_id);
  if (!config) return unexpected(config.error());

  auto instance = std::make_unique<Instance>(settings, transport, callback);
  Instance* self = instance.get();
  config->logger = &instance->logger;
  config->on_event = [self](const fota::Event& e) { self->deliver(e); };
  // The library never reboots by itself: the application does, on AWS_FOTA_EVT_REBOOT_REQUESTED.
  config->reboot = [self] {
    self->logger.log(fota::LogLevel::Info, "reboot requested: the application reboots on AWS_FOTA_EVT_REBOOT_REQUESTED");
  };
  auto device = runtime::Device::create(std::move(*config), instance->transport);
  if (!device) return unexpected(device.error());
  instance->device = std::move(*device);
  instance->outcome = instance->device->boot_outcome();
  instance->device->start();
  // A job the checkpoint holds is the current one from the start, before any event names it.
  (void)instance->device->post([self](fota::Fota& f) { self->remember_job(f.job_id()); });
  return instance;
}

std::string Instance::job_id() const {
  std::lock_guard lock(job_mutex_);
  return job_id_;
}

void Instance::remember_job(const std::string& id) {
  if (id.empty()) return;
  std::lock_guard lock(job_mutex_);
  job_id_ = id;
}

void Instance::deliver(const fota::Event& e) {
  // The reference has no event for an installer's own progress, and its C applications install no
  // RAUC bundles: not passed on.
  if (e.kind == fota::EventKind::InstallProgress) return;
  remember_job(e.job_id);
  aws_fota_event evt{};
  evt.id = evt_id_of(e.kind);
  evt.dl.progress = e.percent;
  evt.image = static_cast<aws_fota_image_type>(e.image);
  evt.error.cause = static_cast<aws_fota_error_cause>(e.cause);
  evt.error.message = e.message.c_str();
  evt.job_id = e.job_id.c_str();
  callback(&evt);
}

}  // namespace awsfota::capi
