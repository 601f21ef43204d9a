// The agent's configuration: a JSON file in the style of the AWS IoT Device Client's (the connection
// fields keep that program's names: "endpoint", "cert", "key", "root-ca", "thing-name"), parsed by a
// pure function into AgentConfig. Every field is described in docs/agent.md.
//
// parse_config() does no I/O: it checks types, ranges and the rules between fields, fills defaults,
// and resolves relative paths against `base_dir` (the config file's folder). Whether the files exist
// is checked later, when the agent opens them. Every error names the field:
//
//   auto config = awsfota::agent::parse_config(text, "/etc/awsfota");
//   if (!config) { std::cerr << config.error().message << "\n"; return 78; }
//   // "config: download.fragment-size: expected a positive integer, got -1"
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"
#include "awsfota/jobs/job_document.hpp"

namespace awsfota::agent {

// The ALPN protocol AWS IoT Core expects for MQTT with client certificates on port 443.
inline constexpr const char* kAwsMqttAlpn = "x-amzn-mqtt-ca";

struct MqttSettings {
  std::string endpoint;                 // host name or IP address of the broker / AWS IoT endpoint
  int port = 8883;
  std::string thing_name;               // also the MQTT client id
  std::filesystem::path cert;           // device certificate (PEM)
  std::filesystem::path key;            // its private key (PEM)
  std::filesystem::path root_ca;        // CA that signed the broker's certificate (PEM)
  std::optional<std::string> alpn;      // TLS ALPN protocol; defaults to kAwsMqttAlpn on port 443
  std::chrono::seconds keepalive{60};
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{60'000};
  std::chrono::seconds connect_timeout{10};
};

struct SlotSettings {
  std::filesystem::path a;             // slot A: a file or a block device
  std::filesystem::path b;             // slot B
  std::uint64_t size = 0;              // capacity of each slot file (block devices: their own size)
  bool partition = false;              // root filesystem partitions, which take partition images
};

struct StagingSettings {
  std::filesystem::path path;          // where application deltas are staged before they are applied
  std::uint64_t size = 0;              // its capacity
};

// File: awsfota's own boot record (the agent's start runs the boot step). Grub: GRUB chooses the slot
// (packaging/grub/awsfota.cfg) from its environment block, and the running slot is read from the
// kernel command line; the agent runs no boot step of its own (docs/boot.md).
// UBoot: U-Boot chooses the slot (packaging/u-boot/boot.cmd) from its environment, which awsfota reads
// and writes with libubootenv (boot.uboot.fw-env-config).
enum class BootBackend { File, Grub, UBoot };

struct BootSettings {
  BootBackend backend = BootBackend::File;
  std::filesystem::path state_file;    // the file boot control's record
  bool run_boot_step = true;           // the agent's start is the boot (false: a launcher ran awsfota-boot)
  // With the boot step: run it once per boot, the boot named by the text of boot_id_file, so that a
  // restart of the agent (after a failed reboot command, or by systemd) is not taken for a reboot.
  // Unset: yes when a reboot command is configured; no otherwise (every start is a boot, as in the
  // demo, where the agent's exit and next start are the reboot).
  std::optional<bool> once_per_boot;
  std::filesystem::path boot_id_file = "/proc/sys/kernel/random/boot_id";
  // Bootloader backends: where the bootloader's rauc.slot= (or awsfota.slot=) is read, and GRUB's env.
  std::filesystem::path cmdline_file = "/proc/cmdline";
  std::filesystem::path grub_env_file = "/boot/grub/grubenv";
  std::filesystem::path uboot_fw_env_config = "/etc/fw_env.config";  // libubootenv's, as fw_printenv -c takes it
};

// A RAUC system (docs/rauc.md): RAUC bundles are installed by the RAUC service, and RAUC says which
// slot runs. Then `slots` is optional (without it no MCUboot images) and the agent runs no boot step.
struct RaucSettings {
  std::string bus = "system";          // "system", "session" or a D-Bus address
  std::filesystem::path staging;       // where a bundle is downloaded, "*.raucb"
  std::uint64_t staging_size = 0;      // the largest bundle taken
  std::string bootname_a = "A", bootname_b = "B";
  std::chrono::seconds install_timeout = std::chrono::hours(1);
};

// A SWUpdate system (docs/swupdate.md): .swu files are installed by the swupdate daemon over its
// control socket, and SWUpdate's ustate says how an install stands after the reboot. Then `slots` is
// optional and the agent runs no boot step.
struct SwupdateSettings {
  std::filesystem::path staging;       // where a .swu is downloaded
  std::uint64_t staging_size = 0;      // the largest .swu taken
  std::filesystem::path ctrl_socket = "/tmp/sockinstctrl";
  std::filesystem::path progress_socket = "/tmp/swupdateprog";
  std::chrono::seconds install_timeout = std::chrono::hours(1);
};

enum class ModemBackendKind { None, Simulated };

struct ModemSettings {
  ModemBackendKind backend = ModemBackendKind::None;
  std::filesystem::path dir;           // the simulated modem's folder
  std::filesystem::path staging;       // where modem images are staged
  std::uint64_t staging_size = 0;
};

struct RetrySettings {
  std::chrono::milliseconds initial_delay{500};
  std::chrono::milliseconds max_delay{30'000};
  unsigned max_attempts = 0;                 // 0: no bound, the outage limit decides
  std::chrono::seconds give_up_after{6 * 3600};  // the outage limit: time without new bytes
};

struct DownloadSettings {
  std::optional<std::uint64_t> fragment_size;  // bytes per Range request; none: one streaming request
  RetrySettings retry;
  std::filesystem::path ca_file;               // trusted CAs for HTTPS downloads; empty: the system's
  bool allow_plain_http = false;               // http:// without a sha256 in the job document
  std::chrono::seconds stall_timeout{30};
  std::chrono::seconds connect_timeout{10};
  std::uint64_t commit_interval = 1024 * 1024;  // bytes between durable commits (checkpoints)
};

struct ProgressSettings {
  std::chrono::seconds min_interval{10};       // progress reports to the service at most this often...
  unsigned min_percent = 10;                   // ...and only after this many percent more
};

struct VerifySettings {
  std::filesystem::path public_key;            // PEM; empty: hash-only images are accepted
  bool allow_downgrade = false;
};

struct SelfTestSettings {
  std::string command;                         // run with /bin/sh -c after a trial boot; empty: confirm at once
  std::chrono::seconds timeout{60};
  std::chrono::seconds confirm_timeout{300};   // the engine fails the job if no verdict comes in this time
};

struct RebootSettings {
  std::string command;                         // run with /bin/sh -c; empty: the agent exits (its restart is the reboot)
};

enum class ProgressDisplay { Auto, Bar, Lines };

struct AgentConfig {
  MqttSettings mqtt;
  SlotSettings slots;
  StagingSettings staging;
  BootSettings boot;
  std::filesystem::path checkpoint_file;
  std::filesystem::path state_dir;             // small state files of the runtime (staging record)
  ModemSettings modem;
  std::optional<RaucSettings> rauc;
  std::optional<SwupdateSettings> swupdate;
  std::optional<std::string> running_version;  // none: read from the active slot's image header
  DownloadSettings download;
  ProgressSettings progress;
  VerifySettings verify;
  SelfTestSettings self_test;
  RebootSettings reboot;
  ProgressDisplay display = ProgressDisplay::Auto;
  // "compat": "nrf-aws-fota" reads job documents as the reference does (no sha256: size ignored,
  // plain http allowed; download.allow_plain_http is then true).
  jobs::Compat compat = jobs::Compat::None;
};

struct ConfigError {
  std::string field;    // "download.fragment-size"; empty for the document as a whole
  std::string message;  // "config: download.fragment-size: expected a positive integer, got -1"
};

// The text of the config file at `path`. A missing or unreadable file, or a directory, is an error in
// plain words naming the path (the one function here that does I/O).
//
//   auto text = awsfota::agent::read_config_file("/etc/awsfota/agent.json");
//   if (!text) { std::cerr << text.error().message << "\n"; return 78; }
//   // "config: /etc/awsfota is a directory, not a config file"
[[nodiscard]] Expected<std::string, ConfigError> read_config_file(const std::filesystem::path& path);

// Parses the JSON text of a config file. Relative paths are taken relative to base_dir.
[[nodiscard]] Expected<AgentConfig, ConfigError> parse_config(std::string_view json_text,
                                                             const std::filesystem::path& base_dir);

// The ALPN protocol to offer: the configured one, else kAwsMqttAlpn on port 443, else none.
[[nodiscard]] std::optional<std::string> effective_alpn(const MqttSettings& mqtt);

}  // namespace awsfota::agent
