// The RAUC service as awsfota needs it: install a bundle (with progress), which slot booted, which
// slot is primary, the slots' status, and Mark. The real backend is SdBusRauc (sd_bus_rauc.hpp),
// which talks to `rauc service` over D-Bus (de.pengutronix.rauc.Installer at "/"); tests of the
// target and the boot control use a scripted fake of this seam.
//
//   SdBusRauc rauc({.bus = "system"});
//   auto done = rauc.install("/var/lib/awsfota/bundle.raucb",
//                            [](const RaucProgress& p) { log(p.percent, p.message); });
//   if (!done) report_failed(done.error().reason);   // RAUC's LastError, word for word
//   // after the reboot, once the self-test passed:
//   rauc.mark("good", "booted");
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::rauc {

enum class RaucErrorCode {
  Unavailable,  // no bus, or no RAUC service on it (not running, no permission): nothing was installed
  Refused,      // RAUC ran the install and it failed: reason is RAUC's LastError
  Lost,         // the service went away or stopped answering during the install: the slot is in an
                //   unknown state, but the active slot was never touched (RAUC writes the other one)
  Protocol,     // a reply that does not have the documented shape, or a method call RAUC refused
};

struct RaucError {
  RaucErrorCode code = RaucErrorCode::Unavailable;
  std::string reason;  // a sentence for logs and the job's statusDetails
};

// The Installer's Progress property: (percent, message, nesting depth).
struct RaucProgress {
  int percent = 0;
  std::string message;
  int depth = 0;
};
using RaucProgressHandler = std::function<void(const RaucProgress&)>;

// One entry of GetSlotStatus, the fields awsfota uses (all strings as RAUC gives them; empty when absent).
struct RaucSlot {
  std::string name;            // "rootfs.1"
  std::string bootname;        // "B"
  std::string state;           // "booted", "active", "inactive"
  std::string boot_status;     // "good", "bad"
  std::string bundle_version;  // the manifest's version of the bundle last installed there
};

// Contract: every call blocks until RAUC answered (install(): until its Completed signal) or failed.
// Calls are made from one thread at a time.
class RaucService {
 public:
  virtual ~RaucService() = default;
  // InstallBundle(bundle, {}) and wait for Completed; progress is called for each Progress change.
  [[nodiscard]] virtual Expected<void, RaucError> install(const std::string& bundle,
                                                          const RaucProgressHandler& progress) = 0;
  // The BootSlot property: the bootname of the slot the system booted from.
  [[nodiscard]] virtual Expected<std::string, RaucError> boot_slot() = 0;
  // GetPrimary(): the name of the slot the bootloader starts next ("rootfs.1").
  [[nodiscard]] virtual Expected<std::string, RaucError> primary() = 0;
  [[nodiscard]] virtual Expected<std::vector<RaucSlot>, RaucError> slots() = 0;
  // Mark(state, slot): state "good", "bad" or "active"; slot "booted", "other" or a slot name.
  // Returns RAUC's message ("marked slot rootfs.1 as good").
  [[nodiscard]] virtual Expected<std::string, RaucError> mark(std::string_view state, std::string_view slot) = 0;
};

}  // namespace awsfota::rauc
