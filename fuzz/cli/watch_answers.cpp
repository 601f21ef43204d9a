// What `job watch` and the retry rule read from the service beyond cli_responses: DescribeJob's rollout
// and abort configuration, the error answers that decide a retry, and Retry-After. Any bytes give a
// value or an error, never a crash, and a backoff stays within its bounds.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/fleet_watch.hpp"
#include "cli/retry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace awsfota::cli;
  switch (data[0] % 3) {
    case 0: (void)parse_job_progress(body); break;
    case 1: (void)retryable_answer(400, body.substr(0, body.find('|')), body); break;
    default: {
      const RetryPolicy policy;
      const double d = backoff_seconds(policy, data[0], body, 0.5);
      if (!(d >= 0) || d > policy.max_retry_after_seconds + policy.max_backoff_seconds) __builtin_trap();
    }
  }
  return 0;
}
