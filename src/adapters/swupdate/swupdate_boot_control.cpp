#include "awsfota/adapters/swupdate/swupdate_boot_control.hpp"

#include <fstream>
#include <sstream>

#include "awsfota/adapters/posix/block_device.hpp"

namespace awsfota::swupdate {

namespace {

dfu::BootError swu_boot_error(dfu::BootErrorCode code, std::string reason) {
  return dfu::BootError{code, std::move(reason)};
}

dfu::BootError from_swupdate(const SwupdateError& e) { return swu_boot_error(dfu::BootErrorCode::Io, "SWUpdate: " + e.reason); }

std::string swu_slot_text(const std::optional<dfu::Slot>& slot) { return slot ? dfu::to_string(*slot) : ""; }

Expected<std::optional<dfu::Slot>, dfu::BootError> swu_slot_value(std::string_view key, std::string_view value) {
  if (value.empty()) return std::optional<dfu::Slot>{};
  if (value == "A") return std::optional<dfu::Slot>{dfu::Slot::A};
  if (value == "B") return std::optional<dfu::Slot>{dfu::Slot::B};
  return unexpected(swu_boot_error(dfu::BootErrorCode::Corrupt, std::string(key) + " is \"" +
                                                                    std::string(value.substr(0, 16)) + "\", not A, B or empty"));
}

}  // namespace

std::string encode_swupdate_boot_record(const SwupdateBootRecord& record) {
  return "confirmed=" + std::string(dfu::to_string(record.confirmed)) + "\ntrial=" + swu_slot_text(record.trial) +
         "\nboot=" + record.install_boot + "\nrejected=" + record.rejected_in +
         "\nreverted=" + swu_slot_text(record.reverted_from) + "\n";
}

Expected<SwupdateBootRecord, dfu::BootError> decode_swupdate_boot_record(std::string_view text) {
  SwupdateBootRecord record;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return unexpected(swu_boot_error(dfu::BootErrorCode::Corrupt, "a line without '=' in the SWUpdate boot record"));
    }
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "trial" || key == "reverted" || key == "confirmed") {
      auto slot = swu_slot_value(key, value);
      if (!slot) return unexpected(slot.error());
      if (key == "confirmed") {
        if (!*slot) return unexpected(swu_boot_error(dfu::BootErrorCode::Corrupt, "confirmed is empty"));
        record.confirmed = **slot;
      } else {
        (key == "trial" ? record.trial : record.reverted_from) = *slot;
      }
    } else if (key == "boot" || key == "rejected") {
      if (value.size() > 64) {
        return unexpected(swu_boot_error(dfu::BootErrorCode::Corrupt, std::string(key) + " is longer than a boot id"));
      }
      (key == "boot" ? record.install_boot : record.rejected_in) = std::string(value);
    }
  }
  return record;
}

Expected<SwupdateBootRecord, dfu::BootError> SwupdateBootControl::load() const {
  std::ifstream in(options_.record);
  if (!in) return SwupdateBootRecord{};  // never written: nothing of awsfota's on trial
  std::ostringstream text;
  text << in.rdbuf();
  auto record = decode_swupdate_boot_record(text.str().substr(0, 4096));
  if (!record) {
    return unexpected(swu_boot_error(record.error().code, options_.record.string() + ": " + record.error().reason));
  }
  return record;
}

Expected<void, dfu::BootError> SwupdateBootControl::save(const SwupdateBootRecord& record) const {
  if (auto r = posix::write_file_atomically(options_.record, encode_swupdate_boot_record(record)); !r) {
    return unexpected(swu_boot_error(dfu::BootErrorCode::Io, r.error().message));
  }
  return {};
}

Expected<std::string, dfu::BootError> SwupdateBootControl::boot_id() const {
  std::ifstream in(options_.boot_id);
  std::string id;
  if (!in || !std::getline(in, id) || id.empty()) {
    return unexpected(swu_boot_error(dfu::BootErrorCode::Io, "cannot read the boot id from " + options_.boot_id.string()));
  }
  return id;
}

