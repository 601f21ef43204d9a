// Who may call the control plane, and how often: SigV4 verified against the configured keys
// (apps/common/sigv4, the canonicalization the CLI signs with), an explicit anonymous mode, and a
// request-rate limit per account that answers ThrottlingException as AWS does. Pure: the program
// brings the clock and the crypto primitives.
//
//   auto keys = parse_credentials_file(text);          // [profile] aws_access_key_id / aws_secret_access_key
//   ControlAuth auth({.region = "us-east-1", .account = "000000000000", .keys = *keys,
//                     .requests_per_second = 10});
//   if (auto refusal = auth.admit(received, now_ms, primitives)) return *refusal;   // a RestResponse
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"
#include "jobsd/rest_api.hpp"
#include "sigv4/verify.hpp"

namespace awsfota::jobsd {

// AWS's documented control-plane rate for the IoT Jobs APIs (CreateJob, DescribeJob,
// ListJobExecutionsForJob, ...): 10 requests per second per account (docs/local-stack.md).
inline constexpr double kAwsJobsApiRequestsPerSecond = 10;

// access key id -> secret access key.
using AccessKeys = std::map<std::string, std::string, std::less<>>;

// The AWS shared-credentials format (what ~/.aws/credentials holds), one key pair per profile:
//   [default]
//   aws_access_key_id = AKIA...
//   aws_secret_access_key = ...
// '#' and ';' start comments. An error names the line (or the profile) that is wrong.
[[nodiscard]] Expected<AccessKeys, std::string> parse_credentials_file(std::string_view text);

// A token bucket per account: `rate` requests per second on average, bursts of up to `rate` (at least 1).
class RateLimiter {
 public:
  explicit RateLimiter(double requests_per_second) : rate_(requests_per_second) {}
  // True when the account may make a request at now_ms (and counts it); false: throttled.
  [[nodiscard]] bool admit(const std::string& account, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  double rate_;  // 0: no limit
  std::map<std::string, Bucket, std::less<>> buckets_;
};

struct ControlAuthConfig {
  std::string region = "us-east-1";
  std::string account = "000000000000";  // every configured key belongs to the service's account
  AccessKeys keys;
  bool anonymous = false;  // no signature checked: only when asked for (--anonymous)
  double requests_per_second = kAwsJobsApiRequestsPerSecond;  // 0: no limit
};

class ControlAuth {
 public:
  explicit ControlAuth(ControlAuthConfig config);
  // nullopt: the request may go on; otherwise the AWS error to answer (403 for an authentication
  // failure, 400 ThrottlingException over the rate). `who` gets the access key id (or "anonymous").
  [[nodiscard]] std::optional<RestResponse> admit(const sigv4::ReceivedRequest& request, std::int64_t now_ms,
                                                  const sigv4::SigV4Primitives& primitives, std::string* who = nullptr);
  [[nodiscard]] const ControlAuthConfig& config() const { return config_; }

 private:
  ControlAuthConfig config_;
  RateLimiter limiter_;
};

}  // namespace awsfota::jobsd
