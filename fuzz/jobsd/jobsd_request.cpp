// Fuzzes the service core's device side: any topic and payload a device can publish must get a
// well-formed answer or be ignored, never a crash. The first byte picks the operation (and thing);
// the rest is the payload. A job exists for the thing so that updates reach the state machine.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jobsd/service.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::jobsd;
  if (size == 0) return 0;
  static constexpr const char* kOps[] = {"get",       "start-next", "$next/get",  "j1/get",      "j1/update",
                                         "nope/update", "bogus",    "j1/update/accepted", "notify", nullptr};
  const char* op_choice = kOps[data[0] % (sizeof(kOps) / sizeof(kOps[0]))];
  std::string payload(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string op;
  if (op_choice != nullptr) {
    op = op_choice;
  } else {  // the topic's tail comes from the input too: "TAIL\nPAYLOAD"
    const auto nl = payload.find('\n');
    op = payload.substr(0, nl);
    payload = nl == std::string::npos ? "" : payload.substr(nl + 1);
  }

  MemoryStore store;
  auto service = Service::open(store, Config{.minute_ms = 1, .signer = LinkSigner("https://h", "k")});
  if (!service) return 0;
  std::vector<OutgoingMessage> out;
  (void)(*service)->create_thing("t1", 1000);
  (void)(*service)->create_job({.job_id = "j1", .things = {"t1"},
                                .document = R"({"u":"${aws:iot:s3-presigned-url:https://b/x}"})",
                                .in_progress_timeout_minutes = 1},
                               1000, out);
  // The same request twice: the second sees the state the first left.
  for (int i = 0; i < 2; ++i) {
    auto r = (*service)->handle("$aws/things/t1/jobs/" + op, payload, 2000 + i);
    for (const auto& m : r.messages) {
      if (m.topic.empty() || m.payload.empty()) __builtin_trap();
    }
  }
  (void)(*service)->tick(100000);
  return 0;
}
