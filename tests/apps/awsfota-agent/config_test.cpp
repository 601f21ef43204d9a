#include "agent/config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/process.hpp"
#include "support/build_paths.hpp"

namespace {

using awsfota::agent::AgentConfig;
using awsfota::agent::ModemBackendKind;
using awsfota::agent::parse_config;
using awsfota::agent::ProgressDisplay;
using nlohmann::json;
using namespace std::chrono_literals;

// The smallest valid config.
json minimal() {
  return json{{"endpoint", "broker.example.com"},
              {"thing-name", "sensor-7"},
              {"cert", "certs/sensor-7.pem"},
              {"key", "certs/sensor-7.key"},
              {"root-ca", "certs/ca.pem"},
              {"slots", {{"a", "/var/lib/awsfota/slot-a.img"}, {"b", "/var/lib/awsfota/slot-b.img"}, {"size", 1048576}}}};
}

awsfota::Expected<AgentConfig, awsfota::agent::ConfigError> parse(const json& j) {
  return parse_config(j.dump(), "/etc/awsfota");
}

// The error message for `j`, or a note that it parsed.
std::string error_of(const json& j) {
  auto c = parse(j);
  return c ? std::string("(parsed)") : c.error().message;
}

json with(json base, const json::json_pointer& where, json value) {
  base[where] = std::move(value);
  return base;
}

TEST(AgentConfig_Full, ParsesEveryFieldOfTheDocumentedExample) {
  std::ifstream in(awsfota::testing::source_dir() / "apps" / "awsfota-agent" / "example-config.json");
  ASSERT_TRUE(in) << "apps/awsfota-agent/example-config.json is missing";
  std::stringstream text;
  text << in.rdbuf();
  auto c = parse_config(text.str(), "/etc/awsfota");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->mqtt.endpoint, "abc123example-ats.iot.eu-central-1.amazonaws.com");
  EXPECT_EQ(c->mqtt.port, 443);
  EXPECT_EQ(c->mqtt.thing_name, "sensor-7");
  EXPECT_EQ(c->mqtt.cert, "/etc/awsfota/certs/sensor-7.pem.crt");
  EXPECT_EQ(c->mqtt.key, "/etc/awsfota/certs/sensor-7.private.key");
  EXPECT_EQ(c->mqtt.root_ca, "/etc/awsfota/certs/AmazonRootCA1.pem");
  EXPECT_EQ(awsfota::agent::effective_alpn(c->mqtt), std::optional<std::string>("x-amzn-mqtt-ca"));
  EXPECT_EQ(c->mqtt.keepalive, 60s);
  EXPECT_EQ(c->mqtt.reconnect_min, 1000ms);
  EXPECT_EQ(c->mqtt.reconnect_max, 60000ms);
  EXPECT_EQ(c->state_dir, "/var/lib/awsfota");
  EXPECT_EQ(c->checkpoint_file, "/var/lib/awsfota/checkpoint");
  EXPECT_EQ(c->slots.a, "/var/lib/awsfota/slot-a.img");
  EXPECT_EQ(c->slots.b, "/var/lib/awsfota/slot-b.img");
  EXPECT_EQ(c->slots.size, 16777216u);
  EXPECT_EQ(c->staging.path, "/var/lib/awsfota/staging.img");
  EXPECT_EQ(c->staging.size, 16777216u);
  EXPECT_EQ(c->boot.state_file, "/var/lib/awsfota/boot.state");
  EXPECT_TRUE(c->boot.run_boot_step);
  EXPECT_EQ(c->modem.backend, ModemBackendKind::Simulated);
  EXPECT_EQ(c->modem.dir, "/var/lib/awsfota/modem");
  EXPECT_EQ(c->modem.staging_size, 4194304u);
  EXPECT_EQ(c->running_version, std::nullopt);
  EXPECT_EQ(c->download.fragment_size, std::optional<std::uint64_t>(1048576));
  EXPECT_EQ(c->download.ca_file, "");
  EXPECT_FALSE(c->download.allow_plain_http);
  EXPECT_EQ(c->compat, awsfota::jobs::Compat::None);
  EXPECT_EQ(c->download.stall_timeout, 30s);
  EXPECT_EQ(c->download.retry.initial_delay, 500ms);
  EXPECT_EQ(c->download.retry.max_delay, 30000ms);
  EXPECT_EQ(c->download.retry.max_attempts, 0u);
  EXPECT_EQ(c->download.retry.give_up_after, 6h);
  EXPECT_EQ(c->progress.min_interval, 10s);
  EXPECT_EQ(c->progress.min_percent, 10u);
  EXPECT_EQ(c->verify.public_key, "/etc/awsfota/keys/firmware.pub.pem");
  EXPECT_FALSE(c->verify.allow_downgrade);
  EXPECT_EQ(c->self_test.command, "/usr/libexec/awsfota/self-test");
  EXPECT_EQ(c->self_test.timeout, 60s);
  EXPECT_EQ(c->self_test.confirm_timeout, 300s);
  EXPECT_EQ(c->reboot.command, "systemctl reboot");
  EXPECT_EQ(c->display, ProgressDisplay::Auto);
}

