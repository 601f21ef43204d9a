// The operator CLI reads answers from the control-plane endpoint (AWS or the local service): each
// parser must turn any body into a value or an error, never a crash. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/iot_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace awsfota::cli;
  switch (data[0] % 6) {
    case 0: (void)parse_create_job(body); break;
    case 1: (void)parse_describe_job(body); break;
    case 2: (void)parse_list_jobs(body); break;
    case 3: (void)parse_list_job_executions(body); break;
    case 4: (void)parse_describe_job_execution(body); break;
    default: {
      // "HEADER|BODY": the error line must stay one line whatever the server sends.
      const auto bar = body.find('|');
      const std::string header = bar == std::string::npos ? std::string() : body.substr(0, bar);
      const std::string text = bar == std::string::npos ? body : body.substr(bar + 1);
      const std::string line = describe_api_error("DescribeJob", 404, header, text);
      for (const char c : line) {
        if (c == '\n' || c == '\r') __builtin_trap();
      }
    }
  }
  return 0;
}
