// Where requests go: URL splitting for signing, the IoT control-plane endpoint of a region, and the
// S3 object URL of s3://bucket/key. Pure.
//
//   auto u = split_url("http://127.0.0.1:8080/jobs?x=1");   // {http, "127.0.0.1:8080", "/jobs", {{x,1}}}
//   auto t = s3_object_target("s3://fw/app.bin", "eu-west-1", "");  // https://fw.s3.eu-west-1.amazonaws.com/app.bin
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

struct UrlParts {
  std::string scheme;     // "http" or "https"
  std::string authority;  // host or host:port, as in the Host header
  std::string path;       // as given (already encoded), "/" when empty
  std::vector<std::pair<std::string, std::string>> query;  // decoded
};

[[nodiscard]] Expected<UrlParts, std::string> split_url(const std::string& url);

// https://iot.REGION.amazonaws.com, or endpoint_url (without a trailing '/') when given.
[[nodiscard]] Expected<UrlParts, std::string> iot_endpoint(const std::string& region, const std::string& endpoint_url);

// s3://BUCKET/KEY split into {bucket, key}; both must be non-empty. The error says what is missing,
// without naming an option (callers do).
[[nodiscard]] Expected<std::pair<std::string, std::string>, std::string> split_s3_uri(const std::string& s3_uri);

// Whether AWS's virtual-hosted address BUCKET.s3.REGION.amazonaws.com works for a bucket, as botocore
// decides: a DNS-compatible name (3..63 of [a-z0-9.-], starting and ending with a letter or digit, not
// an IP address) without dots, since a dotted name does not match S3's *.s3.REGION.amazonaws.com
// certificate. Otherwise the path-style s3.REGION.amazonaws.com/BUCKET/KEY is used.
[[nodiscard]] bool s3_virtual_host_ok(const std::string& bucket);

struct S3Target {
  UrlParts url;             // where to PUT (path-style under an endpoint URL or for a dotted bucket,
                            // virtual-hosted otherwise)
  std::string object_url;   // the same as a string
  std::string bucket;
  std::string key;
};

[[nodiscard]] Expected<S3Target, std::string> s3_object_target(const std::string& s3_uri, const std::string& region,
                                                               const std::string& endpoint_url);

// "https://host/path?a=b" from parts (query values encoded).
[[nodiscard]] std::string join_url(const UrlParts& parts);

}  // namespace awsfota::cli
