#include "support/rauc_system.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace awsfota::testing {

namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A private bus for root and the test: RAUC may own its name, anyone may talk to it.
constexpr const char* kBusConfig = R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=@SOCKET@</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
  <policy user="root">
    <allow own="de.pengutronix.rauc"/>
  </policy>
</busconfig>
)";

// RAUC's custom bootloader backend: the primary slot and each slot's good/bad in files. Activating a
// slot (set-primary) makes it bootable again, as the U-Boot and GRUB backends do.
constexpr const char* kBackend = R"(#!/bin/sh
state="$(dirname "$0")/boot-state"
mkdir -p "$state"
case "$1" in
  get-primary) cat "$state/primary" 2>/dev/null || echo A ;;
  set-primary) echo "$2" > "$state/primary" && echo good > "$state/state.$2" ;;
  get-state) cat "$state/state.$2" 2>/dev/null || echo good ;;
  set-state) echo "$3" > "$state/state.$2" ;;
  *) echo "unknown command $1" >&2; exit 1 ;;
esac
)";

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

}  // namespace

Expected<std::unique_ptr<RaucSystem>, std::string> RaucSystem::start(const fs::path& dir, const std::string& booted) {
  std::unique_ptr<RaucSystem> system(new RaucSystem(dir));
  system->booted_ = booted;
  auto pki = Pki::create(dir / "pki", "awsfota RAUC test CA");
  if (!pki) return unexpected(pki.error());
  system->pki_.emplace(std::move(*pki));
  if (auto r = system->write_config(); !r) return unexpected(r.error());
  if (auto r = system->start_bus(); !r) return unexpected(r.error());
  if (auto r = system->start_service(); !r) return unexpected(r.error());
  return system;
}

RaucSystem::~RaucSystem() {
  stop_service();
  if (bus_) bus_->stop();
  if (!loop_device_.empty()) (void)run_command({"losetup", "-d", loop_device_});
}

std::string RaucSystem::slot_b_device() const {
  return loop_device_.empty() ? (dir_ / "slot-b.img").string() : loop_device_;
}

Expected<void, std::string> RaucSystem::put_slot_b_on_a_loop_device() {
  auto loop = run_command({"losetup", "--find", "--show", (dir_ / "slot-b.img").string()});
  if (!loop) return unexpected("losetup: " + loop.error());
  loop_device_ = trimmed(*loop);
  stop_service();
  if (auto r = write_config(hold_); !r) return r;
  return start_service();
}

Expected<void, std::string> RaucSystem::write_config(bool hold) {
  hold_ = hold;
  fs::create_directories(dir_ / "mnt");
  fs::create_directories(dir_ / "data");
  for (const char* slot : {"slot-a.img", "slot-b.img"}) {
    if (fs::exists(dir_ / slot)) continue;  // a loop device may sit on it
    std::ofstream(dir_ / slot, std::ios::binary | std::ios::trunc);
    fs::resize_file(dir_ / slot, kSlotSize);
  }
  write_text(dir_ / "backend.sh", kBackend);
  fs::permissions(dir_ / "backend.sh", fs::perms::owner_all);
  std::ostringstream conf;
  conf << "[system]\ncompatible=awsfota-test-board\nbootloader=custom\ndata-directory=" << (dir_ / "data").string()
       << "\n\n[keyring]\npath=" << pki_->ca_cert().string() << "\n\n[handlers]\nbootloader-custom-backend="
       << (dir_ / "backend.sh").string() << "\n"
       << (hold ? "pre-install=" + (dir_ / "hold.sh").string() + "\n" : std::string())
       << "\n[slot.rootfs.0]\ndevice=" << (dir_ / "slot-a.img").string()
       << "\ntype=raw\nbootname=A\n\n[slot.rootfs.1]\ndevice=" << slot_b_device()
       << "\ntype=raw\nbootname=B\n";
  write_text(dir_ / "system.conf", conf.str());
  write_text(dir_ / "bus.conf", replace_all(kBusConfig, "@SOCKET@", (dir_ / "bus.socket").string()));
  return {};
}

Expected<void, std::string> RaucSystem::start_bus() {
  bus_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"dbus-daemon", "--config-file=" + (dir_ / "bus.conf").string(), "--nofork", "--nopidfile"},
      dir_ / "bus.log");
  for (int i = 0; i < 200; ++i) {
    if (fs::exists(dir_ / "bus.socket")) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return unexpected("dbus-daemon did not come up: " + read_text(dir_ / "bus.log"));
}

