// A scripted HTTP/1.1 server on 127.0.0.1 for the CLI's client tests: each connection gets the next
// reply of the script (one request per connection, then close), or a TCP reset instead of an answer.
// Requests are recorded (request line and headers, lowercased names).
//
//   ScriptedHttp server({ScriptedHttp::reset(), ScriptedHttp::reply(503, "{}"), ScriptedHttp::reply(200, "{}")});
//   ... call http://127.0.0.1:<server.port()>/ ...
//   EXPECT_EQ(server.requests().size(), 3u);
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace awsfota::testing {

class ScriptedHttp {
 public:
  struct Reply {
    bool reset = false;  // close with a RST before answering
    std::string raw;     // the whole HTTP response
  };
  struct Request {
    std::string line;  // "GET /jobs/j HTTP/1.1"
    std::map<std::string, std::string> headers;
  };

  static Reply reset() { return {true, {}}; }
  static Reply reply(int status, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

  explicit ScriptedHttp(std::vector<Reply> script);  // after the script: 500s
  ~ScriptedHttp();
  ScriptedHttp(const ScriptedHttp&) = delete;
  ScriptedHttp& operator=(const ScriptedHttp&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::vector<Request> requests() const;

 private:
  void serve();
  std::vector<Reply> script_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace awsfota::testing
