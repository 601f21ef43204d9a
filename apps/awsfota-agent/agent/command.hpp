// Runs a configured shell command (self-test, reboot) as a child process with a time limit.
//
// The command runs with /bin/sh -c in a process group of its own, with the agent's environment plus
// `env`; its output goes to the agent's stdout/stderr (the journal under systemd). On timeout, or when
// `stop` becomes true, the whole group is killed (SIGTERM, then SIGKILL after a second).
//
//   auto r = awsfota::agent::run_command("/usr/libexec/self-test", std::chrono::seconds(60),
//                                        {{"AWSFOTA_SLOT", "B"}}, stop_flag);
//   if (!r.ok()) log(r.describe());                 // "timed out after 60 s", "exited with status 3"
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace awsfota::agent {

struct CommandResult {
  enum class Kind { Exited, Signaled, TimedOut, Stopped, NotStarted } kind = Kind::NotStarted;
  int status = 0;          // exit status (Exited) or signal number (Signaled)
  std::string error;       // NotStarted: why

  [[nodiscard]] bool ok() const { return kind == Kind::Exited && status == 0; }
  // "exited with status 3", "killed by signal 9", "timed out after 60 s", ...
  [[nodiscard]] std::string describe(std::chrono::seconds timeout) const;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

[[nodiscard]] CommandResult run_command(const std::string& command, std::chrono::seconds timeout,
                                        const Environment& env, const std::atomic<bool>& stop);

}  // namespace awsfota::agent
