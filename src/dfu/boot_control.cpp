#include "awsfota/dfu/boot_control.hpp"

#include <charconv>
#include <map>

namespace awsfota::dfu {

const char* to_string(Slot slot) { return slot == Slot::A ? "A" : "B"; }

BootRecord boot_step(const BootRecord& r) {
  BootRecord next = r;
  ++next.boot_count;
  if (r.trial && !r.trial_booted) {
    next.booted = *r.trial;
    next.trial_booted = true;
    next.reverted_from.reset();
    next.reverted_at = 0;
  } else if (r.trial && r.trial_booted) {
    // The trial had its one boot and did not confirm: go back.
    next.reverted_from = r.trial;
    next.reverted_at = next.boot_count;
    next.trial.reset();
    next.trial_booted = false;
    next.booted = r.confirmed;
  } else {
    if (r.booted != r.confirmed) next.reverted_at = next.boot_count;  // the reboot back from a rejected trial
    next.booted = r.confirmed;
  }
  return next;
}

BootStatus status_of(const BootRecord& r) {
  BootStatus s;
  s.active = r.booted;
  s.confirmed = r.confirmed;
  s.reverted_from = r.reverted_from;
  s.reverted_this_boot = r.reverted_from && r.reverted_at != 0 && r.reverted_at == r.boot_count;
  if (r.trial && r.trial_booted && r.booted == *r.trial) {
    s.state = BootState::Trial;
  } else if (r.trial && !r.trial_booted) {
    s.state = BootState::TrialPending;
  } else if (r.booted != r.confirmed) {
    s.state = BootState::RevertPending;
  } else {
    s.state = BootState::Confirmed;
  }
  return s;
}

Expected<BootRecord, BootError> with_trial_requested(const BootRecord& r, Slot slot) {
  if (slot == r.booted) {
    return unexpected(BootError{BootErrorCode::InvalidRequest,
                                std::string("slot ") + to_string(slot) + " is the running slot; a trial needs the other one"});
  }
  if (r.trial && r.trial_booted) {
    return unexpected(BootError{BootErrorCode::InvalidRequest,
                                "a trial is running unconfirmed; confirm or revert it before requesting another"});
  }
  if (slot == r.confirmed) {
    // Only reachable while a rejected trial still runs: its slot is busy, the other one is the fallback.
    return unexpected(BootError{BootErrorCode::InvalidRequest,
                                std::string("slot ") + to_string(slot) +
                                    " is the confirmed fallback; reboot back to it before another update"});
  }
  BootRecord next = r;
  next.trial = slot;
  next.trial_booted = false;
  next.reverted_from.reset();
  next.reverted_at = 0;
  return next;
}

BootRecord with_confirmed(const BootRecord& r) {
  BootRecord next = r;
  if (r.trial && r.trial_booted && r.booted == *r.trial) {
    next.confirmed = *r.trial;
    next.trial.reset();
    next.trial_booted = false;
  }
  return next;
}

BootRecord with_reverted(const BootRecord& r) {
  BootRecord next = r;
  if (r.trial && r.trial_booted) next.reverted_from = r.trial;
  next.trial.reset();
  next.trial_booted = false;
  return next;
}

BootRecord with_revert_acknowledged(const BootRecord& r) {
  BootRecord next = r;
  next.reverted_from.reset();
  next.reverted_at = 0;
  return next;
}

std::string encode_boot_record(const BootRecord& r) {
  std::string out = "format=1\n";
  out += std::string("confirmed=") + to_string(r.confirmed) + "\n";
  out += std::string("booted=") + to_string(r.booted) + "\n";
  out += std::string("trial=") + (r.trial ? to_string(*r.trial) : "-") + "\n";
  out += std::string("trial_booted=") + (r.trial_booted ? "1" : "0") + "\n";
  out += std::string("reverted_from=") + (r.reverted_from ? to_string(*r.reverted_from) : "-") + "\n";
  out += "boot_count=" + std::to_string(r.boot_count) + "\n";
  if (r.reverted_at != 0) out += "reverted_at=" + std::to_string(r.reverted_at) + "\n";
  if (!r.boot_id.empty()) out += "boot_id=" + r.boot_id + "\n";
  return out;
}

namespace {
bool valid_boot_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    const bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
    if (!ok) return false;
  }
  return true;
}
Unexpected<BootError> corrupt(std::string why) {
  return unexpected(BootError{BootErrorCode::Corrupt, "boot state: " + std::move(why)});
}
bool parse_count(const std::string& text, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}
bool parse_slot(std::string_view v, std::optional<Slot>& out, bool allow_none) {
  if (v == "A") out = Slot::A;
  else if (v == "B") out = Slot::B;
  else if (v == "-" && allow_none) out.reset();
  else return false;
  return true;
}
}  // namespace

