// Signed calls to AWS REST APIs (the IoT control plane, S3 PUT) over io/http_client.
//
//   auto ctx = aws_context_from(options);          // endpoint, region, credentials from the environment
//   auto body = call_api(*ctx, describe_job_request("fw-1"));   // one-line error on failure
#pragma once

#include <ctime>
#include <filesystem>
#include <functional>
#include <string>

#include "awsfota/expected.hpp"
#include "cli/aws_config.hpp"
#include "cli/endpoint.hpp"
#include "cli/iot_api.hpp"
#include "cli/retry.hpp"
#include "cli/sigv4.hpp"
#include "io/http_client.hpp"

namespace awsfota::cli {

// Current botocore's iot model (2015-05-28) says signingName "iot"; older ones said "execute-api", which
// AWS (and awsfota-jobsd) still accept.
inline constexpr const char* kIotSigningName = "iot";

struct AwsOptions {
  std::string endpoint_url;  // empty: the region's AWS endpoint
  std::string region;        // empty: AWS_DEFAULT_REGION, AWS_REGION, or us-east-1 with an endpoint URL
  std::string signing_name = kIotSigningName;
  std::string profile;       // --profile: a profile of the shared files (empty: AWS_PROFILE or default)
  TlsFiles tls;
};

struct AwsContext {
  UrlParts endpoint;
  std::string region;
  std::string signing_name;
  SigV4Credentials credentials;
  TlsFiles tls;
  RetryPolicy retry;                       // throttling, 5xx and dropped connections (cli/retry.hpp)
  std::function<void(double)> sleep;       // seconds; empty: really sleep (tests record instead)
  std::function<double()> random01;        // the jitter; empty: a random number in [0, 1)
};

// Region and credentials from the options, the environment and the shared files (~/.aws/credentials,
// ~/.aws/config) in botocore's order (cli/aws_config.hpp); a message saying what to set otherwise.
[[nodiscard]] Expected<AwsSettings, std::string> aws_settings(const std::string& region_option,
                                                              const std::string& profile_option, bool have_endpoint);
[[nodiscard]] SigV4Credentials credentials_of(const AwsSettings& settings);
[[nodiscard]] Expected<AwsContext, std::string> aws_context_from(const AwsOptions& options);

// Sends a signed request, again (signed afresh) after a throttling error, a 5xx or a dropped connection
// as context.retry says; the response body for a 2xx answer, a one-line error otherwise.
[[nodiscard]] Expected<std::string, std::string> call_api(const AwsContext& context, const ApiRequest& request);

// Signed S3 PUT of a file (payload SHA-256 in x-amz-content-sha256).
[[nodiscard]] Expected<void, std::string> s3_put_file(const SigV4Credentials& credentials, const std::string& region,
                                                      const UrlParts& url, const std::filesystem::path& file,
                                                      const TlsFiles& tls);

}  // namespace awsfota::cli
