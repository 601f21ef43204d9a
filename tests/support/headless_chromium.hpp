// Debian's chromium, headless, driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
// the browser reads commands from its fd 3 and writes answers and events to its fd 4, each message a
// JSON text ended by a NUL). No port, no WebSocket: nothing else on the machine can reach it.
//
//   auto browser = HeadlessChromium::start("http://127.0.0.1:8080/ui/", dir / "chromium");
//   if (!browser) GTEST_SKIP() << browser.error();     // only when chromium is not installed
//   auto title = (*browser)->evaluate("document.title");  // Expected<json, std::string>
//   (void)(*browser)->screenshot(out / "page.png");
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "awsfota/expected.hpp"

namespace awsfota::testing {

class HeadlessChromium {
 public:
  // The chromium program on PATH, or nothing when it is not installed.
  [[nodiscard]] static std::optional<std::filesystem::path> find();
  // Starts the browser with a fresh profile in `profile_dir` (its output goes to profile_dir/chromium.log)
  // and opens `url` in a 1280x1000 page.
  [[nodiscard]] static Expected<std::unique_ptr<HeadlessChromium>, std::string> start(
      const std::string& url, const std::filesystem::path& profile_dir);
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // A DevTools command on the page (Runtime.evaluate, Page.captureScreenshot, ...): its result.
  [[nodiscard]] Expected<nlohmann::json, std::string> page_call(
      const std::string& method, nlohmann::json params,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The value of a JavaScript expression in the page (returned by value: JSON-able results only).
  [[nodiscard]] Expected<nlohmann::json, std::string> evaluate(const std::string& expression);
  // A PNG of the page as it is drawn now.
  [[nodiscard]] Expected<void, std::string> screenshot(const std::filesystem::path& png);

 private:
  HeadlessChromium() = default;
  [[nodiscard]] Expected<nlohmann::json, std::string> call(const std::string& method, nlohmann::json params,
                                                           const std::string& session,
                                                           std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string received_;  // bytes read after the last whole message
  int next_id_ = 1;
  std::string session_;  // the page's DevTools session
  std::filesystem::path log_;
};

}  // namespace awsfota::testing
