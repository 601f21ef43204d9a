#include "awsfota/adapters/swupdate/socket_swupdate.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace awsfota::swupdate {

namespace {

using Clock = std::chrono::steady_clock;

Unexpected<SwupdateError> swu_failure(SwupdateErrorCode code, std::string reason) {
  return unexpected(SwupdateError{code, std::move(reason)});
}

class SocketFd {
 public:
  explicit SocketFd(int fd = -1) : fd_(fd) {}
  SocketFd(SocketFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  SocketFd& operator=(SocketFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  ~SocketFd() { reset(); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool open() const { return fd_ >= 0; }

 private:
  int fd_;
};

// A connected stream socket to path, or errno.
Expected<SocketFd, int> connect_unix(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.size() >= sizeof address.sun_path) return unexpected(ENAMETOOLONG);
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  SocketFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.open()) return unexpected(errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return unexpected(errno);
  return fd;
}

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

// Sends all bytes or says why not (errno; ETIMEDOUT at the deadline).
int send_all(int fd, std::span<const std::uint8_t> bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return errno;
    if (Clock::now() >= deadline) return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    (void)::poll(&p, 1, millis_until(deadline));
  }
  return 0;
}

// Reads exactly out.size() bytes; 0, or errno (EPIPE for an early end of stream, ETIMEDOUT).
int recv_all(int fd, std::span<std::uint8_t> out, Clock::time_point deadline) {
  std::size_t got = 0;
  while (got < out.size()) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, millis_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (Clock::now() >= deadline) return ETIMEDOUT;
      continue;
    }
    const ssize_t n = ::recv(fd, out.data() + got, out.size() - got, 0);
    if (n == 0) return EPIPE;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return errno;
    }
    got += static_cast<std::size_t>(n);
  }
  return 0;
}

std::string not_running(const std::filesystem::path& ctrl, int error) {
  return "SWUpdate is not running: nothing answers on its control socket " + ctrl.string() + " (" +
         std::strerror(error) + ")";
}

// One request and its answer on a connection of its own.
Expected<IpcReply, SwupdateError> ask_swupdate(const SocketSwupdateOptions& options,
                                               const std::vector<std::uint8_t>& request) {
  auto fd = connect_unix(options.ctrl_socket);
  if (!fd) return swu_failure(SwupdateErrorCode::Unavailable, not_running(options.ctrl_socket, fd.error()));
  const auto deadline = Clock::now() + options.call_timeout;
  if (int e = send_all(fd->get(), request, deadline); e != 0) {
    return swu_failure(SwupdateErrorCode::Lost, std::string("sending to SWUpdate: ") + std::strerror(e));
  }
  std::vector<std::uint8_t> answer(ipc_message_size());
  if (int e = recv_all(fd->get(), answer, deadline); e != 0) {
    return swu_failure(SwupdateErrorCode::Lost, std::string("SWUpdate did not answer: ") + std::strerror(e));
  }
  auto reply = decode_ipc_reply(answer);
  if (!reply) return swu_failure(SwupdateErrorCode::Protocol, reply.error());
  return *reply;
}

// What one install has seen so far, from the progress socket and from GET_STATUS.
struct InstallWatch {
  bool active = false;                  // something of this install was seen
  std::optional<SwuStatus> progress_end;  // Success/Failure from the progress socket
  Clock::time_point ended_at{};
  bool failed = false;
  bool succeeded = false;
  bool idle_again = false;              // GET_STATUS is back to Idle after the install was seen
  int last_result = 0;
  std::string words;                    // SWUpdate's failure lines, joined
  SwupdateProgress shown{-1, {}};

  void add_words(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (line.empty() || words.find(line) != std::string::npos) return;
    if (!words.empty()) words += "; ";
    words += line;
  }
};

void take_progress(InstallWatch& watch, const ProgressReport& report, const SwupdateProgressHandler& handler) {
  watch.active = true;
  if (report.status == SwuStatus::Success || report.status == SwuStatus::Failure) {
    if (!watch.progress_end) {
      watch.progress_end = report.status;
      watch.ended_at = Clock::now();
    }
  }
  SwupdateProgress now{report.status == SwuStatus::Success ? 100 : report.percent(), {}};
  if (!report.image.empty()) {
    now.step = report.image + (report.handler.empty() ? "" : " (" + report.handler + ")") + ", " +
               std::to_string(report.step) + " of " + std::to_string(report.steps);
  }
  if (handler && (now.percent != watch.shown.percent || now.step != watch.shown.step) &&
      (report.status != SwuStatus::Failure)) {
    handler(now);
  }
  watch.shown = now;
}

void take_status(InstallWatch& watch, const StatusInfo& status) {
  switch (status.current) {
    case SwuStatus::Idle:
      if (watch.active) {
        watch.idle_again = true;
        watch.last_result = status.last_result;
      }
      return;
    case SwuStatus::Failure:
      watch.failed = true;
      watch.add_words(status.desc);
      break;
    case SwuStatus::Success: watch.succeeded = true; break;
    default: break;
  }
  watch.active = true;
}

