#include "agent/config.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <utility>
#include <vector>

#include "awsfota/image/version.hpp"

namespace awsfota::agent {
namespace {

using nlohmann::json;

// Thrown inside this file only, to leave the nested readers at the first error; parse_config turns
// it into a ConfigError.
struct Failure {
  ConfigError error;
};

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw Failure{ConfigError{field, "config: " + (field.empty() ? std::string() : field + ": ") + what}};
}

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// One JSON object of the config: typed getters that name the field in errors, and a check that no
// unknown (misspelt) key is left.
class Section {
 public:
  Section(const json& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {
    if (!object_.is_object()) fail(prefix_, "expected an object, got " + describe(object_));
  }

  [[nodiscard]] std::string field(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  const json* find(const std::string& key) {
    known_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::optional<std::string> string(const std::string& key, bool allow_empty = false) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(field(key), "expected a string, got " + describe(*v));
    auto s = v->get<std::string>();
    if (s.empty() && !allow_empty) fail(field(key), "must not be empty");
    return s;
  }
  std::string required_string(const std::string& key) {
    auto s = string(key);
    if (!s) fail(field(key), "is required");
    return *s;
  }

  std::optional<bool> boolean(const std::string& key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(field(key), "expected true or false, got " + describe(*v));
    return v->get<bool>();
  }

  // An integer in [min, max]; `what` says what is expected ("a positive integer").
  std::optional<std::uint64_t> integer(const std::string& key, std::uint64_t min, std::uint64_t max,
                                       const std::string& what) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (v->is_number_unsigned()) {
      const auto n = v->get<std::uint64_t>();
      if (n >= min && n <= max) return n;
    }
    fail(field(key), "expected " + what + ", got " + describe(*v));
  }

  // Present and not null (without reading it: the field stays to be read).
  [[nodiscard]] bool has(const std::string& key) const {
    auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
  }

  // ["a", "b"]: two non-empty strings.
  std::optional<std::pair<std::string, std::string>> string_pair(const std::string& key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_string() || !(*v)[1].is_string()) {
      fail(field(key), "expected two strings, got " + describe(*v));
    }
    return std::pair{(*v)[0].get<std::string>(), (*v)[1].get<std::string>()};
  }

  std::optional<Section> section(const std::string& key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return Section(*v, field(key));
  }

  void reject_unknown() const {
    for (const auto& [key, value] : object_.items()) {
      if (!known_.contains(key)) fail(field(key), "unknown field (check its spelling in docs/agent.md)");
    }
  }

 private:
  const json& object_;
  std::string prefix_;
  std::set<std::string> known_;
};

constexpr std::uint64_t kMaxSize = std::uint64_t{1} << 48;  // 256 TiB: larger is surely a typo

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& text) {
  std::filesystem::path p(text);
  return p.is_absolute() || base.empty() ? p : (base / p).lexically_normal();
}

std::filesystem::path path_of(Section& s, const std::string& key, const std::filesystem::path& base) {
  auto text = s.string(key);
  return text ? resolve(base, *text) : std::filesystem::path();
}

std::filesystem::path required_path(Section& s, const std::string& key, const std::filesystem::path& base) {
  return resolve(base, s.required_string(key));
}

template <class Duration>
void duration(Section& s, const std::string& key, Duration& out, std::uint64_t min, std::uint64_t max,
              const std::string& what) {
  if (auto n = s.integer(key, min, max, what)) out = Duration(static_cast<typename Duration::rep>(*n));
}

// The AWS thing-name rules (also a valid MQTT client id): 1..128 of [a-zA-Z0-9:_-].
bool valid_thing_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void read_connection(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto& m = c.mqtt;
  m.endpoint = root.required_string("endpoint");
  if (m.endpoint.find("://") != std::string::npos || m.endpoint.find('/') != std::string::npos) {
    fail("endpoint", "expected a host name without scheme or path (e.g. abc123-ats.iot.eu-central-1.amazonaws.com), got \"" +
                         m.endpoint + "\"");
  }
  if (auto port = root.integer("port", 1, 65535, "a port number 1..65535")) m.port = static_cast<int>(*port);
  m.thing_name = root.required_string("thing-name");
  if (!valid_thing_name(m.thing_name)) {
    fail("thing-name", "expected 1..128 of letters, digits, ':', '_' and '-', got \"" + m.thing_name + "\"");
  }
  m.cert = required_path(root, "cert", base);
  m.key = required_path(root, "key", base);
  m.root_ca = required_path(root, "root-ca", base);
  if (auto alpn = root.string("alpn", /*allow_empty=*/true)) m.alpn = *alpn;

  if (auto s = root.section("mqtt")) {
    duration(*s, "keepalive-seconds", m.keepalive, 5, 1200, "an integer 5..1200");
    duration(*s, "reconnect-min-ms", m.reconnect_min, 10, 3'600'000, "an integer 10..3600000");
    duration(*s, "reconnect-max-ms", m.reconnect_max, 10, 3'600'000, "an integer 10..3600000");
    duration(*s, "connect-timeout-seconds", m.connect_timeout, 1, 600, "an integer 1..600");
    if (m.reconnect_max < m.reconnect_min) fail("mqtt.reconnect-max-ms", "must not be less than mqtt.reconnect-min-ms");
    s->reject_unknown();
  }
}

