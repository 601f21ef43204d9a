// What CreateJob and UpdateJob carry: targets, the document, and each configuration jobsd implements.
// The fields it does not implement are refused by name (kNotImplementedFields), never accepted and ignored.
#include <optional>

#include "jobsd/rest_common.hpp"
#include "jobsd/rest_rollout.hpp"

namespace awsfota::jobsd::rest {
namespace {

// One row per field (a dotted path in the request body, or a query parameter) jobsd refuses.
// Rows leave this table as the service learns the feature.
struct NotImplementedField {
  const char* path;
  const char* why;
};
constexpr NotImplementedField kNotImplementedFields[] = {
    {"jobExecutionsRetryConfig", "retrying failed or timed-out executions is not implemented"},
    {"schedulingConfig", "scheduled jobs and maintenance windows are not implemented"},
    {"jobTemplateArn", "job templates are not implemented"},
    {"documentParameters", "managed job templates are not implemented"},
    {"destinationPackageVersions", "the software package catalog is not implemented"},
    {"namespaceId", "job namespaces (AWS IoT Greengrass) are not implemented"},
    {"tags", "resource tags are not implemented (there is no ListTagsForResource to show them)"},
};

const json* at_path(const json& body, std::string_view path) {
  const json* node = &body;
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string key(path.substr(0, dot));
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end() || it->is_null()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return node;
}

}  // namespace

void refuse_not_implemented(const json& body, const RestRequest& r) {
  for (const auto& field : kNotImplementedFields) {
    if (at_path(body, field.path) != nullptr || r.query.count(field.path) != 0) {
      throw invalid(std::string(field.path) + ": not supported by the local service: " + field.why);
    }
  }
}

void Api::read_presigned_config(const json& body, std::optional<std::int64_t>& expires,
                                std::optional<std::string>& role_arn) const {
  const json* presigned = object_field(body, "presignedUrlConfig");
  if (presigned == nullptr) return;
  expires = integer_field(*presigned, "expiresInSec");
  role_arn = string_field(*presigned, "roleArn");
  if (!role_arn) return;
  // RoleArn: 20..2048 characters. AWS assumes the role to presign; a role of another account cannot be
  // passed to it.
  const std::string prefix = "arn:aws:iam::" + scope_.account + ":role/";
  if (role_arn->size() < 20 || role_arn->size() > 2048 || role_arn->rfind(prefix, 0) != 0 ||
      role_arn->size() == prefix.size()) {
    throw invalid("presignedUrlConfig.roleArn: '" + *role_arn + "' is not an IAM role of account " + scope_.account +
                  " (" + prefix + "NAME, 20..2048 characters)");
  }
}

json Api::create_job(const std::string& job_id) {
  const json body = parse_body(request_.body);
  refuse_not_implemented(body, request_);
  CreateJobRequest c;
  c.job_id = job_id;
  auto targets = body.find("targets");
  if (targets == body.end() || !targets->is_array() || targets->empty()) {
    throw invalid("targets: a list of thing or thing group ARNs is required");
  }
  for (const auto& t : *targets) {
    if (!t.is_string()) throw invalid("targets: each target must be an ARN string");
    const TargetArn target = parse_target_arn(t.get<std::string>(), scope_, "targets");
    (target.kind == "thing" ? c.things : c.groups).push_back(target.name);
  }
  c.document = document_of(body);
  c.description = string_field(body, "description").value_or("");
  c.target_selection = string_field(body, "targetSelection").value_or("SNAPSHOT");
  if (const json* timeout = object_field(body, "timeoutConfig")) {
    c.in_progress_timeout_minutes = integer_field(*timeout, "inProgressTimeoutInMinutes");
  }
  std::optional<std::string> role;
  read_presigned_config(body, c.presigned_expires_in_sec, role);
  c.presigned_role_arn = role.value_or("");
  if (auto read = read_rollout_and_abort(body, c); !read) throw invalid(read.error());
  const Job job = value_or_throw(service_.create_job(c, now_ms_, out_));
  json r = {{"jobArn", arn("job", job.job_id)}, {"jobId", job.job_id}};
  if (!job.description.empty()) r["description"] = job.description;
  return r;
}

json Api::update_job(const std::string& job_id) {
  const json body = parse_body(request_.body);
  refuse_not_implemented(body, request_);
  UpdateJobRequest u;
  u.job_id = job_id;
  u.description = string_field(body, "description");
  if (const json* timeout = object_field(body, "timeoutConfig")) {
    u.in_progress_timeout_minutes = integer_field(*timeout, "inProgressTimeoutInMinutes");
  }
  read_presigned_config(body, u.presigned_expires_in_sec, u.presigned_role_arn);
  // A running rollout keeps the rate and abort rules it was created with.
  for (const char* field : {"jobExecutionsRolloutConfig", "abortConfig"}) {
    if (body.contains(field) && !body[field].is_null()) {
      throw invalid(std::string(field) + ": changing it with UpdateJob is not supported by the local service");
    }
  }
  (void)value_or_throw(service_.update_job(u, now_ms_));
  return json::object();
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

}  // namespace awsfota::jobsd::rest