Expected<BootRecord, BootError> decode_boot_record(std::string_view text) {
  std::map<std::string, std::string, std::less<>> kv;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return corrupt("line without '=': " + std::string(line));
    kv[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  for (const char* key : {"format", "confirmed", "booted", "trial", "trial_booted", "reverted_from", "boot_count"}) {
    if (kv.find(key) == kv.end()) return corrupt(std::string("missing ") + key);
  }
  if (kv["format"] != "1") return corrupt("unknown format " + kv["format"]);
  BootRecord r;
  std::optional<Slot> s;
  if (!parse_slot(kv["confirmed"], s, false)) return corrupt("bad confirmed slot");
  r.confirmed = *s;
  if (!parse_slot(kv["booted"], s, false)) return corrupt("bad booted slot");
  r.booted = *s;
  if (!parse_slot(kv["trial"], r.trial, true)) return corrupt("bad trial slot");
  if (!parse_slot(kv["reverted_from"], r.reverted_from, true)) return corrupt("bad reverted_from slot");
  const std::string& tb = kv["trial_booted"];
  if (tb != "0" && tb != "1") return corrupt("bad trial_booted");
  r.trial_booted = tb == "1";
  if (!parse_count(kv["boot_count"], r.boot_count)) return corrupt("bad boot_count");
  if (auto at = kv.find("reverted_at"); at != kv.end()) {  // optional: older records have none
    if (!parse_count(at->second, r.reverted_at) || r.reverted_at > r.boot_count) return corrupt("bad reverted_at");
  }
  if (auto id = kv.find("boot_id"); id != kv.end()) {  // optional: records of the plain boot step have none
    if (!valid_boot_id(id->second)) return corrupt("bad boot_id");
    r.boot_id = id->second;
  }
  return r;
}

Expected<BootStatus, BootError> RecordBootControl::status() {
  auto r = store_.load();
  if (!r) return unexpected(r.error());
  return status_of(*r);
}

Expected<void, BootError> RecordBootControl::request_trial(Slot slot) {
  auto r = store_.load();
  if (!r) return unexpected(r.error());
  auto next = with_trial_requested(*r, slot);
  if (!next) return unexpected(next.error());
  return store_.save(*next);
}

namespace {
// Load, change, and save only when the rule changed something (these calls are idempotent).
Expected<void, BootError> update_record(BootRecordStore& store, BootRecord (*rule)(const BootRecord&)) {
  auto r = store.load();
  if (!r) return unexpected(r.error());
  const BootRecord next = rule(*r);
  if (next == *r) return {};
  return store.save(next);
}
}  // namespace

Expected<void, BootError> RecordBootControl::confirm() { return update_record(store_, with_confirmed); }
Expected<void, BootError> RecordBootControl::revert() { return update_record(store_, with_reverted); }
Expected<void, BootError> RecordBootControl::acknowledge_revert() {
  return update_record(store_, with_revert_acknowledged);
}

Expected<Slot, BootError> run_boot_step(BootRecordStore& store) {
  auto r = store.load();
  if (!r) return unexpected(r.error());
  const BootRecord next = boot_step(*r);
  if (auto saved = store.save(next); !saved) return unexpected(saved.error());
  return next.booted;
}

Expected<Slot, BootError> run_boot_step_once(BootRecordStore& store, std::string_view boot_id) {
  if (!valid_boot_id(boot_id)) {
    return unexpected(BootError{BootErrorCode::InvalidRequest, "boot id \"" + std::string(boot_id.substr(0, 80)) +
                                                                   "\" is not 1..64 characters of [0-9A-Za-z-]"});
  }
  auto r = store.load();
  if (!r) return unexpected(r.error());
  if (r->boot_id == boot_id) return r->booted;  // this boot's step has run: a restart, not a boot
  BootRecord next = boot_step(*r);
  next.boot_id = std::string(boot_id);
  if (auto saved = store.save(next); !saved) return unexpected(saved.error());
  return next.booted;
}

}  // namespace awsfota::dfu
