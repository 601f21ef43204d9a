// A whole FOTA device from one configuration: the engine (fota::Fota) with real seams around it.
//
// Device builds, from DeviceConfig: the slot files (A/B), the delta staging area, the simulated
// modem, the file boot control, the checkpoint file, the curl downloader with its CA file, the
// signature key, and the event loop whose thread runs the engine. The caller brings the MQTT
// transport (the mosquitto adapter in the agent, an in-memory one in tests) and forwards the MQTT
// client's callbacks to it; those entry points are thread-safe and only post to the loop.
//
//   DeviceConfig cfg;
//   cfg.engine = {.thing_name = "sensor-7", .running_version = "1.0.0"};
//   cfg.slot_a = "/var/lib/awsfota/slot-a.img"; cfg.slot_b = ".../slot-b.img"; cfg.slot_size = 64 << 20;
//   cfg.boot_state = ".../boot.state"; cfg.checkpoint = ".../checkpoint";
//   cfg.http.ca_file = "/etc/awsfota/download-ca.pem";
//   cfg.signing_public_key_pem = read("/etc/awsfota/signing.pub.pem");
//   cfg.reboot = [] { std::system("systemctl reboot"); };
//   cfg.on_event = [](const fota::Event& e) { log_line(e); };
//   auto device = Device::create(std::move(cfg), mqtt);
//   if (!device) die(device.error());
//   (*device)->start();
//   mqtt.on_connect = [&] { (*device)->on_connected(); };        // from the MQTT thread
//   mqtt.on_message = [&](auto t, auto p) { (*device)->on_mqtt_message(t, p); };
//   if ((*device)->boot_outcome() == fota::BootOutcome::Trial && self_test()) (*device)->confirm();
//   (*device)->run();                                             // until stop()
//
// The boot step (dfu::run_boot_step) is not Device's: the launcher or the agent runs it before. With a
// bootloader's boot control (DeviceConfig::boot_control) the bootloader and that control do it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "awsfota/adapters/curl/curl_fetcher.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/download/download.hpp"
#include "awsfota/expected.hpp"
#include "awsfota/fota/fota.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/image/version.hpp"
#include "awsfota/runtime/event_loop.hpp"

namespace awsfota::runtime {

struct DeviceConfig {
  fota::EngineConfig engine;           // thing name, running version, progress throttling, timeouts

  // Application slots: files (created when missing) or block devices, `slot_size` bytes each.
  std::filesystem::path slot_a;
  std::filesystem::path slot_b;
  std::uint64_t slot_size = 0;
  // Partition slots (docs/images.md, "Partition images"): slot_a and slot_b are root filesystem
  // partitions that take partition images, the payload at byte 0; header and TLVs of the image being
  // installed go to `envelope_record` (default: checkpoint + ".envelope"). Application deltas need
  // slots that hold whole images, so delta_staging must be empty then.
  bool partition_slots = false;
  std::filesystem::path envelope_record;
  // Where application deltas are staged before they are applied (empty: no delta updates).
  std::filesystem::path delta_staging;
  std::uint64_t delta_staging_size = 0;  // 0: slot_size
  // The simulated modem's folder and its staging area (empty: no modem updates).
  std::filesystem::path modem_dir;
  std::filesystem::path modem_staging;
  std::uint64_t modem_staging_size = 0;  // 0: slot_size

  std::filesystem::path boot_state;    // the file boot record (FileBootRecordStore)
  // A bootloader's boot control (grub::GrubBootControl, ...), owned by the caller and outliving the
  // Device; null: the file boot record above. With one, boot_state is not used.
  dfu::BootControl* boot_control = nullptr;

