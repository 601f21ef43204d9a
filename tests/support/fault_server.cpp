#include "support/fault_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include "support/build_paths.hpp"

namespace awsfota::testing {
namespace {

Expected<std::string, std::string> http_get_body(std::uint16_t port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return unexpected(std::string("cannot connect to the fault server"));
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return unexpected(std::string("cannot send to the fault server"));
  }
  std::string resp;
  std::array<char, 65536> buf{};
  ssize_t n = 0;
  while ((n = recv(fd, buf.data(), buf.size(), 0)) > 0) resp.append(buf.data(), static_cast<std::size_t>(n));
  close(fd);
  const auto body = resp.find("\r\n\r\n");
  if (body == std::string::npos) return unexpected(std::string("the fault server's answer has no body"));
  return resp.substr(body + 4);
}

}  // namespace

Expected<std::unique_ptr<FaultServer>, std::string> FaultServer::start(const std::filesystem::path& root,
                                                                      const std::filesystem::path& scratch,
                                                                      const std::string& link_secret) {
  std::filesystem::create_directories(scratch);
  const auto port_file = scratch / "fault_server.port";
  std::filesystem::remove(port_file);
  std::unique_ptr<FaultServer> s(new FaultServer());
  // Debian's interpreter when present: a python3 shim on PATH (pyenv) can take most of a second to start.
  const std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::vector<std::string> argv{python, (support_dir() / "fault_server.py").string(), "--root",
                                root.string(), "--port-file", port_file.string()};
  if (!link_secret.empty()) argv.insert(argv.end(), {"--link-secret", link_secret});
  s->process_ = std::make_unique<ChildProcess>(argv, scratch / "fault_server.log");
  for (int i = 0; i < 500 && !std::filesystem::exists(port_file); ++i) {
    if (!s->process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(port_file);
  int port = 0;
  if (!(in >> port) || port <= 0 || port > 65535) {
    std::ifstream log(scratch / "fault_server.log");
    return unexpected("the fault server did not start: " +
                      std::string(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()));
  }
  s->port_ = static_cast<std::uint16_t>(port);
  return s;
}

std::string FaultServer::url(const std::string& spec, const std::string& file) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + spec + "/" + file;
}

Expected<void, std::string> FaultServer::set_clock(std::int64_t epoch_s) const {
  auto body = http_get_body(port_, "/_clock?now=" + std::to_string(epoch_s));
  if (!body) return unexpected(body.error());
  if (*body != std::to_string(epoch_s)) return unexpected("the fault server's clock reads " + *body);
  return {};
}

Expected<std::vector<WireRecord>, std::string> FaultServer::requests(const std::string& spec) const {
  auto body = http_get_body(port_, "/_log");
  if (!body) return unexpected(body.error());
  const auto json = nlohmann::json::parse(*body, nullptr, false);
  if (!json.is_array()) return unexpected(std::string("the fault server's log is not a JSON list"));
  std::vector<WireRecord> out;
  const std::string prefix = "/" + spec + "/";
  for (const auto& item : json) {
    WireRecord r;
    r.path = item.value("path", "");
    if (!spec.empty() && r.path.rfind(prefix, 0) != 0) continue;
    if (item.contains("range") && item["range"].is_string()) r.range = item["range"].get<std::string>();
    r.status = item.value("status", 0);
    r.sent = item.value("sent", std::uint64_t{0});
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace awsfota::testing