// Reads whatever whole progress records are waiting; false once the progress socket closed.
bool drain_progress(int fd, std::vector<std::uint8_t>& pending, InstallWatch& watch,
                    const SwupdateProgressHandler& handler) {
  std::uint8_t chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    pending.insert(pending.end(), chunk, chunk + n);
    const std::size_t size = progress_message_size();
    std::size_t used = 0;
    for (; pending.size() - used >= size; used += size) {
      auto report = decode_progress(std::span(pending).subspan(used, size));
      if (report) take_progress(watch, *report, handler);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
  }
}

}  // namespace

Expected<UpdateState, SwupdateError> SocketSwupdate::update_state() {
  auto reply = ask_swupdate(options_, encode_get_update_state());
  if (!reply) return unexpected(reply.error());
  if (!reply->ack || !reply->state) {
    return swu_failure(SwupdateErrorCode::Protocol, "SWUpdate could not read the bootloader's update state");
  }
  return *reply->state;
}

Expected<void, SwupdateError> SocketSwupdate::set_update_state(UpdateState state) {
  auto reply = ask_swupdate(options_, encode_set_update_state(state));
  if (!reply) return unexpected(reply.error());
  if (!reply->ack) {
    return swu_failure(SwupdateErrorCode::Refused, std::string("SWUpdate could not set the bootloader's update state to ") +
                                                       static_cast<char>(state));
  }
  return {};
}

