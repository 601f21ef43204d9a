#include "fleet/fleet.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "fleet/certs.hpp"
#include "fleet/recorder.hpp"
#include "fleet/registry.hpp"
#include "fleet/shard.hpp"

namespace awsfota::fleet {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string thing_name(const FleetOptions& options, std::size_t index) {
  std::string number = std::to_string(options.first_index + index);
  if (number.size() < 4) number.insert(0, 4 - number.size(), '0');
  return options.prefix + "-" + number;
}

Expected<void, std::string> read_stack_env(const std::filesystem::path& dir, Endpoints& endpoints) {
  const auto file = dir / "stack.env";
  std::ifstream in(file);
  if (!in) return unexpected("no " + file.string() + ": is the stack up? (scripts/stack up)");
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || line.starts_with('#')) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    values[line.substr(0, eq)] = value;
  }
  for (const char* key : {"MQTT_PORT", "API_PORT", "CA"}) {
    if (!values.contains(key)) return unexpected(file.string() + " names no " + key);
  }
  try {
    endpoints.mqtt_port = std::stoi(values["MQTT_PORT"]);
    endpoints.api_url = "http://127.0.0.1:" + std::to_string(std::stoi(values["API_PORT"]));
  } catch (const std::exception&) {
    return unexpected(file.string() + ": MQTT_PORT and API_PORT must be numbers");
  }
  endpoints.ca_cert = values["CA"];
  endpoints.ca_key = endpoints.ca_cert.parent_path() / "ca.key";
  endpoints.cert_dir = endpoints.ca_cert.parent_path() / "fleet";
  for (const char* key : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"}) {
    const char* set = std::getenv(key);
    if ((set == nullptr || *set == '\0') && values.contains(key)) ::setenv(key, values[key].c_str(), 1);
  }
  return {};
}

Expected<void, std::string> raise_file_limit(std::size_t devices) {
  // Per device a socket and libmosquitto's socket pair, plus the files and pipes of the process itself.
  const auto needed = static_cast<rlim_t>(3 * devices + 64);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return unexpected(std::string("getrlimit: ") + std::strerror(errno));
  if (limit.rlim_cur >= needed) return {};
  if (limit.rlim_max < needed) {
    return unexpected("the open-files limit is " + std::to_string(limit.rlim_max) + " and " +
                      std::to_string(devices) + " devices need " + std::to_string(needed) +
                      ": raise the hard limit (ulimit -Hn, /etc/security/limits.conf) or simulate fewer devices");
  }
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return unexpected(std::string("setrlimit: ") + std::strerror(errno));
  return {};
}

namespace {

// Each device's fate depends on the seed and its thing number only, so that a fleet split over
// several processes behaves as the same fleet in one.
DeviceFate draw_fate(const FleetOptions& o, std::size_t index) {
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ULL + o.first_index + index);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto spread = [&](milliseconds t) {
    const double factor = 1.0 + o.profile.jitter * (2.0 * unit(rng) - 1.0);
    return milliseconds(static_cast<std::int64_t>(static_cast<double>(t.count()) * factor));
  };
  DeviceFate f;
  f.self_test_fails = unit(rng) < o.profile.failures.self_test;
  f.download_fails = unit(rng) < o.profile.failures.download;
  f.never_back = unit(rng) < o.profile.failures.never_back;
  f.download_time = spread(o.profile.download_time);
  f.boot_time = spread(o.profile.boot_time);
  return f;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The job's creation time from a file another process writes (bench/fleet): milliseconds since the
// epoch, once the file is there and complete.
std::optional<std::int64_t> read_take_origin(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::int64_t ms = 0;
  if (in >> ms && ms > 0) return ms;
  return std::nullopt;
}

milliseconds since(Clock::time_point t) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t); }

