#include "awsfota/adapters/rauc/rauc_boot_control.hpp"

#include <fstream>
#include <sstream>

#include "awsfota/adapters/posix/block_device.hpp"

namespace awsfota::rauc {

namespace {

dfu::BootError boot_error(dfu::BootErrorCode code, std::string reason) { return dfu::BootError{code, std::move(reason)}; }

dfu::BootError from_rauc(const RaucError& e) { return boot_error(dfu::BootErrorCode::Io, "RAUC: " + e.reason); }

std::string slot_text(const std::optional<dfu::Slot>& slot) { return slot ? dfu::to_string(*slot) : ""; }

Expected<std::optional<dfu::Slot>, dfu::BootError> parse_slot_value(std::string_view key, std::string_view value) {
  if (value.empty()) return std::optional<dfu::Slot>{};
  if (value == "A") return std::optional<dfu::Slot>{dfu::Slot::A};
  if (value == "B") return std::optional<dfu::Slot>{dfu::Slot::B};
  return unexpected(boot_error(dfu::BootErrorCode::Corrupt,
                               std::string(key) + " is \"" + std::string(value.substr(0, 16)) + "\", not A, B or empty"));
}

}  // namespace

std::string encode_rauc_boot_record(const RaucBootRecord& record) {
  return "trial=" + slot_text(record.trial) + "\nrejected=" + (record.rejected ? "1" : "0") +
         "\nreverted=" + slot_text(record.reverted_from) + "\n";
}

Expected<RaucBootRecord, dfu::BootError> decode_rauc_boot_record(std::string_view text) {
  RaucBootRecord record;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return unexpected(boot_error(dfu::BootErrorCode::Corrupt, "a line without '=' in the RAUC boot record"));
    }
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "trial" || key == "reverted") {
      auto slot = parse_slot_value(key, value);
      if (!slot) return unexpected(slot.error());
      (key == "trial" ? record.trial : record.reverted_from) = *slot;
    } else if (key == "rejected") {
      if (value != "0" && value != "1") {
        return unexpected(boot_error(dfu::BootErrorCode::Corrupt, "rejected is neither 0 nor 1"));
      }
      record.rejected = value == "1";
    }
  }
  return record;
}

Expected<RaucBootRecord, dfu::BootError> RaucBootControl::load() const {
  std::ifstream in(options_.record);
  if (!in) return RaucBootRecord{};  // never written: nothing of awsfota's on trial
  std::ostringstream text;
  text << in.rdbuf();
  auto record = decode_rauc_boot_record(text.str().substr(0, 4096));
  if (!record) {
    return unexpected(boot_error(record.error().code, options_.record.string() + ": " + record.error().reason));
  }
  return record;
}

Expected<void, dfu::BootError> RaucBootControl::save(const RaucBootRecord& record) const {
  if (auto r = posix::write_file_atomically(options_.record, encode_rauc_boot_record(record)); !r) {
    return unexpected(boot_error(dfu::BootErrorCode::Io, r.error().message));
  }
  return {};
}

const std::string& RaucBootControl::bootname_of(dfu::Slot slot) const {
  return slot == dfu::Slot::A ? options_.bootname_a : options_.bootname_b;
}

Expected<dfu::Slot, dfu::BootError> RaucBootControl::slot_of(std::string_view bootname) const {
  if (bootname == options_.bootname_a) return dfu::Slot::A;
  if (bootname == options_.bootname_b) return dfu::Slot::B;
  return unexpected(boot_error(dfu::BootErrorCode::InvalidRequest,
                               "RAUC's slot bootname \"" + std::string(bootname) + "\" is neither \"" +
                                   options_.bootname_a + "\" (slot A) nor \"" + options_.bootname_b +
                                   "\" (slot B): set rauc.bootnames in the configuration"));
}

Expected<dfu::Slot, dfu::BootError> RaucBootControl::booted_slot() {
  auto booted = rauc_.boot_slot();
  if (!booted) return unexpected(from_rauc(booted.error()));
  return slot_of(*booted);
}