TEST(AgentConfig_Defaults, FillsEverythingOptional) {
  auto c = parse(minimal());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->mqtt.port, 8883);
  EXPECT_EQ(awsfota::agent::effective_alpn(c->mqtt), std::nullopt);
  EXPECT_EQ(c->mqtt.cert, "/etc/awsfota/certs/sensor-7.pem");  // relative to the config's folder
  EXPECT_EQ(c->state_dir, "/var/lib/awsfota");
  EXPECT_EQ(c->checkpoint_file, "/var/lib/awsfota/checkpoint");
  EXPECT_EQ(c->boot.state_file, "/var/lib/awsfota/boot.state");
  EXPECT_TRUE(c->staging.path.empty());
  EXPECT_EQ(c->modem.backend, ModemBackendKind::None);
  EXPECT_EQ(c->download.fragment_size, std::nullopt);
  EXPECT_EQ(c->self_test.command, "");
  EXPECT_EQ(c->reboot.command, "");
}

TEST(AgentConfig_Json, RejectsTextThatIsNotJsonWithThePosition) {
  auto c = parse_config("{\"endpoint\": ", "/");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("config: not valid JSON"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("line 1"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("json.exception"), std::string::npos) << "the library's tag leaks: " << c.error().message;
  EXPECT_TRUE(c.error().message.starts_with("config: not valid JSON: parse error at line 1, column ")) << c.error().message;
}

class AgentConfig_File : public ::testing::Test {
 protected:
  awsfota::testing::TempDir dir{"agent-config"};
  const std::filesystem::path& dir_ = dir.path();
};

TEST_F(AgentConfig_File, ADirectoryIsNamedAsADirectory) {
  auto text = awsfota::agent::read_config_file(dir_);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message, "config: " + dir_.string() + " is a directory, not a config file");
}

TEST_F(AgentConfig_File, AMissingFileIsNamedWithThePath) {
  auto text = awsfota::agent::read_config_file(dir_ / "agent.json");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message, "config: cannot read " + (dir_ / "agent.json").string() +
                                         ": No such file or directory");
}

TEST_F(AgentConfig_File, ReadsTheWholeFile) {
  const std::string written = minimal().dump(2);
  std::ofstream(dir_ / "agent.json", std::ios::binary) << written;
  auto text = awsfota::agent::read_config_file(dir_ / "agent.json");
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, written);
  EXPECT_TRUE(parse_config(*text, dir_));
}

TEST(AgentConfig_Json, AcceptsComments) {
  std::string text = minimal().dump();
  text.insert(1, "// the device\n");
  EXPECT_TRUE(parse_config(text, "/"));
}

TEST(AgentConfig_Json, RejectsANonObjectDocument) {
  EXPECT_EQ(error_of(json::array()), "config: expected an object, got []");
}

TEST(AgentConfig_Json, RejectsAnUnknownFieldByName) {
  EXPECT_EQ(error_of(with(minimal(), "/thing_name"_json_pointer, "x")),
            "config: thing_name: unknown field (check its spelling in docs/agent.md)");
  EXPECT_EQ(error_of(with(minimal(), "/download/fragmentsize"_json_pointer, 5)),
            "config: download.fragmentsize: unknown field (check its spelling in docs/agent.md)");
}

