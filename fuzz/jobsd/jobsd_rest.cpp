// Fuzzes the control-plane REST mapping: any method, path, query and body the HTTP server hands over
// must give an AWS-shaped answer (a status and JSON), never a crash. Input: "METHOD PATH\nBODY".
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "jobsd/rest_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::jobsd;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto line_end = input.find('\n');
  const std::string head = input.substr(0, line_end);
  const std::string body = line_end == std::string::npos ? "" : input.substr(line_end + 1);
  const auto space = head.find(' ');
  RestRequest request{head.substr(0, space), space == std::string::npos ? "/" : head.substr(space + 1), {}, body};
  if (const auto q = request.path.find('?'); q != std::string::npos) {
    request.query["force"] = request.path.substr(q + 1);
    request.query["status"] = request.path.substr(q + 1);
    request.query["maxResults"] = request.path.substr(q + 1);
    request.query["nextToken"] = request.path.substr(q + 1);
    request.query["thingGroupName"] = request.path.substr(q + 1);
    request.query["expectedVersion"] = request.path.substr(q + 1);
    request.query["endpointType"] = request.path.substr(q + 1);
    request.path.resize(q);
  }

  MemoryStore store;
  auto service = Service::open(store, Config{.minute_ms = 1, .signer = LinkSigner("https://h", "k")});
  if (!service) return 0;
  std::vector<OutgoingMessage> out;
  (void)(*service)->create_thing("t1", 1000);
  (void)(*service)->create_thing_group("g", 1000);
  (void)(*service)->add_thing_to_group("t1", "g", 1000, out);
  (void)(*service)->create_job({.job_id = "j1", .things = {"t1"}, .document = "{}"}, 1000, out);
  const RestResponse response = handle_rest(**service, request, 2000, out);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (nlohmann::json::parse(response.body, nullptr, false).is_discarded()) __builtin_trap();
  if ((response.status >= 400) == response.error_type.empty()) __builtin_trap();
  return 0;
}
