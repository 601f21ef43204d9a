// AWS IoT control-plane operations over rest-json, mapped onto the service core. The routes live one
// file per resource (rest_jobs.cpp, rest_things.cpp), the helpers they share in rest_common.cpp.
#include "jobsd/rest_api.hpp"

#include <algorithm>

#include "jobsd/rest_common.hpp"

namespace awsfota::jobsd {
namespace rest {

json Api::route(std::string& operation) {
  const auto p = split_path(request_.path);
  if (!p.empty() && p[0] == "jobs") return route_jobs(p, operation);
  if (!p.empty() && p[0] == "things") return route_things(p, operation);
  if (!p.empty() && p[0] == "thing-groups") return route_groups(p, operation);
  if (p.size() == 1 && p[0] == "endpoint" && request_.method == "GET") return route_endpoint(operation);
  throw not_implemented(request_);
}

// DescribeEndpoint: the devices' broker for iot:Data-ATS. AWS answers the legacy iot:Data endpoint when
// no type is given; there is none here, so the type must be asked for.
json Api::route_endpoint(std::string& operation) {
  operation = "DescribeEndpoint";
  const auto type = query_value(request_, "endpointType");
  if (!type || *type != "iot:Data-ATS") {
    throw invalid("endpointType: '" + type.value_or("") +
                  "': the local service has the iot:Data-ATS endpoint only (pass --endpoint-type iot:Data-ATS)");
  }
  return {{"endpointAddress", scope_.data_endpoint}};
}

}  // namespace rest

using rest::json;
using rest::RestFailure;

Expected<std::string, std::string> document_source_path(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return unexpected(std::string("'") + std::string(url) + "' is not a URL");
  const std::string_view scheme = url.substr(0, scheme_end);
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? std::string("/") : url_path(rest.substr(slash));
  const std::string_view host_name = host.substr(0, host.find(':'));
  const bool s3_host = host_name.ends_with(".amazonaws.com") &&
                       (host_name.starts_with("s3.") || host_name.starts_with("s3-") ||
                        host_name.find(".s3.") != std::string_view::npos ||
                        host_name.find(".s3-") != std::string_view::npos);
  if (scheme == "s3") {
    if (host.empty()) return unexpected(std::string("'") + std::string(url) + "' names no bucket");
    path = url_path(rest.substr(std::min(slash, rest.size())));
  } else if (scheme == "https" || scheme == "http") {
    // The same mapping as presigned-URL placeholders: path-style and virtual-hosted name one object.
    if (s3_host) {
      path = s3_object_path(url);
    } else if (host_name != "127.0.0.1" && host_name != "localhost") {
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
    rest::Api api(service, request, now_ms, notifications, scope, fetch_document);
    response.body = rest::dump(api.route(response.operation));
  } catch (const RestFailure& f) {
    response.status = f.status;
    response.error_type = f.type;
    response.body = rest::dump(json{{"message", f.message}});
  } catch (const json::exception& e) {
    response.status = 400;
    response.error_type = "InvalidRequestException";
    response.body = rest::dump(json{{"message", std::string("the request body has an unexpected shape: ") + e.what()}});
  }
  return response;
}

}  // namespace awsfota::jobsd