Expected<dfu::Slot, dfu::BootError> RaucBootControl::primary_slot() {
  auto primary = rauc_.primary();
  if (!primary) return unexpected(from_rauc(primary.error()));
  auto slots = rauc_.slots();
  if (!slots) return unexpected(from_rauc(slots.error()));
  for (const RaucSlot& s : *slots) {
    if (s.name == *primary) return slot_of(s.bootname);
  }
  return unexpected(boot_error(dfu::BootErrorCode::Io, "RAUC's primary slot " + *primary + " is not in its slot status"));
}

Expected<dfu::BootStatus, dfu::BootError> RaucBootControl::status() {
  auto booted = booted_slot();
  if (!booted) return unexpected(booted.error());
  auto record = load();
  if (!record) return unexpected(record.error());
  dfu::BootStatus s{.active = *booted, .confirmed = *booted, .reverted_from = record->reverted_from};
  if (!record->trial) return s;
  if (*record->trial == *booted) {
    s.confirmed = dfu::other_slot(*booted);
    s.state = record->rejected ? dfu::BootState::RevertPending : dfu::BootState::Trial;
    return s;
  }
  // Not running the trial: still before the reboot (RAUC boots it next), or the boot left it.
  auto primary = primary_slot();
  if (!primary) return unexpected(primary.error());
  if (*primary == *record->trial && !record->rejected) {
    s.state = dfu::BootState::TrialPending;
    return s;
  }
  RaucBootRecord next{.reverted_from = record->trial};
  if (auto saved = save(next); !saved) return unexpected(saved.error());
  s.reverted_from = record->trial;
  s.reverted_this_boot = true;
  return s;
}

Expected<void, dfu::BootError> RaucBootControl::request_trial(dfu::Slot slot) {
  auto booted = booted_slot();
  if (!booted) return unexpected(booted.error());
  if (slot == *booted) {
    return unexpected(boot_error(dfu::BootErrorCode::InvalidRequest,
                                 std::string("slot ") + dfu::to_string(slot) + " is the running slot"));
  }
  auto primary = primary_slot();
  if (!primary) return unexpected(primary.error());
  if (*primary != slot) {
    return unexpected(boot_error(dfu::BootErrorCode::InvalidRequest,
                                 std::string("RAUC does not boot slot ") + dfu::to_string(slot) +
                                     " next (its primary is " + dfu::to_string(*primary) + ")"));
  }
  return save(RaucBootRecord{.trial = slot});
}

Expected<void, dfu::BootError> RaucBootControl::confirm() {
  auto status_now = status();
  if (!status_now) return unexpected(status_now.error());
  if (status_now->state == dfu::BootState::TrialPending || status_now->state == dfu::BootState::RevertPending) {
    return unexpected(boot_error(dfu::BootErrorCode::InvalidRequest, "nothing runs on trial that could be confirmed"));
  }
  if (auto marked = rauc_.mark("good", "booted"); !marked) return unexpected(from_rauc(marked.error()));
  auto record = load();
  if (!record) return unexpected(record.error());
  if (!record->trial) return {};
  record->trial.reset();
  record->rejected = false;
  return save(*record);
}

Expected<void, dfu::BootError> RaucBootControl::revert() {
  auto status_now = status();
  if (!status_now) return unexpected(status_now.error());
  auto record = load();
  if (!record) return unexpected(record.error());
  switch (status_now->state) {
    case dfu::BootState::TrialPending:
      // Not booted yet: make the running slot primary again, and forget the trial.
      if (auto marked = rauc_.mark("active", "booted"); !marked) return unexpected(from_rauc(marked.error()));
      record->trial.reset();
      return save(*record);
    case dfu::BootState::Trial:
      // Running it: the booted slot is bad, and the other one boots next.
      if (auto marked = rauc_.mark("bad", "booted"); !marked) return unexpected(from_rauc(marked.error()));
      if (auto marked = rauc_.mark("active", "other"); !marked) return unexpected(from_rauc(marked.error()));
      record->rejected = true;
      return save(*record);
    case dfu::BootState::RevertPending:
    case dfu::BootState::Confirmed: return {};
  }
  return {};
}

Expected<void, dfu::BootError> RaucBootControl::acknowledge_revert() {
  auto record = load();
  if (!record) return unexpected(record.error());
  if (!record->reverted_from) return {};
  record->reverted_from.reset();
  return save(*record);
}

}  // namespace awsfota::rauc
