#include "agent/command.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

extern char** environ;

namespace awsfota::agent {

std::string CommandResult::describe(std::chrono::seconds timeout) const {
  switch (kind) {
    case Kind::Exited: return "exited with status " + std::to_string(status);
    case Kind::Signaled: return "killed by signal " + std::to_string(status);
    case Kind::TimedOut: return "timed out after " + std::to_string(timeout.count()) + " s";
    case Kind::Stopped: return "stopped because the agent is stopping";
    case Kind::NotStarted: return "could not be started: " + error;
  }
  return "unknown";
}

namespace {

// Kills the group, politely first; reaps the child.
void kill_group(pid_t pid) {
  ::kill(-pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

CommandResult run_command(const std::string& command, std::chrono::seconds timeout, const Environment& env,
                          const std::atomic<bool>& stop) {
  CommandResult result;
  // Everything the child needs is built before fork(): after it, in a threaded program, only
  // async-signal-safe calls are allowed (no malloc, so no setenv).
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& kv : env) replaced = replaced || kv.first == name;
    if (!replaced) entries.push_back(entry);
  }
  for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", text = command;
  char* argv[] = {sh.data(), dash_c.data(), text.data(), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // The agent blocks its stop signals in every thread; the command must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve("/bin/sh", argv, envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that kill(-pid) works whichever runs first
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) {
        result.kind = CommandResult::Kind::Exited;
        result.status = WEXITSTATUS(status);
      } else {
        result.kind = CommandResult::Kind::Signaled;
        result.status = WTERMSIG(status);
      }
      return result;
    }
    if (done < 0 && errno != EINTR) {
      result.error = std::string("waitpid: ") + std::strerror(errno);
      return result;
    }
    if (stop.load()) {
      kill_group(pid);
      result.kind = CommandResult::Kind::Stopped;
      return result;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_group(pid);
      result.kind = CommandResult::Kind::TimedOut;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace awsfota::agent
