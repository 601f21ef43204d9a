// Helpers the control-plane REST API's parts share (see rest_common.hpp).
#include "jobsd/rest_common.hpp"

#include <algorithm>
#include <cstdlib>

#include "awsfota/jobs/topics.hpp"

namespace awsfota::jobsd::rest {

RestFailure invalid(std::string message) { return {400, "InvalidRequestException", std::move(message)}; }

RestFailure from_control(const ControlError& e) {
  switch (e.code) {
    case ControlErrorCode::InvalidRequest: return {400, "InvalidRequestException", e.message};
    case ControlErrorCode::ResourceNotFound: return {404, "ResourceNotFoundException", e.message};
    case ControlErrorCode::ResourceAlreadyExists: return {409, "ResourceAlreadyExistsException", e.message};
    case ControlErrorCode::InvalidStateTransition: return {409, "InvalidStateTransitionException", e.message};
    case ControlErrorCode::VersionConflict: return {409, "VersionConflictException", e.message};
    case ControlErrorCode::LimitExceeded: return {410, "LimitExceededException", e.message};
    case ControlErrorCode::Internal: return {500, "InternalFailureException", e.message};
  }
  return {500, "InternalFailureException", e.message};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const std::size_t end = path.find('/', pos);
    parts.emplace_back(path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return parts;
}

json parse_body(const std::string& body) {
  if (body.empty()) return json::object();
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw invalid("the request body is not a JSON object");
  return j;
}

// Typed field access that names the field when its type is wrong.
std::optional<std::string> string_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw invalid(std::string(name) + ": must be a string");
  return it->get<std::string>();
}
std::optional<std::int64_t> integer_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) throw invalid(std::string(name) + ": must be an integer");
  return it->get<std::int64_t>();
}
const json* object_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw invalid(std::string(name) + ": must be an object");
  return &*it;
}

bool query_flag(const RestRequest& r, const char* name) {
  auto it = r.query.find(name);
  return it != r.query.end() && (it->second == "true" || it->second == "True" || it->second == "1");
}
std::optional<std::string> query_value(const RestRequest& r, const char* name) {
  auto it = r.query.find(name);
  if (it == r.query.end()) return std::nullopt;
  return it->second;
}

std::optional<JobStatus> status_filter(const RestRequest& r) {
  auto text = query_value(r, "status");
  if (!text) return std::nullopt;
  auto status = jobs::parse_job_status(*text);
  if (!status) throw invalid("status: '" + *text + "' is not a job execution status");
  return status;
}

// AWS's maxResults for the list operations: 1..250.
constexpr std::int64_t kMaxPageSize = 250;

// One page of `items` under `key`, with nextToken when more follow. The token is the offset of the next
// item: lists come in a stable order (by name, id or queue time), so the CLI's auto-pagination sees
// every item once as long as nothing is created meanwhile, which is what AWS promises too.
json paged(const RestRequest& r, json items, const char* key) {
  std::int64_t size = kMaxPageSize;
  if (auto text = query_value(r, "maxResults")) {
    char* end = nullptr;
    const long long v = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || v < 1 || v > kMaxPageSize) {
      throw invalid("maxResults: '" + *text + "' must be a number in 1..250");
    }
    size = v;
  }
  std::size_t offset = 0;
  if (auto token = query_value(r, "nextToken")) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(token->c_str(), &end, 10);
    if (token->empty() || *end != '\0' || token->front() == '-' || v > items.size()) {
      throw invalid("nextToken: '" + *token + "' is not a token this list handed out");
    }
    offset = static_cast<std::size_t>(v);
  }
  const std::size_t stop = std::min(items.size(), offset + static_cast<std::size_t>(size));
  json page = json::array();
  for (std::size_t i = offset; i < stop; ++i) page.push_back(std::move(items[i]));
  json out = {{key, std::move(page)}};
  if (stop < items.size()) out["nextToken"] = std::to_string(stop);
  return out;
}

TargetArn parse_target_arn(const std::string& text, const ArnScope& scope, const std::string& field, bool things,
                           bool groups) {
  // arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = text.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  const std::string wanted = things && groups ? "a thing or thing group ARN" : things ? "a thing ARN" : "a thing group ARN";
  if (parts.size() != 5 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iot") {
    throw invalid(field + ": '" + text + "' is not " + wanted + " (arn:aws:iot:REGION:ACCOUNT:thing/NAME)");
  }
  const std::string resource = text.substr(start);
  const std::size_t slash = resource.find('/');
  TargetArn target{resource.substr(0, std::min(slash, resource.size())),
                   slash == std::string::npos ? std::string() : resource.substr(slash + 1)};
  const bool kind_ok = (things && target.kind == "thing") || (groups && target.kind == "thinggroup");
  if (!kind_ok || !jobs::is_valid_thing_name(target.name)) {
    throw invalid(field + ": '" + text + "' is not " + wanted + " (arn:aws:iot:REGION:ACCOUNT:thing/NAME)");
  }
  if (parts[3] != scope.region || parts[4] != scope.account) {
    throw invalid(field + ": '" + text + "' is in region " + parts[3] + ", account " + parts[4] +
                  "; this service acts on account " + scope.account + " in region " + scope.region + " only");
  }
  return target;
}

RestFailure not_implemented(const RestRequest& r) {
  return {501, "NotImplementedException",
          "the local service does not implement " + r.method + " " + r.path + " (see docs/local-stack.md)"};
}

}  // namespace awsfota::jobsd::rest