// Certificates and registration: false (the reason printed) when the fleet cannot run.
bool prepare_things(const FleetOptions& o, const std::vector<std::string>& things, std::ostream& out) {
  const auto started = Clock::now();
  if (auto limit = raise_file_limit(o.devices); !limit) {
    std::cerr << "awsfota-fleet: " << limit.error() << "\n";
    return false;
  }
  auto issued = issue_device_certificates(o.endpoints.ca_cert, o.endpoints.ca_key, o.endpoints.cert_dir, things);
  if (!issued) {
    std::cerr << "awsfota-fleet: " << issued.error() << "\n";
    return false;
  }
  out << "fleet: certificates for " << o.devices << " things in " << o.endpoints.cert_dir.string() << " ("
      << *issued << " issued now, " << since(started).count() << " ms)\n";
  if (!o.register_things) return true;
  const auto t = Clock::now();
  if (auto r = register_fleet(o.endpoints.api_url, o.group, things); !r) {
    std::cerr << "awsfota-fleet: " << r.error() << "\n";
    return false;
  }
  out << "fleet: " << o.devices << " things registered" << (o.group.empty() ? "" : " in thing group " + o.group)
      << " at " << o.endpoints.api_url << " (" << since(t).count() << " ms)\n";
  return true;
}

// Progress lines until a signal, --duration, or --idle-exit says the rollout is over.
void watch(const FleetOptions& o, Recorder& recorder, Clock::time_point online, std::ostream& out,
           const std::atomic<bool>& stop) {
  auto last_progress = online;
  auto last_change = online;
  bool origin_read = false;
  Report last_report = recorder.report();
  while (!stop) {
    std::this_thread::sleep_for(milliseconds(100));
    const auto now = Clock::now();
    if (o.duration.count() > 0 && now - online >= o.duration) return;
    if (!o.take_origin_file.empty() && !origin_read) {
      if (auto origin = read_take_origin(o.take_origin_file)) {
        recorder.set_take_origin(*origin);
        origin_read = true;
      }
    }
    const Report r = recorder.report();
    if (r.phases != last_report.phases) last_change = now;
    last_report = r;
    if (o.progress.count() > 0 && now - last_progress >= o.progress) {
      last_progress = now;
      out << format_progress(r, since(online)) << std::endl;
    }
    if (o.idle_exit.count() > 0 && r.jobs_started > 0 && recorder.busy() == 0 && now - last_change >= o.idle_exit) return;
  }
}

}  // namespace

int run_fleet(const FleetOptions& o, std::ostream& out, const std::atomic<bool>& stop) {
  std::vector<std::string> things;
  for (std::size_t i = 0; i < o.devices; ++i) things.push_back(thing_name(o, i));
  if (!prepare_things(o, things, out)) return 1;

  Recorder recorder(things);
  FleetContext context{o, recorder};
  const std::size_t shard_count = std::max<std::size_t>(1, o.shards != 0 ? o.shards : (o.devices + 249) / 250);
  std::vector<std::vector<DeviceSpec>> shares(shard_count);
  for (std::size_t i = 0; i < o.devices; ++i) shares[i % shard_count].push_back({i, things[i], draw_fate(o, i)});
  std::vector<std::unique_ptr<Shard>> shards;
  const auto connecting = Clock::now();
  for (auto& share : shares) {
    shards.push_back(std::make_unique<Shard>(context, std::move(share)));
    shards.back()->start();
  }
  auto all_booted = [&] {
    return std::all_of(shards.begin(), shards.end(), [](const auto& s) { return s->booted(); });
  };
  while (!all_booted() && !stop) std::this_thread::sleep_for(milliseconds(50));
  std::size_t offline = 0;
  for (const auto& s : shards) {
    offline += s->offline();
    if (!s->first_error().empty()) std::cerr << "awsfota-fleet: offline: " << s->first_error() << "\n";
  }
  recorder.set_take_origin(wall_ms());
  out << "fleet: " << (o.devices - offline) << " of " << o.devices << " devices online in " << shard_count
      << " threads (" << since(connecting).count() << " ms)" << std::endl;
  if (!o.ready_file.empty()) std::ofstream(o.ready_file) << (o.devices - offline) << "\n";

  const auto online = Clock::now();
  watch(o, recorder, online, out, stop);
  // The shards say goodbye to the broker in parallel (each session's DISCONNECT takes a moment).
  for (auto& s : shards) s->request_stop();
  for (auto& s : shards) s->stop();
  const Report final_report = recorder.report();
  out << format_report(final_report, since(online)) << std::flush;
  if (!o.json_report.empty()) std::ofstream(o.json_report) << format_report_json(final_report, since(online));
  return offline == o.devices ? 1 : 0;
}

}  // namespace awsfota::fleet
