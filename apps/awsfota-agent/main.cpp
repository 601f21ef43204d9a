// awsfota-agent: the device daemon. Reads its JSON config, runs the boot step, connects to AWS IoT
// Core (or the local stack) over MQTT with TLS and the device certificate, and carries out firmware
// update jobs: download, verify, reboot, self-test, confirm, report. See docs/agent.md.
//
//   awsfota-agent --config /etc/awsfota/agent.json
//   awsfota-agent --config agent.json --once        # exit when the job in hand has ended
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "agent/agent.hpp"
#include "agent/config.hpp"
#include "agent/output.hpp"
#include "command_line.hpp"

namespace {

constexpr const char* kFooter = R"(Exit codes: 0 stopped (SIGTERM/SIGINT), --once done, or rebooting; 1 could not start
(slot files, boot state, key) or the reboot command failed; 64 bad command line; 78 bad config.

Logs go to stderr, one line per event. On a terminal a download shows a progress bar; under
systemd (or with "log": {"progress": "lines"}) plain lines every 10 percent.
Config fields, running under systemd, troubleshooting: docs/agent.md, docs/troubleshooting.md.)";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/awsfota/agent.json";
  bool once = false;
  bool verbose = false;
  bool check_only = false;
  CLI::App app{"Firmware updates over the air, driven by AWS IoT Jobs: the device daemon.", "awsfota-agent"};
  app.footer(kFooter);
  awsfota::program::add_version_flag(app);
  app.add_option("-c,--config", config_path, "the JSON config file")->envname("AWSFOTA_AGENT_CONFIG")->capture_default_str();
  app.add_flag("--once", once, "exit once the job in hand (or the next one) has ended");
  app.add_flag("--check-config", check_only, "check the config file and exit (0 when it is valid)");
  app.add_flag("-v,--verbose", verbose, "also log the engine's debug lines");
  if (auto done = awsfota::program::parse(app, argc, argv, awsfota::agent::kExitUsage)) return *done;

  const auto text = awsfota::agent::read_config_file(config_path);
  if (!text) {
    std::cerr << text.error().message << "\n";
    return awsfota::agent::kExitConfig;
  }
  const auto base = std::filesystem::absolute(config_path).parent_path();
  auto config = awsfota::agent::parse_config(*text, base);
  if (!config) {
    std::cerr << config.error().message << " (in " << config_path << ")\n";
    return awsfota::agent::kExitConfig;
  }
  if (check_only) {
    std::cout << config_path << ": valid\n";
    return awsfota::agent::kExitOk;
  }

  // Blocked before any thread starts, so that only the agent's signal watcher receives them.
  awsfota::agent::block_stop_signals();
  const bool terminal = ::isatty(STDERR_FILENO) == 1 && std::getenv("JOURNAL_STREAM") == nullptr;
  const bool bar = config->display == awsfota::agent::ProgressDisplay::Bar ||
                   (config->display == awsfota::agent::ProgressDisplay::Auto && terminal);
  awsfota::agent::Output out(bar, terminal, verbose);
  return awsfota::agent::run_agent(*config, awsfota::agent::RunOptions{.once = once}, out);
}