// Each required field, removed, is named.
TEST(AgentConfig_Required, NamesEachMissingField) {
  for (const char* field : {"endpoint", "thing-name", "cert", "key", "root-ca"}) {
    json j = minimal();
    j.erase(field);
    EXPECT_EQ(error_of(j), std::string("config: ") + field + ": is required");
  }
  for (const char* field : {"a", "b"}) {
    json j = minimal();
    j["slots"].erase(field);
    EXPECT_EQ(error_of(j), std::string("config: slots.") + field + ": is required");
  }
  json no_size = minimal();
  no_size["slots"].erase("size");
  EXPECT_EQ(error_of(no_size), "config: slots.size: is required (bytes per slot)");
  json no_slots = minimal();
  no_slots.erase("slots");
  EXPECT_NE(error_of(no_slots).find("config: slots: is required"), std::string::npos);
}

TEST(AgentConfig_Connection, RejectsWrongTypesAndValues) {
  EXPECT_EQ(error_of(with(minimal(), "/endpoint"_json_pointer, 5)), "config: endpoint: expected a string, got 5");
  EXPECT_NE(error_of(with(minimal(), "/endpoint"_json_pointer, "mqtts://host:8883")).find("config: endpoint: expected a host name"),
            std::string::npos);
  EXPECT_EQ(error_of(with(minimal(), "/endpoint"_json_pointer, "")), "config: endpoint: must not be empty");
  EXPECT_EQ(error_of(with(minimal(), "/port"_json_pointer, 0)), "config: port: expected a port number 1..65535, got 0");
  EXPECT_EQ(error_of(with(minimal(), "/port"_json_pointer, 70000)),
            "config: port: expected a port number 1..65535, got 70000");
  EXPECT_EQ(error_of(with(minimal(), "/port"_json_pointer, "8883")),
            "config: port: expected a port number 1..65535, got \"8883\"");
  EXPECT_NE(error_of(with(minimal(), "/thing-name"_json_pointer, "bad name")).find("config: thing-name: expected 1..128"),
            std::string::npos);
  EXPECT_EQ(error_of(with(minimal(), "/cert"_json_pointer, json::array())), "config: cert: expected a string, got []");
}

TEST(AgentConfig_Connection, AlpnDefaultsOnPort443AndCanBeTurnedOff) {
  auto on443 = parse(with(minimal(), "/port"_json_pointer, 443));
  ASSERT_TRUE(on443);
  EXPECT_EQ(awsfota::agent::effective_alpn(on443->mqtt), std::optional<std::string>("x-amzn-mqtt-ca"));
  auto off = parse(with(with(minimal(), "/port"_json_pointer, 443), "/alpn"_json_pointer, ""));
  ASSERT_TRUE(off);
  EXPECT_EQ(awsfota::agent::effective_alpn(off->mqtt), std::nullopt);
  auto custom = parse(with(minimal(), "/alpn"_json_pointer, "mqtt"));
  ASSERT_TRUE(custom);
  EXPECT_EQ(awsfota::agent::effective_alpn(custom->mqtt), std::optional<std::string>("mqtt"));
  EXPECT_EQ(error_of(with(minimal(), "/alpn"_json_pointer, true)), "config: alpn: expected a string, got true");
}

TEST(AgentConfig_Mqtt, ValidatesKeepaliveAndReconnect) {
  EXPECT_EQ(error_of(with(minimal(), "/mqtt/keepalive-seconds"_json_pointer, 1)),
            "config: mqtt.keepalive-seconds: expected an integer 5..1200, got 1");
  EXPECT_EQ(error_of(with(minimal(), "/mqtt/reconnect-min-ms"_json_pointer, -5)),
            "config: mqtt.reconnect-min-ms: expected an integer 10..3600000, got -5");
  json j = minimal();
  j["mqtt"] = {{"reconnect-min-ms", 5000}, {"reconnect-max-ms", 1000}};
  EXPECT_EQ(error_of(j), "config: mqtt.reconnect-max-ms: must not be less than mqtt.reconnect-min-ms");
  EXPECT_EQ(error_of(with(minimal(), "/mqtt/connect-timeout-seconds"_json_pointer, 1.5)),
            "config: mqtt.connect-timeout-seconds: expected an integer 1..600, got 1.5");
  EXPECT_EQ(error_of(with(minimal(), "/mqtt"_json_pointer, 3)), "config: mqtt: expected an object, got 3");
}

