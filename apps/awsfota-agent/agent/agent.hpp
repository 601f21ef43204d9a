// The agent's run: boot step, runtime::Device, MQTT link, self-test after a trial boot, reboot
// command, clean stop on SIGTERM/SIGINT. main.cpp parses the command line and the config, then
// calls run_agent().
//
// Threads: the calling thread runs the engine (the Device's event loop); the MQTT link has its own
// thread, the Device its download thread, and a trial boot's self-test one more; all of them only
// post to the engine thread. The caller must have blocked SIGTERM, SIGINT and SIGHUP (see
// block_stop_signals) before any thread exists, so that every thread inherits the mask and the
// agent's signal watcher receives them.
#pragma once

#include "agent/config.hpp"
#include "agent/output.hpp"

namespace awsfota::agent {

// Exit codes (also in --help and docs/agent.md).
inline constexpr int kExitOk = 0;            // stopped by a signal, --once done, or rebooting
inline constexpr int kExitFailure = 1;       // could not start (files, boot state), or the reboot command failed
inline constexpr int kExitUsage = 64;        // bad command line
inline constexpr int kExitConfig = 78;       // bad config file

struct RunOptions {
  bool once = false;  // exit once the job in hand (or the next one) has ended
};

void block_stop_signals();

[[nodiscard]] int run_agent(const AgentConfig& config, const RunOptions& options, Output& out);

}  // namespace awsfota::agent
