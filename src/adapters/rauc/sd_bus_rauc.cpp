#include "awsfota/adapters/rauc/sd_bus_rauc.hpp"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace awsfota::rauc {

namespace {

constexpr const char* kService = "de.pengutronix.rauc";
constexpr const char* kPath = "/";
constexpr const char* kInstaller = "de.pengutronix.rauc.Installer";

struct BusCloser {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using Bus = std::unique_ptr<sd_bus, BusCloser>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;
using MatchSlot = std::unique_ptr<sd_bus_slot, SlotUnref>;

// An sd_bus_error that frees itself.
struct CallError {
  sd_bus_error error{nullptr, nullptr, 0};  // SD_BUS_ERROR_NULL, without its C compound literal
  CallError() = default;
  CallError(const CallError&) = delete;
  CallError& operator=(const CallError&) = delete;
  ~CallError() { sd_bus_error_free(&error); }
};

std::string system_error(int negative_errno) { return std::strerror(-negative_errno); }

RaucError make_error(RaucErrorCode code, std::string reason) { return RaucError{code, std::move(reason)}; }

// A failed call: "no service" is Unavailable, anything else RAUC said is Protocol with its words.
RaucError call_failed(const char* member, const CallError& e, int r) {
  const bool absent = sd_bus_error_has_names(&e.error, "org.freedesktop.DBus.Error.ServiceUnknown",
                                             "org.freedesktop.DBus.Error.NameHasNoOwner",
                                             "org.freedesktop.DBus.Error.NoReply");
  if (absent) {
    return make_error(RaucErrorCode::Unavailable,
                      std::string("the RAUC service (") + kService + ") is not running on the bus: " +
                          (e.error.message ? e.error.message : system_error(r)));
  }
  if (sd_bus_error_is_set(&e.error)) {
    return make_error(RaucErrorCode::Protocol, std::string("RAUC refused ") + member + ": " +
                                                   (e.error.message ? e.error.message : e.error.name));
  }
  return make_error(RaucErrorCode::Unavailable, std::string("calling RAUC's ") + member + " failed: " + system_error(r));
}

std::uint64_t usec(std::chrono::seconds s) { return static_cast<std::uint64_t>(s.count()) * 1000000ULL; }

Expected<Bus, RaucError> open_bus(const SdBusRaucOptions& options) {
  sd_bus* raw = nullptr;
  int r = 0;
  if (options.bus.empty() || options.bus == "system") {
    r = sd_bus_open_system(&raw);
  } else if (options.bus == "session") {
    r = sd_bus_open_user(&raw);
  } else {
    r = sd_bus_new(&raw);
    if (r >= 0) r = sd_bus_set_address(raw, options.bus.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(raw, 1);
    if (r >= 0) r = sd_bus_start(raw);
  }
  Bus bus(raw);
  if (r < 0) {
    return unexpected(make_error(RaucErrorCode::Unavailable, "cannot connect to the D-Bus bus \"" +
                                                                 (options.bus.empty() ? std::string("system") : options.bus) +
                                                                 "\" where RAUC is expected: " + system_error(r)));
  }
  sd_bus_set_method_call_timeout(bus.get(), usec(options.call_timeout));
  return bus;
}

Expected<std::string, RaucError> string_property(sd_bus* bus, const char* name) {
  CallError e;
  char* value = nullptr;
  const int r = sd_bus_get_property_string(bus, kService, kPath, kInstaller, name, &e.error, &value);
  if (r < 0) return unexpected(call_failed(name, e, r));
  std::string out(value ? value : "");
  std::free(value);
  return out;
}

// What the install loop learns from the signals.
struct InstallWatch {
  const RaucProgressHandler* progress = nullptr;
  bool completed = false;
  int result = 0;
  bool service_gone = false;
  bool malformed = false;
};

int on_completed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<InstallWatch*>(userdata);
  std::int32_t result = 0;
  if (sd_bus_message_read_basic(m, 'i', &result) < 0) {
    watch->malformed = true;
    result = -1;
  }
  watch->completed = true;
  watch->result = result;
  return 0;
}

// PropertiesChanged(s interface, a{sv} changed, as invalidated): only Progress is of interest here.
int read_progress_change(sd_bus_message* m, InstallWatch& watch) {
  const char* interface = nullptr;
  if (int r = sd_bus_message_read_basic(m, 's', &interface); r < 0) return r;
  if (!interface || std::strcmp(interface, kInstaller) != 0) return 0;
  if (int r = sd_bus_message_enter_container(m, 'a', "{sv}"); r < 0) return r;
  for (;;) {
    int r = sd_bus_message_enter_container(m, 'e', "sv");
    if (r <= 0) return r;
    const char* name = nullptr;
    if (r = sd_bus_message_read_basic(m, 's', &name); r < 0) return r;
    if (name && std::strcmp(name, "Progress") == 0) {
      if (r = sd_bus_message_enter_container(m, 'v', "(isi)"); r < 0) return r;
      RaucProgress p;
      const char* text = nullptr;
      std::int32_t percent = 0, depth = 0;
      if (r = sd_bus_message_read(m, "(isi)", &percent, &text, &depth); r < 0) return r;
      p.percent = percent;
      p.message = text ? text : "";
      p.depth = depth;
      if (watch.progress && *watch.progress) (*watch.progress)(p);
      if (r = sd_bus_message_exit_container(m); r < 0) return r;
    } else if (r = sd_bus_message_skip(m, "v"); r < 0) {
      return r;
    }
    if (r = sd_bus_message_exit_container(m); r < 0) return r;
  }
}

int on_properties_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<InstallWatch*>(userdata);
  if (read_progress_change(m, *watch) < 0) watch->malformed = true;
  return 0;
}

int on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* watch = static_cast<InstallWatch*>(userdata);
  const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  if (name && std::strcmp(name, kService) == 0 && (!new_owner || *new_owner == '\0')) watch->service_gone = true;
  return 0;
}

}  // namespace