TEST(AgentConfig_Storage, GrubBackendTakesItsEnvironmentAndCommandLineFiles) {
  auto c = parse(with(minimal(), "/boot"_json_pointer, {{"backend", "grub"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->boot.backend, awsfota::agent::BootBackend::Grub);
  EXPECT_EQ(c->boot.grub_env_file, "/boot/grub/grubenv");
  EXPECT_EQ(c->boot.cmdline_file, "/proc/cmdline");
  c = parse(with(minimal(), "/boot"_json_pointer,
                 {{"backend", "grub"}, {"cmdline-file", "cmdline"}, {"grub", {{"env-file", "/boot/efi/grubenv"}}}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->boot.grub_env_file, "/boot/efi/grubenv");
  EXPECT_EQ(c->boot.cmdline_file, "/etc/awsfota/cmdline");
  EXPECT_EQ(error_of(with(minimal(), "/boot"_json_pointer, {{"grub", {{"env-file", "/boot/grub/grubenv"}}}})),
            "config: boot.grub: only with boot.backend \"grub\"");
  EXPECT_EQ(error_of(with(minimal(), "/boot"_json_pointer, {{"backend", "grub"}, {"grub", {{"env", "x"}}}})),
            "config: boot.grub.env: unknown field (check its spelling in docs/agent.md)");
}

TEST(AgentConfig_Storage, ValidatesSlotsStagingAndBoot) {
  EXPECT_EQ(error_of(with(minimal(), "/slots/size"_json_pointer, 0)),
            "config: slots.size: expected a positive integer (bytes), got 0");
  EXPECT_EQ(error_of(with(minimal(), "/slots/b"_json_pointer, "/var/lib/awsfota/slot-a.img")),
            "config: slots.b: must differ from slots.a");
  EXPECT_EQ(error_of(with(minimal(), "/staging"_json_pointer, {{"path", "/var/lib/awsfota/slot-a.img"}})),
            "config: staging.path: must differ from both slots");
  EXPECT_EQ(error_of(with(minimal(), "/staging"_json_pointer, {{"size", 5}})), "config: staging.path: is required");
  EXPECT_EQ(error_of(with(with(minimal(), "/slots/partition"_json_pointer, true), "/staging"_json_pointer,
                          {{"path", "/var/lib/awsfota/staging.img"}})),
            "config: staging: application deltas need slots that hold whole images, not slots.partition");
  EXPECT_EQ(error_of(with(minimal(), "/slots/partition"_json_pointer, 1)),
            "config: slots.partition: expected true or false, got 1");
  auto partitions = parse(with(minimal(), "/slots/partition"_json_pointer, true));
  ASSERT_TRUE(partitions) << partitions.error().message;
  EXPECT_TRUE(partitions->slots.partition);
  EXPECT_FALSE(parse(minimal())->slots.partition);
  EXPECT_EQ(error_of(with(minimal(), "/boot/backend"_json_pointer, "lilo")),
            "config: boot.backend: expected \"file\", \"grub\" or \"uboot\", got \"lilo\"");
  EXPECT_EQ(error_of(with(minimal(), "/boot/run-boot-step"_json_pointer, "yes")),
            "config: boot.run-boot-step: expected true or false, got \"yes\"");
  auto c = parse(with(with(minimal(), "/state-dir"_json_pointer, "state"), "/boot/run-boot-step"_json_pointer, false));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->state_dir, "/etc/awsfota/state");
  EXPECT_EQ(c->checkpoint_file, "/etc/awsfota/state/checkpoint");
  EXPECT_EQ(c->boot.state_file, "/etc/awsfota/state/boot.state");
  EXPECT_FALSE(c->boot.run_boot_step);
  EXPECT_FALSE(c->boot.once_per_boot);  // unset: yes when a reboot command is configured
  EXPECT_EQ(c->boot.boot_id_file, std::filesystem::path("/proc/sys/kernel/random/boot_id"));
  auto once = parse(with(with(minimal(), "/boot/boot-id-file"_json_pointer, "run/boot-id"), "/boot/once-per-boot"_json_pointer, true));
  ASSERT_TRUE(once) << once.error().message;
  EXPECT_EQ(once->boot.boot_id_file, std::filesystem::path("/etc/awsfota/run/boot-id"));
  EXPECT_EQ(once->boot.once_per_boot, std::optional<bool>(true));
  auto staged = parse(with(minimal(), "/staging"_json_pointer, {{"path", "staging.img"}}));
  ASSERT_TRUE(staged);
  EXPECT_EQ(staged->staging.size, staged->slots.size);  // defaults to a slot's size
}

TEST(AgentConfig_Boot, UBootBackendReadsTheCommandLineAndFwEnvConfig) {
  auto defaults = parse(with(minimal(), "/boot/backend"_json_pointer, "uboot"));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->boot.backend, awsfota::agent::BootBackend::UBoot);
  EXPECT_EQ(defaults->boot.cmdline_file, std::filesystem::path("/proc/cmdline"));
  EXPECT_EQ(defaults->boot.uboot_fw_env_config, std::filesystem::path("/etc/fw_env.config"));
  auto set = parse(with(minimal(), "/boot"_json_pointer,
                        {{"backend", "uboot"}, {"cmdline-file", "run/cmdline"}, {"uboot", {{"fw-env-config", "fw_env.config"}}}}));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->boot.cmdline_file, std::filesystem::path("/etc/awsfota/run/cmdline"));
  EXPECT_EQ(set->boot.uboot_fw_env_config, std::filesystem::path("/etc/awsfota/fw_env.config"));
  EXPECT_EQ(error_of(with(minimal(), "/boot"_json_pointer, {{"uboot", {{"fw-env-config", "x"}}}})),
            "config: boot.uboot: only with boot.backend \"uboot\"");
  EXPECT_EQ(error_of(with(minimal(), "/boot"_json_pointer, {{"backend", "uboot"}, {"uboot", {{"fw-env", "x"}}}})),
            "config: boot.uboot.fw-env: unknown field (check its spelling in docs/agent.md)");
}

TEST(AgentConfig_Modem, ValidatesTheBackendAndItsFields) {
  EXPECT_EQ(error_of(with(minimal(), "/modem/backend"_json_pointer, "nrf")),
            "config: modem.backend: expected \"none\" or \"simulated\", got \"nrf\"");
  EXPECT_EQ(error_of(with(minimal(), "/modem"_json_pointer, {{"backend", "simulated"}})), "config: modem.dir: is required");
  EXPECT_EQ(error_of(with(minimal(), "/modem"_json_pointer, {{"backend", "simulated"}, {"dir", "m"}, {"staging", "s"}})),
            "config: modem.staging-size: is required with the simulated modem (bytes)");
  auto c = parse(with(minimal(), "/modem"_json_pointer,
                      {{"backend", "simulated"}, {"dir", "m"}, {"staging", "s"}, {"staging-size", 4096}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->modem.backend, ModemBackendKind::Simulated);
  EXPECT_EQ(c->modem.dir, "/etc/awsfota/m");
}

TEST(AgentConfig_Download, ValidatesEachOption) {
  EXPECT_EQ(error_of(with(minimal(), "/download/fragment-size"_json_pointer, -1)),
            "config: download.fragment-size: expected a positive integer, got -1");
  EXPECT_EQ(error_of(with(minimal(), "/download/fragment-size"_json_pointer, 0)),
            "config: download.fragment-size: expected a positive integer, got 0");
  EXPECT_EQ(error_of(with(minimal(), "/download/allow-plain-http"_json_pointer, 1)),
            "config: download.allow-plain-http: expected true or false, got 1");
  EXPECT_EQ(error_of(with(minimal(), "/download/stall-timeout-seconds"_json_pointer, 0)),
            "config: download.stall-timeout-seconds: expected an integer 1..3600, got 0");
  EXPECT_EQ(error_of(with(minimal(), "/download/commit-interval"_json_pointer, 100)),
            "config: download.commit-interval: expected an integer of at least 4096 (bytes), got 100");
  EXPECT_EQ(error_of(with(minimal(), "/download/retry/max-attempts"_json_pointer, -1)),
            "config: download.retry.max-attempts: expected an integer 0..100000 (0: no bound), got -1");
  json j = minimal();
  j["download"]["retry"] = {{"initial-delay-ms", 2000}, {"max-delay-ms", 100}};
  EXPECT_EQ(error_of(j), "config: download.retry.max-delay-ms: must not be less than download.retry.initial-delay-ms");
  auto c = parse(with(with(minimal(), "/download/ca-file"_json_pointer, "ca.pem"), "/download/allow-plain-http"_json_pointer, true));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->download.ca_file, "/etc/awsfota/ca.pem");
  EXPECT_TRUE(c->download.allow_plain_http);
}

TEST(AgentConfig_Compat, NrfAwsFotaAllowsPlainHttpAndOtherValuesAreRefusedByName) {
  auto none = parse(minimal());
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->compat, awsfota::jobs::Compat::None);
  EXPECT_FALSE(none->download.allow_plain_http);

  auto reference = parse(with(minimal(), "/compat"_json_pointer, "nrf-aws-fota"));
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_EQ(reference->compat, awsfota::jobs::Compat::NrfAwsFota);
  EXPECT_TRUE(reference->download.allow_plain_http) << "the reference's documents say \"http:\" and carry no digest";
  auto explicit_none = parse(with(minimal(), "/compat"_json_pointer, "none"));
  ASSERT_TRUE(explicit_none) << explicit_none.error().message;
  EXPECT_EQ(explicit_none->compat, awsfota::jobs::Compat::None);

  EXPECT_EQ(error_of(with(minimal(), "/compat"_json_pointer, "nrf")),
            "config: compat: expected \"none\" or \"nrf-aws-fota\", got \"nrf\"");
  EXPECT_EQ(error_of(with(minimal(), "/compat"_json_pointer, true)), "config: compat: expected a string, got true");
  EXPECT_EQ(error_of(with(minimal(), "/compat"_json_pointer, "")), "config: compat: must not be empty");
  // Saying both "no plain http" and "as the reference" is a contradiction, not a preference.
  EXPECT_EQ(error_of(with(with(minimal(), "/compat"_json_pointer, "nrf-aws-fota"), "/download/allow-plain-http"_json_pointer,
                          false)),
            "config: download.allow-plain-http: cannot be false with \"compat\": \"nrf-aws-fota\" (the reference's "
            "documents are plain http); drop one of the two");
  auto both = parse(with(with(minimal(), "/compat"_json_pointer, "nrf-aws-fota"), "/download/allow-plain-http"_json_pointer, true));
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_TRUE(both->download.allow_plain_http);
}

TEST(AgentConfig_Behaviour, ValidatesVersionProgressVerifySelfTestRebootAndLog) {
  EXPECT_EQ(error_of(with(minimal(), "/running-version"_json_pointer, "latest")),
            "config: running-version: expected a version like \"v1.0.2\" or \"1.0.2+7\", got \"latest\"");
  EXPECT_EQ(error_of(with(minimal(), "/progress/min-percent"_json_pointer, 0)),
            "config: progress.min-percent: expected an integer 1..100, got 0");
  EXPECT_EQ(error_of(with(minimal(), "/verify/public-key"_json_pointer, 7)),
            "config: verify.public-key: expected a string, got 7");
  EXPECT_EQ(error_of(with(minimal(), "/self-test/timeout-seconds"_json_pointer, 0)),
            "config: self-test.timeout-seconds: expected an integer 1..86400, got 0");
  EXPECT_EQ(error_of(with(minimal(), "/self-test"_json_pointer, {{"timeout-seconds", 600}, {"confirm-timeout-seconds", 60}})),
            "config: self-test.confirm-timeout-seconds: must be longer than self-test.timeout-seconds");
  EXPECT_EQ(error_of(with(minimal(), "/reboot/command"_json_pointer, json::array({"reboot"}))),
            "config: reboot.command: expected a string, got [\"reboot\"]");
  EXPECT_EQ(error_of(with(minimal(), "/log/progress"_json_pointer, "fancy")),
            "config: log.progress: expected \"auto\", \"bar\" or \"lines\", got \"fancy\"");
  auto c = parse(with(with(minimal(), "/running-version"_json_pointer, "v1.0.0"), "/log/progress"_json_pointer, "lines"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->running_version, std::optional<std::string>("v1.0.0"));
  EXPECT_EQ(c->display, ProgressDisplay::Lines);
}

TEST(AgentConfig_Json, TreatsNullAsAbsent) {
  auto c = parse(with(minimal(), "/port"_json_pointer, nullptr));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->mqtt.port, 8883);
}

}  // namespace
