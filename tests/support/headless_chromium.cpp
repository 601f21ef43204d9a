#include "support/headless_chromium.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace awsfota::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string tail_of(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

std::string base64_decode(const std::string& in) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    const auto i = alphabet.find(c);
    if (i == std::string::npos) continue;  // '=' padding and line breaks
    value = (value << 6) | static_cast<unsigned>(i);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xffu));
    }
  }
  return out;
}

}  // namespace

std::optional<std::filesystem::path> HeadlessChromium::find() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "chromium";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Expected<std::unique_ptr<HeadlessChromium>, std::string> HeadlessChromium::start(
    const std::string& url, const std::filesystem::path& profile_dir) {
  const auto program = find();
  if (!program) return unexpected(std::string("chromium is not installed (scripts/setup installs it)"));
  std::filesystem::create_directories(profile_dir);
  std::unique_ptr<HeadlessChromium> browser(new HeadlessChromium());
  browser->log_ = profile_dir / "chromium.log";
  int commands[2], answers[2];
  if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(answers, O_CLOEXEC) != 0) return unexpected(std::string("pipe failed"));
  std::vector<std::string> args{program->string(), "--headless=new", "--disable-gpu", "--no-first-run",
                                "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                                "--remote-debugging-pipe", "--window-size=1280,1000",
                                "--user-data-dir=" + profile_dir.string(), "about:blank"};
  if (::geteuid() == 0) args.insert(args.begin() + 1, "--no-sandbox");  // chromium refuses root otherwise
  const pid_t pid = ::fork();
  if (pid < 0) return unexpected(std::string("fork failed"));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setpgid(0, 0);  // its renderers and helpers go with it
    // Out of the way of 1..4 first, so that no dup2 below overwrites a descriptor still to be copied.
    const int in = ::fcntl(commands[0], F_DUPFD_CLOEXEC, 10);
    const int out = ::fcntl(answers[1], F_DUPFD_CLOEXEC, 10);
    const int log = ::open(browser->log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    // dup2 clears O_CLOEXEC on the copies: the browser keeps exactly these.
    if (in < 0 || out < 0 || log < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0 || ::dup2(in, 3) < 0 ||
        ::dup2(out, 4) < 0) {
      ::_exit(127);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(commands[0]);
  ::close(answers[1]);
  browser->pid_ = pid;
  browser->to_browser_ = commands[1];
  browser->from_browser_ = answers[0];
  auto target = browser->call("Target.createTarget", {{"url", url}}, "", std::chrono::seconds(30));
  if (!target) return unexpected("chromium did not open " + url + ": " + target.error());
  auto attached = browser->call("Target.attachToTarget", {{"targetId", (*target)["targetId"]}, {"flatten", true}}, "",
                                std::chrono::seconds(10));
  if (!attached) return unexpected("cannot attach to the page: " + attached.error());
  browser->session_ = (*attached)["sessionId"].get<std::string>();
  return browser;
}

HeadlessChromium::~HeadlessChromium() {
  if (pid_ > 0) {
    (void)call("Browser.close", json::object(), "", std::chrono::seconds(3));
    const auto give_up = Clock::now() + std::chrono::seconds(3);
    while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (Clock::now() > give_up) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(-pid_, SIGKILL);  // helpers that outlived the browser process
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
}

Expected<json, std::string> HeadlessChromium::call(const std::string& method, json params, const std::string& session,
                                                   std::chrono::milliseconds timeout) {
  const int id = next_id_++;
  json command = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) command["sessionId"] = session;
  std::string text = command.dump();
  text.push_back('\0');
  for (std::size_t sent = 0; sent < text.size();) {
    const ssize_t n = ::write(to_browser_, text.data() + sent, text.size() - sent);
    if (n <= 0) return unexpected("chromium closed its command pipe; its log: " + tail_of(log_));
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // Whole messages first: events (no id) and answers to other commands are skipped.
    for (auto end = received_.find('\0'); end != std::string::npos; end = received_.find('\0')) {
      const json message = json::parse(received_.substr(0, end), nullptr, false);
      received_.erase(0, end + 1);
      if (!message.is_object() || message.value("id", -1) != id) continue;
      if (message.contains("error")) return unexpected(method + ": " + message["error"].dump());
      return message.value("result", json::object());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return unexpected(method + ": no answer from chromium in " + std::to_string(timeout.count()) + " ms");
    pollfd p{from_browser_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buffer[65536];
    const ssize_t n = ::read(from_browser_, buffer, sizeof buffer);
    if (n <= 0) return unexpected(method + ": chromium exited; its log: " + tail_of(log_));
    received_.append(buffer, static_cast<std::size_t>(n));
  }
}

Expected<json, std::string> HeadlessChromium::page_call(const std::string& method, json params,
                                                        std::chrono::milliseconds timeout) {
  return call(method, std::move(params), session_, timeout);
}

Expected<json, std::string> HeadlessChromium::evaluate(const std::string& expression) {
  auto r = page_call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
  if (!r) return unexpected(r.error());
  if (r->contains("exceptionDetails")) return unexpected(expression + " threw: " + (*r)["exceptionDetails"].dump());
  return (*r)["result"].value("value", json(nullptr));
}

Expected<void, std::string> HeadlessChromium::screenshot(const std::filesystem::path& png) {
  auto r = page_call("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}},
                     std::chrono::seconds(20));
  if (!r) return unexpected(r.error());
  std::filesystem::create_directories(png.parent_path());
  std::ofstream(png, std::ios::binary) << base64_decode((*r)["data"].get<std::string>());
  return {};
}

}  // namespace awsfota::testing
