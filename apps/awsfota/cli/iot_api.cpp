#include "cli/iot_api.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "cli/endpoint.hpp"
#include "cli/sigv4.hpp"

namespace awsfota::cli {
namespace {

using nlohmann::json;

bool all_of_charset(const std::string& s, const char* extra) {
  for (char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view(extra).find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string job_path(const std::string& job_id) { return "/jobs/" + uri_encode(job_id); }

Expected<json, std::string> parse_object(const std::string& body, const char* what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return unexpected(std::string(what) + ": the service answered with something that is not a JSON object");
  return j;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> integer(const json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number_integer()) return it->get<std::int64_t>();
  return std::nullopt;
}

}  // namespace

std::string check_job_id(const std::string& job_id) {
  if (job_id.empty() || job_id.size() > 64 || !all_of_charset(job_id, "_-"))
    return "job id '" + job_id + "' is not valid: use 1 to 64 letters, digits, '_' or '-'";
  return {};
}

std::string check_thing_name(const std::string& thing) {
  if (thing.empty() || thing.size() > 128 || !all_of_charset(thing, ":_-"))
    return "thing name '" + thing + "' is not valid: use 1 to 128 letters, digits, ':', '_' or '-'";
  return {};
}

std::string check_document_source(const std::string& source) {
  const std::string hint = "; expected s3://BUCKET/KEY or https://BUCKET.s3.REGION.amazonaws.com/KEY";
  if (source.empty()) return "--document-source is empty" + hint;
  if (source.size() > kMaxDocumentSourceLength) {
    return "--document-source is " + std::to_string(source.size()) + " characters long, over AWS's limit of " +
           std::to_string(kMaxDocumentSourceLength);
  }
  if (source.rfind("s3://", 0) == 0) {
    auto split = split_s3_uri(source);
    return split ? std::string() : "--document-source " + split.error();
  }
  auto url = split_url(source);
  if (!url) return "--document-source '" + source + "' is neither an S3 link nor an http(s) URL with a host" + hint;
  if (url->path == "/") return "--document-source '" + source + "' names no object (nothing after the host)" + hint;
  return {};
}

std::string thing_arn(const std::string& region, const std::string& account, const std::string& thing) {
  return "arn:aws:iot:" + region + ":" + account + ":thing/" + thing;
}

std::string thing_group_arn(const std::string& region, const std::string& account, const std::string& group) {
  return "arn:aws:iot:" + region + ":" + account + ":thinggroup/" + group;
}

std::string name_from_arn(const std::string& arn) {
  const auto slash = arn.rfind('/');
  return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

ApiRequest create_job_request(const CreateJobParams& p) {
  json body = {{"targets", p.targets}, {"targetSelection", p.target_selection}};
  // AWS takes one of the two; with both it refuses the request.
  if (p.document_source.empty()) body["document"] = p.document;
  else body["documentSource"] = p.document_source;
  if (!p.description.empty()) body["description"] = p.description;
  if (p.in_progress_timeout_minutes)
    body["timeoutConfig"] = {{"inProgressTimeoutInMinutes", *p.in_progress_timeout_minutes}};
  if (p.presigned_url_expires_sec || !p.presigned_url_role_arn.empty()) {
    json c = json::object();
    if (!p.presigned_url_role_arn.empty()) c["roleArn"] = p.presigned_url_role_arn;
    if (p.presigned_url_expires_sec) c["expiresInSec"] = *p.presigned_url_expires_sec;
    body["presignedUrlConfig"] = c;
  }
  if (p.max_executions_per_minute)
    body["jobExecutionsRolloutConfig"] = {{"maximumPerMinute", *p.max_executions_per_minute}};
  if (auto rollout = rollout_config_json(p.rollout); !rollout.empty())
    body["jobExecutionsRolloutConfig"] = json::parse(rollout);
  if (auto abort = abort_config_json(p.rollout); !abort.empty()) body["abortConfig"] = json::parse(abort);
  return {"CreateJob", "PUT", job_path(p.job_id), {}, body.dump()};
}

ApiRequest describe_job_request(const std::string& job_id) { return {"DescribeJob", "GET", job_path(job_id), {}, {}}; }

ApiRequest list_jobs_request(const ListJobsParams& p) {
  ApiRequest r{"ListJobs", "GET", "/jobs", {}, {}};
  if (p.max_results) r.query.emplace_back("maxResults", std::to_string(*p.max_results));
  if (!p.next_token.empty()) r.query.emplace_back("nextToken", p.next_token);
  if (!p.status.empty()) r.query.emplace_back("status", p.status);
  if (!p.thing_group_name.empty()) r.query.emplace_back("thingGroupName", p.thing_group_name);
  return r;
}

ApiRequest cancel_job_request(const std::string& job_id, bool force, const std::string& comment) {
  ApiRequest r{"CancelJob", "PUT", job_path(job_id) + "/cancel", {}, {}};
  if (force) r.query.emplace_back("force", "true");
  json body = json::object();
  if (!comment.empty()) body["comment"] = comment;
  r.body = body.dump();
  return r;
}

ApiRequest list_job_executions_for_job_request(const std::string& job_id, const std::string& next_token,
                                               int max_results) {
  ApiRequest r{"ListJobExecutionsForJob", "GET", job_path(job_id) + "/things", {}, {}};
  if (max_results > 0) r.query.emplace_back("maxResults", std::to_string(max_results));
  if (!next_token.empty()) r.query.emplace_back("nextToken", next_token);
  return r;
}

ApiRequest describe_job_execution_request(const std::string& thing_name, const std::string& job_id) {
  return {"DescribeJobExecution", "GET", "/things/" + uri_encode(thing_name) + "/jobs/" + uri_encode(job_id), {}, {}};
}

Expected<std::pair<std::string, std::string>, std::string> parse_create_job(const std::string& body) {
  auto j = parse_object(body, "CreateJob");
  if (!j) return unexpected(j.error());
  if (str(*j, "jobId").empty()) return unexpected(std::string("CreateJob: the answer has no jobId"));
  return std::make_pair(str(*j, "jobId"), str(*j, "jobArn"));
}

Expected<JobInfo, std::string> parse_describe_job(const std::string& body) {
  auto j = parse_object(body, "DescribeJob");
  if (!j) return unexpected(j.error());
  auto job = j->find("job");
  if (job == j->end() || !job->is_object()) return unexpected(std::string("DescribeJob: the answer has no job object"));
  JobInfo info;
  info.job_id = str(*job, "jobId");
  info.job_arn = str(*job, "jobArn");
  info.status = str(*job, "status");
  info.description = str(*job, "description");
  if (auto f = job->find("forceCanceled"); f != job->end() && f->is_boolean()) info.force_canceled = f->get<bool>();
  if (auto t = job->find("targets"); t != job->end() && t->is_array())
    for (const auto& a : *t)
      if (a.is_string()) info.targets.push_back(a.get<std::string>());
  if (auto d = job->find("jobProcessDetails"); d != job->end() && d->is_object())
    for (const auto& [key, value] : d->items()) {
      // numberOfSucceededThings -> succeeded
      if (key.rfind("numberOf", 0) != 0 || !value.is_number_integer() || key.size() < 14) continue;
      std::string name = key.substr(8, key.size() - 8 - 6);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      info.counts[name] = value.get<std::int64_t>();
    }
  if (info.job_id.empty()) return unexpected(std::string("DescribeJob: the job has no jobId"));
  return info;
}

Expected<Page<JobSummary>, std::string> parse_list_jobs(const std::string& body) {
  auto j = parse_object(body, "ListJobs");
  if (!j) return unexpected(j.error());
  Page<JobSummary> page;
  page.next_token = str(*j, "nextToken");
  if (auto jobs = j->find("jobs"); jobs != j->end() && jobs->is_array())
    for (const auto& s : *jobs) {
      if (!s.is_object()) continue;
      JobSummary js{str(s, "jobId"), str(s, "status"), str(s, "targetSelection"), std::nullopt};
      if (auto c = s.find("createdAt"); c != s.end() && c->is_number()) js.created_at = c->get<double>();
      page.items.push_back(std::move(js));
    }
  return page;
}

Expected<Page<ExecutionSummary>, std::string> parse_list_job_executions(const std::string& body) {
  auto j = parse_object(body, "ListJobExecutionsForJob");
  if (!j) return unexpected(j.error());
  Page<ExecutionSummary> page;
  page.next_token = str(*j, "nextToken");
  if (auto list = j->find("executionSummaries"); list != j->end() && list->is_array())
    for (const auto& s : *list) {
      if (!s.is_object()) continue;
      ExecutionSummary e;
      e.thing_name = name_from_arn(str(s, "thingArn"));
      if (auto sum = s.find("jobExecutionSummary"); sum != s.end() && sum->is_object()) {
        e.status = str(*sum, "status");
        e.execution_number = integer(*sum, "executionNumber");
        for (auto [key, field] : {std::pair{"startedAt", &e.started_at}, std::pair{"lastUpdatedAt", &e.last_updated_at}})
          if (auto t = sum->find(key); t != sum->end() && t->is_number()) *field = t->get<double>();
      }
      if (e.thing_name.empty()) return unexpected(std::string("ListJobExecutionsForJob: an execution has no thingArn"));
      page.items.push_back(std::move(e));
    }
  return page;
}

Expected<ExecutionInfo, std::string> parse_describe_job_execution(const std::string& body) {
  auto j = parse_object(body, "DescribeJobExecution");
  if (!j) return unexpected(j.error());
  auto ex = j->find("execution");
  if (ex == j->end() || !ex->is_object())
    return unexpected(std::string("DescribeJobExecution: the answer has no execution object"));
  ExecutionInfo info;
  info.thing_name = name_from_arn(str(*ex, "thingArn"));
  info.job_id = str(*ex, "jobId");
  info.status = str(*ex, "status");
  info.version_number = integer(*ex, "versionNumber");
  if (auto sd = ex->find("statusDetails"); sd != ex->end() && sd->is_object())
    if (auto m = sd->find("detailsMap"); m != sd->end() && m->is_object())
      for (const auto& [k, v] : m->items())
        if (v.is_string()) info.status_details[k] = v.get<std::string>();
  return info;
}

std::string describe_api_error(const std::string& operation, long http_status, const std::string& error_type_header,
                               const std::string& body) {
  std::string type = error_type_header.substr(0, error_type_header.find(':'));
  std::string message;
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (type.empty()) type = str(j, "__type").empty() ? str(j, "code") : str(j, "__type");
    // "__type" may be "namespace#Name".
    if (auto hash = type.find('#'); hash != std::string::npos) type = type.substr(hash + 1);
    message = str(j, "message").empty() ? str(j, "Message") : str(j, "message");
  } else if (!body.empty()) {
    message = body.substr(0, 200);
  }
  // Whatever the server sent, the error stays one line that a script can log or grep: control
  // characters become spaces, and trailing ones go.
  for (std::string* part : {&type, &message}) {
    for (char& c : *part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    while (!part->empty() && part->back() == ' ') part->pop_back();
  }
  std::string out = operation + " failed: ";
  if (!type.empty()) out += type + ": ";
  out += message.empty() ? std::string("no message") : message;
  out += " (HTTP " + std::to_string(http_status) + ")";
  if (http_status == 403 && type.find("Signature") != std::string::npos)
    out += "; check AWS_SECRET_ACCESS_KEY and the region";
  return out;
}

}  // namespace awsfota::cli
