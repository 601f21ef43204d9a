// What the control-plane REST API's parts share: AWS's error shape, typed access to request fields,
// paging, and the Api class whose routes live one file per resource (rest_jobs.cpp, rest_things.cpp).
// Internal to jobsd_core; the public entry point is handle_rest() in rest_api.hpp.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobsd/rest_api.hpp"

namespace awsfota::jobsd::rest {

using nlohmann::json;

// A request the API refuses, thrown inside the REST API only and turned into an AWS error at the boundary.
struct RestFailure {
  int status;
  std::string type;
  std::string message;
};

[[nodiscard]] RestFailure invalid(std::string message);
[[nodiscard]] RestFailure from_control(const ControlError& e);

template <class T>
T value_or_throw(Expected<T, ControlError> r) {
  if (!r) throw from_control(r.error());
  return std::move(*r);
}
inline void value_or_throw(Expected<void, ControlError> r) {
  if (!r) throw from_control(r.error());
}

// Names from the path reach messages before they are validated: never let bad UTF-8 stop the answer.
[[nodiscard]] std::string dump(const json& j);
[[nodiscard]] inline double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }
[[nodiscard]] std::vector<std::string> split_path(std::string_view path);
[[nodiscard]] json parse_body(const std::string& body);

// Typed field access that names the field when its type is wrong.
[[nodiscard]] std::optional<std::string> string_field(const json& j, const char* name);
[[nodiscard]] std::optional<std::int64_t> integer_field(const json& j, const char* name);
[[nodiscard]] const json* object_field(const json& j, const char* name);

[[nodiscard]] bool query_flag(const RestRequest& r, const char* name);
[[nodiscard]] std::optional<std::string> query_value(const RestRequest& r, const char* name);
[[nodiscard]] std::optional<JobStatus> status_filter(const RestRequest& r);

// One page of `items` under `key`, with nextToken when more follow (maxResults 1..250, as AWS's).
[[nodiscard]] json paged(const RestRequest& r, json items, const char* key);

// A thing or thing group ARN the service may act on: arn:aws:iot:REGION:ACCOUNT:KIND/NAME with the
// service's own region and account, as AWS acts only inside the caller's account and region.
struct TargetArn {
  std::string kind;  // "thing" or "thinggroup"
  std::string name;
};
// Refuses (InvalidRequestException naming `field`) an ARN that is malformed, of another kind than
// `kinds` allows, or of another account or region than `scope`.
[[nodiscard]] TargetArn parse_target_arn(const std::string& text, const ArnScope& scope, const std::string& field,
                                         bool things = true, bool groups = true);

// A path and method the service does not serve: 501 NotImplementedException, so that a script learns
// the local service lacks the operation, not that a resource is missing (which ResourceNotFound says).
[[nodiscard]] RestFailure not_implemented(const RestRequest& r);

// Refuses with InvalidRequestException each field of `body` (and query parameter) the service does not
// implement; see kNotImplementedFields in rest_job_config.cpp.
void refuse_not_implemented(const json& body, const RestRequest& r);

class Api {
 public:
  Api(Service& service, const RestRequest& request, std::int64_t now_ms, std::vector<OutgoingMessage>& out,
      const ArnScope& scope, const DocumentFetcher& fetch_document)
      : service_(service), request_(request), now_ms_(now_ms), out_(out), scope_(scope),
        fetch_document_(fetch_document) {}

  json route(std::string& operation);

 private:
  json route_jobs(const std::vector<std::string>& p, std::string& operation);
  json route_things(const std::vector<std::string>& p, std::string& operation);
  json route_groups(const std::vector<std::string>& p, std::string& operation);
  std::string arn(const std::string& kind, const std::string& name) const {
    return "arn:aws:iot:" + scope_.region + ":" + scope_.account + ":" + kind + "/" + name;
  }

  json route_endpoint(std::string& operation);

  // rest_job_config.cpp
  json create_job(const std::string& job_id);
  json update_job(const std::string& job_id);
  std::string document_of(const json& body) const;
  void read_presigned_config(const json& body, std::optional<std::int64_t>& expires,
                             std::optional<std::string>& role_arn) const;
  // rest_jobs.cpp
  json list_jobs();
  json job_json(const JobDescription& d) const;
  json execution_summary(const Execution& e) const;
  json execution_json(const Execution& e) const;
  // rest_things.cpp
  json create_thing(const std::string& name);
  json add_thing_to_group();
  json remove_thing_from_group();
  json describe_thing_group(const std::string& name);
  json list_thing_groups();
  json list_things_in_group(const std::string& name);
  json delete_job_execution(const std::vector<std::string>& p);
  // thingName/thingArn and thingGroupName/thingGroupArn of the group membership operations.
  std::pair<std::string, std::string> thing_and_group(const json& body) const;

  Service& service_;
  const RestRequest& request_;
  std::int64_t now_ms_;
  std::vector<OutgoingMessage>& out_;
  const ArnScope& scope_;
  const DocumentFetcher& fetch_document_;
};

}  // namespace awsfota::jobsd::rest