Expected<void, std::string> RaucSystem::start_service() {
  // RAUC's service takes the system bus, which GLib finds at DBUS_SYSTEM_BUS_ADDRESS.
  service_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus_address(), "rauc",
                               "--conf=" + (dir_ / "system.conf").string(), "--mount=" + (dir_ / "mnt").string(),
                               "service", "--override-boot-slot=" + booted_},
      dir_ / "service.log");
  for (int i = 0; i < 200; ++i) {
    auto r = run_command({"busctl", "--address=" + bus_address(), "get-property", "de.pengutronix.rauc", "/",
                          "de.pengutronix.rauc.Installer", "BootSlot"});
    if (r) return {};
    if (!service_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return unexpected("rauc service did not come up on the bus: " + service_log());
}

Expected<void, std::string> RaucSystem::hold_installs() {
  const std::string started = (dir_ / "install.held").string(), go = (dir_ / "install.go").string();
  write_text(dir_ / "hold.sh", "#!/bin/sh\ntouch " + started + "\nfor i in $(seq 600); do [ -e " + go +
                                   " ] && exit 0; sleep 0.05; done\nexit 1\n");
  fs::permissions(dir_ / "hold.sh", fs::perms::owner_all);
  stop_service();
  if (auto r = write_config(true); !r) return r;
  return start_service();
}

bool RaucSystem::install_held() const { return fs::exists(dir_ / "install.held"); }

void RaucSystem::release_installs() { write_text(dir_ / "install.go", ""); }

void RaucSystem::stop_service() {
  if (service_) service_->stop();
  service_.reset();
  // RAUC stopped in the middle of an install leaves the bundle mounted (a power cut would not): give
  // the mount and its loop device back, or a few such tests use up the machine's loop devices.
  const std::string mount_point = (dir_ / "mnt" / "bundle").string();
  std::ifstream mounts("/proc/mounts");
  for (std::string device, where, rest; mounts >> device >> where && std::getline(mounts, rest);) {
    if (where == mount_point) (void)run_command({"umount", mount_point});
  }
}

Expected<void, std::string> RaucSystem::reboot() {
  stop_service();
  std::string next = primary();
  if (slot_state(next) == "bad") {
    next = next == "A" ? "B" : "A";
    write_text(dir_ / "boot-state" / "primary", next + "\n");
  }
  booted_ = next;
  return start_service();
}

Expected<fs::path, std::string> RaucSystem::make_bundle(const std::string& name, const std::vector<std::uint8_t>& image,
                                                        const BundleSpec& spec) {
  const Pki& signer_ca = spec.signer ? *spec.signer : *pki_;
  // The signer: a certificate for signing, issued by the CA (RAUC checks the chain to its keyring).
  const fs::path key = signer_ca.dir() / "signer.key", cert = signer_ca.dir() / "signer.pem";
  if (!fs::exists(cert)) {
    const fs::path csr = signer_ca.dir() / "signer.csr", ext = signer_ca.dir() / "signer.ext";
    write_text(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n");
    auto r = run_command({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", key.string(), "-out", csr.string(), "-subj", "/CN=awsfota bundle signer"});
    if (r) {
      r = run_command({"openssl", "x509", "-req", "-in", csr.string(), "-CA", signer_ca.ca_cert().string(), "-CAkey",
                       signer_ca.ca_key().string(), "-CAcreateserial", "-out", cert.string(), "-days", "2",
                       "-extfile", ext.string()});
    }
    if (!r) return unexpected("making the bundle signer failed: " + r.error());
  }
  const fs::path content = dir_ / ("bundle-" + name);
  fs::remove_all(content);
  fs::create_directories(content);
  {
    std::ofstream img(content / "rootfs.img", std::ios::binary);
    img.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  write_text(content / "manifest.raucm", "[update]\ncompatible=" + spec.compatible + "\nversion=" + spec.version +
                                             "\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n");
  const fs::path bundle = dir_ / (name + ".raucb");
  fs::remove(bundle);
  auto r = run_command({"rauc", "bundle", "--cert=" + cert.string(), "--key=" + key.string(), content.string(),
                        bundle.string()});
  if (!r) return unexpected("rauc bundle failed: " + r.error());
  return bundle;
}

fs::path RaucSystem::slot_file(const std::string& bootname) const {
  return dir_ / (bootname == "A" ? "slot-a.img" : "slot-b.img");
}

std::string RaucSystem::primary() const {
  const std::string p = trimmed(read_text(dir_ / "boot-state" / "primary"));
  return p.empty() ? "A" : p;
}

std::string RaucSystem::slot_state(const std::string& bootname) const {
  const std::string s = trimmed(read_text(dir_ / "boot-state" / ("state." + bootname)));
  return s.empty() ? "good" : s;
}

std::string RaucSystem::service_log() const { return read_text(dir_ / "service.log"); }

}  // namespace awsfota::testing
