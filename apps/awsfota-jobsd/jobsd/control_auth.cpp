#include "jobsd/control_auth.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace awsfota::jobsd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

RestResponse error_response(int status, std::string_view type, const std::string& message) {
  RestResponse r;
  r.status = status;
  r.error_type = std::string(type);
  r.body = nlohmann::json{{"message", message}}.dump();
  return r;
}

struct Profile {
  std::string name;
  std::string key_id, secret;
  int line = 0;
};

Expected<void, std::string> add_profile(AccessKeys& keys, const Profile& p) {
  if (p.name.empty() && p.key_id.empty() && p.secret.empty()) return {};
  if (p.key_id.empty() || p.secret.empty()) {
    return unexpected("profile [" + p.name + "] (line " + std::to_string(p.line) +
                      ") needs both aws_access_key_id and aws_secret_access_key");
  }
  if (!keys.emplace(p.key_id, p.secret).second)
    return unexpected("access key id " + p.key_id + " is given twice (profile [" + p.name + "])");
  return {};
}

}  // namespace

Expected<AccessKeys, std::string> parse_credentials_file(std::string_view text) {
  AccessKeys keys;
  Profile current;
  int line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) return unexpected("line " + std::to_string(line_number) + ": a profile is [NAME]");
      if (auto added = add_profile(keys, current); !added) return unexpected(added.error());
      current = Profile{std::string(trim(line.substr(1, line.size() - 2))), {}, {}, line_number};
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || current.name.empty())
      return unexpected("line " + std::to_string(line_number) + ": expected NAME = VALUE under a [profile]");
    const std::string_view name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (name == "aws_access_key_id") current.key_id = std::string(value);
    if (name == "aws_secret_access_key") current.secret = std::string(value);
  }
  if (auto added = add_profile(keys, current); !added) return unexpected(added.error());
  if (keys.empty()) return unexpected(std::string("no key pair: expected [profile] with aws_access_key_id and aws_secret_access_key"));
  return keys;
}

bool RateLimiter::admit(const std::string& account, std::int64_t now_ms) {
  if (rate_ <= 0) return true;
  const double capacity = std::max(1.0, rate_);
  auto [it, fresh] = buckets_.try_emplace(account, Bucket{capacity, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.at_ms) {
    b.tokens = std::min(capacity, b.tokens + static_cast<double>(now_ms - b.at_ms) * rate_ / 1000.0);
    b.at_ms = now_ms;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

ControlAuth::ControlAuth(ControlAuthConfig config) : config_(std::move(config)), limiter_(config_.requests_per_second) {}

std::optional<RestResponse> ControlAuth::admit(const sigv4::ReceivedRequest& request, std::int64_t now_ms,
                                               const sigv4::SigV4Primitives& primitives, std::string* who) {
  std::string caller = "anonymous";
  if (!config_.anonymous) {
    const sigv4::VerifyPolicy policy{config_.region, {"iot", "execute-api"}, 300};
    auto lookup = [this](std::string_view id) -> std::optional<std::string> {
      auto it = config_.keys.find(id);
      return it == config_.keys.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto verified = sigv4::verify_request(request, policy, lookup, now_ms / 1000, primitives);
    if (!verified) {
      if (who) *who = "refused";
      return error_response(sigv4::http_status(verified.error().kind), sigv4::error_code(verified.error().kind),
                            verified.error().message);
    }
    caller = verified->access_key_id;
  }
  if (who) *who = caller;
  // AWS's iot model gives ThrottlingException HTTP 400.
  if (!limiter_.admit(config_.account, now_ms)) return error_response(400, "ThrottlingException", "Rate exceeded");
  return std::nullopt;
}

}  // namespace awsfota::jobsd
