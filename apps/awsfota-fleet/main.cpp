// awsfota-fleet: simulates a fleet of devices against the local stack (docs/fleet.md).
//
//   awsfota-fleet --stack-dir run/stack-default --devices 1000 --self-test-fail 0.2 --progress 5
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "command_line.hpp"
#include "fleet/fleet.hpp"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

}  // namespace

int main(int argc, char** argv) {
  using namespace awsfota::fleet;
  FleetOptions o;
  std::string stack_dir;
  double download_s = 2.0, boot_s = 1.0, duration_s = 0, idle_exit_s = 0, progress_s = 0;

  CLI::App app{"Simulates a fleet of devices, each the real FOTA engine with its own MQTT connection and "
               "certificate, against the local stack (scripts/stack); prints what happened and how long each "
               "stage took.",
               "awsfota-fleet"};
  awsfota::program::add_version_flag(app);
  app.add_option("--stack-dir", stack_dir, "the stack's run folder (run/stack-NAME): ports, CA, credentials");
  app.add_option("-n,--devices", o.devices, "how many devices (at most 1000 per process)")->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--prefix", o.prefix, "thing names are PREFIX-0000, PREFIX-0001, ...")->capture_default_str();
  app.add_option("--first-index", o.first_index, "number of the first thing (several processes, one fleet)");
  app.add_option("--group", o.group, "thing group every thing joins (\"\" for none)")->capture_default_str();
  app.add_flag("!--no-register", o.register_things, "do not register the things with awsfota-jobsd");
  app.add_option("--threads", o.shards, "threads that run the devices (default: one per 250)");
  app.add_option("--seed", o.seed, "seed of each device's fate (failures, times)")->capture_default_str();
  app.add_option("--download-time", download_s, "seconds from the job taken to the image staged")
      ->capture_default_str()->check(CLI::Range(0.0, 3600.0));
  app.add_option("--boot-time", boot_s, "seconds a reboot takes")->capture_default_str()->check(CLI::Range(0.0, 3600.0));
  app.add_option("--jitter", o.profile.jitter, "each time varies by up to this fraction")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--running-version", o.profile.running_version, "the devices' firmware version")->capture_default_str();
  app.add_option("--self-test-fail", o.profile.failures.self_test, "share of devices whose new image fails its self-test")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--download-fail", o.profile.failures.download, "share of devices whose download gives up")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--never-back", o.profile.failures.never_back, "share of devices that never come back after the reboot")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--mqtt-host", o.endpoints.mqtt_host, "the broker's address")->capture_default_str();
  app.add_option("--mqtt-port", o.endpoints.mqtt_port, "the broker's TLS port (default: the stack's)");
  app.add_option("--api-url", o.endpoints.api_url, "awsfota-jobsd's control plane (default: the stack's)");
  app.add_option("--ca", o.endpoints.ca_cert, "the stack's CA certificate (default: the stack's pki/ca.pem)");
  app.add_option("--ca-key", o.endpoints.ca_key, "its key, to issue the devices' certificates");
  app.add_option("--cert-dir", o.endpoints.cert_dir, "where the devices' certificates go (default: pki/fleet)");
  app.add_option("--duration", duration_s, "stop after this many seconds online (0: until a signal)");
  app.add_option("--idle-exit", idle_exit_s,
                 "stop once jobs were taken, none is in hand and nothing changed for this many seconds");
  app.add_option("--progress", progress_s, "print a progress line every this many seconds (0: none)");
  app.add_option("--ready-file", o.ready_file, "written once every device is online");
  app.add_option("--json", o.json_report, "also write the final report as JSON to this file");
  app.add_option("--take-origin-file", o.take_origin_file,
                 "once this file holds a time (ms since the epoch, e.g. the job's creation), 'take' counts from it");
  if (auto done = awsfota::program::parse(app, argc, argv)) return *done;

  if (!stack_dir.empty()) {
    Endpoints from_stack = o.endpoints;
    if (auto r = read_stack_env(stack_dir, from_stack); !r) {
      std::cerr << "awsfota-fleet: " << r.error() << "\n";
      return 1;
    }
    // Flags given explicitly win over the stack's settings.
    if (app.count("--mqtt-port") == 0) o.endpoints.mqtt_port = from_stack.mqtt_port;
    if (app.count("--api-url") == 0) o.endpoints.api_url = from_stack.api_url;
    if (app.count("--ca") == 0) o.endpoints.ca_cert = from_stack.ca_cert;
    if (app.count("--ca-key") == 0) o.endpoints.ca_key = from_stack.ca_key;
    if (app.count("--cert-dir") == 0) o.endpoints.cert_dir = from_stack.cert_dir;
  }
  if (o.endpoints.ca_cert.empty() || o.endpoints.ca_key.empty() || o.endpoints.cert_dir.empty()) {
    std::cerr << "awsfota-fleet: error: name the stack (--stack-dir run/stack-NAME) or give --ca, --ca-key and "
                 "--cert-dir (run 'awsfota-fleet --help')\n";
    return awsfota::program::kExitUsage;
  }
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0)); };
  o.profile.download_time = ms(download_s);
  o.profile.boot_time = ms(boot_s);
  o.duration = ms(duration_s);
  o.idle_exit = ms(idle_exit_s);
  o.progress = ms(progress_s);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  return run_fleet(o, std::cout, g_stop);
}
