// Boot control: which slot runs, trial boots, confirmation and revert, with MCUboot's semantics:
// a trial boot runs the new slot once; if the image does not confirm itself before the next boot,
// that boot goes back to the confirmed slot.
//
// BootControl is the seam the targets and the engine use. RecordBootControl implements it over a
// BootRecord kept in a BootRecordStore (the file-backed store is awsfota::posix::FileBootRecordStore);
// U-Boot or GRUB environment backends implement BootControl directly, one file each, the bootloader
// doing the boot step.
//
//   // at start-up, before anything else (a launcher, or `awsfota-boot`):
//   auto slot = run_boot_step(store);            // persists the decision, then says what to run
//   exec(image_for(*slot));
//   // later, in the agent:
//   RecordBootControl boot(store);
//   if (boot.status()->state == BootState::Trial && self_test_ok()) boot.confirm();
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::dfu {

enum class Slot : std::uint8_t { A = 0, B = 1 };
[[nodiscard]] constexpr Slot other_slot(Slot s) { return s == Slot::A ? Slot::B : Slot::A; }
[[nodiscard]] const char* to_string(Slot slot);

enum class BootState {
  Confirmed,     // running the confirmed slot, nothing pending
  TrialPending,  // a trial of the other slot is requested for the next boot
  Trial,         // running a trial slot that has not confirmed itself yet
  RevertPending, // running a trial that revert() rejected: the next boot starts the confirmed slot,
                 // and until then neither slot may be written (one runs, the other is the fallback)
};

struct BootStatus {
  Slot active = Slot::A;      // the slot running now
  Slot confirmed = Slot::A;   // the slot the device falls back to
  BootState state = BootState::Confirmed;
  // Set when a boot went back from an unconfirmed trial of this slot (or revert() ended a running
  // trial), and kept through later boots until acknowledge_revert() or the next request_trial(): the
  // update that owned the trial may only learn of it after several restarts.
  std::optional<Slot> reverted_from;
  // The boot step of this very boot is the one that went back (false on the later boots that still
  // carry reverted_from): what a boot log line should say.
  bool reverted_this_boot = false;
};

enum class BootErrorCode { Io, Corrupt, InvalidRequest };
struct BootError {
  BootErrorCode code = BootErrorCode::Io;
  std::string reason;
};

class BootControl {
 public:
  virtual ~BootControl() = default;
  [[nodiscard]] virtual Expected<BootStatus, BootError> status() = 0;
  // Boot `slot` once at the next boot. `slot` must be neither the running one nor the confirmed
  // fallback (so nothing can be requested while a revert is pending).
  [[nodiscard]] virtual Expected<void, BootError> request_trial(Slot slot) = 0;
  // Make the running trial slot the confirmed one. Idempotent when already confirmed.
  [[nodiscard]] virtual Expected<void, BootError> confirm() = 0;
  // Drop a pending trial, or make the next boot leave a running unconfirmed trial (state
  // RevertPending until that boot).
  [[nodiscard]] virtual Expected<void, BootError> revert() = 0;
  // The revert in status().reverted_from has been dealt with (its update reported): forget it, so that
  // a later update does not take it for the end of its own trial. Idempotent.
  [[nodiscard]] virtual Expected<void, BootError> acknowledge_revert() = 0;
};

// The persisted state (pure; the rules below are functions of it).
struct BootRecord {
  Slot confirmed = Slot::A;
  Slot booted = Slot::A;             // chosen by the last boot step: the running slot
  std::optional<Slot> trial;         // requested or running trial
  bool trial_booted = false;         // the trial slot has had its one boot
  std::optional<Slot> reverted_from;
  std::uint64_t boot_count = 0;
  std::uint64_t reverted_at = 0;     // boot_count of the boot step that went back (0: none, or a record
                                     //   written before this field existed)
  std::string boot_id;               // the boot the last once-per-boot step ran in ("": none recorded)

  friend bool operator==(const BootRecord&, const BootRecord&) = default;
};

// The boot rule: returns the record to persist BEFORE starting record.booted.
[[nodiscard]] BootRecord boot_step(const BootRecord& record);
[[nodiscard]] BootStatus status_of(const BootRecord& record);
[[nodiscard]] Expected<BootRecord, BootError> with_trial_requested(const BootRecord& record, Slot slot);
[[nodiscard]] BootRecord with_confirmed(const BootRecord& record);
[[nodiscard]] BootRecord with_reverted(const BootRecord& record);
[[nodiscard]] BootRecord with_revert_acknowledged(const BootRecord& record);

// A small "key=value" text form, one per line, for the file store.
[[nodiscard]] std::string encode_boot_record(const BootRecord& record);
[[nodiscard]] Expected<BootRecord, BootError> decode_boot_record(std::string_view text);

// Where a BootRecord lives. Contract: save() is atomic (the old or the new record survives a power
// loss, never a mix) and durable when it returns; load() of a store never saved returns the default
// record (slot A confirmed and running).
class BootRecordStore {
 public:
  virtual ~BootRecordStore() = default;
  [[nodiscard]] virtual Expected<BootRecord, BootError> load() = 0;
  [[nodiscard]] virtual Expected<void, BootError> save(const BootRecord& record) = 0;
};

class RecordBootControl final : public BootControl {
 public:
  explicit RecordBootControl(BootRecordStore& store) : store_(store) {}
  [[nodiscard]] Expected<BootStatus, BootError> status() override;
  [[nodiscard]] Expected<void, BootError> request_trial(Slot slot) override;
  [[nodiscard]] Expected<void, BootError> confirm() override;
  [[nodiscard]] Expected<void, BootError> revert() override;
  [[nodiscard]] Expected<void, BootError> acknowledge_revert() override;

 private:
  BootRecordStore& store_;
};

// Load, apply boot_step, save, and return the slot to start. For a launcher that runs exactly once
// per boot (or a setup where every start of the program counts as a boot).
[[nodiscard]] Expected<Slot, BootError> run_boot_step(BootRecordStore& store);

// The same, at most once per `boot_id` (Linux: /proc/sys/kernel/random/boot_id): a second call in
// the same boot changes nothing and returns the running slot. For a program that may be restarted
// without a reboot (a daemon under systemd): its restart after a failed reboot command must not
// start the trial, which would run the new image without the reboot the update asked for.
// `boot_id` must be 1..64 characters of [0-9A-Za-z-] (InvalidRequest otherwise).
[[nodiscard]] Expected<Slot, BootError> run_boot_step_once(BootRecordStore& store, std::string_view boot_id);

}  // namespace awsfota::dfu
