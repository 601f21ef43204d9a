#include "adapters/ubootenv/uboot_board.hpp"

#include <libuboot.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "support/build_paths.hpp"
#include "support/process.hpp"

namespace awsfota::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kUBoot = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";
constexpr const char* kTailMarker = "# ==== boot the chosen slot";
constexpr const char* kBootLine = "AWSFOTA-BOOT ";
// The environment of qemu_arm64 (U-Boot's defconfig): CONFIG_ENV_ADDR 0x4000000 = offset 0 of the second
// flash bank, CONFIG_ENV_SIZE 0x40000, one copy. Each of QEMU virt's flash banks is 64 MiB.
constexpr const char* kEnvSize = "0x40000";
constexpr std::uintmax_t kFlashSize = 64ULL << 20;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// An MBR with one bootable Linux partition from 1 MiB, `sectors` long: what distro boot scans.
std::string mbr(std::uint32_t sectors) {
  std::string sector(512, '\0');
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) sector[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  sector[446] = static_cast<char>(0x80);  // bootable
  sector[450] = static_cast<char>(0x83);  // Linux
  put32(454, 2048);
  put32(458, sectors);
  sector[510] = static_cast<char>(0x55);
  sector[511] = static_cast<char>(0xaa);
  return sector;
}

struct Ctx {
  uboot_ctx* ctx = nullptr;
  bool opened = false;
  ~Ctx() {
    if (opened) libuboot_close(ctx);
    if (ctx) libuboot_exit(ctx);
  }
  bool open(const fs::path& config) {
    if (libuboot_initialize(&ctx, nullptr) < 0 || libuboot_read_config(ctx, config.c_str()) < 0) return false;
    opened = true;  // libuboot_close gives the lock back, also after a failed open
    return libuboot_open(ctx) >= 0;
  }
};

// "AWSFOTA-BOOT slot=B BOOT_ORDER=B A BOOT_A_LEFT=3 BOOT_B_LEFT=0" -> slot and values.
bool parse_boot_line(const std::string& console, UBootBoard::Boot& boot) {
  const auto at = console.rfind(kBootLine);
  if (at == std::string::npos) return false;
  std::string line = console.substr(at + std::string(kBootLine).size());
  line = line.substr(0, line.find_first_of("\r\n"));
  const std::array<std::string, 4> keys{"slot=", "BOOT_ORDER=", "BOOT_A_LEFT=", "BOOT_B_LEFT="};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto from = line.find(keys[i]);
    if (from == std::string::npos) return false;
    const auto value_at = from + keys[i].size();
    const auto to = i + 1 < keys.size() ? line.find(" " + keys[i + 1], value_at) : line.size();
    if (to == std::string::npos) return false;
    const std::string value = line.substr(value_at, to - value_at);
    if (i == 0) boot.slot = value;
    else boot.saved[keys[i].substr(0, keys[i].size() - 1)] = value;
  }
  return true;
}

}  // namespace

std::string UBootBoard::missing_tools() {
  std::string missing;
  if (!fs::exists(kUBoot)) missing += " u-boot-qemu";
  for (const char* tool : {"qemu-system-aarch64", "mkimage", "mkenvimage", "mkfs.ext4"}) {
    if (!on_path(tool)) missing += std::string(" ") + tool;
  }
  return missing;
}

fs::path UBootBoard::shipped_script() { return source_dir() / "packaging" / "u-boot" / "boot.cmd"; }

Expected<std::string, std::string> UBootBoard::test_script(const std::string& shipped) {
  const auto at = shipped.find(kTailMarker);
  if (at == std::string::npos || shipped.find(kTailMarker, at + 1) != std::string::npos) {
    return unexpected(std::string("boot.cmd must hold the line \"") + kTailMarker + "\" exactly once");
  }
  return shipped.substr(0, at) + "echo \"" + kBootLine +
         "slot=${awsfota_slot} BOOT_ORDER=${BOOT_ORDER} BOOT_A_LEFT=${BOOT_A_LEFT} BOOT_B_LEFT=${BOOT_B_LEFT}\"\n"
         "poweroff\n";
}

