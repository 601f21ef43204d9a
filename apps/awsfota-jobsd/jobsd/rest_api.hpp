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
#include <map>
#include <string>
#include <vector>

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
struct ArnScope {
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

[[nodiscard]] RestResponse handle_rest(Service& service, const RestRequest& request, std::int64_t now_ms,
                                       std::vector<OutgoingMessage>& notifications, const ArnScope& scope = {});

}  // namespace awsfota::jobsd
