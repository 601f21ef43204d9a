// awsfota-boot: applies the A/B boot rules to a boot-state file and says which slot to start; also
// shows the state and confirms or reverts a trial, for scripts. The rules are dfu::boot_step's
// (MCUboot's semantics); the file is posix::FileBootRecordStore's.
//
//   slot=$(awsfota-boot --state /var/lib/awsfota/boot.state) || exit 1    # at start-up: A or B
//   exec "$(awsfota-boot --state S --slot-a /opt/app-a --slot-b /opt/app-b)"
//   awsfota-boot --state S confirm        # the new image passed its self-test
#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "command_line.hpp"

namespace {

using awsfota::dfu::BootError;
using awsfota::dfu::BootErrorCode;
using awsfota::dfu::Slot;

// Exit codes, also listed in --help.
constexpr int kOk = 0;
constexpr int kRefused = 1;   // a request the rules refuse (e.g. a trial of the running slot)
constexpr int kCorrupt = 2;   // the state file is unreadable as a boot state
constexpr int kIo = 3;        // the state file cannot be read or written
constexpr int kUsage = awsfota::program::kExitUsageSysexits;  // bad command line (64)

constexpr const char* kFooter = R"(Without a subcommand: run the boot step (persist the decision, then print the slot
to start: "A" or "B", or its --slot-a/--slot-b path). A pending trial boots its slot
once; a trial that was booted and not confirmed is reverted to the confirmed slot.

Exit codes: 0 done, 1 request refused, 2 corrupt state file (nothing is chosen or
changed), 3 I/O error, 64 bad command line.)";

struct Options {
  std::string state = "/var/lib/awsfota/boot.state";
  std::string slot_a_path;
  std::string slot_b_path;
  std::string trial_slot;
};

int report(const BootError& e, const std::string& path) {
  if (e.code == BootErrorCode::Corrupt) {
    std::cerr << "awsfota-boot: the boot state file " << path << " is corrupt (" << e.reason
              << "); refusing to choose a slot. Inspect or restore it; removing it starts over with slot A "
                 "confirmed.\n";
    return kCorrupt;
  }
  if (e.code == BootErrorCode::InvalidRequest) {
    std::cerr << "awsfota-boot: refused: " << e.reason << "\n";
    return kRefused;
  }
  std::cerr << "awsfota-boot: " << e.reason << "\n";
  return kIo;
}

const char* state_name(awsfota::dfu::BootState s) {
  switch (s) {
    case awsfota::dfu::BootState::Confirmed: return "confirmed";
    case awsfota::dfu::BootState::TrialPending: return "trial-pending";
    case awsfota::dfu::BootState::Trial: return "trial";
    case awsfota::dfu::BootState::RevertPending: return "revert-pending";
  }
  return "unknown";
}

int boot(const Options& o, awsfota::posix::FileBootRecordStore& store) {
  auto before = store.load();
  if (!before) return report(before.error(), o.state);
  auto slot = awsfota::dfu::run_boot_step(store);
  if (!slot) return report(slot.error(), o.state);
  if (before->trial && before->trial_booted) {
    std::cerr << "awsfota-boot: slot " << to_string(*before->trial)
              << " did not confirm its trial boot; reverting to slot " << to_string(*slot) << "\n";
  }
  const std::string& path = *slot == Slot::A ? o.slot_a_path : o.slot_b_path;
  std::cout << (path.empty() ? std::string(to_string(*slot)) : path) << "\n";
  return kOk;
}

int status(const Options& o, awsfota::posix::FileBootRecordStore& store) {
  auto record = store.load();
  if (!record) return report(record.error(), o.state);
  const auto s = awsfota::dfu::status_of(*record);
  std::cout << "active=" << to_string(s.active) << "\nconfirmed=" << to_string(s.confirmed)
            << "\nstate=" << state_name(s.state) << "\ntrial=" << (record->trial ? to_string(*record->trial) : "-")
            << "\nreverted_from=" << (s.reverted_from ? to_string(*s.reverted_from) : "-")
            << "\nboot_count=" << record->boot_count << "\n";
  return kOk;
}

int confirm(const Options& o, awsfota::posix::FileBootRecordStore& store) {
  awsfota::dfu::RecordBootControl boot(store);
  auto s = boot.status();
  if (!s) return report(s.error(), o.state);
  if (s->state != awsfota::dfu::BootState::Trial) {
    std::cerr << "awsfota-boot: nothing to confirm: slot " << to_string(s->active) << " is running, state "
              << state_name(s->state) << "\n";
    return kOk;
  }
  if (auto r = boot.confirm(); !r) return report(r.error(), o.state);
  std::cerr << "awsfota-boot: slot " << to_string(s->active) << " confirmed\n";
  return kOk;
}

int revert(const Options& o, awsfota::posix::FileBootRecordStore& store) {
  awsfota::dfu::RecordBootControl boot(store);
  auto s = boot.status();
  if (!s) return report(s.error(), o.state);
  if (auto r = boot.revert(); !r) return report(r.error(), o.state);
  if (s->state == awsfota::dfu::BootState::Confirmed || s->state == awsfota::dfu::BootState::RevertPending) {
    std::cerr << "awsfota-boot: nothing to revert\n";
  } else {
    std::cerr << "awsfota-boot: the next boot starts slot " << to_string(s->confirmed) << "\n";
  }
  return kOk;
}

int trial(const Options& o, awsfota::posix::FileBootRecordStore& store) {
  awsfota::dfu::RecordBootControl boot(store);
  auto s = boot.status();
  if (!s) return report(s.error(), o.state);
  Slot slot = other_slot(s->active);
  if (o.trial_slot == "A") slot = Slot::A;
  if (o.trial_slot == "B") slot = Slot::B;
  if (auto r = boot.request_trial(slot); !r) return report(r.error(), o.state);
  std::cerr << "awsfota-boot: the next boot tries slot " << to_string(slot) << " once\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Chooses the A/B slot to start and manages trial boots (MCUboot's rules).", "awsfota-boot"};
  app.footer(kFooter);
  app.add_option("--state", o.state, "boot state file")->envname("AWSFOTA_BOOT_STATE")->capture_default_str();
  app.add_option("--slot-a", o.slot_a_path, "print this instead of \"A\" when slot A is chosen");
  app.add_option("--slot-b", o.slot_b_path, "print this instead of \"B\" when slot B is chosen");
  auto* status_cmd = app.add_subcommand("status", "print the state as key=value lines (changes nothing)");
  auto* confirm_cmd = app.add_subcommand("confirm", "make the running trial slot the confirmed one");
  auto* revert_cmd = app.add_subcommand("revert", "drop a pending trial, or leave a running one at the next boot");
  auto* trial_cmd = app.add_subcommand("trial", "boot a slot once at the next boot (default: the other slot)");
  trial_cmd->add_option("slot", o.trial_slot, "A or B")->check(CLI::IsMember({"A", "B"}));
  app.require_subcommand(0, 1);
  awsfota::program::add_version_flag(app);
  if (auto done = awsfota::program::parse(app, argc, argv, kUsage)) return *done;
  awsfota::posix::FileBootRecordStore store(o.state);
  if (*status_cmd) return status(o, store);
  if (*confirm_cmd) return confirm(o, store);
  if (*revert_cmd) return revert(o, store);
  if (*trial_cmd) return trial(o, store);
  return boot(o, store);
}
