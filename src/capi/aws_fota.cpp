// The C API (include/awsfota/aws_fota.h) over runtime::Device: one instance per process, as in the
// reference, running the Device's event loop on a thread of its own. Nothing thrown crosses into C:
// every entry point catches and answers with a negative errno value.
#include "awsfota/aws_fota.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "capi/instance.hpp"

namespace awsfota::capi {
namespace {

std::mutex g_mutex;  // guards g_config and g_instance
std::optional<Settings> g_config;
std::shared_ptr<Instance> g_instance;
thread_local bool t_on_engine_thread = false;

std::shared_ptr<Instance> current() {
  std::lock_guard lock(g_mutex);
  return g_instance;
}

// Runs fn(instance) with the Device alive (aws_fota_deinit() waits for it); -ENODEV without one.
template <class Fn>
int with_device(Fn&& fn) {
  auto instance = current();
  if (!instance) return fail(-ENODEV, "aws_fota_init() has not succeeded");
  std::shared_lock lock(instance->device_mutex);
  if (!instance->device) return fail(-ENODEV, "the library is shutting down");
  return fn(*instance);
}

// The entry points' common frame: exceptions become errno values.
template <class Fn>
int guarded(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return fail(-ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return fail(-EIO, std::string("unexpected failure: ") + e.what());
  } catch (...) {
    return fail(-EIO, "unexpected failure");
  }
}

bool same_transport(const aws_fota_transport& a, const aws_fota_transport& b) {
  return a.publish == b.publish && a.subscribe == b.subscribe && a.user_data == b.user_data;
}

int check_transport(const aws_fota_transport* transport) {
  if (!transport) return fail(-EINVAL, "transport is NULL");
  if (!transport->publish || !transport->subscribe) return fail(-EINVAL, "transport: publish or subscribe is NULL");
  if (!transport->client_id) return fail(-EINVAL, "transport: client_id is NULL");
  if (!is_thing_name(transport->client_id)) {
    return fail(-EINVAL, std::string("transport: client_id '") + transport->client_id +
                             "' is not a valid thing name (1-128 of a-z A-Z 0-9 : _ -)");
  }
  return 0;
}

int check_mqtt_event(const aws_fota_mqtt_evt* evt) {
  if (!evt) return fail(-EINVAL, "evt is NULL");
  switch (evt->type) {
    case AWS_FOTA_MQTT_EVT_CONNECTED:
    case AWS_FOTA_MQTT_EVT_DISCONNECTED: return 0;
    case AWS_FOTA_MQTT_EVT_PUBLISH:
      if (!evt->topic) return fail(-EINVAL, "evt: a PUBLISH without topic");
      if (!evt->payload && evt->payload_len > 0) return fail(-EINVAL, "evt: payload is NULL but payload_len is not 0");
      return 0;
  }
  return fail(-EINVAL, "evt: unknown type " + std::to_string(static_cast<int>(evt->type)));
}

}  // namespace
}  // namespace awsfota::capi

using namespace awsfota::capi;

