#include "awsfota/adapters/ubootenv/uboot_boot_control.hpp"

#include <libuboot.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "awsfota/dfu/booted_slot.hpp"

namespace awsfota::ubootenv {

using dfu::BootError;
using dfu::BootErrorCode;

namespace {

std::string errno_text(int rc) { return std::strerror(rc < 0 ? -rc : rc); }

// One libubootenv session: the configuration read and the environment loaded (its lock held) until it
// goes away.
class EnvSession {
 public:
  static Expected<std::unique_ptr<EnvSession>, BootError> open(const std::filesystem::path& config) {
    std::unique_ptr<EnvSession> s(new EnvSession(config));
    if (int rc = libuboot_initialize(&s->ctx_, nullptr); rc < 0 || !s->ctx_) {
      return unexpected(BootError{BootErrorCode::Io, "libubootenv: cannot initialize: " + errno_text(rc)});
    }
    if (std::ifstream probe(config); !probe) {
      return unexpected(BootError{BootErrorCode::Io, "boot.uboot.fw-env-config: cannot read " + config.string()});
    }
    if (int rc = libuboot_read_config(s->ctx_, config.c_str()); rc < 0) {
      return unexpected(BootError{BootErrorCode::Io, config.string() + ": not a usable fw_env.config (" +
                                                         errno_text(rc) + ")"});
    }
    // libubootenv takes its lock file in libuboot_open and gives it back only in libuboot_close, also
    // when the open failed: without that close the next open in this process would wait forever.
    s->opened_ = true;
    if (int rc = libuboot_open(s->ctx_); rc < 0) {
      return unexpected(BootError{BootErrorCode::Corrupt, "U-Boot environment (" + config.string() +
                                                              "): no copy with a valid CRC could be read (" +
                                                              errno_text(rc) + ")"});
    }
    return s;
  }
  ~EnvSession() {
    if (opened_) libuboot_close(ctx_);
    if (ctx_) libuboot_exit(ctx_);
  }
  EnvSession(const EnvSession&) = delete;
  EnvSession& operator=(const EnvSession&) = delete;

  std::optional<std::string> get(std::string_view name) {
    char* value = libuboot_get_env(ctx_, std::string(name).c_str());
    if (!value) return std::nullopt;
    std::string text(value);
    std::free(value);  // NOLINT: libubootenv hands out malloc'd copies
    return text;
  }

  Expected<void, BootError> set(const std::string& name, const std::optional<std::string>& value) {
    const int rc = libuboot_set_env(ctx_, name.c_str(), value ? value->c_str() : nullptr);
    if (rc < 0) return unexpected(BootError{BootErrorCode::Io, "U-Boot environment: cannot set " + name + ": " + errno_text(rc)});
    return {};
  }

  // libubootenv writes the whole environment block (with redundant copies: the inactive one, then the
  // flag that makes it current), so the variables change together or not at all.
  Expected<void, BootError> store() {
    if (int rc = libuboot_env_store(ctx_); rc < 0) {
      return unexpected(BootError{BootErrorCode::Io, "U-Boot environment (" + config_.string() +
                                                         "): writing failed: " + errno_text(rc)});
    }
    return {};
  }

 private:
  explicit EnvSession(std::filesystem::path config) : config_(std::move(config)) {}
  std::filesystem::path config_;
  uboot_ctx* ctx_ = nullptr;
  bool opened_ = false;
};

}  // namespace

Expected<UBootVars, BootError> UBootBootControl::read_vars() {
  auto session = EnvSession::open(options_.fw_env_config);
  if (!session) return unexpected(session.error());
  return parse_uboot_vars([&](std::string_view name) { return (*session)->get(name); });
}

Expected<dfu::BootStatus, BootError> UBootBootControl::status() {
  auto running = dfu::read_booted_slot(options_.cmdline_file);
  if (!running) return unexpected(running.error());
  auto vars = read_vars();
  if (!vars) return unexpected(vars.error());
  return status_of(*vars, *running);
}

Expected<void, BootError> UBootBootControl::update(const Rule& rule) {
  auto running = dfu::read_booted_slot(options_.cmdline_file);
  if (!running) return unexpected(running.error());
  auto session = EnvSession::open(options_.fw_env_config);
  if (!session) return unexpected(session.error());
  auto vars = parse_uboot_vars([&](std::string_view name) { return (*session)->get(name); });
  if (!vars) return unexpected(vars.error());
  auto next = rule(*vars, *running);
  if (!next) return unexpected(next.error());
  if (*next == *vars) return {};  // nothing to write: spare the flash an erase cycle
  for (const auto& [name, value] : env_values(*next)) {
    if (auto set = (*session)->set(name, value); !set) return set;
  }
  return (*session)->store();
}

Expected<void, BootError> UBootBootControl::request_trial(dfu::Slot slot) {
  return update([slot](const UBootVars& v, dfu::Slot running) { return with_trial_requested(v, running, slot); });
}

Expected<void, BootError> UBootBootControl::confirm() {
  return update([](const UBootVars& v, dfu::Slot running) -> Expected<UBootVars, BootError> {
    return with_confirmed(v, running);
  });
}

Expected<void, BootError> UBootBootControl::revert() {
  return update([](const UBootVars& v, dfu::Slot running) -> Expected<UBootVars, BootError> {
    return with_reverted(v, running);
  });
}

Expected<void, BootError> UBootBootControl::acknowledge_revert() {
  return update([](const UBootVars& v, dfu::Slot running) -> Expected<UBootVars, BootError> {
    return with_revert_acknowledged(v, running);
  });
}

}  // namespace awsfota::ubootenv
