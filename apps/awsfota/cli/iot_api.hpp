// The AWS IoT control-plane operations the CLI uses, as botocore's iot/2015-05-28 model shapes them
// (rest-json): each builder returns the HTTP request to send, each parser reads a response body. Pure.
//
//   ApiRequest r = describe_job_request("fw-1");         // GET /jobs/fw-1
//   ... send it, signed ...
//   if (status >= 300) fail(describe_api_error(r.operation, status, error_type_header, body));
//   auto job = parse_describe_job(body);                   // Expected<JobInfo, std::string>
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"
#include "cli/rollout_flags.hpp"

namespace awsfota::cli {

struct ApiRequest {
  std::string operation;  // "CreateJob": for messages
  std::string method;
  std::string path;       // URI-encoded path
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::string body;       // JSON; empty for none
};

// [a-zA-Z0-9_-]{1,64}; an empty string when valid, else why not.
[[nodiscard]] std::string check_job_id(const std::string& job_id);
// [a-zA-Z0-9:_-]{1,128}
[[nodiscard]] std::string check_thing_name(const std::string& thing);

// AWS's limit on CreateJob's documentSource (botocore's JobDocumentSource: 1..1350 characters).
inline constexpr std::size_t kMaxDocumentSourceLength = 1350;

// CreateJob's documentSource, "an S3 link, or S3 object URL, to the job document": s3://BUCKET/KEY
// or an http(s) URL with a host and an object path (https://BUCKET.s3.REGION.amazonaws.com/KEY,
// https://s3.REGION.amazonaws.com/BUCKET/KEY, or the local file server's http://127.0.0.1:PORT/KEY
// for awsfota-jobsd). It is sent as given; the service fetches the document. Empty when valid, else
// why not.
[[nodiscard]] std::string check_document_source(const std::string& source);

// arn:aws:iot:REGION:ACCOUNT:thing/NAME and thinggroup/NAME.
[[nodiscard]] std::string thing_arn(const std::string& region, const std::string& account, const std::string& thing);
[[nodiscard]] std::string thing_group_arn(const std::string& region, const std::string& account,
                                          const std::string& group);
// The name after the last '/' of an ARN (thing/NAME -> NAME).
[[nodiscard]] std::string name_from_arn(const std::string& arn);

struct CreateJobParams {
  std::string job_id;
  std::vector<std::string> targets;  // ARNs
  std::string document;              // the job document's JSON text...
  std::string document_source;       // ...or, instead, where the service fetches it (documentSource)
  std::string description;
  std::string target_selection = "SNAPSHOT";  // or CONTINUOUS
  std::optional<std::int64_t> in_progress_timeout_minutes;
  std::optional<std::int64_t> presigned_url_expires_sec;
  std::string presigned_url_role_arn;  // required by AWS with a placeholder; any ARN for the local service
  std::optional<std::int64_t> max_executions_per_minute;
  RolloutPlan rollout;  // abortConfig and the rollout rate (a constant rate here wins over the field above)
};

[[nodiscard]] ApiRequest create_job_request(const CreateJobParams& params);
[[nodiscard]] ApiRequest describe_job_request(const std::string& job_id);
struct ListJobsParams {
  std::string status;            // IN_PROGRESS, CANCELED, COMPLETED, ...; empty for all
  std::string thing_group_name;
  std::optional<int> max_results;
  std::string next_token;
};
[[nodiscard]] ApiRequest list_jobs_request(const ListJobsParams& params);
[[nodiscard]] ApiRequest cancel_job_request(const std::string& job_id, bool force, const std::string& comment = {});
// max_results: 1..250 (AWS's range; 0 leaves it to the service's default).
[[nodiscard]] ApiRequest list_job_executions_for_job_request(const std::string& job_id,
                                                             const std::string& next_token = {}, int max_results = 0);
[[nodiscard]] ApiRequest describe_job_execution_request(const std::string& thing_name, const std::string& job_id);

struct JobSummary {
  std::string job_id;
  std::string status;
  std::string target_selection;
  std::optional<double> created_at;  // epoch seconds
};

struct JobInfo {
  std::string job_id;
  std::string job_arn;
  std::string status;
  std::string description;
  bool force_canceled = false;
  std::vector<std::string> targets;
  std::map<std::string, std::int64_t> counts;  // numberOfSucceededThings -> "succeeded", ...
};

struct ExecutionSummary {
  std::string thing_name;  // from thingArn
  std::string status;
  std::optional<std::int64_t> execution_number;
  std::optional<double> started_at;       // epoch seconds
  std::optional<double> last_updated_at;  // epoch seconds
};

struct ExecutionInfo {
  std::string thing_name;
  std::string job_id;
  std::string status;
  std::map<std::string, std::string> status_details;  // statusDetails.detailsMap
  std::optional<std::int64_t> version_number;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;
};

// More pages than any listing of ours can have (at AWS's default of 50 per page, half a million items).
inline constexpr std::size_t kMaxPages = 10000;

// Follows nextToken from the first page (token "") until a page has none; the items of every page,
// in order. A service that hands back a token it gave before, or more than max_pages pages, would
// keep the caller asking forever: that is an error naming the operation instead.
//
//   auto jobs = collect_pages<JobSummary>("ListJobs", [&](const std::string& token) {
//     return fetch_and_parse_page(token);   // Expected<Page<JobSummary>, std::string>
//   });
template <typename T, typename FetchPage>
[[nodiscard]] Expected<std::vector<T>, std::string> collect_pages(const std::string& operation, FetchPage&& fetch_page,
                                                                std::size_t max_pages = kMaxPages) {
  std::vector<T> items;
  std::set<std::string> tokens_seen;
  std::string token;
  for (std::size_t pages = 1;; ++pages) {
    Expected<Page<T>, std::string> page = fetch_page(token);
    if (!page) return unexpected(page.error());
    items.insert(items.end(), page->items.begin(), page->items.end());
    token = page->next_token;
    if (token.empty()) return items;
    if (!tokens_seen.insert(token).second) {
      return unexpected(operation + ": the service sent nextToken \"" + token.substr(0, 40) + (token.size() > 40 ? "..." : "") +
                        "\" again after " + std::to_string(pages) + " pages; stopped instead of reading the same pages forever");
    }
    if (pages >= max_pages) {
      return unexpected(operation + ": still more pages after " + std::to_string(pages) +
                        "; stopped (the service keeps sending a nextToken)");
    }
  }
}

[[nodiscard]] Expected<std::pair<std::string, std::string>, std::string> parse_create_job(const std::string& body);
[[nodiscard]] Expected<JobInfo, std::string> parse_describe_job(const std::string& body);
[[nodiscard]] Expected<Page<JobSummary>, std::string> parse_list_jobs(const std::string& body);
[[nodiscard]] Expected<Page<ExecutionSummary>, std::string> parse_list_job_executions(const std::string& body);
[[nodiscard]] Expected<ExecutionInfo, std::string> parse_describe_job_execution(const std::string& body);

// One line from an AWS error response: the type from the x-amzn-ErrorType header (its part before ':')
// or the body's "__type"/"code", and the body's "message"/"Message".
//   "DescribeJob failed: ResourceNotFoundException: Job fw-1 not found (HTTP 404)"
[[nodiscard]] std::string describe_api_error(const std::string& operation, long http_status,
                                             const std::string& error_type_header, const std::string& body);

}  // namespace awsfota::cli
