// The thing and thing-group operations of the control-plane REST API: /things/..., /thing-groups/...
#include <cstdlib>
#include <optional>
#include <utility>

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
  if (n < 2) throw not_implemented(request_);
  const std::string& thing = p[1];
  if (n == 2 && m == "DELETE") {
    operation = "DeleteThing";
    std::optional<std::int64_t> expected;
    if (auto text = query_value(request_, "expectedVersion")) {
      char* end = nullptr;
      expected = std::strtoll(text->c_str(), &end, 10);
      if (text->empty() || *end != '\0') throw invalid("expectedVersion: '" + *text + "' is not a number");
    }
    value_or_throw(service_.delete_thing(thing, expected, now_ms_, out_));
    return json::object();
  }
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
  if (n == 6 && is(2, "jobs") && is(4, "executionNumber") && m == "DELETE") {
    operation = "DeleteJobExecution";
    return delete_job_execution(p);
  }
  throw not_implemented(request_);
}

// /thing-groups, /thing-groups/G, /thing-groups/G/things, /thing-groups/addThingToThingGroup,
// /thing-groups/removeThingFromThingGroup
json Api::route_groups(const std::vector<std::string>& p, std::string& operation) {
  const std::string& m = request_.method;
  const std::size_t n = p.size();
  if (n == 1 && m == "GET") {
    operation = "ListThingGroups";
    return list_thing_groups();
  }
  if (n == 2 && p[1] == "addThingToThingGroup" && m == "PUT") {
    operation = "AddThingToThingGroup";
    return add_thing_to_group();
  }
  if (n == 2 && p[1] == "removeThingFromThingGroup" && m == "PUT") {
    operation = "RemoveThingFromThingGroup";
    return remove_thing_from_group();
  }
  if (n == 2 && m == "POST") {
    operation = "CreateThingGroup";
    const ThingGroup g = value_or_throw(service_.create_thing_group(p[1], now_ms_));
    return {{"thingGroupName", g.name}, {"thingGroupArn", arn("thinggroup", g.name)}, {"thingGroupId", g.name}};
  }
  if (n == 2 && m == "GET") {
    operation = "DescribeThingGroup";
    return describe_thing_group(p[1]);
  }
  if (n == 3 && p[2] == "things" && m == "GET") {
    operation = "ListThingsInThingGroup";
    return list_things_in_group(p[1]);
  }
  throw not_implemented(request_);
}

json Api::create_thing(const std::string& name) {
  const Thing t = value_or_throw(service_.create_thing(name, now_ms_));
  return {{"thingName", t.name}, {"thingArn", arn("thing", t.name)}, {"thingId", t.name}};
}

std::pair<std::string, std::string> Api::thing_and_group(const json& body) const {
  std::string group = string_field(body, "thingGroupName").value_or("");
  if (auto group_arn = string_field(body, "thingGroupArn"); group.empty() && group_arn) {
    group = parse_target_arn(*group_arn, scope_, "thingGroupArn", false, true).name;
  }
  std::string thing = string_field(body, "thingName").value_or("");
  if (auto thing_arn = string_field(body, "thingArn"); thing.empty() && thing_arn) {
    thing = parse_target_arn(*thing_arn, scope_, "thingArn", true, false).name;
  }
  if (group.empty() || thing.empty()) throw invalid("thingGroupName (or thingGroupArn) and thingName (or thingArn) are required");
  return {thing, group};
}

json Api::add_thing_to_group() {
  const auto [thing, group] = thing_and_group(parse_body(request_.body));
  value_or_throw(service_.add_thing_to_group(thing, group, now_ms_, out_));
  return json::object();
}

json Api::remove_thing_from_group() {
  const auto [thing, group] = thing_and_group(parse_body(request_.body));
  value_or_throw(service_.remove_thing_from_group(thing, group, now_ms_, out_));
  return json::object();
}

// Groups here have no parents, attributes or dynamic queries: version 1, empty properties.
json Api::describe_thing_group(const std::string& name) {
  const ThingGroup g = value_or_throw(service_.describe_thing_group(name));
  return {{"thingGroupName", g.name},
          {"thingGroupId", g.name},
          {"thingGroupArn", arn("thinggroup", g.name)},
          {"version", 1},
          {"thingGroupProperties", json::object()},
          {"thingGroupMetadata", {{"rootToParentThingGroups", json::array()}, {"creationDate", seconds(g.created_at_ms)}}}};
}

json Api::list_thing_groups() {
  const auto prefix = query_value(request_, "namePrefixFilter");
  // No group has a parent here: a parentGroup that exists has no children.
  if (auto parent = query_value(request_, "parentGroup")) {
    (void)value_or_throw(service_.describe_thing_group(*parent));
    return paged(request_, json::array(), "thingGroups");
  }
  json groups = json::array();
  for (const ThingGroup& g : service_.list_thing_groups()) {
    if (prefix && g.name.rfind(*prefix, 0) != 0) continue;
    groups.push_back({{"groupName", g.name}, {"groupArn", arn("thinggroup", g.name)}});
  }
  return paged(request_, std::move(groups), "thingGroups");
}

// `recursive` changes nothing: groups here have no child groups.
json Api::list_things_in_group(const std::string& name) {
  const ThingGroup g = value_or_throw(service_.describe_thing_group(name));
  json things = json::array();
  for (const auto& t : g.things) things.push_back(t);
  return paged(request_, std::move(things), "things");
}

// /things/T/jobs/J/executionNumber/N
json Api::delete_job_execution(const std::vector<std::string>& p) {
  refuse_not_implemented(json::object(), request_);  // namespaceId
  char* end = nullptr;
  const long long number = std::strtoll(p[5].c_str(), &end, 10);
  if (p[5].empty() || *end != '\0') throw invalid("executionNumber: '" + p[5] + "' is not a number");
  value_or_throw(service_.delete_execution(p[3], p[1], number, query_flag(request_, "force"), now_ms_, out_));
  return json::object();
}

}  // namespace awsfota::jobsd::rest
