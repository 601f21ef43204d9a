// Process and file-system helpers for tests that run real servers on loopback.
//
//   TempDir dir("nginx");                                   // removed with its contents at scope exit
//   auto out = run_command({"openssl", "version"});         // Expected<std::string, std::string>
//   ChildProcess p({"python3", "server.py"}, dir.path() / "server.log");  // killed at scope exit
//   std::uint16_t port = free_port();
//   wait_for_port(port, std::chrono::seconds(5));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
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
