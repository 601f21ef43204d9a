// Which slot the bootloader started, as it told the kernel: the boot control backends of real
// bootloaders (U-Boot, GRUB) take the running slot from here, never from awsfota's own bookkeeping.
//
// The bootloader's script puts the slot on the kernel command line: `rauc.slot=B` (RAUC's convention,
// so a board set up for RAUC works unchanged) or `awsfota.slot=B`. Slot names are A and B (RAUC's
// bootnames; lower case accepted). With both arguments present they must agree.
//
//   auto slot = dfu::read_booted_slot("/proc/cmdline");   // tests point it at a file of their own
//   if (!slot) die(slot.error().reason);  // "/proc/cmdline: no rauc.slot= or awsfota.slot= argument ..."
#pragma once

#include <filesystem>
#include <string_view>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::dfu {

// From the text of a kernel command line. InvalidRequest names what is missing or wrong.
[[nodiscard]] Expected<Slot, BootError> booted_slot_from_cmdline(std::string_view cmdline);

// The same from a file (/proc/cmdline on a device). Io when it cannot be read.
[[nodiscard]] Expected<Slot, BootError> read_booted_slot(const std::filesystem::path& cmdline_file);

}  // namespace awsfota::dfu
