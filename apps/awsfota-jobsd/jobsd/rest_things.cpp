// The thing and thing-group operations of the control-plane REST API: /things/..., /thing-groups/...
#include <optional>

#include "jobsd/rest_common.hpp"

namespace awsfota::jobsd::rest {

// /things, /things/T, /things/T/jobs, /things/T/jobs/J, /things/T/jobs/J/cancel
json Api::route_things(const std::vector<std::string>& p, std::string& operation) {
  const std::string& m = request_.method;
  const std::size_t n = p.size();
  auto is = [&](std::size_t i, const char* text) { return i < n && p[i] == text; };
  if (n == 1 && m == "GET") {
    operation = "ListThings";
    json things = json::array();
    for (const Thing& t : service_.list_things()) {
      things.push_back({{"thingName", t.name}, {"thingArn", arn("thing", t.name)}, {"attributes", json::object()},
                        {"version", 1}});
    }
    return paged(request_, std::move(things), "things");
  }
  if (n < 2) throw invalid("no such operation: " + m + " " + request_.path);
  const std::string& thing = p[1];
  if (n == 2 && m == "POST") {
    operation = "CreateThing";
    return create_thing(thing);
  }
  if (n == 2 && m == "GET") {
    operation = "DescribeThing";
    for (const Thing& t : service_.list_things()) {
      if (t.name == thing) {
        return {{"thingName", t.name}, {"thingArn", arn("thing", t.name)}, {"thingId", t.name},
                {"defaultClientId", t.name}, {"attributes", json::object()}, {"version", 1}};
      }
    }
    throw RestFailure{404, "ResourceNotFoundException", "thing " + thing + " does not exist"};
  }
  if (n == 3 && is(2, "jobs") && m == "GET") {
    operation = "ListJobExecutionsForThing";
    const auto only_job = query_value(request_, "jobId");
    json list = json::array();
    for (const Execution& e : value_or_throw(service_.list_executions_for_thing(thing, status_filter(request_)))) {
      if (only_job && e.job_id != *only_job) continue;
      list.push_back({{"jobId", e.job_id}, {"jobExecutionSummary", execution_summary(e)}});
    }
    return paged(request_, std::move(list), "executionSummaries");
  }
  if (n == 4 && is(2, "jobs") && m == "GET") {
    operation = "DescribeJobExecution";
    const Execution e = value_or_throw(service_.describe_execution(p[3], thing));
    if (auto number = query_value(request_, "executionNumber"); number && *number != std::to_string(e.execution_number)) {
      throw RestFailure{404, "ResourceNotFoundException", "no execution number " + *number + " of job " + p[3]};
    }
    return {{"execution", execution_json(e)}};
  }
  if (n == 5 && is(2, "jobs") && is(4, "cancel") && m == "PUT") {
    operation = "CancelJobExecution";
    const json body = parse_body(request_.body);
    CancelExecutionRequest c{p[3], thing, query_flag(request_, "force"), integer_field(body, "expectedVersion"), {}};
    if (const json* details = object_field(body, "statusDetails")) {
      StatusDetails map;
      for (const auto& [k, v] : details->items()) {
        if (!v.is_string()) throw invalid("statusDetails." + k + ": must be a string");
        map[k] = v.get<std::string>();
      }
      c.status_details = std::move(map);
    }
    (void)value_or_throw(service_.cancel_execution(c, now_ms_, out_));
    return json::object();
  }
  throw RestFailure{404, "ResourceNotFoundException", "no such operation: " + m + " " + request_.path};
}

// /thing-groups/G, /thing-groups/addThingToThingGroup
json Api::route_groups(const std::vector<std::string>& p, std::string& operation) {
  const std::string& m = request_.method;
  const std::size_t n = p.size();
  if (n == 2 && p[1] == "addThingToThingGroup" && m == "PUT") {
    {
    operation = "AddThingToThingGroup";
    return add_thing_to_group();
  }
  }
  if (n == 2 && m == "POST") {
    operation = "CreateThingGroup";
    const ThingGroup g = value_or_throw(service_.create_thing_group(p[1], now_ms_));
    return {{"thingGroupName", g.name}, {"thingGroupArn", arn("thinggroup", g.name)}, {"thingGroupId", g.name}};
  }
  throw RestFailure{404, "ResourceNotFoundException", "no such operation: " + m + " " + request_.path};
}

json Api::create_thing(const std::string& name) {
  const Thing t = value_or_throw(service_.create_thing(name, now_ms_));
  return {{"thingName", t.name}, {"thingArn", arn("thing", t.name)}, {"thingId", t.name}};
}

json Api::add_thing_to_group() {
  const json body = parse_body(request_.body);
  std::string group = string_field(body, "thingGroupName").value_or("");
  if (group.empty()) group = name_in_arn(string_field(body, "thingGroupArn").value_or(""), "thinggroup").value_or("");
  std::string thing = string_field(body, "thingName").value_or("");
  if (thing.empty()) thing = name_in_arn(string_field(body, "thingArn").value_or(""), "thing").value_or("");
  if (group.empty() || thing.empty()) throw invalid("thingGroupName (or thingGroupArn) and thingName (or thingArn) are required");
  value_or_throw(service_.add_thing_to_group(thing, group, now_ms_, out_));
  return json::object();
}

}  // namespace awsfota::jobsd::rest
