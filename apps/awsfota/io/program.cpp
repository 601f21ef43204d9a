#include "io/program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace awsfota::cli {

namespace {

// Reads `fd` to its end, keeping at most `limit` bytes (the rest is drained).
std::string drain(int fd, std::size_t limit) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const auto take = std::min(static_cast<std::size_t>(n), limit - std::min(limit, text.size()));
    text.append(buf, take);
  }
  return text;
}

}  // namespace

ProgramResult run_capture(const std::vector<std::string>& argv) {
  ProgramResult result;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned == 0) {
    // A helper that fills its error pipe before closing its output would wait for us; unsquashfs
    // writes a line or two there at most.
    result.out = drain(out_pipe[0], 1 << 20);
    result.err = drain(err_pipe[0], 64 * 1024);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  if (spawned != 0) return result;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // posix_spawnp reports a missing program as exit status 127 of the child.
  result.started = !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace awsfota::cli
