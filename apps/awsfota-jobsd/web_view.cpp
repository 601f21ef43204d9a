#include "web_view.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "jobsd/fleet_view.hpp"

#ifndef AWSFOTA_JOBSD_WEB_RELDIR
#define AWSFOTA_JOBSD_WEB_RELDIR "../share/awsfota-jobsd/web"
#endif

namespace awsfota::jobsd {
namespace {

// A page on loopback can still be reached by a web site whose name an attacker points at 127.0.0.1
// (DNS rebinding); the Host header then names the attacker's site. Only loopback names are served.
bool loopback_host(const std::string& host) {
  std::string_view name = host;
  if (name.starts_with("[::1]")) return name.size() == 5 || name[5] == ':';
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos) name = name.substr(0, colon);
  return name == "127.0.0.1" || name == "localhost";
}

void set_common_headers(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  // The page loads its own script and style only, and fetches its own JSON: nothing from the network.
  res.set_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
}

bool refuse_foreign(const httplib::Request& req, httplib::Response& res) {
  set_common_headers(res);
  if (loopback_host(req.get_header_value("Host"))) return false;
  res.status = 403;
  res.set_content("the fleet view answers loopback names only (127.0.0.1, localhost, [::1])\n", "text/plain");
  return true;
}

}  // namespace

std::filesystem::path default_web_root() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::path(AWSFOTA_JOBSD_WEB_RELDIR);
  return (self.parent_path() / AWSFOTA_JOBSD_WEB_RELDIR).lexically_normal();
}

Expected<WebView, std::string> WebView::load(const std::filesystem::path& root) {
  const std::pair<const char*, const char*> wanted[] = {{"index.html", "text/html; charset=utf-8"},
                                                        {"fleet.js", "text/javascript; charset=utf-8"},
                                                        {"fleet.css", "text/css; charset=utf-8"}};
  WebView view;
  for (const auto& [name, type] : wanted) {
    std::ifstream in(root / name, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return unexpected("cannot read the fleet view's " + (root / name).string() + " (--web-root names its folder)");
    view.files_["/ui/" + std::string(name)] = File{type, body.str()};
  }
  view.files_["/ui/"] = view.files_["/ui/index.html"];
  return view;
}

void WebView::serve(httplib::Server& server, std::mutex& mutex, const std::unique_ptr<Service>& service,
                    std::function<std::int64_t()> now_ms) const {
  server.Get("/ui", [](const httplib::Request& req, httplib::Response& res) {
    if (refuse_foreign(req, res)) return;
    res.set_redirect("/ui/");
  });
  server.Get("/ui/api/jobs", [&mutex, &service, now_ms](const httplib::Request& req, httplib::Response& res) {
    if (refuse_foreign(req, res)) return;
    std::string body;
    {
      std::lock_guard lock(mutex);
      body = fleet_jobs_json(*service, now_ms());
    }
    res.set_content(body, "application/json");
  });
  server.Get(R"(/ui/api/jobs/([^/]+))", [&mutex, &service, now_ms](const httplib::Request& req, httplib::Response& res) {
    if (refuse_foreign(req, res)) return;
    Expected<std::string, ControlError> body = unexpected(ControlError{});
    {
      std::lock_guard lock(mutex);
      body = fleet_job_json(*service, req.matches[1].str(), now_ms());
    }
    if (body) return res.set_content(*body, "application/json");
    res.status = body.error().code == ControlErrorCode::ResourceNotFound ? 404 : 500;
    res.set_content(nlohmann::json{{"message", body.error().message}}.dump(), "application/json");
  });
  server.Get(R"(/ui/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    if (refuse_foreign(req, res)) return;
    const auto it = files_.find(req.path);
    if (it == files_.end()) {
      res.status = 404;
      return res.set_content("no such page in the fleet view: " + req.path + "\n", "text/plain");
    }
    res.set_content(it->second.body, it->second.content_type);
  });
  // Read-only: nothing under /ui/ changes anything, and no other method reaches the REST API from here.
  const auto refuse = [](const httplib::Request&, httplib::Response& res) {
    set_common_headers(res);
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("the fleet view is read-only\n", "text/plain");
  };
  server.Post(R"(/ui(/.*)?)", refuse);
  server.Put(R"(/ui(/.*)?)", refuse);
  server.Delete(R"(/ui(/.*)?)", refuse);
  server.Patch(R"(/ui(/.*)?)", refuse);
}

}  // namespace awsfota::jobsd