Expected<SwupdateBootRecord, dfu::BootError> SwupdateBootControl::settled() {
  auto record = load();
  if (!record || !record->trial) return record;
  auto id = boot_id();
  if (!id) return unexpected(id.error());
  if (*id == record->install_boot) return record;  // not rebooted since the install
  if (*id == record->rejected_in) return record;   // rejected in this boot: the reboot is to come
  auto state = swupdate_.update_state();
  if (!state) return unexpected(from_swupdate(state.error()));
  if ((*state == UpdateState::Installed || *state == UpdateState::Testing)) return record;  // the new copy runs
  if (*state == UpdateState::Ok && record->rejected_in.empty()) {
    record->confirmed = *record->trial;  // confirmed through SWUpdate before the record was written
  } else {
    record->reverted_from = record->trial;  // the bootloader went back (ustate 3), or awsfota rejected it
  }
  record->trial.reset();
  record->rejected_in.clear();
  record->install_boot.clear();
  if (auto r = save(*record); !r) return unexpected(r.error());
  return record;
}

Expected<dfu::BootStatus, dfu::BootError> SwupdateBootControl::status() {
  const auto before = load();
  auto record = settled();
  if (!record) return unexpected(record.error());
  dfu::BootStatus s;
  s.confirmed = s.active = record->confirmed;
  s.reverted_from = record->reverted_from;
  s.reverted_this_boot = before && before->trial && !record->trial && record->reverted_from;
  if (record->trial) {
    auto id = boot_id();
    if (!id) return unexpected(id.error());
    if (*id == record->install_boot) {
      s.state = dfu::BootState::TrialPending;
    } else {
      s.active = *record->trial;
      s.state = record->rejected_in.empty() ? dfu::BootState::Trial : dfu::BootState::RevertPending;
    }
  }
  return s;
}

Expected<void, dfu::BootError> SwupdateBootControl::request_trial(dfu::Slot slot) {
  auto record = settled();
  if (!record) return unexpected(record.error());
  if (slot == record->confirmed || (record->trial && record->trial != slot)) {
    return unexpected(swu_boot_error(dfu::BootErrorCode::InvalidRequest,
                                     std::string("slot ") + dfu::to_string(slot) + " cannot be tried now"));
  }
  auto id = boot_id();
  if (!id) return unexpected(id.error());
  record->trial = slot;
  record->install_boot = *id;
  record->rejected_in.clear();
  record->reverted_from.reset();
  return save(*record);
}

Expected<void, dfu::BootError> SwupdateBootControl::confirm() {
  auto record = settled();
  if (!record) return unexpected(record.error());
  if (!record->trial) return {};
  auto id = boot_id();
  if (!id) return unexpected(id.error());
  if (*id == record->install_boot || !record->rejected_in.empty()) {
    return unexpected(swu_boot_error(dfu::BootErrorCode::InvalidRequest, "no trial of the new copy is running"));
  }
  if (auto r = swupdate_.set_update_state(UpdateState::Ok); !r) return unexpected(from_swupdate(r.error()));
  record->confirmed = *record->trial;
  record->trial.reset();
  record->install_boot.clear();
  return save(*record);
}

Expected<void, dfu::BootError> SwupdateBootControl::revert() {
  auto record = settled();
  if (!record) return unexpected(record.error());
  if (!record->trial) return {};
  auto id = boot_id();
  if (!id) return unexpected(id.error());
  // ustate 3 tells SWUpdate and the bootloader script that this update is not wanted.
  if (auto r = swupdate_.set_update_state(UpdateState::Failed); !r) return unexpected(from_swupdate(r.error()));
  if (*id == record->install_boot) {
    record->trial.reset();  // never booted: just forget it
    record->install_boot.clear();
  } else {
    record->rejected_in = *id;  // the next boot goes back; until then RevertPending
  }
  return save(*record);
}

Expected<void, dfu::BootError> SwupdateBootControl::acknowledge_revert() {
  auto record = load();
  if (!record) return unexpected(record.error());
  if (!record->reverted_from) return {};
  record->reverted_from.reset();
  return save(*record);
}

}  // namespace awsfota::swupdate
