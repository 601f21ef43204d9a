// AWS IoT control-plane operations over rest-json, mapped onto the service core.
#include "jobsd/rest_api.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace awsfota::jobsd {
namespace {

using nlohmann::json;

// A request the API refuses, thrown inside this file only and turned into an AWS error at the boundary.
struct RestFailure {
  int status;
  std::string type;
  std::string message;
};

RestFailure invalid(std::string message) { return {400, "InvalidRequestException", std::move(message)}; }

RestFailure from_control(const ControlError& e) {
  switch (e.code) {
    case ControlErrorCode::InvalidRequest: return {400, "InvalidRequestException", e.message};
    case ControlErrorCode::ResourceNotFound: return {404, "ResourceNotFoundException", e.message};
    case ControlErrorCode::ResourceAlreadyExists: return {409, "ResourceAlreadyExistsException", e.message};
    case ControlErrorCode::InvalidStateTransition: return {409, "InvalidStateTransitionException", e.message};
    case ControlErrorCode::VersionConflict: return {409, "VersionConflictException", e.message};
    case ControlErrorCode::Internal: return {500, "InternalFailureException", e.message};
  }
  return {500, "InternalFailureException", e.message};
}

template <class T>
T value_or_throw(Expected<T, ControlError> r) {
  if (!r) throw from_control(r.error());
  return std::move(*r);
}
inline void value_or_throw(Expected<void, ControlError> r) {
  if (!r) throw from_control(r.error());
}

// Names from the path reach messages before they are validated: never let bad UTF-8 stop the answer.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

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

  json create_job(const std::string& job_id);
  std::string document_of(const json& body) const;
  json job_json(const JobDescription& d) const;
  json execution_summary(const Execution& e) const;
  json execution_json(const Execution& e) const;
  json create_thing(const std::string& name);
  json add_thing_to_group();

  Service& service_;
  const RestRequest& request_;
  std::int64_t now_ms_;
  std::vector<OutgoingMessage>& out_;
  const ArnScope& scope_;
  const DocumentFetcher& fetch_document_;
};

json Api::route(std::string& operation) {
  const auto p = split_path(request_.path);
  if (!p.empty() && p[0] == "jobs") return route_jobs(p, operation);
  if (!p.empty() && p[0] == "things") return route_things(p, operation);
  if (!p.empty() && p[0] == "thing-groups") return route_groups(p, operation);
  throw RestFailure{404, "ResourceNotFoundException", "no such operation: " + request_.method + " " + request_.path};
}

// /jobs, /jobs/J, /jobs/J/cancel, /jobs/J/job-document, /jobs/J/things
json Api::route_jobs(const std::vector<std::string>& p, std::string& operation) {
  const std::string& m = request_.method;
  const std::size_t n = p.size();
  auto is = [&](std::size_t i, const char* text) { return i < n && p[i] == text; };
  if (n == 1 && m == "GET") {
    operation = "ListJobs";
    std::optional<JobState> state;
    if (auto s = query_value(request_, "status")) {
      state = parse_job_state(*s);
      if (!state) throw invalid("status: '" + *s + "' is not a job status");
    }
    const auto selection = query_value(request_, "targetSelection");
    json jobs = json::array();
    for (const Job& job : service_.list_jobs(state)) {
      if (selection && job.target_selection != *selection) continue;
      json s = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}, {"targetSelection", job.target_selection},
                {"status", std::string(to_string(job.state))}, {"createdAt", seconds(job.created_at_ms)},
                {"lastUpdatedAt", seconds(job.last_updated_at_ms)}};
      if (job.completed_at_ms) s["completedAt"] = seconds(*job.completed_at_ms);
      jobs.push_back(std::move(s));
    }
    return paged(request_, std::move(jobs), "jobs");
  }
  if (n < 2) throw invalid("no such operation: " + m + " " + request_.path);
  const std::string& job_id = p[1];
  if (n == 2 && m == "PUT") {
    operation = "CreateJob";
    return create_job(job_id);
  }
  if (n == 2 && m == "GET") {
    operation = "DescribeJob";
    return {{"job", job_json(value_or_throw(service_.describe_job(job_id)))}};
  }
  if (n == 2 && m == "DELETE") {
    operation = "DeleteJob";
    value_or_throw(service_.delete_job(job_id, query_flag(request_, "force"), now_ms_, out_));
    return json::object();
  }
  if (n == 3 && is(2, "cancel") && m == "PUT") {
    operation = "CancelJob";
    const json body = parse_body(request_.body);
    CancelJobRequest c{job_id, query_flag(request_, "force"), string_field(body, "reasonCode").value_or(""),
                       string_field(body, "comment").value_or("")};
    const Job job = value_or_throw(service_.cancel_job(c, now_ms_, out_));
    json r = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}};
    if (!job.description.empty()) r["description"] = job.description;
    return r;
  }
  if (n == 3 && is(2, "job-document") && m == "GET") {
    operation = "GetJobDocument";
    // As AWS does: the document as created, placeholders and all (devices get them replaced).
    return {{"document", value_or_throw(service_.describe_job(job_id)).job.document}};
  }
  if (n == 3 && is(2, "things") && m == "GET") {
    operation = "ListJobExecutionsForJob";
    json list = json::array();
    for (const Execution& e : value_or_throw(service_.list_executions_for_job(job_id, status_filter(request_)))) {
      list.push_back({{"thingArn", arn("thing", e.thing_name)}, {"jobExecutionSummary", execution_summary(e)}});
    }
    return paged(request_, std::move(list), "executionSummaries");
  }
  throw RestFailure{404, "ResourceNotFoundException", "no such operation: " + m + " " + request_.path};
}

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

