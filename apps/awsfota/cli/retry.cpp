#include "cli/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

namespace awsfota::cli {

bool is_throttling_error(const std::string& code) {
  static const std::set<std::string> codes{
      "Throttling",           "ThrottlingException",       "ThrottledException",      "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
      "RequestLimitExceeded", "BandwidthLimitExceeded",    "RequestThrottled",
      "SlowDown",             "PriorRequestNotComplete",   "EC2ThrottledException"};
  return codes.count(code) > 0;
}

namespace {

std::string error_code_of(const std::string& header, const std::string& body) {
  if (!header.empty()) return header.substr(0, header.find(':'));
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return {};
  for (const char* key : {"__type", "code", "Code"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) {
      std::string code = it->get<std::string>();
      if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);  // ns#Code
      return code;
    }
  }
  return {};
}

}  // namespace

bool retryable_answer(long status, const std::string& error_type_header, const std::string& body) {
  // 501 (NotImplementedException: an operation or field the service lacks) says the same every time,
  // so asking again only delays the error; botocore's transient list (500, 502, 503, 504) leaves it out.
  if (status == 501) return false;
  if (status >= 500 && status <= 599) return true;
  if (status == 429) return true;
  if (status >= 200 && status < 300) return false;
  return is_throttling_error(error_code_of(error_type_header, body));
}

std::optional<double> parse_retry_after(const std::string& header) {
  const auto b = header.find_first_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  const auto e = header.find_last_not_of(" \t\r\n");
  const std::string text = header.substr(b, e - b + 1);
  if (text.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

double backoff_seconds(const RetryPolicy& policy, int attempt, const std::string& retry_after_header, double random01) {
  const double r = std::clamp(random01, 0.0, 1.0);
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min(policy.max_backoff_seconds, policy.base_seconds * std::ldexp(1.0, exponent));
  double delay = r * ceiling;
  if (auto asked = parse_retry_after(retry_after_header))
    delay = std::max(delay, std::min(*asked, policy.max_retry_after_seconds));
  return delay;
}

}  // namespace awsfota::cli
