// The control-plane REST API, as the AWS CLI (`aws iot ... --endpoint-url`) speaks it: AWS IoT's
// rest-json protocol (botocore's iot/2015-05-28 service model). Pure: an HTTP request in, an HTTP
// response out; the program's HTTP server only carries bytes.
//
// Errors answer with AWS's shape: status code, header x-amzn-ErrorType and {"message": "..."}, so the
// CLI prints "An error occurred (ResourceNotFoundException) when calling the DescribeJob operation: ...".
//
//   RestRequest request{"PUT", "/jobs/j1", {}, R"({"targets":["arn:aws:iot:us-east-1:000000000000:thing/t1"],
//                                                "document":"{}"})"};
//   std::vector<OutgoingMessage> notifications;
//   RestResponse response = handle_rest(service, request, now_ms, notifications);
//   // response.status == 200, response.body == {"jobArn":"arn:aws:iot:...:job/j1","jobId":"j1"}
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/expected.hpp"

#include "jobsd/service.hpp"

namespace awsfota::jobsd {

struct RestRequest {
  std::string method;                        // GET, PUT, POST, DELETE, PATCH
  std::string path;                          // decoded path, without the query
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string body;
};

struct RestResponse {
  int status = 200;
  std::string body;        // JSON
  std::string error_type;  // AWS exception name for x-amzn-ErrorType; empty on success
  std::string operation;   // e.g. "CreateJob", for the log line
};

// The ARNs the API hands out: arn:aws:iot:<region>:<account>:thing/<name> and so on.
// Targets of another region or account are refused, as AWS refuses them.
struct ArnScope {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // What describe-endpoint --endpoint-type iot:Data-ATS answers: the broker devices connect to.
  std::string data_endpoint = "127.0.0.1";
};

// Fetches a document from the local file server for create-job --document-source: `path` is the
// file server path (from document_source_path), the result the file's text or why it could not be had.
// The program supplies it (an HTTP GET); without one, --document-source answers InvalidRequest.
using DocumentFetcher = std::function<Expected<std::string, std::string>(const std::string& path)>;

// Where create-job's documentSource lives on the local file server. AWS takes an S3 URL there; the
// local stack keeps S3's keys at the file server's root, as it does for presigned-URL placeholders:
//   https://BUCKET.s3.REGION.amazonaws.com/KEY, https://BUCKET.s3.amazonaws.com/KEY  -> /KEY
//   https://s3.REGION.amazonaws.com/BUCKET/KEY (path style)                          -> /KEY
//   s3://BUCKET/KEY                                                                 -> /KEY
//   http(s)://127.0.0.1[:port]/PATH, http(s)://localhost[:port]/PATH                -> /PATH
// Anything else is an error naming what is wrong.
//   document_source_path("https://fw.s3.eu-central-1.amazonaws.com/jobs/fw.json")  // "/jobs/fw.json"
[[nodiscard]] Expected<std::string, std::string> document_source_path(std::string_view url);

[[nodiscard]] RestResponse handle_rest(Service& service, const RestRequest& request, std::int64_t now_ms,
                                       std::vector<OutgoingMessage>& notifications, const ArnScope& scope = {},
                                       const DocumentFetcher& fetch_document = {});

}  // namespace awsfota::jobsd
