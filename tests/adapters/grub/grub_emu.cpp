#include "grub_emu.hpp"

#include <fstream>
#include <sstream>

#include "awsfota/dfu/booted_slot.hpp"
#include "support/build_paths.hpp"
#include "support/process.hpp"

namespace awsfota::testing {
namespace {

constexpr std::string_view kStarterMarker = "# awsfota: start the chosen slot";
constexpr std::string_view kEchoPrefix = "AWSFOTA-TEST-CMDLINE:";

void write_all(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

// grub-emu's console output without carriage returns and terminal escapes.
std::string plain_console(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') continue;
    if (raw[i] == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
      i += 2;
      while (i < raw.size() && !((raw[i] >= 'A' && raw[i] <= 'Z') || (raw[i] >= 'a' && raw[i] <= 'z'))) ++i;
      continue;
    }
    out += raw[i];
  }
  return out;
}

std::string run_failure(const std::string& what, const ProgramRun& run) {
  return what + (run.timed_out ? " timed out" : " exited " + std::to_string(run.exit_code)) + ": " + run.out + run.err;
}

}  // namespace

Expected<ShippedGrubFragment, std::string> read_shipped_grub_fragment() {
  const std::string text = read_bytes(source_dir() / "packaging" / "grub" / "awsfota.cfg");
  const std::size_t at = text.find(kStarterMarker);
  if (at == std::string::npos || text.find(kStarterMarker, at + 1) != std::string::npos) {
    return unexpected(std::string("packaging/grub/awsfota.cfg: the marker line must be there exactly once"));
  }
  return ShippedGrubFragment{text.substr(0, at), text.substr(at)};
}

GrubEmuMachine::GrubEmuMachine(const std::filesystem::path& dir) : dir_(dir) {
  std::filesystem::create_directories(dir_ / "boot" / "grub");
  std::filesystem::create_directories(dir_ / "emu");
  auto fragment = read_shipped_grub_fragment();
  if (!fragment) {
    setup_error_ = fragment.error();
    return;
  }
  // The shipped chooser, then the test's end: print the command line `linux` would get, power off.
  write_all(dir_ / "chooser.cfg", fragment->chooser + "echo \"" + std::string(kEchoPrefix) +
                                      " root=$awsfota_root $awsfota_cmdline rauc.slot=$awsfota_slot\"\nhalt\n");
  // The board's part of grub.cfg, as docs/boot.md shows it.
  write_all(dir_ / "emu" / "grub.cfg",
            "set awsfota_env=(hd0)/grub/grubenv\n"
            "set awsfota_kernel_A=(hd0)/vmlinuz-a\nset awsfota_root_A=/dev/vda2\n"
            "set awsfota_kernel_B=(hd0)/vmlinuz-b\nset awsfota_root_B=/dev/vda3\n"
            "set awsfota_cmdline=\"console=ttyS0\"\n"
            "source (host)" + (dir_ / "chooser.cfg").string() + "\n");
  write_all(dir_ / "device.map", "(hd0) " + (dir_ / "boot.img").string() + "\n");
  auto created = run_program({"grub-editenv", env_file().string(), "create"}, {.timeout = std::chrono::seconds(10)});
  if (created.exit_code != 0) setup_error_ = run_failure("grub-editenv create", created);
}

Expected<dfu::Slot, std::string> GrubEmuMachine::boot() {
  if (!setup_error_.empty()) return unexpected(setup_error_);
  const RunOptions quick{.timeout = std::chrono::seconds(30)};
  const std::string image = (dir_ / "boot.img").string();
  auto made = run_program({"mke2fs", "-q", "-F", "-t", "ext2", "-d", (dir_ / "boot").string(), image, "1M"}, quick);
  if (made.exit_code != 0) return unexpected(run_failure("mke2fs", made));
  // stdin from /dev/null: grub-emu reads its keyboard there, and must not wait for one.
  auto grub = run_program({"/bin/sh", "-c", "exec grub-emu -d \"$1\" -m \"$2\" </dev/null", "grub-emu",
                           (dir_ / "emu").string(), (dir_ / "device.map").string()},
                          quick);
  output_ = plain_console(grub.out + grub.err);
  if (grub.exit_code != 0) return unexpected(run_failure("grub-emu", grub) + "\n" + output_);
  const std::size_t at = output_.find(kEchoPrefix);
  if (at == std::string::npos) return unexpected("GRUB chose no slot:\n" + output_);
  const std::size_t end = output_.find('\n', at);
  const std::string cmdline = output_.substr(at + kEchoPrefix.size(), end - at - kEchoPrefix.size());
  write_all(cmdline_file(), cmdline + "\n");
  // What GRUB saved in the image is what the OS finds in the file.
  const std::filesystem::path copy = dir_ / "grubenv.from-image";
  auto dumped = run_program({"debugfs", "-R", "dump /grub/grubenv " + copy.string(), image}, quick);
  if (dumped.exit_code != 0 || !std::filesystem::exists(copy)) return unexpected(run_failure("debugfs dump", dumped));
  std::filesystem::rename(copy, env_file());
  auto slot = dfu::booted_slot_from_cmdline(cmdline);
  if (!slot) return unexpected("GRUB's command line \"" + cmdline + "\": " + slot.error().reason);
  return *slot;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<std::string, std::string> grub_editenv_list(const std::filesystem::path& file) {
  auto run = run_program({"grub-editenv", file.string(), "list"}, {.timeout = std::chrono::seconds(10)});
  if (run.exit_code != 0) return unexpected(run_failure("grub-editenv list", run));
  return run.out;
}

}  // namespace awsfota::testing
