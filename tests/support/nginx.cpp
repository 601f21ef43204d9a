#include "support/nginx.hpp"

#include <fstream>
#include <sstream>

namespace awsfota::testing {
namespace {

std::string config_text(const std::filesystem::path& prefix, const NginxOptions& o, std::uint16_t http_port,
                        std::uint16_t https_port) {
  const std::string p = prefix.string();
  std::ostringstream c;
  c << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
    << "pid " << p << "/nginx.pid;\nerror_log " << p << "/error.log warn;\n"
    << "events { worker_connections 256; }\n"
    << "http {\n"
    << "  access_log " << p << "/access.log;\n"
    << "  client_body_temp_path " << p << "/tmp/body;\n  proxy_temp_path " << p << "/tmp/proxy;\n"
    << "  fastcgi_temp_path " << p << "/tmp/fastcgi;\n  uwsgi_temp_path " << p << "/tmp/uwsgi;\n"
    << "  scgi_temp_path " << p << "/tmp/scgi;\n"
    << "  default_type application/octet-stream;\n  sendfile on;\n  keepalive_requests 100000;\n";
  auto server = [&](std::uint16_t port, bool tls) {
    c << "  server {\n    listen 127.0.0.1:" << port << (tls ? " ssl" : "") << ";\n"
      << "    root " << o.root.string() << ";\n";
    if (tls) {
      c << "    ssl_certificate " << o.tls->cert.string() << ";\n"
        << "    ssl_certificate_key " << o.tls->key.string() << ";\n";
    }
    c << o.extra_server_config << "\n  }\n";
  };
  if (o.http) server(http_port, false);
  if (o.https) server(https_port, true);
  c << o.extra_http_config << "\n}\n";
  return c.str();
}

}  // namespace

Expected<std::unique_ptr<Nginx>, std::string> Nginx::start(const std::filesystem::path& prefix, NginxOptions options) {
  if (options.https && !options.tls) return unexpected(std::string("nginx: https needs a certificate and key"));
  std::filesystem::create_directories(prefix / "tmp");
  std::unique_ptr<Nginx> n(new Nginx());
  n->prefix_ = prefix;
  std::string last_log;
  for (int attempt = 0; attempt < 5; ++attempt) {
    n->http_port_ = options.http ? free_port() : 0;
    n->https_port_ = options.https ? free_port() : 0;
    const auto conf = prefix / "nginx.conf";
    std::ofstream(conf) << config_text(prefix, options, n->http_port_, n->https_port_);
    n->process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"nginx", "-p", prefix.string(), "-e", (prefix / "error.log").string(), "-c",
                                 conf.string()},
        prefix / "stdout.log");
    const std::uint16_t probe = options.http ? n->http_port_ : n->https_port_;
    const bool up = wait_for_port(probe, std::chrono::seconds(5)) &&
                    (!options.https || !options.http || wait_for_port(n->https_port_, std::chrono::seconds(5)));
    if (up && n->process_->running()) return n;
    n->process_.reset();
    std::ifstream log(prefix / "error.log");
    last_log.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
  }
  return unexpected("nginx did not start; its error log says: " + last_log);
}

std::string Nginx::http_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + "/" + path;
}

std::string Nginx::https_url(const std::string& path, const std::string& host) const {
  return "https://" + host + ":" + std::to_string(https_port_) + "/" + path;
}

}  // namespace awsfota::testing