namespace {

// Asks GET_STATUS until SWUpdate's queue of lines is empty (Idle) or max answers were read.
Expected<void, SwupdateError> read_status_lines(const SocketSwupdateOptions& options, InstallWatch& watch, int max) {
  for (int i = 0; i < max; ++i) {
    auto reply = ask_swupdate(options, encode_status_request());
    if (!reply) return unexpected(reply.error());
    take_status(watch, reply->status);
    if (reply->status.current == SwuStatus::Idle) break;
  }
  return {};
}

// Until SWUpdate is idle: an install that runs (an earlier life of this agent's, cut by a restart, or
// someone else's) is waited for, its lines read away.
Expected<void, SwupdateError> wait_until_idle(const SocketSwupdateOptions& options, Clock::time_point deadline) {
  for (;;) {
    auto reply = ask_swupdate(options, encode_status_request());
    if (!reply) return unexpected(reply.error());
    if (reply->status.current == SwuStatus::Idle) return {};
    if (Clock::now() >= deadline) {
      return swu_failure(SwupdateErrorCode::Busy, "SWUpdate was still busy with another install after " +
                                                      std::to_string(options.install_timeout.count()) + " s");
    }
    if (reply->status.desc.empty()) (void)::poll(nullptr, 0, 200);  // its lines are read: wait a little
  }
}

// REQ_INSTALL for `size` bytes; the connection the .swu then goes down.
Expected<SocketFd, SwupdateError> start_install(const SocketSwupdateOptions& options, std::uint64_t size) {
  auto ctrl = connect_unix(options.ctrl_socket);
  if (!ctrl) return swu_failure(SwupdateErrorCode::Unavailable, not_running(options.ctrl_socket, ctrl.error()));
  const auto request = encode_install_request(size);
  std::vector<std::uint8_t> answer(ipc_message_size());
  const auto call_deadline = Clock::now() + options.call_timeout;
  if (int e = send_all(ctrl->get(), request, call_deadline); e != 0) {
    return swu_failure(SwupdateErrorCode::Lost, std::string("sending the install request to SWUpdate: ") + std::strerror(e));
  }
  if (int e = recv_all(ctrl->get(), answer, call_deadline); e != 0) {
    return swu_failure(SwupdateErrorCode::Lost, std::string("SWUpdate did not answer the install request: ") + std::strerror(e));
  }
  auto reply = decode_ipc_reply(answer);
  if (!reply) return swu_failure(SwupdateErrorCode::Protocol, reply.error());
  if (!reply->ack) return swu_failure(SwupdateErrorCode::Busy, "SWUpdate refused to start an install: another one is running");
  return std::move(*ctrl);
}

Expected<void, SwupdateError> refused(const InstallWatch& watch) {
  return swu_failure(SwupdateErrorCode::Refused,
                     watch.words.empty() ? std::string("SWUpdate failed the install and gave no reason")
                                         : watch.words);
}

// The .swu into the control socket, reading progress records meanwhile so that SWUpdate never
// waits on a full progress socket. False when SWUpdate stopped reading (it refused the file: its
// reason comes from GET_STATUS).
Expected<bool, SwupdateError> stream_file(int file, std::uint64_t size, int ctrl, SocketFd& progress,
                                          std::vector<std::uint8_t>& pending, InstallWatch& watch,
                                          const SwupdateProgressHandler& handler, Clock::time_point deadline,
                                          std::chrono::seconds limit) {
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::uint64_t offset = 0;
  while (offset < size) {
    const ssize_t n = ::pread(file, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n <= 0) return swu_failure(SwupdateErrorCode::Unavailable, std::string("reading the staged .swu: ") +
                                                                       (n == 0 ? "it is shorter than before" : std::strerror(errno)));
    std::span<const std::uint8_t> rest(buffer.data(), static_cast<std::size_t>(n));
    while (!rest.empty()) {
      if (Clock::now() >= deadline) {
        return swu_failure(SwupdateErrorCode::Lost, "SWUpdate did not take the .swu within " +
                                                        std::to_string(limit.count()) + " s");
      }
      pollfd fds[2] = {{ctrl, POLLOUT, 0}, {progress.get(), POLLIN, 0}};
      if (::poll(fds, static_cast<nfds_t>(progress.open() ? 2 : 1), millis_until(deadline)) < 0 && errno != EINTR) continue;
      if (progress.open() && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
          !drain_progress(progress.get(), pending, watch, handler)) {
        progress.reset();
      }
      if ((fds[0].revents & (POLLOUT | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t sent = ::send(ctrl, rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        rest = rest.subspan(static_cast<std::size_t>(sent));
      } else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return false;  // EPIPE, ECONNRESET: SWUpdate closed its end
      }
    }
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

Expected<void, SwupdateError> SocketSwupdate::install(const std::string& swu, const SwupdateProgressHandler& progress) {
  SocketFd file(::open(swu.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!file.open() || ::fstat(file.get(), &info) != 0) {
    return swu_failure(SwupdateErrorCode::Unavailable, "open " + swu + ": " + std::strerror(errno));
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  const auto deadline = Clock::now() + options_.install_timeout;

  // Lines of an earlier install that nobody read would be taken for this one's: read them away.
  InstallWatch before;
  if (auto r = read_status_lines(options_, before, 256); !r) return unexpected(r.error());

  // The progress connection is made before the install starts: SWUpdate's progress thread takes it in
  // its own time, and records sent before that are lost (a small image is written in milliseconds).
  // Without it: no progress, the same outcome.
  auto connect_progress = [this] {
    auto fd = connect_unix(options_.progress_socket);
    return fd ? std::move(*fd) : SocketFd();
  };
  SocketFd progress_socket = connect_progress();
  auto ctrl = start_install(options_, size);
  if (!ctrl && ctrl.error().code == SwupdateErrorCode::Busy) {
    progress_socket.reset();  // nobody would read the records of the install waited for
    if (auto idle = wait_until_idle(options_, deadline); !idle) return unexpected(idle.error());
    progress_socket = connect_progress();
    ctrl = start_install(options_, size);
  }
  if (!ctrl) return unexpected(ctrl.error());

  InstallWatch watch;
  std::vector<std::uint8_t> pending;
  auto streamed = stream_file(file.get(), size, ctrl->get(), progress_socket, pending, watch, progress, deadline,
                              options_.install_timeout);
  if (!streamed) return unexpected(streamed.error());
  ctrl->reset();  // the end of the stream is the end of the file for SWUpdate

  auto next_status = Clock::now();
  for (;;) {
    if (Clock::now() >= deadline) {
      return swu_failure(SwupdateErrorCode::Lost, "SWUpdate did not finish the install within " +
                                                      std::to_string(options_.install_timeout.count()) + " s");
    }
    if (progress_socket.open()) {
      pollfd p{progress_socket.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) > 0 && !drain_progress(progress_socket.get(), pending, watch, progress)) {
        progress_socket.reset();
      }
    } else {
      (void)::poll(nullptr, 0, 100);
    }
    if (Clock::now() >= next_status) {
      next_status = Clock::now() + std::chrono::milliseconds(100);
      if (auto r = read_status_lines(options_, watch, 64); !r) {
        // Refused (nothing listens) or reset mid-answer (killed while it answered): either way it is gone.
        if (r.error().code == SwupdateErrorCode::Unavailable || r.error().code == SwupdateErrorCode::Lost) {
          return swu_failure(SwupdateErrorCode::Lost, "SWUpdate went away during the install (" + r.error().reason + ")");
        }
        return unexpected(r.error());
      }
    }
    const bool progress_quiet = watch.progress_end && Clock::now() - watch.ended_at > std::chrono::seconds(3);
    if (watch.succeeded || (watch.idle_again && !watch.failed && watch.last_result == static_cast<int>(SwuStatus::Success)) ||
        (progress_quiet && !watch.failed && *watch.progress_end == SwuStatus::Success)) {
      if (progress && watch.shown.percent != 100) progress({100, watch.shown.step});
      return {};
    }
    if ((watch.failed && (watch.idle_again || progress_quiet)) ||
        (watch.idle_again && watch.last_result == static_cast<int>(SwuStatus::Failure)) ||
        (progress_quiet && *watch.progress_end == SwuStatus::Failure)) {
      return refused(watch);
    }
    if (watch.idle_again) {
      return swu_failure(SwupdateErrorCode::Lost, "SWUpdate went back to waiting without saying how the install ended");
    }
  }
}

}  // namespace awsfota::swupdate