void read_boot(Section& root, AgentConfig& c, const std::filesystem::path& base);

void read_storage(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  c.state_dir = resolve(base, root.string("state-dir").value_or("/var/lib/awsfota"));
  c.checkpoint_file = path_of(root, "checkpoint-file", base);
  if (c.checkpoint_file.empty()) c.checkpoint_file = c.state_dir / "checkpoint";

  auto slots = root.section("slots");
  if (!slots && (root.has("rauc") || root.has("swupdate"))) return read_boot(root, c, base);  // the installer's only
  if (!slots) fail("slots", "is required (the A and B slot files or devices, and their size)");
  c.slots.a = required_path(*slots, "a", base);
  c.slots.b = required_path(*slots, "b", base);
  auto size = slots->integer("size", 1, kMaxSize, "a positive integer (bytes)");
  if (!size) fail("slots.size", "is required (bytes per slot)");
  c.slots.size = *size;
  if (c.slots.a == c.slots.b) fail("slots.b", "must differ from slots.a");
  if (auto partition = slots->boolean("partition")) c.slots.partition = *partition;
  slots->reject_unknown();

  if (auto staging = root.section("staging")) {
    c.staging.path = required_path(*staging, "path", base);
    auto staging_size = staging->integer("size", 1, kMaxSize, "a positive integer (bytes)");
    c.staging.size = staging_size.value_or(c.slots.size);
    if (c.staging.path == c.slots.a || c.staging.path == c.slots.b) fail("staging.path", "must differ from both slots");
    // A delta's base is the whole image in the running slot, which a partition does not hold.
    if (c.slots.partition) fail("staging", "application deltas need slots that hold whole images, not slots.partition");
    staging->reject_unknown();
  }

  read_boot(root, c, base);
}

void read_boot(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto boot = root.section("boot");
  if (boot) {
    if (auto backend = boot->string("backend"); backend && *backend == "grub") {
      c.boot.backend = BootBackend::Grub;
    } else if (backend && *backend == "uboot") {
      c.boot.backend = BootBackend::UBoot;
    } else if (backend && *backend != "file") {
      fail("boot.backend", "expected \"file\", \"grub\" or \"uboot\", got \"" + *backend + "\"");
    }
    if (auto cmdline = boot->string("cmdline-file")) c.boot.cmdline_file = resolve(base, *cmdline);
    if (auto grub = boot->section("grub")) {
      if (c.boot.backend != BootBackend::Grub) fail("boot.grub", "only with boot.backend \"grub\"");
      if (auto env = grub->string("env-file")) c.boot.grub_env_file = resolve(base, *env);
      grub->reject_unknown();
    }
    if (auto uboot = boot->section("uboot")) {
      if (c.boot.backend != BootBackend::UBoot) fail("boot.uboot", "only with boot.backend \"uboot\"");
      if (auto config = uboot->string("fw-env-config")) c.boot.uboot_fw_env_config = resolve(base, *config);
      uboot->reject_unknown();
    }
    c.boot.state_file = path_of(*boot, "state-file", base);
    if (auto run = boot->boolean("run-boot-step")) c.boot.run_boot_step = *run;
    if (auto once = boot->boolean("once-per-boot")) c.boot.once_per_boot = *once;
    if (auto id_file = boot->string("boot-id-file")) c.boot.boot_id_file = resolve(base, *id_file);
    boot->reject_unknown();
  }
  if (c.boot.state_file.empty()) c.boot.state_file = c.state_dir / "boot.state";
}

