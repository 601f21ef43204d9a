#include "io/aws_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <random>
#include <thread>

#include "io/crypto.hpp"

namespace awsfota::cli {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// A shared config file's text; nullopt when there is none, an error when it is there but unreadable.
Expected<std::optional<std::string>, std::string> read_if_there(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

std::string amz_now() { return amz_date_from_unix(static_cast<std::int64_t>(std::time(nullptr))); }

}  // namespace

Expected<AwsSettings, std::string> aws_settings(const std::string& region_option, const std::string& profile_option,
                                                bool have_endpoint) {
  AwsConfigSources sources;
  sources.env = [](const std::string& name) { return env(name.c_str()); };
  sources.read_file = read_if_there;
  sources.profile_option = profile_option;
  sources.region_option = region_option;
  sources.have_endpoint = have_endpoint;
  return resolve_aws_settings(sources);
}

SigV4Credentials credentials_of(const AwsSettings& s) {
  return SigV4Credentials{s.keys.access_key_id, s.keys.secret_access_key, s.keys.session_token};
}

Expected<AwsContext, std::string> aws_context_from(const AwsOptions& o) {
  auto settings = aws_settings(o.region, o.profile, !o.endpoint_url.empty());
  if (!settings) return unexpected(settings.error());
  auto endpoint = iot_endpoint(settings->region, o.endpoint_url);
  if (!endpoint) return unexpected(endpoint.error());
  return AwsContext{*endpoint, settings->region, o.signing_name, credentials_of(*settings), o.tls};
}

namespace {

// One signed attempt: the HTTP answer (any status), or the transport failure.
Expected<HttpResult, HttpFailure> call_api_once(const AwsContext& ctx, const ApiRequest& request) {
  const auto primitives = openssl_sigv4_primitives();
  UrlParts url = ctx.endpoint;
  url.path += request.path;
  url.query = request.query;
  SigV4Request sreq;
  sreq.method = request.method;
  sreq.host = signed_host(url.scheme, url.authority);  // as curl sends it: no default port
  sreq.path = url.path;
  sreq.query = url.query;
  sreq.payload_sha256 = hex_lower(primitives.sha256(request.body));
  if (!request.body.empty()) sreq.headers.emplace_back("content-type", "application/json");
  const SigV4Scope scope{amz_now(), ctx.region, ctx.signing_name};
  HttpCall call;
  call.method = request.method;
  call.url = join_url(url);
  call.body = request.body;
  call.tls = ctx.tls;
  call.timeout_seconds = 60;
  call.headers = sreq.headers;
  for (auto& h : sign_request(sreq, ctx.credentials, scope, primitives)) call.headers.push_back(std::move(h));
  return perform_call(call);
}

std::string header(const HttpResult& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

double default_random01() {
  static std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

Expected<std::string, std::string> call_api(const AwsContext& ctx, const ApiRequest& request) {
  const int attempts = std::max(1, ctx.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    auto result = call_api_once(ctx, request);
    const bool last = attempt >= attempts;
    const std::string tries = attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : std::string();
    std::string retry_after;
    if (!result) {
      if (!result.error().connection_dropped || last)
        return unexpected(request.operation + " failed: " + result.error().message + tries);
    } else {
      const auto type = header(*result, "x-amzn-errortype");
      if (result->status >= 200 && result->status < 300) return result->body;
      if (!retryable_answer(result->status, type, result->body) || last)
        return unexpected(describe_api_error(request.operation, result->status, type, result->body) + tries);
      retry_after = header(*result, "retry-after");
    }
    const double delay = backoff_seconds(ctx.retry, attempt, retry_after, ctx.random01 ? ctx.random01() : default_random01());
    if (ctx.sleep) ctx.sleep(delay);
    else std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

Expected<void, std::string> s3_put_file(const SigV4Credentials& credentials, const std::string& region,
                                        const UrlParts& url, const std::filesystem::path& file, const TlsFiles& tls) {
  auto hash = sha256_file_hex(file);
  if (!hash) return unexpected(hash.error());
  SigV4Request sreq;
  sreq.method = "PUT";
  sreq.host = signed_host(url.scheme, url.authority);  // as curl sends it: no default port
  sreq.path = url.path;
  sreq.query = url.query;
  sreq.payload_sha256 = *hash;
  sreq.double_encode_path = false;
  sreq.headers.emplace_back("x-amz-content-sha256", *hash);
  const SigV4Scope scope{amz_now(), region, "s3"};
  HttpCall call;
  call.method = "PUT";
  call.url = join_url(url);
  call.upload_file = file;
  call.tls = tls;
  call.headers = sreq.headers;
  for (auto& h : sign_request(sreq, credentials, scope, openssl_sigv4_primitives())) call.headers.push_back(std::move(h));
  auto result = perform(call);
  if (!result) return unexpected(result.error());
  if (result->status < 200 || result->status >= 300) {
    // S3 answers errors in XML: show the code and message it names.
    std::string detail = result->body;
    auto pick = [&](const std::string& tag) {
      auto b = detail.find("<" + tag + ">");
      auto e = detail.find("</" + tag + ">");
      return (b == std::string::npos || e == std::string::npos || e < b) ? std::string()
                                                                          : detail.substr(b + tag.size() + 2, e - b - tag.size() - 2);
    };
    const std::string code = pick("Code"), message = pick("Message");
    return unexpected("S3 PUT " + call.url + " failed (HTTP " + std::to_string(result->status) + ")" +
                      (code.empty() ? std::string() : ": " + code + ": " + message));
  }
  return {};
}

}  // namespace awsfota::cli
