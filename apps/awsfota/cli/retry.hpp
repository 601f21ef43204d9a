// When the CLI asks AWS again: ThrottlingException (and its kin), HTTP 5xx and dropped connections
// (but 501, NotImplementedException) are retried with full-jitter exponential backoff (botocore's "standard" rule: a random delay up to
// min(cap, base * 2^attempt)), at most max_attempts in all, and never sooner than a Retry-After the
// service sent. Everything else (4xx, a refused connection, a bad host name) fails at once. Pure.
//
//   RetryPolicy policy;                                   // 5 attempts, 1 s base, 20 s cap
//   if (retryable_answer(status, error_type, body) && attempt < policy.max_attempts)
//     sleep(backoff_seconds(policy, attempt, retry_after_header, random01()));
#pragma once

#include <optional>
#include <string>

namespace awsfota::cli {

struct RetryPolicy {
  int max_attempts = 5;          // tries in all, the first one included
  double base_seconds = 1.0;     // the first retry waits up to this
  double max_backoff_seconds = 20.0;
  double max_retry_after_seconds = 60.0;  // a longer Retry-After is cut to this
};

// The service's error codes that mean "slow down, then ask again" (botocore's throttling list).
[[nodiscard]] bool is_throttling_error(const std::string& error_code);

// An HTTP answer worth retrying: 5xx other than 501 (NotImplemented never changes), 429, or an error whose code (the x-amzn-ErrorType header's part
// before ':', or the body's __type/code) is a throttling one.
[[nodiscard]] bool retryable_answer(long http_status, const std::string& error_type_header, const std::string& body);

// Retry-After in seconds (an integer or decimal; HTTP dates are not used by AWS and are ignored).
[[nodiscard]] std::optional<double> parse_retry_after(const std::string& header);

// The wait before attempt `attempt + 1` (attempt counts from 1): random01 * min(cap, base * 2^(attempt-1)),
// raised to Retry-After when the service asked for longer.
[[nodiscard]] double backoff_seconds(const RetryPolicy& policy, int attempt, const std::string& retry_after_header,
                                     double random01);

}  // namespace awsfota::cli
