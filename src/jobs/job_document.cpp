#include "awsfota/jobs/job_document.hpp"

#include <algorithm>
#include <utility>

#include "jobs/json_reader.hpp"
#include "jobs/url.hpp"

namespace awsfota::jobs {

namespace {

using detail::describe;
using detail::fail;
using detail::FieldError;
using detail::FieldProblem;
using detail::Json;
using detail::ObjectReader;

constexpr std::string_view kLocationHint = "; the document needs location.url or protocol, host and path";

// A document problem that is not about one field's presence or type (size and URL length limits).
struct DocumentFailure {
  DocumentErrorCode code;
  std::string reason;
};

DocumentErrorCode code_of(FieldProblem problem) noexcept {
  switch (problem) {
    case FieldProblem::Missing: return DocumentErrorCode::MissingField;
    case FieldProblem::WrongType: return DocumentErrorCode::WrongType;
    case FieldProblem::InvalidValue: return DocumentErrorCode::InvalidValue;
  }
  return DocumentErrorCode::InvalidValue;
}

DocumentError to_document_error(const FieldError& e) {
  std::string reason = "job document: ";
  if (e.problem == FieldProblem::Missing) {
    reason += e.path + " is missing";
  } else {
    reason += e.message();
  }
  // A missing or mistyped location part is usually a document written for another tool: say what
  // shape is expected. A bad value (a wrong port, say) speaks for itself.
  if (e.path.starts_with("location") && e.problem != FieldProblem::InvalidValue) {
    reason += kLocationHint;
  }
  return DocumentError{code_of(e.problem), std::move(reason)};
}

std::optional<std::uint64_t> read_size(const ObjectReader& r) {
  const Json* value = r.find("size");
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() && !value->is_number_unsigned() && value->get<std::int64_t>() <= 0) {
    fail(FieldProblem::InvalidValue, "size", "must be a positive number of bytes, got " + value->dump());
  }
  if (value->is_number_unsigned() && value->get<std::uint64_t>() == 0) {
    fail(FieldProblem::InvalidValue, "size", "must be a positive number of bytes, got 0");
  }
  return static_cast<std::uint64_t>(detail::to_int(*value, "size", {1, detail::kMaxSafeInteger}));
}

std::optional<std::string> read_sha256(const ObjectReader& r) {
  auto digest = r.optional_string("sha256");
  if (!digest) {
    return std::nullopt;
  }
  bool valid = digest->size() == kSha256HexLength;
  for (char& c : *digest) {
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    valid = valid && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (!valid) {
    fail(FieldProblem::InvalidValue, "sha256", "expected 64 hexadecimal digits (a SHA-256 digest)");
  }
  return digest;
}

std::optional<std::string> read_fw_version(const ObjectReader& r) {
  auto version = r.optional_string("fwversion");
  if (version && version->size() > kMaxFwVersionLength) {
    fail(FieldProblem::InvalidValue, "fwversion",
         "is " + std::to_string(version->size()) + " bytes long, over the limit of " +
             std::to_string(kMaxFwVersionLength) + " bytes");
  }
  return version;
}

// "https:", "https" (and anything else starting with "https", as the reference reads it) or "http(:)".
bool read_protocol_is_https(const ObjectReader& location) {
  const std::string protocol = location.required_string("protocol");
  std::string lower;
  for (const char c : protocol) {
    lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (lower.starts_with("https")) {
    return true;
  }
  if (lower == "http" || lower == "http:") {
    return false;
  }
  fail(FieldProblem::InvalidValue, location.path_of("protocol"),
       "\"" + protocol.substr(0, 40) + "\" is not supported (use \"https:\" or \"http:\")");
}

// protocol + host + path, where path may be the dual-slot form "s0path s1path".
FirmwareLocation read_split_location(const ObjectReader& location, const DocumentOptions& options,
                                     std::vector<std::string>& slot_paths) {
  FirmwareLocation out;
  // Read all three first so that the first missing one is named, in document order.
  const bool https = read_protocol_is_https(location);
  const std::string host = location.required_string("host");
  const std::string path = location.required_string("path");
  const std::string host_field = location.path_of("host");
  const std::string path_field = location.path_of("path");
  out.https = https;
  const auto authority = detail::parse_authority(host, host_field);
  out.host = authority.host;
  out.port = authority.port;

  const auto space = path.find(' ');
  if (space == std::string::npos) {
    out.path = detail::normalize_path(path, path_field);
    return out;
  }
  const std::string first = path.substr(0, space);
  const std::string second = path.substr(space + 1);
  if (first.empty() || second.empty() || second.find(' ') != std::string::npos) {
    fail(FieldProblem::InvalidValue, path_field,
         "expected one path, or two separated by one space (\"s0path s1path\") for a dual-slot update");
  }
  if (options.inactive_slot > 1) {
    fail(FieldProblem::InvalidValue, path_field,
         "a dual-slot path needs DocumentOptions::inactive_slot 0 or 1, not " + std::to_string(options.inactive_slot));
  }
  slot_paths = {detail::normalize_path(first, path_field), detail::normalize_path(second, path_field)};
  out.path = slot_paths[options.inactive_slot];
  return out;
}

// The option's limit, capped by what the checkpoint can keep.
std::size_t url_limit(const DocumentOptions& options) noexcept {
  return std::min(options.max_url_length, kMaxStoredUrlLength);
}

FirmwareLocation read_location(const ObjectReader& document, const DocumentOptions& options,
                               std::vector<std::string>& slot_paths) {
  const ObjectReader location = document.object("location");
  const Json* url = location.find("url");
  if (url != nullptr && url->is_string()) {
    const auto& text = url->get_ref<const std::string&>();
    if (text.size() > url_limit(options)) {
      throw DocumentFailure{DocumentErrorCode::UrlTooLong,
                            "job document: location.url is " + std::to_string(text.size()) +
                                " characters long, over the limit of " + std::to_string(url_limit(options))};
    }
    return detail::parse_url(text, location.path_of("url"));
  }
  // The reference ignores a "url" that is not a string. Do the same when protocol, host and path are
  // there, but name the bad url when they are not: it is the likelier mistake.
  if (url != nullptr && !(location.has("protocol") && location.has("host") && location.has("path"))) {
    fail(FieldProblem::WrongType, location.path_of("url"), "expected a string, got " + describe(*url));
  }
  return read_split_location(location, options, slot_paths);
}

JobDocument read_document(const Json& json, const DocumentOptions& options) {
  const std::string compact = detail::dump_compact(json);
  const std::size_t length = detail::utf8_length(compact);
  if (length > kMaxJobDocumentLength) {
    throw DocumentFailure{DocumentErrorCode::TooLarge,
                          "job document: " + std::to_string(length) + " characters, over AWS's limit of " +
                              std::to_string(kMaxJobDocumentLength)};
  }
  const ObjectReader r(json, "");
  JobDocument doc;
  doc.operation = r.optional_string("operation").value_or(std::string{});
  doc.fw_version = read_fw_version(r);
  // The reference never reads "size": its documents often carry the example's or a stale one, and
  // only a digest makes the size worth holding the file to.
  if (options.compat != Compat::NrfAwsFota || r.has("sha256")) {
    doc.size = read_size(r);
  }
  doc.sha256 = read_sha256(r);
  doc.location = read_location(r, options, doc.slot_paths);
  const std::string url = doc.location.url();
  if (url.size() > url_limit(options)) {
    throw DocumentFailure{DocumentErrorCode::UrlTooLong, "job document: the download URL is " +
                                                             std::to_string(url.size()) +
                                                             " characters long, over the limit of " +
                                                             std::to_string(url_limit(options))};
  }
  return doc;
}

Expected<JobDocument, DocumentError> parse_document_value(const Json& json, const DocumentOptions& options) {
  if (!json.is_object()) {
    return unexpected(DocumentError{DocumentErrorCode::InvalidJson,
                                    "job document: expected a JSON object, got " + describe(json)});
  }
  try {
    return read_document(json, options);
  } catch (const FieldError& e) {
    return unexpected(to_document_error(e));
  } catch (const DocumentFailure& e) {
    return unexpected(DocumentError{e.code, e.reason});
  }
}

JobParseResult invalid_job(JobParseResult result, std::string reason) {
  result.status = JobParseStatus::InvalidJob;
  result.reason = std::move(reason);
  return result;
}

JobParseResult invalid_document(JobParseResult result, JobParseStatus status, std::string reason) {
  result.status = status;
  result.reason = std::move(reason);
  return result;
}

}  // namespace

std::string FirmwareLocation::url() const {
  std::string out = https ? "https://" : "http://";
  const bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) {
    out += '[';
  }
  out += host;
  if (ipv6) {
    out += ']';
  }
  if (port) {
    out += ':';
    out += std::to_string(*port);
  }
  if (path.empty() || path.front() != '/') {
    out += '/';
  }
  out += path;
  return out;
}

std::string_view to_string(JobParseStatus status) noexcept {
  switch (status) {
    case JobParseStatus::NoJob: return "NoJob";
    case JobParseStatus::InvalidJob: return "InvalidJob";
    case JobParseStatus::InvalidDocument: return "InvalidDocument";
    case JobParseStatus::UrlTooLong: return "UrlTooLong";
    case JobParseStatus::Ok: return "Ok";
  }
  return "Unknown";
}

std::string_view to_string(DocumentErrorCode code) noexcept {
  switch (code) {
    case DocumentErrorCode::InvalidJson: return "InvalidJson";
    case DocumentErrorCode::MissingField: return "MissingField";
    case DocumentErrorCode::WrongType: return "WrongType";
    case DocumentErrorCode::InvalidValue: return "InvalidValue";
    case DocumentErrorCode::UrlTooLong: return "UrlTooLong";
    case DocumentErrorCode::TooLarge: return "TooLarge";
  }
  return "Unknown";
}

Expected<JobDocument, DocumentError> parse_job_document(std::string_view document_json,
                                                       const DocumentOptions& options) {
  std::string why;
  const auto json = detail::parse_json(document_json, why);
  if (!json) {
    return unexpected(DocumentError{DocumentErrorCode::InvalidJson, "job document is " + why});
  }
  return parse_document_value(*json, options);
}

JobParseResult parse_job_execution_message(std::string_view payload, const DocumentOptions& options) {
  JobParseResult result;
  std::string why;
  const auto root = detail::parse_json(payload, why);
  if (!root) {
    return invalid_job(std::move(result), "job execution message is " + why);
  }
  if (!root->is_object()) {
    return invalid_job(std::move(result),
                       "job execution message is " + describe(*root) + ", not a JSON object");
  }
  const auto execution_it = root->find("execution");
  if (execution_it == root->end() || execution_it->is_null()) {
    result.status = JobParseStatus::NoJob;
    return result;
  }
  PendingJob job;
  try {
    const ObjectReader execution(*execution_it, "execution");
    result.job_id = detail::read_job_id(execution, "jobId");
    result.version_number = execution.required_int("versionNumber");
    job.job_id = result.job_id;
    job.version_number = *result.version_number;
    job.execution_number = execution.optional_int("executionNumber").value_or(0);
    if (const Json* status = execution.find("status")) {
      job.status = detail::read_status(*status, execution.path_of("status"));
    }
    if (const Json* details = execution.find("statusDetails")) {
      job.status_details = detail::read_status_details(*details, execution.path_of("statusDetails"));
    }
  } catch (const FieldError& e) {
    return invalid_job(std::move(result), "job execution is unusable: " + e.message());
  }

  const auto document_it = execution_it->find("jobDocument");
  if (document_it == execution_it->end() || document_it->is_null()) {
    return invalid_document(std::move(result), JobParseStatus::InvalidDocument,
                            "job document: the execution has no jobDocument (expected a JSON object with a location)");
  }
  auto document = parse_document_value(*document_it, options);
  if (!document) {
    const auto status = document.error().code == DocumentErrorCode::UrlTooLong ? JobParseStatus::UrlTooLong
                                                                                : JobParseStatus::InvalidDocument;
    return invalid_document(std::move(result), status, document.error().reason);
  }
  job.document = std::move(*document);
  result.status = JobParseStatus::Ok;
  result.job = std::move(job);
  return result;
}

}  // namespace awsfota::jobs