// The name at the end of an ARN of `kind` ("thing", "thinggroup"), or the text itself when it is a name.
std::optional<std::string> name_in_arn(const std::string& text, const std::string& kind) {
  if (text.rfind("arn:", 0) != 0) return std::nullopt;
  const std::string marker = ":" + kind + "/";
  const auto at = text.find(marker);
  if (at == std::string::npos) return std::nullopt;
  return text.substr(at + marker.size());
}

json Api::create_job(const std::string& job_id) {
  const json body = parse_body(request_.body);
  CreateJobRequest c;
  c.job_id = job_id;
  auto targets = body.find("targets");
  if (targets == body.end() || !targets->is_array() || targets->empty()) {
    throw invalid("targets: a list of thing or thing group ARNs is required");
  }
  for (const auto& t : *targets) {
    if (!t.is_string()) throw invalid("targets: each target must be an ARN string");
    const auto text = t.get<std::string>();
    if (auto thing = name_in_arn(text, "thing")) {
      c.things.push_back(*thing);
    } else if (auto group = name_in_arn(text, "thinggroup")) {
      c.groups.push_back(*group);
    } else {
      throw invalid("targets: '" + text + "' is not a thing or thing group ARN");
    }
  }
  c.document = document_of(body);
  c.description = string_field(body, "description").value_or("");
  c.target_selection = string_field(body, "targetSelection").value_or("SNAPSHOT");
  if (const json* timeout = object_field(body, "timeoutConfig")) {
    c.in_progress_timeout_minutes = integer_field(*timeout, "inProgressTimeoutInMinutes");
  }
  if (const json* presigned = object_field(body, "presignedUrlConfig")) {
    c.presigned_expires_in_sec = integer_field(*presigned, "expiresInSec").value_or(3600);
  }
  if (const json* rollout = object_field(body, "jobExecutionsRolloutConfig")) {
    if (rollout->contains("exponentialRate")) {
      throw invalid("jobExecutionsRolloutConfig.exponentialRate: the local service supports maximumPerMinute only");
    }
    c.max_per_minute = integer_field(*rollout, "maximumPerMinute");
  }
  const Job job = value_or_throw(service_.create_job(c, now_ms_, out_));
  json r = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}};
  if (!job.description.empty()) r["description"] = job.description;
  return r;
}

// The document inline, or fetched from the local file server for documentSource (AWS: one or the other).
std::string Api::document_of(const json& body) const {
  auto inline_document = string_field(body, "document");
  auto source = string_field(body, "documentSource");
  if (inline_document && source) throw invalid("document and documentSource: give one of them, not both");
  if (!source) return inline_document.value_or("");
  auto path = document_source_path(*source);
  if (!path) throw invalid("documentSource: " + path.error());
  if (!fetch_document_) throw invalid("documentSource: this service was started without a file server to fetch from");
  auto fetched = fetch_document_(*path);
  if (!fetched) throw invalid("documentSource: cannot fetch " + *source + ": " + fetched.error());
  return std::move(*fetched);
}

json Api::job_json(const JobDescription& d) const {
  const Job& job = d.job;
  json targets = json::array();
  for (const auto& t : job.target_things) targets.push_back(arn("thing", t));
  for (const auto& g : job.target_groups) targets.push_back(arn("thinggroup", g));
  auto count = [&](JobStatus s) {
    auto it = d.executions_by_status.find(s);
    return it == d.executions_by_status.end() ? std::int64_t{0} : it->second;
  };
  json j = {{"jobArn", arn("job", job.job_id)},
            {"jobId", job.job_id},
            {"targetSelection", job.target_selection},
            {"status", std::string(to_string(job.state))},
            {"forceCanceled", job.force_canceled},
            {"targets", targets},
            {"createdAt", seconds(job.created_at_ms)},
            {"lastUpdatedAt", seconds(job.last_updated_at_ms)},
            {"jobProcessDetails",
             {{"numberOfCanceledThings", count(JobStatus::Canceled)},
              {"numberOfSucceededThings", count(JobStatus::Succeeded)},
              {"numberOfFailedThings", count(JobStatus::Failed)},
              {"numberOfRejectedThings", count(JobStatus::Rejected)},
              {"numberOfQueuedThings", count(JobStatus::Queued)},
              {"numberOfInProgressThings", count(JobStatus::InProgress)},
              {"numberOfRemovedThings", count(JobStatus::Removed)},
              {"numberOfTimedOutThings", count(JobStatus::TimedOut)}}}};
  if (!job.description.empty()) j["description"] = job.description;
  if (!job.reason_code.empty()) j["reasonCode"] = job.reason_code;
  if (!job.comment.empty()) j["comment"] = job.comment;
  if (job.completed_at_ms) j["completedAt"] = seconds(*job.completed_at_ms);
  if (job.in_progress_timeout_minutes) j["timeoutConfig"] = {{"inProgressTimeoutInMinutes", *job.in_progress_timeout_minutes}};
  if (job.presigned_expires_in_sec) j["presignedUrlConfig"] = {{"expiresInSec", *job.presigned_expires_in_sec}};
  if (job.max_per_minute) j["jobExecutionsRolloutConfig"] = {{"maximumPerMinute", *job.max_per_minute}};
  return j;
}