extern "C" {

int aws_fota_configure(const aws_fota_config* config) {
  return guarded([&] {
    if (t_on_engine_thread) return fail(-EDEADLK, "aws_fota_configure() from the event callback");
    if (!config) return fail(-EINVAL, "config is NULL");
    auto settings = settings_of(*config);
    if (!settings) return fail(-EINVAL, settings.error());
    std::lock_guard lock(g_mutex);
    g_config = std::move(*settings);
    return 0;
  });
}

int aws_fota_init(const aws_fota_transport* transport, aws_fota_callback_t evt_handler) {
  return guarded([&] {
    if (t_on_engine_thread) return fail(-EDEADLK, "aws_fota_init() from the event callback");
    if (int bad = check_transport(transport)) return bad;
    if (!evt_handler) return fail(-EINVAL, "evt_handler is NULL");
    std::lock_guard lock(g_mutex);
    if (g_instance) return fail(-EALREADY, "already initialized: aws_fota_deinit() first");
    if (!g_config) return fail(-ENOENT, "not configured: aws_fota_configure() first");
    auto made = Instance::create(*g_config, *transport, evt_handler);
    if (!made) return fail(-EIO, made.error());
    std::shared_ptr<Instance> instance = std::move(*made);
    instance->engine = std::thread([raw = instance.get()] {
      t_on_engine_thread = true;
      raw->device->run();
    });
    g_instance = std::move(instance);
    return 0;
  });
}

int aws_fota_deinit(void) {
  return guarded([&] {
    if (t_on_engine_thread) return fail(-EDEADLK, "aws_fota_deinit() from the event callback");
    std::shared_ptr<Instance> instance;
    {
      std::lock_guard lock(g_mutex);
      instance = std::move(g_instance);
    }
    if (!instance) return fail(-ENODEV, "aws_fota_init() has not succeeded");
    instance->device->stop();
    if (instance->engine.joinable()) instance->engine.join();
    std::unique_lock lock(instance->device_mutex);  // waits for entry points still using the Device
    instance->device.reset();                       // stops and joins the download
    return 0;
  });
}

int aws_fota_mqtt_evt_handler(const aws_fota_transport* transport, const aws_fota_mqtt_evt* evt) {
  return guarded([&] {
    if (int bad = check_mqtt_event(evt)) return bad;
    if (!transport) return fail(-EINVAL, "transport is NULL");
    return with_device([&](Instance& instance) {
      if (!same_transport(*transport, instance.transport.c_transport())) {
        return fail(-EINVAL, "transport: not the one given to aws_fota_init()");
      }
      switch (evt->type) {
        case AWS_FOTA_MQTT_EVT_CONNECTED: instance.device->on_connected(); return 1;
        case AWS_FOTA_MQTT_EVT_DISCONNECTED: instance.device->on_disconnected(); return 1;
        case AWS_FOTA_MQTT_EVT_PUBLISH: break;
      }
      const std::string_view payload(static_cast<const char*>(evt->payload), evt->payload ? evt->payload_len : 0);
      const auto mine = instance.device->on_mqtt_message(evt->topic, payload);
      return mine == awsfota::fota::MessageResult::Consumed ? 0 : 1;
    });
  });
}

int aws_fota_get_job_id(char* job_id_buf, size_t buf_size) {
  return guarded([&] {
    if (!job_id_buf) return fail(-EINVAL, "job_id_buf is NULL");
    if (buf_size == 0) return fail(-EINVAL, "buf_size is 0");
    auto instance = current();
    if (!instance) return fail(-ENODEV, "aws_fota_init() has not succeeded");
    const std::string id = instance->job_id();
    if (id.size() >= buf_size) {
      job_id_buf[0] = '\0';
      return fail(-ENOMEM, "job_id_buf holds " + std::to_string(buf_size) + " bytes; the job id and its NUL need " +
                               std::to_string(id.size() + 1));
    }
    std::memcpy(job_id_buf, id.c_str(), id.size() + 1);
    return static_cast<int>(id.size());
  });
}

int aws_fota_get_boot_outcome(void) {
  return guarded([&] {
    auto instance = current();
    if (!instance) return fail(-ENODEV, "aws_fota_init() has not succeeded");
    return static_cast<int>(to_c(instance->outcome));
  });
}

int aws_fota_confirm(void) {
  return guarded([&] {
    return with_device([&](Instance& instance) {
      if (instance.outcome != awsfota::fota::BootOutcome::Trial) {
        return fail(-EPERM, "the running image is not on trial: nothing to confirm");
      }
      instance.device->confirm();
      return 0;
    });
  });
}

int aws_fota_reject(const char* reason) {
  return guarded([&] {
    if (!reason) return fail(-EINVAL, "reason is NULL");
    return with_device([&](Instance& instance) {
      if (instance.outcome != awsfota::fota::BootOutcome::Trial) {
        return fail(-EPERM, "the running image is not on trial: nothing to reject");
      }
      instance.device->self_test_failed(reason);
      return 0;
    });
  });
}

int aws_fota_cancel(void) {
  return guarded([&] {
    return with_device([&](Instance& instance) {
      instance.device->cancel();
      return 0;
    });
  });
}

const char* aws_fota_last_error(void) { return last_error(); }

}  // extern "C"