namespace {

// Runs the bus until RAUC's Completed signal (or the service leaves, or the deadline passes).
Expected<void, RaucError> wait_for_completed(sd_bus* bus, InstallWatch& watch,
                                            std::chrono::steady_clock::time_point deadline,
                                            std::chrono::seconds timeout) {
  while (!watch.completed && !watch.service_gone) {
    int r = sd_bus_process(bus, nullptr);
    if (r < 0) {
      return unexpected(make_error(RaucErrorCode::Lost, "the D-Bus connection to RAUC broke during the install: " +
                                                            system_error(r)));
    }
    if (r > 0) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return unexpected(make_error(RaucErrorCode::Lost, "RAUC did not complete the install within " +
                                                            std::to_string(timeout.count()) + " s"));
    }
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    r = sd_bus_wait(bus, static_cast<std::uint64_t>(left.count()));
    if (r < 0 && r != -EINTR) {
      return unexpected(make_error(RaucErrorCode::Lost, "waiting for RAUC's install failed: " + system_error(r)));
    }
  }
  if (!watch.completed) {
    return unexpected(make_error(RaucErrorCode::Lost, "the RAUC service went away during the install"));
  }
  return {};
}

}  // namespace

Expected<void, RaucError> SdBusRauc::install(const std::string& bundle, const RaucProgressHandler& progress) {
  auto bus = open_bus(options_);
  if (!bus) return unexpected(bus.error());
  InstallWatch watch{.progress = &progress};
  sd_bus_slot *completed_raw = nullptr, *changed_raw = nullptr, *owner_raw = nullptr;
  int r = sd_bus_match_signal(bus->get(), &completed_raw, kService, kPath, kInstaller, "Completed", on_completed, &watch);
  MatchSlot completed_slot(completed_raw);
  if (r >= 0) {
    r = sd_bus_match_signal(bus->get(), &changed_raw, kService, kPath, "org.freedesktop.DBus.Properties",
                            "PropertiesChanged", on_properties_changed, &watch);
  }
  MatchSlot changed_slot(changed_raw);
  if (r >= 0) {
    r = sd_bus_add_match(bus->get(), &owner_raw,
                         "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                         "member='NameOwnerChanged',arg0='de.pengutronix.rauc'",
                         on_owner_changed, &watch);
  }
  MatchSlot owner_slot(owner_raw);
  if (r < 0) return unexpected(make_error(RaucErrorCode::Unavailable, "cannot watch RAUC's signals: " + system_error(r)));

  const auto deadline = std::chrono::steady_clock::now() + options_.install_timeout;
  // An install still running is one this device started before it lost power or was restarted (the
  // same staged bundle): wait for it to end, then install again from the staged file, which RAUC
  // then writes again. Its progress is not this install's.
  auto operation = string_property(bus->get(), "Operation");
  if (!operation) return unexpected(operation.error());
  if (*operation == "installing") {
    watch.progress = nullptr;
    if (auto done = wait_for_completed(bus->get(), watch, deadline, options_.install_timeout); !done) return done;
    watch = InstallWatch{.progress = &progress};  // the same object: the matches point at it
  }

  {
    CallError e;
    sd_bus_message* reply_raw = nullptr;
    r = sd_bus_call_method(bus->get(), kService, kPath, kInstaller, "InstallBundle", &e.error, &reply_raw, "sa{sv}",
                           bundle.c_str(), 0);
    Message reply(reply_raw);
    if (r < 0) return unexpected(call_failed("InstallBundle", e, r));
  }
  if (auto done = wait_for_completed(bus->get(), watch, deadline, options_.install_timeout); !done) return done;
  if (watch.result == 0 && !watch.malformed) return {};
  auto last_error = string_property(bus->get(), "LastError");
  std::string reason = last_error && !last_error->empty() ? *last_error
                                                          : "RAUC reported the install failed (result " +
                                                                std::to_string(watch.result) + ") without a reason";
  return unexpected(make_error(RaucErrorCode::Refused, std::move(reason)));
}

