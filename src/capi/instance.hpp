// The C API's one instance: the application's transport and callback around a runtime::Device, and
// the configuration aws_fota_configure() copied. Private to src/capi/.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "awsfota/aws_fota.h"
#include "awsfota/expected.hpp"
#include "awsfota/fota/seams.hpp"
#include "awsfota/runtime/device.hpp"

namespace awsfota::capi {

// Records `message` as this thread's last error (aws_fota_last_error()) and returns `code`.
int fail(int code, std::string message);
[[nodiscard]] const char* last_error() noexcept;

[[nodiscard]] bool is_thing_name(const char* name);
[[nodiscard]] aws_fota_boot_outcome to_c(fota::BootOutcome outcome) noexcept;

// aws_fota_config with its strings copied and its defaults applied.
struct Settings {
  std::string state_dir;
  std::string slot_a, slot_b;
  std::uint64_t slot_size = 0;
  std::string delta_staging;
  std::string running_version;
  std::string ca_file;
  std::string signing_key_file;
  bool allow_plain_http = false;
  std::uint32_t confirm_timeout_s = 300;
  std::uint32_t commit_interval = 1024 * 1024;
  bool skip_boot_step = false;
  void (*log)(void*, int, const char*) = nullptr;
  void* log_user_data = nullptr;
};
// The settings, or which field is wrong.
[[nodiscard]] Expected<Settings, std::string> settings_of(const aws_fota_config& config);

// fota::MqttTransport over the application's function pointers.
class CTransport final : public fota::MqttTransport {
 public:
  explicit CTransport(const aws_fota_transport& transport) : transport_(transport) {}
  [[nodiscard]] bool publish(std::string_view topic, std::string_view payload, int qos) override;
  [[nodiscard]] bool subscribe(std::string_view filter, int qos) override;
  [[nodiscard]] const aws_fota_transport& c_transport() const noexcept { return transport_; }

 private:
  aws_fota_transport transport_;
};

// The optional log function of aws_fota_config.
class CLogger final : public fota::Logger {
 public:
  CLogger(void (*fn)(void*, int, const char*), void* user_data) : fn_(fn), user_data_(user_data) {}
  void log(fota::LogLevel level, std::string_view message) override;

 private:
  void (*fn_)(void*, int, const char*);
  void* user_data_;
};

struct Instance {
  Instance(const Settings& settings, const aws_fota_transport& t, aws_fota_callback_t cb)
      : transport(t), logger(settings.log, settings.log_user_data), callback(cb) {}
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // The boot step (unless skipped), the Device on `settings`, started; its loop not yet running.
  [[nodiscard]] static Expected<std::unique_ptr<Instance>, std::string> create(
      const Settings& settings, const aws_fota_transport& transport, aws_fota_callback_t callback);

  // The job the last event was about ("" before any). Thread-safe.
  [[nodiscard]] std::string job_id() const;
  // On the engine thread: remembers the job, then calls the application's callback.
  void deliver(const fota::Event& event);

  CTransport transport;
  CLogger logger;
  aws_fota_callback_t callback;
  fota::BootOutcome outcome = fota::BootOutcome::Normal;
  std::shared_mutex device_mutex;  // entry points share it; aws_fota_deinit() takes it to drop the Device
  std::unique_ptr<runtime::Device> device;
  std::thread engine;  // runs device->run()

 private:
  void remember_job(const std::string& id);
  mutable std::mutex job_mutex_;
  std::string job_id_;
};

}  // namespace awsfota::capi