  // RAUC systems (docs/rauc.md): RAUC bundles are staged in `staging` and installed by the RAUC
  // service over D-Bus, and RAUC says which slot runs (its BootSlot; `boot_state` is then unused).
  // The slot files above are optional then (slot_size 0: no MCUboot images).
  struct Rauc {
    bool enabled = false;
    std::string bus = "system";                // "system", "session" or a D-Bus address
    std::filesystem::path staging;             // the bundle file, "*.raucb"
    std::uint64_t staging_size = 0;            // the largest bundle taken
    std::string bootname_a = "A", bootname_b = "B";  // RAUC's bootnames of slots A and B
    std::filesystem::path record;              // awsfota's trial record; default checkpoint + ".rauc"
    std::chrono::seconds install_timeout = std::chrono::hours(1);
  } rauc;
  // SWUpdate systems (docs/swupdate.md): .swu files are staged in `staging` and installed by the
  // swupdate daemon over its control socket; SWUpdate's ustate says how an install stands after the
  // reboot (`boot_state` is then unused). The slot files above are optional then.
  struct Swupdate {
    bool enabled = false;
    std::filesystem::path ctrl_socket = "/tmp/sockinstctrl";
    std::filesystem::path progress_socket = "/tmp/swupdateprog";
    std::filesystem::path staging;             // the .swu file
    std::uint64_t staging_size = 0;            // the largest .swu taken
    std::filesystem::path record;              // awsfota's trial record; default checkpoint + ".swupdate"
    std::filesystem::path boot_id = "/proc/sys/kernel/random/boot_id";  // tells a reboot from a restart
    std::chrono::seconds install_timeout = std::chrono::hours(1);
  } swupdate;
  std::filesystem::path checkpoint;    // the engine's checkpoint file (its folder must exist)
  std::filesystem::path staging_record;  // which target holds the staged file; default checkpoint + ".staging"

  // Images: a signature by this key is required when set (PEM "PUBLIC KEY"); else hash-only images pass.
  std::string signing_public_key_pem;
  image::ImageKindMask allowed_kinds = image::kAllImageKinds;
  image::DowngradePolicy downgrade{};  // against engine.running_version when it parses as a version

  // Downloads.
  curl::CurlOptions http{};            // ca_file for HTTPS, timeouts
  bool allow_plain_http = false;       // http:// also for jobs without a sha256 (implied by
                                       // engine.document_options.compat NrfAwsFota)
  download::DownloadOptions download{};  // fragment mode, retry policy
  std::uint64_t commit_interval = 1024 * 1024;  // bytes between durable commits (and checkpoints)

  std::function<void()> reboot;        // runs on the engine thread when the engine asks for a reboot
  fota::EventHandler on_event;         // runs on the engine thread
  fota::Logger* logger = nullptr;      // optional; must outlive the Device
  std::size_t loop_capacity = 4096;    // tasks waiting for the engine thread at most
};

class Device {
 public:
  // Opens and checks everything; a message naming the field or file when something is wrong.
  // `mqtt` must outlive the Device; it is called on the engine thread.
  [[nodiscard]] static Expected<std::unique_ptr<Device>, std::string> create(DeviceConfig config,
                                                                            fota::MqttTransport& mqtt);
  // Stops the loop and the download (joins its thread). The checkpoint stays as it is, like after a
  // power loss at this moment.
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Queues Fota::start() (boot outcome, checkpoint). Call once, before the MQTT entry points.
  void start();

  // MQTT entry points, thread-safe (they post to the engine thread). on_mqtt_message() says at once
  // whether the message is the engine's (a Jobs topic of this thing), as the reference's handler does.
  // With the engine's queue full (DeviceConfig::loop_capacity) a message is dropped and logged, and the
  // engine then asks the service again (Fota::on_messages_lost), so a dropped notify-next delays a
  // job but never loses it; the connection changes and the application calls below are queued all
  // the same. The connection's state is also the download's link signal: while the session is down a
  // failed download waits for it instead of retrying, and retries as soon as it is back.
  fota::MessageResult on_mqtt_message(std::string_view topic, std::string_view payload);
  void on_connected();
  void on_disconnected();

  // Application calls, thread-safe; the engine ignores them where they do not apply (see Fota).
  void confirm();
  void self_test_failed(std::string reason);
  void cancel();

  // Runs fn(fota) on the engine thread (queries, defer_reboot, ...). False when the loop refused it.
  bool post(std::function<void(fota::Fota&)> fn);

  // The engine thread: runs until stop(). run_until() returns when done() holds (checked on the
  // engine thread between tasks) or after budget; true when done().
  void run();
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds budget);
  void stop();  // thread-safe

  // What the boot control found at creation (before any job changed it).
  [[nodiscard]] fota::BootOutcome boot_outcome() const;
  // Engine-thread only (inside post() or run_until's predicate).
  [[nodiscard]] const fota::Fota& fota() const;

 private:
  struct Parts;
  explicit Device(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace awsfota::runtime
