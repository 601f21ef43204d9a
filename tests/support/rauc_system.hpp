// A real RAUC system for tests: a private D-Bus bus (its own dbus-daemon), `rauc service` on it with
// a system.conf of two raw slots (files standing in for partitions), the `custom` bootloader backend
// (a shell script keeping the primary slot and each slot's good/bad in files the test can read), and
// the test CA of the keyring. A reboot is the service stopped and started again with
// --override-boot-slot set to the slot a bootloader would pick (the primary one unless marked bad).
//
//   TempDir dir("rauc");
//   auto rauc = RaucSystem::start(dir.path());           // booted from A
//   auto bundle = rauc->make_bundle("v2", image, {});      // signed by the system's CA
//   SdBusRauc service({.bus = rauc->bus_address()});
//   service.install(bundle->string(), {});                 // slot B holds `image`
//   rauc->reboot();                                        // now booted from B
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::testing {

struct BundleSpec {
  std::string compatible = "awsfota-test-board";  // the system's
  std::string version = "2.0.0";
  const Pki* signer = nullptr;                     // null: the system's CA
};

class RaucSystem {
 public:
  static constexpr std::uint64_t kSlotSize = 1 << 20;

  // Makes dir/{pki,slot-a.img,slot-b.img,system.conf,...}, starts the bus and the service.
  [[nodiscard]] static Expected<std::unique_ptr<RaucSystem>, std::string> start(const std::filesystem::path& dir,
                                                                                const std::string& booted = "A");
  ~RaucSystem();
  RaucSystem(const RaucSystem&) = delete;
  RaucSystem& operator=(const RaucSystem&) = delete;

  // A plain-format bundle with one raw image for the rootfs slots, made by `rauc bundle`.
  [[nodiscard]] Expected<std::filesystem::path, std::string> make_bundle(const std::string& name,
                                                                         const std::vector<std::uint8_t>& image,
                                                                         const BundleSpec& spec);

  // Stops the service, picks the slot as a bootloader would (the primary one; the other when the
  // primary is marked bad, which then becomes primary), and starts the service booted from it.
  [[nodiscard]] Expected<void, std::string> reboot();
  // The service stopped (a device whose RAUC is not running); start_service() brings it back.
  void stop_service();
  [[nodiscard]] Expected<void, std::string> start_service();

  // From now on every install stops in RAUC's pre-install handler (after the signature check, before
  // a slot is written) until release_installs(): a test can cut an install in the middle. Restarts
  // the service. install_held() says an install is waiting there.
  [[nodiscard]] Expected<void, std::string> hold_installs();
  [[nodiscard]] bool install_held() const;
  void release_installs();
  // Slot B becomes a loop device over its file (a block device, whose size RAUC cannot grow); an
  // error when loop devices cannot be set up here (not root, no /dev/loop-control). Restarts the service.
  [[nodiscard]] Expected<void, std::string> put_slot_b_on_a_loop_device();

  [[nodiscard]] std::string bus_address() const { return "unix:path=" + (dir_ / "bus.socket").string(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] const Pki& pki() const { return *pki_; }
  [[nodiscard]] std::string booted() const { return booted_; }
  [[nodiscard]] std::filesystem::path slot_file(const std::string& bootname) const;
  // The custom backend's state: the primary bootname, a slot's "good"/"bad".
  [[nodiscard]] std::string primary() const;
  [[nodiscard]] std::string slot_state(const std::string& bootname) const;
  [[nodiscard]] std::string service_log() const;

 private:
  explicit RaucSystem(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] Expected<void, std::string> write_config(bool hold = false);
  [[nodiscard]] std::string slot_b_device() const;
  [[nodiscard]] Expected<void, std::string> start_bus();

  std::filesystem::path dir_;
  std::optional<Pki> pki_;
  std::unique_ptr<ChildProcess> bus_;
  std::unique_ptr<ChildProcess> service_;
  std::string booted_ = "A";
  std::string loop_device_;  // slot B's, when put on one
  bool hold_ = false;
};

}  // namespace awsfota::testing
