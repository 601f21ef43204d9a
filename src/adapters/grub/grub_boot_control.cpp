// GrubBootControl: the rules are functions of a small model of the variables (GrubSlots); each call
// reads the block, settles the running boot, applies its rule and writes the block at most once.
#include "awsfota/adapters/grub/grub_boot_control.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/adapters/grub/grubenv.hpp"
#include "awsfota/dfu/booted_slot.hpp"

namespace awsfota::grub {
namespace {

using dfu::BootError;
using dfu::BootErrorCode;
using dfu::Slot;

constexpr std::string_view kTrialVar = "AWSFOTA_TRIAL";
constexpr std::string_view kRevertedVar = "AWSFOTA_REVERTED";

struct SlotFlags {
  bool ok = false;
  bool tried = false;
};

struct GrubSlots {
  std::vector<Slot> order{Slot::A, Slot::B};
  std::array<SlotFlags, 2> flags{SlotFlags{true, false}, SlotFlags{false, false}};  // GRUB's defaults too
  std::optional<Slot> trial;
  std::optional<Slot> reverted;

  SlotFlags& of(Slot s) { return flags[static_cast<std::size_t>(s)]; }
  [[nodiscard]] const SlotFlags& of(Slot s) const { return flags[static_cast<std::size_t>(s)]; }
};

std::string var_name(Slot s, const char* suffix) { return std::string(dfu::to_string(s)) + suffix; }

Unexpected<BootError> corrupt_var(std::string_view name, std::string_view value, const std::string& why) {
  return unexpected(BootError{BootErrorCode::Corrupt, std::string(name) + "=\"" + std::string(value) + "\": " + why});
}

Expected<std::optional<Slot>, BootError> slot_var(const GrubEnv& env, std::string_view name) {
  const auto value = env.get(name);
  if (!value || value->empty()) return std::optional<Slot>();
  if (*value == "A") return std::optional(Slot::A);
  if (*value == "B") return std::optional(Slot::B);
  return corrupt_var(name, *value, "expected A or B");
}

Expected<bool, BootError> flag_var(const GrubEnv& env, const std::string& name, bool fallback) {
  const auto value = env.get(name);
  if (!value) return fallback;
  if (*value == "1") return true;
  if (*value == "0") return false;
  return corrupt_var(name, *value, "expected 0 or 1");
}

Expected<std::vector<Slot>, BootError> order_var(const GrubEnv& env) {
  const auto value = env.get("ORDER");
  if (!value) return std::vector<Slot>{Slot::A, Slot::B};
  std::vector<Slot> order;
  std::size_t pos = 0;
  while (pos < value->size()) {
    const std::size_t start = value->find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(value->find(' ', start), value->size());
    const std::string_view name = value->substr(start, end - start);
    pos = end;
    Slot slot = Slot::A;
    if (name == "B") slot = Slot::B;
    else if (name != "A") return corrupt_var("ORDER", *value, "slot \"" + std::string(name) + "\" is neither A nor B");
    for (Slot seen : order) {
      if (seen == slot) return corrupt_var("ORDER", *value, "slot " + std::string(name) + " is listed twice");
    }
    order.push_back(slot);
  }
  if (order.empty()) return corrupt_var("ORDER", *value, "names no slot");
  return order;
}

Expected<GrubSlots, BootError> slots_of(const GrubEnv& env) {
  GrubSlots s;
  auto order = order_var(env);
  if (!order) return unexpected(order.error());
  s.order = std::move(*order);
  for (Slot slot : {Slot::A, Slot::B}) {
    auto ok = flag_var(env, var_name(slot, "_OK"), s.of(slot).ok);
    if (!ok) return unexpected(ok.error());
    auto tried = flag_var(env, var_name(slot, "_TRY"), false);
    if (!tried) return unexpected(tried.error());
    s.of(slot) = {*ok, *tried};
  }
  auto trial = slot_var(env, kTrialVar);
  if (!trial) return unexpected(trial.error());
  auto reverted = slot_var(env, kRevertedVar);
  if (!reverted) return unexpected(reverted.error());
  s.trial = *trial;
  s.reverted = *reverted;
  return s;
}

void store_slots(GrubEnv& env, const GrubSlots& s) {
  std::string order;
  for (Slot slot : s.order) order += std::string(order.empty() ? "" : " ") + dfu::to_string(slot);
  env.set("ORDER", order);
  for (Slot slot : {Slot::A, Slot::B}) {
    env.set(var_name(slot, "_OK"), s.of(slot).ok ? "1" : "0");
    env.set(var_name(slot, "_TRY"), s.of(slot).tried ? "1" : "0");
  }
  if (s.trial) env.set(kTrialVar, dfu::to_string(*s.trial));
  else env.erase(kTrialVar);
  if (s.reverted) env.set(kRevertedVar, dfu::to_string(*s.reverted));
  else env.erase(kRevertedVar);
}

// The OS side of the running boot (see the header): an ended trial becomes the revert on record, and
// the running slot, unless it is an unconfirmed trial, is marked good. True when a trial ended here.
bool settle_boot(GrubSlots& s, Slot running) {
  bool ended = false;
  if (s.trial && *s.trial != running) {
    const Slot trial = *s.trial;
    if (s.of(trial).tried || !s.of(trial).ok) {  // GRUB went past it, or revert() rejected it
      s.reverted = trial;
      s.trial.reset();
      s.of(trial) = {false, false};
      s.order = {running, trial};
      ended = true;
    }
  }
  if (s.trial != running) s.of(running) = {true, false};
  return ended;
}

dfu::BootStatus status_of_slots(const GrubSlots& s, Slot running, bool ended_now) {
  dfu::BootStatus st;
  st.active = running;
  st.confirmed = running;
  if (s.trial == running) {
    st.confirmed = dfu::other_slot(running);
    if (s.of(running).ok) {
      st.state = dfu::BootState::Trial;
    } else {
      st.state = dfu::BootState::RevertPending;
      st.reverted_from = running;
    }
    return st;
  }
  if (s.trial) st.state = dfu::BootState::TrialPending;
  st.reverted_from = s.reverted;
  st.reverted_this_boot = ended_now;
  return st;
}

Unexpected<BootError> invalid(std::string why) { return unexpected(BootError{BootErrorCode::InvalidRequest, std::move(why)}); }

// Read, settle, apply `rule` (which may refuse), write when anything changed. The status is of the
// settled state, before the rule.
template <class Rule>
Expected<dfu::BootStatus, BootError> update_env(const GrubBootConfig& config, Rule rule) {
  auto running = dfu::read_booted_slot(config.cmdline_file);
  if (!running) return unexpected(running.error());
  auto file = read_grubenv_file(config.env_file);
  if (!file) return unexpected(file.error());
  auto slots = slots_of(file->env);
  if (!slots) {
    return unexpected(BootError{slots.error().code, config.env_file.string() + ": " + slots.error().reason});
  }
  const bool ended = settle_boot(*slots, *running);
  const dfu::BootStatus settled = status_of_slots(*slots, *running, ended);
  if (auto ruled = rule(*slots, *running); !ruled) return unexpected(ruled.error());
  GrubEnvFile next = *file;
  store_slots(next.env, *slots);
  if (next.env != file->env) {
    if (auto written = write_grubenv_file(config.env_file, next); !written) return unexpected(written.error());
  }
  return settled;
}

template <class Rule>
Expected<void, BootError> change_env(const GrubBootConfig& config, Rule rule) {
  auto done = update_env(config, rule);
  if (!done) return unexpected(done.error());
  return {};
}

// The rules, on the settled state of the running boot.
Expected<void, BootError> keep(GrubSlots&, Slot) { return {}; }

Expected<void, BootError> request_trial_of(Slot slot, GrubSlots& s, Slot running) {
  const std::string name = dfu::to_string(slot);
  if (slot == running) return invalid("slot " + name + " is the running slot; a trial needs the other one");
  if (s.trial == running) {
    if (s.of(running).ok) return invalid("a trial is running unconfirmed; confirm or revert it before requesting another");
    return invalid("slot " + name + " is the confirmed fallback; reboot back to it before another update");
  }
  s.order = {slot, running};
  s.of(slot) = {true, false};
  s.of(running) = {true, false};
  s.trial = slot;
  s.reverted.reset();
  return {};
}

Expected<void, BootError> confirm_running(GrubSlots& s, Slot running) {
  if (s.trial == running && s.of(running).ok) {
    s.order = {running, dfu::other_slot(running)};
    s.of(running) = {true, false};
    s.trial.reset();
  }
  return {};
}

Expected<void, BootError> revert_trial(GrubSlots& s, Slot running) {
  if (!s.trial) return {};
  const Slot trial = *s.trial;
  if (trial == running) {
    if (!s.of(running).ok) return {};  // already rejected
    s.of(running) = {false, false};    // the trial stays on record: RevertPending until the reboot
    s.order = {dfu::other_slot(running), running};
  } else {
    s.of(trial) = {false, false};  // a pending trial is dropped
    s.order = {running, trial};
    s.trial.reset();
  }
  return {};
}

Expected<void, BootError> forget_revert(GrubSlots& s, Slot) {
  s.reverted.reset();
  return {};
}

}  // namespace

Expected<dfu::BootStatus, BootError> GrubBootControl::status() { return update_env(config_, keep); }

Expected<void, BootError> GrubBootControl::request_trial(Slot slot) {
  return change_env(config_, [slot](GrubSlots& s, Slot running) { return request_trial_of(slot, s, running); });
}

Expected<void, BootError> GrubBootControl::confirm() { return change_env(config_, confirm_running); }
Expected<void, BootError> GrubBootControl::revert() { return change_env(config_, revert_trial); }
Expected<void, BootError> GrubBootControl::acknowledge_revert() { return change_env(config_, forget_revert); }

}  // namespace awsfota::grub
