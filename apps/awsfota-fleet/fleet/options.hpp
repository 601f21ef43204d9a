// What awsfota-fleet simulates, from its command line (docs/fleet.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace awsfota::fleet {

// Each device draws its fate once, from the seed: the rates are probabilities per device.
struct FailureMix {
  double self_test = 0.0;   // the new image's self-test fails after the reboot (FAILED SELF_TEST_FAILED)
  double download = 0.0;    // the download gives up (FAILED DOWNLOAD_FAILED)
  double never_back = 0.0;  // the device does not come back after the reboot into the new image
};

struct DeviceProfile {
  std::chrono::milliseconds download_time{2000};  // from the job taken to the image staged
  std::chrono::milliseconds boot_time{1000};      // from the reboot to the MQTT session up again
  double jitter = 0.25;                           // each time is drawn from [t*(1-j), t*(1+j)]
  std::uint64_t image_size = 1024 * 1024;         // when the job document names no size
  std::string running_version = "1.0.0";
  FailureMix failures;
};

struct Endpoints {
  std::string mqtt_host = "127.0.0.1";
  int mqtt_port = 8883;
  std::string api_url = "http://127.0.0.1:8080";  // awsfota-jobsd's control plane
  std::filesystem::path ca_cert;                  // the stack's CA: the broker's issuer and ours
  std::filesystem::path ca_key;                   // signs the devices' certificates
  std::filesystem::path cert_dir;                 // where the devices' certificates and keys go
};

struct FleetOptions {
  std::size_t devices = 1000;
  std::string prefix = "sim";      // things are PREFIX-0000 .. PREFIX-NNNN
  std::size_t first_index = 0;     // number of the first thing (several processes share a fleet)
  std::string group = "sim-fleet"; // thing group that every thing joins ("" for none)
  bool register_things = true;
  std::size_t shards = 0;          // threads that run devices; 0: one per 250 devices
  std::uint64_t seed = 1;
  DeviceProfile profile;
  Endpoints endpoints;
  std::chrono::milliseconds duration{0};      // stop after this long (0: no limit)
  std::chrono::milliseconds idle_exit{0};     // stop once every job seen has ended and nothing moved this long
  std::chrono::milliseconds progress{0};      // a progress line this often (0: none)
  std::filesystem::path ready_file;           // written once every device is online
  std::filesystem::path json_report;          // the final report as JSON too
  std::filesystem::path take_origin_file;     // once it exists: the epoch ms the Take stage counts from
};

// The thing name of device number `index` (counting from first_index): PREFIX-0042.
[[nodiscard]] std::string thing_name(const FleetOptions& options, std::size_t index);

}  // namespace awsfota::fleet
