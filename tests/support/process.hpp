// Process and file-system helpers for tests that run real servers on loopback.
//
//   TempDir dir("nginx");                                   // removed with its contents at scope exit
//   auto out = run_command({"openssl", "version"});         // Expected<std::string, std::string>
//   auto r = run_program({bin, "--help"}, {.cwd = dir.path()});  // exit code, stdout and stderr apart
//   ChildProcess p({"python3", "server.py"}, dir.path() / "server.log");  // killed at scope exit
//   std::uint16_t port = free_port();
//   wait_for_port(port, std::chrono::seconds(5));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "awsfota");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a program to completion; its standard output and error, or a reason when it fails.
[[nodiscard]] Expected<std::string, std::string> run_command(const std::vector<std::string>& argv);

struct ProgramRun {
  int exit_code = -1;        // -1: killed by a signal, or by the timeout, or did not start
  bool timed_out = false;
  bool left_processes = false;  // something it started was still running when it exited (then killed)
  std::string out;
  std::string err;
};

struct RunOptions {
  std::filesystem::path cwd;                                  // empty: the test's own
  std::vector<std::pair<std::string, std::string>> env;      // set on top of the test's environment
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

// Runs a program to completion as a user would, its standard output and error kept apart. It runs in a
// process group of its own: at the timeout the whole group is killed, and whatever it started that
// outlives it is reported (left_processes) and killed too, so a test leaves nothing behind.
[[nodiscard]] ProgramRun run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

// A child process whose output goes to log_file. It dies with the test process (PR_SET_PDEATHSIG) and
// is stopped (SIGTERM, then SIGKILL after 3 s) by stop() or the destructor, so a failing test leaves
// no server behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] bool running();
  void stop();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
[[nodiscard]] std::uint16_t free_port();

// True once something accepts TCP connections on 127.0.0.1:port.
[[nodiscard]] bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

// Writes bytes to a file (creating folders); the file's content.
void write_file(const std::filesystem::path& path, const std::vector<std::byte>& bytes);
[[nodiscard]] std::vector<std::byte> read_file(const std::filesystem::path& path);

}  // namespace awsfota::testing
