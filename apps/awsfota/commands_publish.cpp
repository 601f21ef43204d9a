// publish: upload an image to an HTTP(S) file server (PUT, e.g. nginx WebDAV) or to S3 (SigV4).
#include <CLI/CLI.hpp>

#include <iostream>

#include "common.hpp"
#include "io/aws_client.hpp"

namespace awsfota::cli {
namespace {

struct PublishOptions {
  std::string file;
  std::string to;
  std::string s3;
  std::string region;
  std::string profile;
  std::string endpoint_url;
  TlsFiles tls;
};

int publish_http(const PublishOptions& o) {
  auto url = split_url(o.to);
  if (!url) return fail(kExitUsage, "--to: " + url.error());
  if (url->path == "/" || url->path.back() == '/')
    return fail(kExitUsage, "--to '" + o.to + "' names a folder: give the file's URL, e.g. " + o.to +
                                (o.to.back() == '/' ? "" : "/") + std::filesystem::path(o.file).filename().string());
  HttpCall call;
  call.method = "PUT";
  call.url = o.to;
  call.upload_file = o.file;
  call.tls = o.tls;
  auto r = perform(call);
  if (!r) return fail(kExitFailed, r.error());
  if (r->status == 405 || r->status == 501)
    return fail(kExitFailed, "PUT " + o.to + ": HTTP " + std::to_string(r->status) +
                                 ": the server does not accept uploads there (nginx needs dav_methods PUT)");
  if (r->status == 403)
    return fail(kExitFailed, "PUT " + o.to + ": HTTP 403: the server refused the upload (permissions, or a client "
                                            "certificate it does not accept: see --cert/--key)");
  if (r->status < 200 || r->status >= 300)
    return fail(kExitFailed, "PUT " + o.to + ": HTTP " + std::to_string(r->status));
  std::cout << o.to << "\n";
  return kExitOk;
}

int publish_s3(const PublishOptions& o) {
  auto settings = aws_settings(o.region, o.profile, false);
  if (!settings) return fail(kExitUsage, settings.error());
  auto target = s3_object_target(o.s3, settings->region, o.endpoint_url);
  if (!target) return fail(kExitUsage, target.error());
  if (auto r = s3_put_file(credentials_of(*settings), settings->region, target->url, o.file, o.tls); !r)
    return fail(kExitFailed, r.error());
  std::cout << target->object_url << "\n";
  std::cerr << "awsfota: in a job document, let AWS presign it: --url '${aws:iot:s3-presigned-url:"
            << target->object_url << "}'\n";
  return kExitOk;
}

}  // namespace

void add_publish_command(CLI::App& app, Action& action) {
  auto* publish = app.add_subcommand("publish", "upload an image where devices will download it; prints its URL");
  auto o = std::make_shared<PublishOptions>();
  publish->add_option("FILE", o->file, "the file to upload")->required()->check(CLI::ExistingFile);
  auto* to = publish->add_option("--to", o->to, "HTTP(S) URL to PUT the file to (e.g. the local stack's nginx)");
  auto* s3 = publish->add_option("--s3", o->s3, "s3://BUCKET/KEY: upload to S3 with SigV4 (credentials from AWS_* or ~/.aws)");
  to->excludes(s3);
  publish->add_option("--region", o->region, "S3 region (default: AWS_DEFAULT_REGION, then the profile's)");
  publish->add_option("--profile", o->profile, "profile of ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE)");
  publish->add_option("--endpoint-url", o->endpoint_url, "S3-compatible endpoint (path-style), for testing");
  publish->add_option("--ca", o->tls.ca_file, "CA (PEM) to trust for HTTPS")->check(CLI::ExistingFile);
  publish->add_option("--cert", o->tls.cert_file, "client certificate (PEM) for mutual TLS")->check(CLI::ExistingFile);
  publish->add_option("--key", o->tls.key_file, "client private key (PEM) for mutual TLS")->check(CLI::ExistingFile);
  publish->callback([o, &action] {
    action = [o] {
      if (o->to.empty() == o->s3.empty()) return fail(kExitUsage, "give either --to URL or --s3 s3://BUCKET/KEY");
      if (o->tls.cert_file.empty() != o->tls.key_file.empty()) return fail(kExitUsage, "--cert and --key go together");
      return o->to.empty() ? publish_s3(*o) : publish_http(*o);
    };
  });
}

}  // namespace awsfota::cli
