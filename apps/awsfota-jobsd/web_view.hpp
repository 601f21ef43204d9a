// awsfota-jobsd's live fleet view (--web): a read-only web page and the JSON it polls, on the REST
// API's loopback listener under /ui/. Outside the AWS API paths, so it needs no SigV4 signature (a
// browser cannot sign); it only reads the service, under the service's lock.
//
//   auto page = WebView::load(web_root_for(argv0, option));   // index.html, fleet.js, fleet.css
//   if (!page) fail(page.error());
//   page->serve(http, mutex, service);   // before the REST API's catch-all routes
#pragma once

#include <httplib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "awsfota/expected.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {

// The folder of the page's files when --web-root does not name one: the installed share folder,
// found from the program's own path (so an install under any prefix, and the build tree, work).
[[nodiscard]] std::filesystem::path default_web_root();

class WebView {
 public:
  // Reads the page's files once, at start: a missing file is an error now, not a 404 later.
  [[nodiscard]] static Expected<WebView, std::string> load(const std::filesystem::path& root);

  // Routes /ui, /ui/ (the page), /ui/fleet.js, /ui/fleet.css, /ui/api/jobs and /ui/api/jobs/JOB_ID
  // (GET only; anything else under /ui/ is 404 or 405). `now_ms` is the clock the JSON is stamped with.
  void serve(httplib::Server& server, std::mutex& mutex, const std::unique_ptr<Service>& service,
             std::function<std::int64_t()> now_ms) const;

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::map<std::string, File> files_;  // by URL path
};

}  // namespace awsfota::jobsd
