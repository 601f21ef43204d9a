// A machine that boots with the real GRUB: Debian's grub-emu (GRUB's core in a Linux process) runs
// the shipped packaging/grub/awsfota.cfg against the grubenv that awsfota wrote.
//
// The boot partition is an ext2 image made from a host folder at each boot (mke2fs -d): GRUB reads
// the environment through its own ext2 driver and save_env rewrites the file's blocks in the image, as
// on a device. After the boot the block GRUB left is copied back to the host file (debugfs), which is
// what the OS would see once it mounts the partition. grub-emu's save_env cannot write a (host) file
// (GRUB refuses it as "sparse file not allowed": the host filesystem has no block list), hence the image.
//
// The test's grub.cfg sets the board variables and sources a copy of the shipped fragment whose last
// part (from the line "# awsfota: start the chosen slot") is replaced by an echo of the kernel command
// line GRUB would pass and `halt`; the part that chooses the slot is the shipped file's, byte for byte.
//
//   GrubEmuMachine m(dir.path());
//   auto slot = m.boot();                     // GRUB chooses; the command line goes to m.cmdline_file()
//   GrubBootControl boot({m.env_file(), m.cmdline_file()});
#pragma once

#include <filesystem>
#include <string>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::testing {

// packaging/grub/awsfota.cfg split where the tests cut it.
struct ShippedGrubFragment {
  std::string chooser;  // up to the marker line: the part that must be byte-identical in the tests
  std::string starter;  // the marker line and what follows (linux, initrd, boot)
};
[[nodiscard]] Expected<ShippedGrubFragment, std::string> read_shipped_grub_fragment();

class GrubEmuMachine {
 public:
  // Makes the folders, the device map, the configs and an empty environment (`grub-editenv create`).
  explicit GrubEmuMachine(const std::filesystem::path& dir);

  // One boot: GRUB runs the fragment; returns the slot it started (from rauc.slot= in the command line
  // it printed, which is also written to cmdline_file()), or what went wrong with its output.
  [[nodiscard]] Expected<dfu::Slot, std::string> boot();

  [[nodiscard]] std::filesystem::path env_file() const { return dir_ / "boot" / "grub" / "grubenv"; }
  [[nodiscard]] std::filesystem::path cmdline_file() const { return dir_ / "cmdline"; }
  [[nodiscard]] const std::string& last_output() const { return output_; }
  [[nodiscard]] const std::string& setup_error() const { return setup_error_; }

 private:
  std::filesystem::path dir_;
  std::string output_;
  std::string setup_error_;
};

// A file's bytes ("" when it cannot be read).
[[nodiscard]] std::string read_bytes(const std::filesystem::path& path);

// `grub-editenv FILE list`, or the reason it failed.
[[nodiscard]] Expected<std::string, std::string> grub_editenv_list(const std::filesystem::path& file);

}  // namespace awsfota::testing