UBootBoard::UBootBoard(const fs::path& dir, const std::map<std::string, std::string>& vars)
    : dir_(dir), flash_(dir / "flash1.img"), disk_(dir / "disk.img"), fw_env_config_(dir / "fw_env.config") {
  fs::create_directories(dir_ / "bootfs");
  auto script = test_script(slurp(shipped_script()));
  if (!script) {
    error_ = script.error();
    return;
  }
  spit(dir_ / "boot.cmd", *script);
  std::string env = "bootdelay=0\nbootcmd=virtio scan; load virtio 0:1 0x40200000 /boot.scr && source 0x40200000; poweroff\n";
  for (const auto& [name, value] : vars) env += name + "=" + value + "\n";
  spit(dir_ / "env.txt", env);
  spit(fw_env_config_, flash_.string() + " 0x0 " + kEnvSize + " " + kEnvSize + "\n");
  const std::vector<std::vector<std::string>> steps{
      {"mkimage", "-A", "arm64", "-T", "script", "-C", "none", "-d", (dir_ / "boot.cmd").string(),
       (dir_ / "bootfs" / "boot.scr").string()},
      {"mkenvimage", "-s", kEnvSize, "-o", flash_.string(), (dir_ / "env.txt").string()},
  };
  for (const auto& argv : steps) {
    auto r = run_program(argv, {.timeout = std::chrono::seconds(20)});
    if (r.exit_code != 0) {
      error_ = argv[0] + " failed: " + r.err;
      return;
    }
  }
  fs::resize_file(flash_, kFlashSize);
  spit(disk_, mbr(16384));
  auto fs_made = run_program({"mkfs.ext4", "-q", "-F", "-E", "offset=1048576", "-d", (dir_ / "bootfs").string(),
                              disk_.string(), "8M"},
                             {.timeout = std::chrono::seconds(20)});
  if (fs_made.exit_code != 0) error_ = "mkfs.ext4 failed: " + fs_made.err;
}

void UBootBoard::erase_environment() {
  std::ofstream out(flash_, std::ios::binary | std::ios::in | std::ios::out);
  const std::string erased(0x40000, static_cast<char>(0xff));
  out.write(erased.data(), static_cast<std::streamsize>(erased.size()));
}

Expected<UBootBoard::Boot, std::string> UBootBoard::boot(std::chrono::seconds timeout, bool persist) {
  if (!error_.empty()) return unexpected(error_);
  const auto started = std::chrono::steady_clock::now();
  auto run = run_program({"qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "128", "-nographic",
                          "-bios", kUBoot, "-drive", "if=pflash,unit=1,format=raw,snapshot=on,file=" + flash_.string(),
                          "-drive", "if=none,id=disk0,format=raw,snapshot=on,file=" + disk_.string(), "-device",
                          "virtio-blk-device,drive=disk0", "-nic", "none", "-monitor", "none", "-serial", "stdio"},
                         {.timeout = timeout});
  Boot boot;
  boot.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  boot.console = run.out;
  if (run.timed_out) return unexpected("U-Boot did not power off within " + std::to_string(timeout.count()) + " s:\n" + run.out);
  if (!parse_boot_line(run.out, boot)) return unexpected("U-Boot chose no slot:\n" + run.out + run.err);
  if (run.out.find("Saving Environment to Flash") == std::string::npos) {
    return unexpected("the script did not save the environment before booting:\n" + run.out);
  }
  if (!persist) return boot;
  if (auto stored = store_uboot_vars(fw_env_config_, boot.saved); !stored) return unexpected(stored.error());
  return boot;
}

Expected<void, std::string> store_uboot_vars(const fs::path& fw_env_config, const std::map<std::string, std::string>& vars) {
  Ctx env;
  if (!env.open(fw_env_config)) return unexpected("libubootenv cannot open the environment of " + fw_env_config.string());
  for (const auto& [name, value] : vars) {
    if (libuboot_set_env(env.ctx, name.c_str(), value.c_str()) < 0) return unexpected("cannot set " + name);
  }
  if (libuboot_env_store(env.ctx) < 0) return unexpected("libubootenv cannot store " + fw_env_config.string());
  return {};
}

std::optional<std::string> read_uboot_var(const fs::path& fw_env_config, const std::string& name) {
  Ctx env;
  if (!env.open(fw_env_config)) return std::nullopt;
  char* value = libuboot_get_env(env.ctx, name.c_str());
  if (!value) return std::nullopt;
  std::string text(value);
  std::free(value);
  return text;
}

}  // namespace awsfota::testing