Expected<std::string, RaucError> SdBusRauc::boot_slot() {
  auto bus = open_bus(options_);
  if (!bus) return unexpected(bus.error());
  return string_property(bus->get(), "BootSlot");
}

Expected<std::string, RaucError> SdBusRauc::primary() {
  auto bus = open_bus(options_);
  if (!bus) return unexpected(bus.error());
  CallError e;
  sd_bus_message* reply_raw = nullptr;
  const int r = sd_bus_call_method(bus->get(), kService, kPath, kInstaller, "GetPrimary", &e.error, &reply_raw, "");
  Message reply(reply_raw);
  if (r < 0) return unexpected(call_failed("GetPrimary", e, r));
  const char* name = nullptr;
  if (sd_bus_message_read_basic(reply.get(), 's', &name) < 0 || !name) {
    return unexpected(make_error(RaucErrorCode::Protocol, "RAUC's GetPrimary reply is not a string"));
  }
  return std::string(name);
}

namespace {

// One slot's a{sv}: the string fields awsfota uses, the rest skipped.
int read_slot_fields(sd_bus_message* m, RaucSlot& slot) {
  if (int r = sd_bus_message_enter_container(m, 'a', "{sv}"); r < 0) return r;
  for (;;) {
    int r = sd_bus_message_enter_container(m, 'e', "sv");
    if (r < 0) return r;
    if (r == 0) break;
    const char* key = nullptr;
    if (r = sd_bus_message_read_basic(m, 's', &key); r < 0) return r;
    std::string* field = nullptr;
    const std::string k = key ? key : "";
    if (k == "bootname") field = &slot.bootname;
    else if (k == "state") field = &slot.state;
    else if (k == "boot-status") field = &slot.boot_status;
    else if (k == "bundle.version") field = &slot.bundle_version;
    if (field && sd_bus_message_enter_container(m, 'v', "s") > 0) {
      const char* value = nullptr;
      if (r = sd_bus_message_read_basic(m, 's', &value); r < 0) return r;
      *field = value ? value : "";
      if (r = sd_bus_message_exit_container(m); r < 0) return r;
    } else if (r = sd_bus_message_skip(m, "v"); r < 0) {
      return r;
    }
    if (r = sd_bus_message_exit_container(m); r < 0) return r;
  }
  return sd_bus_message_exit_container(m);
}

}  // namespace

Expected<std::vector<RaucSlot>, RaucError> SdBusRauc::slots() {
  auto bus = open_bus(options_);
  if (!bus) return unexpected(bus.error());
  CallError e;
  sd_bus_message* reply_raw = nullptr;
  int r = sd_bus_call_method(bus->get(), kService, kPath, kInstaller, "GetSlotStatus", &e.error, &reply_raw, "");
  Message reply(reply_raw);
  if (r < 0) return unexpected(call_failed("GetSlotStatus", e, r));
  const auto malformed = [] {
    return unexpected(make_error(RaucErrorCode::Protocol, "RAUC's GetSlotStatus reply is not an a(sa{sv})"));
  };
  if (sd_bus_message_enter_container(reply.get(), 'a', "(sa{sv})") < 0) return malformed();
  std::vector<RaucSlot> out;
  for (;;) {
    r = sd_bus_message_enter_container(reply.get(), 'r', "sa{sv}");
    if (r < 0) return malformed();
    if (r == 0) break;
    RaucSlot slot;
    const char* name = nullptr;
    if (sd_bus_message_read_basic(reply.get(), 's', &name) < 0) return malformed();
    slot.name = name ? name : "";
    if (read_slot_fields(reply.get(), slot) < 0) return malformed();
    if (sd_bus_message_exit_container(reply.get()) < 0) return malformed();
    out.push_back(std::move(slot));
  }
  return out;
}

Expected<std::string, RaucError> SdBusRauc::mark(std::string_view state, std::string_view slot) {
  auto bus = open_bus(options_);
  if (!bus) return unexpected(bus.error());
  CallError e;
  sd_bus_message* reply_raw = nullptr;
  const std::string s(state), id(slot);
  const int r =
      sd_bus_call_method(bus->get(), kService, kPath, kInstaller, "Mark", &e.error, &reply_raw, "ss", s.c_str(), id.c_str());
  Message reply(reply_raw);
  if (r < 0) return unexpected(call_failed("Mark", e, r));
  const char *name = nullptr, *message = nullptr;
  if (sd_bus_message_read(reply.get(), "ss", &name, &message) < 0) {
    return unexpected(make_error(RaucErrorCode::Protocol, "RAUC's Mark reply is not (ss)"));
  }
  return std::string(message ? message : "");
}

}  // namespace awsfota::rauc