// "rauc": {"staging": "bundle.raucb", "staging-size": N, "bus": "system", "bootnames": ["A", "B"],
//          "install-timeout-seconds": N}
void read_rauc(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto r = root.section("rauc");
  if (!r) return;
  RaucSettings s;
  s.bus = r->string("bus").value_or("system");
  if (s.bus.empty()) fail("rauc.bus", "must be \"system\", \"session\" or a D-Bus address");
  s.staging = required_path(*r, "staging", base);
  if (s.staging.extension() != ".raucb") fail("rauc.staging", "must end in .raucb (RAUC refuses other bundle names)");
  auto size = r->integer("staging-size", 1, kMaxSize, "a positive integer (bytes)");
  if (!size) fail("rauc.staging-size", "is required (the largest bundle, in bytes)");
  s.staging_size = *size;
  if (auto names = r->string_pair("bootnames")) {
    std::tie(s.bootname_a, s.bootname_b) = *names;
    if (s.bootname_a.empty() || s.bootname_a == s.bootname_b) fail("rauc.bootnames", "must be two different names");
  }
  duration(*r, "install-timeout-seconds", s.install_timeout, 10, 86'400, "an integer 10..86400");
  r->reject_unknown();
  if (c.boot.backend != BootBackend::File) {
    fail("rauc", "on a RAUC system the boot control is RAUC's: leave boot.backend out (or \"file\")");
  }
  if (c.slots.a == s.staging || c.slots.b == s.staging) fail("rauc.staging", "must differ from both slots");
  c.rauc = std::move(s);
}

// "swupdate": {"staging": "update.swu", "staging-size": N, "ctrl-socket": PATH, "progress-socket": PATH,
//              "install-timeout-seconds": N}
void read_swupdate(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto w = root.section("swupdate");
  if (!w) return;
  SwupdateSettings s;
  s.staging = required_path(*w, "staging", base);
  auto size = w->integer("staging-size", 1, kMaxSize, "a positive integer (bytes)");
  if (!size) fail("swupdate.staging-size", "is required (the largest .swu, in bytes)");
  s.staging_size = *size;
  if (auto p = path_of(*w, "ctrl-socket", base); !p.empty()) s.ctrl_socket = p;
  if (auto p = path_of(*w, "progress-socket", base); !p.empty()) s.progress_socket = p;
  duration(*w, "install-timeout-seconds", s.install_timeout, 10, 86'400, "an integer 10..86400");
  w->reject_unknown();
  if (c.boot.backend != BootBackend::File) {
    fail("swupdate", "on a SWUpdate system the boot control is SWUpdate's ustate: leave boot.backend out (or \"file\")");
  }
  if (c.rauc) fail("swupdate", "a device installs through RAUC or through SWUpdate, not both");
  if (c.slots.a == s.staging || c.slots.b == s.staging) fail("swupdate.staging", "must differ from both slots");
  c.swupdate = std::move(s);
}

void read_modem(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto modem = root.section("modem");
  if (!modem) return;
  const auto backend = modem->string("backend").value_or("none");
  if (backend == "none") {
    c.modem.backend = ModemBackendKind::None;
  } else if (backend == "simulated") {
    c.modem.backend = ModemBackendKind::Simulated;
    c.modem.dir = required_path(*modem, "dir", base);
    c.modem.staging = required_path(*modem, "staging", base);
    auto size = modem->integer("staging-size", 1, kMaxSize, "a positive integer (bytes)");
    if (!size) fail("modem.staging-size", "is required with the simulated modem (bytes)");
    c.modem.staging_size = *size;
  } else {
    fail("modem.backend", "expected \"none\" or \"simulated\", got \"" + backend + "\"");
  }
  modem->reject_unknown();
}

// "none" (this project's rules) or "nrf-aws-fota" (the reference's documents as its devices take them).
void read_compat(Section& root, AgentConfig& c) {
  const auto compat = root.string("compat").value_or("none");
  if (compat == "none") {
    c.compat = jobs::Compat::None;
  } else if (compat == "nrf-aws-fota") {
    c.compat = jobs::Compat::NrfAwsFota;
    c.download.allow_plain_http = true;  // the reference's documents say "http:" and carry no digest
  } else {
    fail("compat", "expected \"none\" or \"nrf-aws-fota\", got \"" + compat + "\"");
  }
}

void read_download(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  auto d = root.section("download");
  if (!d) return;
  auto& o = c.download;
  o.fragment_size = d->integer("fragment-size", 1, kMaxSize, "a positive integer");
  o.ca_file = path_of(*d, "ca-file", base);
  if (auto plain = d->boolean("allow-plain-http")) {
    if (!*plain && c.compat == jobs::Compat::NrfAwsFota) {
      fail("download.allow-plain-http", "cannot be false with \"compat\": \"nrf-aws-fota\" (the reference's documents are "
                                        "plain http); drop one of the two");
    }
    o.allow_plain_http = *plain;
  }
  duration(*d, "stall-timeout-seconds", o.stall_timeout, 1, 3600, "an integer 1..3600");
  duration(*d, "connect-timeout-seconds", o.connect_timeout, 1, 600, "an integer 1..600");
  if (auto n = d->integer("commit-interval", 4096, kMaxSize, "an integer of at least 4096 (bytes)")) {
    o.commit_interval = *n;
  }
  if (auto r = d->section("retry")) {
    duration(*r, "initial-delay-ms", o.retry.initial_delay, 1, 3'600'000, "an integer 1..3600000");
    duration(*r, "max-delay-ms", o.retry.max_delay, 1, 3'600'000, "an integer 1..3600000");
    if (auto n = r->integer("max-attempts", 0, 100'000, "an integer 0..100000 (0: no bound)")) {
      o.retry.max_attempts = static_cast<unsigned>(*n);
    }
    duration(*r, "give-up-after-seconds", o.retry.give_up_after, 1, 7 * 24 * 3600, "an integer 1..604800");
    if (o.retry.max_delay < o.retry.initial_delay) {
      fail("download.retry.max-delay-ms", "must not be less than download.retry.initial-delay-ms");
    }
    r->reject_unknown();
  }
  d->reject_unknown();
}

std::string command_of(Section& s, const std::string& key) {
  return s.string(key, /*allow_empty=*/true).value_or("");
}

void read_behaviour(Section& root, AgentConfig& c, const std::filesystem::path& base) {
  if (auto v = root.string("running-version")) {
    if (!image::parse_version(*v)) {
      fail("running-version", "expected a version like \"v1.0.2\" or \"1.0.2+7\", got \"" + *v + "\"");
    }
    c.running_version = *v;
  }
  if (auto p = root.section("progress")) {
    duration(*p, "min-interval-seconds", c.progress.min_interval, 0, 86'400, "an integer 0..86400");
    if (auto n = p->integer("min-percent", 1, 100, "an integer 1..100")) c.progress.min_percent = static_cast<unsigned>(*n);
    p->reject_unknown();
  }
  if (auto v = root.section("verify")) {
    c.verify.public_key = path_of(*v, "public-key", base);
    if (auto b = v->boolean("allow-downgrade")) c.verify.allow_downgrade = *b;
    v->reject_unknown();
  }
  if (auto t = root.section("self-test")) {
    c.self_test.command = command_of(*t, "command");
    duration(*t, "timeout-seconds", c.self_test.timeout, 1, 86'400, "an integer 1..86400");
    duration(*t, "confirm-timeout-seconds", c.self_test.confirm_timeout, 1, 86'400, "an integer 1..86400");
    if (c.self_test.confirm_timeout <= c.self_test.timeout) {
      fail("self-test.confirm-timeout-seconds", "must be longer than self-test.timeout-seconds");
    }
    t->reject_unknown();
  }
  if (auto r = root.section("reboot")) {
    c.reboot.command = command_of(*r, "command");
    r->reject_unknown();
  }
  if (auto l = root.section("log")) {
    if (auto p = l->string("progress")) {
      if (*p == "auto") c.display = ProgressDisplay::Auto;
      else if (*p == "bar") c.display = ProgressDisplay::Bar;
      else if (*p == "lines") c.display = ProgressDisplay::Lines;
      else fail("log.progress", "expected \"auto\", \"bar\" or \"lines\", got \"" + *p + "\"");
    }
    l->reject_unknown();
  }
}

// nlohmann's messages start with a tag for programmers ("[json.exception.parse_error.101] "); the rest
// ("parse error at line 3, column 5: ...") is what the person editing the file needs.
std::string without_library_tag(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

}  // namespace

Expected<AgentConfig, ConfigError> parse_config(std::string_view json_text, const std::filesystem::path& base_dir) {
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end(), /*cb=*/nullptr, /*allow_exceptions=*/true,
                      /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    return unexpected(ConfigError{"", "config: not valid JSON: " + without_library_tag(e.what())});
  }
  try {
    AgentConfig c;
    Section root(doc, "");
    read_connection(root, c, base_dir);
    read_storage(root, c, base_dir);
    read_modem(root, c, base_dir);
    read_rauc(root, c, base_dir);
    read_swupdate(root, c, base_dir);
    read_compat(root, c);
    read_download(root, c, base_dir);
    read_behaviour(root, c, base_dir);
    root.reject_unknown();
    return c;
  } catch (const Failure& f) {
    return unexpected(f.error);
  }
}

std::optional<std::string> effective_alpn(const MqttSettings& mqtt) {
  if (mqtt.alpn) {
    if (mqtt.alpn->empty()) return std::nullopt;  // "" turns the default off
    return mqtt.alpn;
  }
  if (mqtt.port == 443) return std::string(kAwsMqttAlpn);
  return std::nullopt;
}

}  // namespace awsfota::agent
