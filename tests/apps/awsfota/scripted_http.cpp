#include "scripted_http.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>

#include "support/loopback.hpp"

namespace awsfota::testing {
namespace {

// Reads one request (headers and a Content-Length body); false when the client went away.
bool read_request(int fd, ScriptedHttp::Request& out) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t pos = data.find("\r\n");
  out.line = data.substr(0, pos);
  while (pos < header_end) {
    const std::size_t next = data.find("\r\n", pos + 2);
    const std::string line = data.substr(pos + 2, next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    pos = next;
  }
  std::size_t length = 0;
  if (auto it = out.headers.find("content-length"); it != out.headers.end()) length = std::stoul(it->second);
  while (data.size() < header_end + 4 + length) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

ScriptedHttp::Reply ScriptedHttp::reply(int status, const std::string& body,
                                        const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string raw = "HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Type: application/json\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  return {false, raw};
}

ScriptedHttp::ScriptedHttp(std::vector<Reply> script) : script_(std::move(script)) {
  listener_ = listen_on_loopback(port_, 16);
  thread_ = std::thread([this] { serve(); });
}

ScriptedHttp::~ScriptedHttp() {
  stop_ = true;
  thread_.join();
  if (listener_ >= 0) ::close(listener_);
}

std::vector<ScriptedHttp::Request> ScriptedHttp::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedHttp::serve() {
  std::size_t next = 0;
  while (!stop_ && listener_ >= 0) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) continue;
    Request request;
    if (read_request(fd, request)) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const Reply r = next < script_.size() ? script_[next] : reply(500, R"({"message":"script ran out"})");
      ++next;
      if (r.reset) {
        linger l{1, 0};
        (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      } else {
        (void)send_everything(fd, r.raw.data(), r.raw.size());
        ::shutdown(fd, SHUT_WR);
      }
    }
    ::close(fd);
  }
}

}  // namespace awsfota::testing