json Api::execution_summary(const Execution& e) const {
  json s = {{"status", std::string(jobs::to_string(e.status))}, {"queuedAt", seconds(e.queued_at_ms)},
            {"lastUpdatedAt", seconds(e.last_updated_at_ms)}, {"executionNumber", e.execution_number}};
  if (e.started_at_ms) s["startedAt"] = seconds(*e.started_at_ms);
  return s;
}

json Api::execution_json(const Execution& e) const {
  json x = {{"jobId", e.job_id}, {"status", std::string(jobs::to_string(e.status))},
            {"forceCanceled", e.force_canceled}, {"statusDetails", {{"detailsMap", e.status_details}}},
            {"thingArn", arn("thing", e.thing_name)}, {"queuedAt", seconds(e.queued_at_ms)},
            {"lastUpdatedAt", seconds(e.last_updated_at_ms)}, {"executionNumber", e.execution_number},
            {"versionNumber", e.version_number}};
  if (e.started_at_ms) x["startedAt"] = seconds(*e.started_at_ms);
  std::optional<std::int64_t> deadline = e.step_deadline_ms;
  if (e.in_progress_deadline_ms && (!deadline || *e.in_progress_deadline_ms < *deadline)) {
    deadline = e.in_progress_deadline_ms;
  }
  // AWS reports the remaining time of the earlier timer.
  if (deadline) x["approximateSecondsBeforeTimedOut"] = (*deadline - now_ms_) / 1000;
  return x;
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

}  // namespace

Expected<std::string, std::string> document_source_path(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return unexpected(std::string("'") + std::string(url) + "' is not a URL");
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? std::string("/") : url_path(rest.substr(slash));
  const std::string_view host_name = host.substr(0, host.find(':'));
  // Drops the bucket, the first path segment of s3:// and path-style URLs.
  auto without_bucket = [](const std::string& p) { return p.substr(std::min(p.find('/', 1), p.size())); };
  if (scheme == "s3") {
    if (host.empty()) return unexpected(std::string("'") + std::string(url) + "' names no bucket");
    path = url_path(rest.substr(std::min(slash, rest.size())));
  } else if (scheme == "https" || scheme == "http") {
    if (host_name.rfind("s3.", 0) == 0 && host_name.ends_with(".amazonaws.com")) {
      path = without_bucket(path);
    } else if (!(host_name.find(".s3.") != std::string_view::npos && host_name.ends_with(".amazonaws.com")) &&
               !(host_name.find(".s3-") != std::string_view::npos && host_name.ends_with(".amazonaws.com")) &&
               host_name != "127.0.0.1" && host_name != "localhost") {
      return unexpected(std::string("'") + std::string(url) +
                        "' is neither an S3 URL nor one of the local file server (127.0.0.1, localhost)");
    }
  } else {
    return unexpected(std::string("'") + std::string(url) + "': scheme " + std::string(scheme) +
                      " is not s3, https or http");
  }
  if (path.empty() || path == "/") return unexpected(std::string("'") + std::string(url) + "' names no object key");
  return path;
}

RestResponse handle_rest(Service& service, const RestRequest& request, std::int64_t now_ms,
                         std::vector<OutgoingMessage>& notifications, const ArnScope& scope,
                         const DocumentFetcher& fetch_document) {
  RestResponse response;
  try {
    Api api(service, request, now_ms, notifications, scope, fetch_document);
    response.body = dump(api.route(response.operation));
  } catch (const RestFailure& f) {
    response.status = f.status;
    response.error_type = f.type;
    response.body = dump(json{{"message", f.message}});
  } catch (const json::exception& e) {
    response.status = 400;
    response.error_type = "InvalidRequestException";
    response.body = dump(json{{"message", std::string("the request body has an unexpected shape: ") + e.what()}});
  }
  return response;
}

}  // namespace awsfota::jobsd
