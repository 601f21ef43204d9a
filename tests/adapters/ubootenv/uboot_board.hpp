// A board with the real U-Boot for the tests: Debian's u-boot-qemu build for qemu_arm64 under
// qemu-system-aarch64 (TCG), its environment on the second flash bank (qemu_arm64 keeps it there: offset
// 0, 0x40000 bytes, one copy), and a virtio disk whose first partition holds boot.scr made with mkimage
// from the shipped packaging/u-boot/boot.cmd. The test's script is the shipped one up to its
// "# ==== boot the chosen slot" line, byte for byte; only the board-specific tail (load and booti a
// kernel) is replaced by an echo of the chosen slot and `poweroff`.
//
//   UBootBoard board(dir, {{"BOOT_ORDER", "A B"}, {"BOOT_A_LEFT", "3"}, {"BOOT_B_LEFT", "3"}});
//   auto boot = board.boot();               // U-Boot runs the script and powers off
//   EXPECT_EQ(boot->slot, "B");
//   write_cmdline(boot->slot);             // what the kernel would have been told (rauc.slot=B)
//
// Debian 12's QEMU 7.2 drops most of U-Boot's own saveenv (docs/boot.md, "Why the tests store what U-Boot's
// saveenv should have stored"): U-Boot's cfi_flash writes 2 KiB buffers with the word count sent to the erase
// block's start, and QEMU's pflash_cfi01 (7.2.9 backport of the block-write update buffer) only takes data
// inside the 4 KiB-aligned window holding the count's address, discarding the rest at the confirm (status
// 0x10, "block write abort"). Only the first 4 KiB of each 128 KiB block get stored, the CRC is wrong, and
// U-Boot prints "Flash buffer write timeout". ("Write to buffer emulation is flawed" is QEMU's warning for
// every buffered write, not the cause.) Upstream QEMU fixed it in 2563be6317fa (9.0.1/9.1); no QEMU property,
// U-Boot setting or other Debian board avoids it. The flash therefore runs as a snapshot (what U-Boot writes
// is dropped), and after each boot the board stores through libubootenv exactly the BOOT_* values the script
// printed after its saveenv: the decision and the decrement are U-Boot's, only the storing of its saveenv is
// done for it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "awsfota/expected.hpp"

namespace awsfota::testing {

class UBootBoard {
 public:
  // Empty when the tools are there; else what is missing (the test is then skipped).
  [[nodiscard]] static std::string missing_tools();
  // The shipped script with the test's tail: the slot-choosing part unchanged.
  [[nodiscard]] static Expected<std::string, std::string> test_script(const std::string& shipped);
  [[nodiscard]] static std::filesystem::path shipped_script();  // packaging/u-boot/boot.cmd

  // `vars` on top of the board's own (bootdelay=0, bootcmd loading boot.scr from virtio 0:1).
  UBootBoard(const std::filesystem::path& dir, const std::map<std::string, std::string>& vars);

  // Empty when the board was made; else why not.
  [[nodiscard]] const std::string& error() const { return error_; }
  // libubootenv's description of the environment (the agent's boot.uboot.fw-env-config).
  [[nodiscard]] const std::filesystem::path& fw_env_config() const { return fw_env_config_; }
  [[nodiscard]] const std::filesystem::path& flash() const { return flash_; }

  struct Boot {
    std::string slot;                          // what the script chose ("A" or "B")
    std::map<std::string, std::string> saved;  // BOOT_* as the script saved them
    std::string console;                       // the serial console
    std::chrono::milliseconds took{0};
  };
  // One power-on: U-Boot loads the environment, runs boot.scr, saves, powers off. `persist`: store the
  // saved BOOT_* values through libubootenv (which needs a valid environment on the flash).
  [[nodiscard]] Expected<Boot, std::string> boot(std::chrono::seconds timeout = std::chrono::seconds(30),
                                                 bool persist = true);

  // Replaces the environment with U-Boot's (flash erased: bad CRC, so U-Boot uses its built-in one).
  void erase_environment();

 private:
  std::filesystem::path dir_;
  std::filesystem::path flash_;
  std::filesystem::path disk_;
  std::filesystem::path fw_env_config_;
  std::string error_;
};

// Sets `vars` in the environment `fw_env_config` describes, in one store (libubootenv).
[[nodiscard]] Expected<void, std::string> store_uboot_vars(const std::filesystem::path& fw_env_config,
                                                           const std::map<std::string, std::string>& vars);
// One variable, nullopt when unset or unreadable.
[[nodiscard]] std::optional<std::string> read_uboot_var(const std::filesystem::path& fw_env_config,
                                                        const std::string& name);

}  // namespace awsfota::testing
