#include "awsfota/adapters/ubootenv/uboot_vars.hpp"

#include <string>
#include <utility>

namespace awsfota::ubootenv {

using dfu::BootError;
using dfu::BootErrorCode;
using dfu::BootState;
using dfu::Slot;

namespace {

Unexpected<BootError> corrupt_var(std::string_view name, std::string_view value, const std::string& why) {
  return unexpected(BootError{BootErrorCode::Corrupt, "U-Boot environment: " + std::string(name) + "=\"" +
                                                          std::string(value.substr(0, 64)) + "\": " + why});
}

std::optional<Slot> slot_of(std::string_view name) {
  if (name == "A") return Slot::A;
  if (name == "B") return Slot::B;
  return std::nullopt;
}

unsigned& attempts_of(UBootVars& v, Slot s) { return v.left[static_cast<unsigned>(s)]; }

bool first_is(const UBootVars& v, Slot s) { return !v.order.empty() && v.order.front() == s; }

// Only `slot` in BOOT_ORDER with full attempts, the other slot with none: what a confirmed slot looks
// like, so that U-Boot never starts the other slot (the next update's target) unless a trial asks.
UBootVars only(UBootVars v, Slot slot) {
  v.order = {slot};
  attempts_of(v, slot) = kConfirmedAttempts;
  attempts_of(v, dfu::other_slot(slot)) = 0;
  return v;
}

// The trial still waits for its boot: first in line with an attempt left, not running.
bool trial_pending(const UBootVars& v, Slot running) {
  return v.trial && *v.trial != running && first_is(v, *v.trial) && v.attempts(*v.trial) > 0;
}

}  // namespace

std::string_view attempts_var(Slot slot) { return slot == Slot::A ? "BOOT_A_LEFT" : "BOOT_B_LEFT"; }

Expected<std::vector<Slot>, BootError> parse_boot_order(std::string_view text) {
  std::vector<Slot> order;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(text.find(' ', start), text.size());
    const std::string_view name = text.substr(start, end - start);
    at = end;
    auto slot = slot_of(name);
    if (!slot) return corrupt_var(kBootOrder, text, "\"" + std::string(name.substr(0, 16)) + "\" is not a slot (A or B)");
    for (Slot seen : order) {
      if (seen == *slot) return corrupt_var(kBootOrder, text, "slot " + std::string(name) + " is listed twice");
    }
    order.push_back(*slot);
  }
  if (order.empty()) return corrupt_var(kBootOrder, text, "names no slot (expected e.g. \"A B\")");
  return order;
}

Expected<unsigned, BootError> parse_attempts(std::string_view name, std::string_view text) {
  if (text.size() != 1 || text[0] < '0' || text[0] > '9') {
    return corrupt_var(name, text, "expected a count of attempts 0.." + std::to_string(kMaxAttempts) +
                                       " (U-Boot's setexpr counts in hexadecimal, `test` in decimal)");
  }
  return static_cast<unsigned>(text[0] - '0');
}

Expected<UBootVars, BootError> parse_uboot_vars(const EnvLookup& get) {
  UBootVars v;
  auto order_text = get(kBootOrder);
  if (!order_text) {
    return unexpected(BootError{BootErrorCode::Corrupt,
                                "U-Boot environment: BOOT_ORDER is not set; the boot script (packaging/u-boot/"
                                "boot.cmd, docs/boot.md) sets it at every boot, so this board does not run it"});
  }
  auto order = parse_boot_order(*order_text);
  if (!order) return unexpected(order.error());
  v.order = std::move(*order);
  for (Slot s : {Slot::A, Slot::B}) {
    auto text = get(attempts_var(s));
    if (!text) {
      bool listed = false;
      for (Slot o : v.order) listed = listed || o == s;
      if (!listed) continue;  // a slot U-Boot never tries needs no count
      return unexpected(BootError{BootErrorCode::Corrupt, "U-Boot environment: " + std::string(attempts_var(s)) +
                                                              " is not set but BOOT_ORDER=\"" + *order_text +
                                                              "\" lists slot " + dfu::to_string(s)});
    }
    auto n = parse_attempts(attempts_var(s), *text);
    if (!n) return unexpected(n.error());
    attempts_of(v, s) = *n;
  }
  if (auto trial = get(kTrialVar)) {
    v.trial = slot_of(*trial);
    if (!v.trial) return corrupt_var(kTrialVar, *trial, "expected A or B (the slot awsfota asked U-Boot to try)");
  }
  return v;
}

std::vector<std::pair<std::string, std::optional<std::string>>> env_values(const UBootVars& v) {
  std::string order;
  for (Slot s : v.order) order += (order.empty() ? "" : " ") + std::string(dfu::to_string(s));
  return {{std::string(kBootOrder), order},
          {std::string(attempts_var(Slot::A)), std::to_string(v.attempts(Slot::A))},
          {std::string(attempts_var(Slot::B)), std::to_string(v.attempts(Slot::B))},
          {std::string(kTrialVar), v.trial ? std::optional<std::string>(dfu::to_string(*v.trial)) : std::nullopt}};
}

dfu::BootStatus status_of(const UBootVars& v, Slot running) {
  dfu::BootStatus s;
  s.active = running;
  s.confirmed = running;
  if (!v.trial) return s;
  const Slot trial = *v.trial;
  if (running == trial) {
    s.confirmed = dfu::other_slot(trial);
    if (first_is(v, trial)) {
      s.state = BootState::Trial;
    } else {  // revert() put the other slot first: the next boot leaves the trial
      s.state = BootState::RevertPending;
      s.reverted_from = trial;
    }
    return s;
  }
  if (trial_pending(v, running)) {
    s.state = BootState::TrialPending;
    return s;
  }
  // A trial was asked for and the other slot runs: U-Boot went back (the trial's attempt was used up
  // without a confirm), or revert() rejected it and the board rebooted.
  s.reverted_from = trial;
  // Nothing has rewritten the variables since U-Boot fell back on its own: this is that boot.
  s.reverted_this_boot = first_is(v, trial);
  return s;
}

Expected<UBootVars, BootError> with_trial_requested(const UBootVars& v, Slot running, Slot slot) {
  if (slot == running) {
    return unexpected(BootError{BootErrorCode::InvalidRequest, std::string("slot ") + dfu::to_string(slot) +
                                                                   " is the running slot; a trial needs the other one"});
  }
  if (v.trial && *v.trial == running) {
    return unexpected(BootError{BootErrorCode::InvalidRequest,
                                "a trial is running unconfirmed (or rejected and waiting for the reboot); confirm or "
                                "revert it and reboot before requesting another"});
  }
  UBootVars next = v;
  next.order = {slot, running};
  attempts_of(next, slot) = kTrialAttempts;
  attempts_of(next, running) = kConfirmedAttempts;
  next.trial = slot;
  return next;
}

UBootVars with_confirmed(const UBootVars& v, Slot running) {
  const auto state = status_of(v, running).state;
  if (state == BootState::TrialPending || state == BootState::RevertPending) return v;
  UBootVars next = only(v, running);
  if (state == BootState::Trial) next.trial.reset();
  return next;
}

UBootVars with_reverted(const UBootVars& v, Slot running) {
  switch (status_of(v, running).state) {
    case BootState::TrialPending: {
      UBootVars next = only(v, running);
      next.trial.reset();
      return next;
    }
    case BootState::Trial:
      return only(v, dfu::other_slot(running));  // AWSFOTA_TRIAL stays: it reports the revert later
    case BootState::Confirmed:
    case BootState::RevertPending: break;
  }
  return v;
}

UBootVars with_revert_acknowledged(const UBootVars& v, Slot running) {
  const auto s = status_of(v, running);
  if (s.state != BootState::Confirmed || !s.reverted_from) return v;
  UBootVars next = only(v, running);
  next.trial.reset();
  return next;
}

}  // namespace awsfota::ubootenv
