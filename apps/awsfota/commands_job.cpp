// job document|create|describe|list|cancel|watch.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <thread>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "cli/account.hpp"
#include "cli/document.hpp"
#include "cli/rauc_manifest.hpp"
#include "cli/swu_description.hpp"
#include "cli/watch.hpp"
#include "common.hpp"
#include "io/aws_client.hpp"
#include "io/program.hpp"
#include "job_options.hpp"

namespace awsfota::cli {
namespace {

struct DocumentOptions {
  std::string image;
  std::string url;
  std::string host;
  std::string path;
  std::string protocol = "https:";
  std::string operation;  // empty: rauc_bundle for a RAUC bundle, else app_fw_update
  std::string fwversion;
};

// The manifest of a RAUC bundle, read by unsquashfs (a bundle is a squashfs image with RAUC's
// signature after it); an error when it cannot be read.
Expected<RaucManifest, std::string> bundle_manifest(const std::string& bundle) {
  ProgramResult r = run_capture({"unsquashfs", "-cat", bundle, "manifest.raucm"});
  if (!r.started) return unexpected(std::string("unsquashfs (squashfs-tools) is not installed"));
  if (r.exit_code != 0) return unexpected("unsquashfs cannot read its manifest.raucm: " + first_line(r.err));
  return parse_rauc_manifest(r.out);
}

// The operation a job document names for an image of this kind (docs/jobs.md).
std::string operation_for(image::ImageKind kind) {
  switch (kind) {
    case image::ImageKind::RaucBundle: return "rauc_bundle";
    case image::ImageKind::SwupdateImage: return "swupdate_image";
    default: return "app_fw_update";
  }
}

// The job document for an image and where it is served; {exit code, message} on failure.
Expected<std::string, std::pair<int, std::string>> make_document(const DocumentOptions& o) {
  if (o.url.empty() == (o.host.empty() && o.path.empty()))
    return unexpected(std::make_pair(int(kExitUsage), std::string("give either --url or both --host and --path")));
  if (o.url.empty() && (o.host.empty() || o.path.empty()))
    return unexpected(std::make_pair(int(kExitUsage), std::string("--host and --path go together")));
  auto bytes = read_bytes(o.image);
  if (!bytes) return unexpected(std::make_pair(int(kExitFailed), bytes.error()));
  openssl::OpenSslCrypto crypto;
  DocumentSpec spec;
  spec.size = bytes->size();
  spec.sha256 = image::to_hex(image::sha256_of(crypto, *bytes));
  spec.fwversion = o.fwversion;
  const auto kind = image::detect_kind(std::span(*bytes).first(std::min(bytes->size(), image::kDetectBytes)));
  if (kind == image::ImageKind::Unknown)
    return unexpected(std::make_pair(int(kExitVerifyFailed),
                                     o.image + " is not a known image kind (MCUboot, awsfota delta, modem, RAUC bundle, SWUpdate .swu): a device "
                                               "would refuse it"));
  spec.operation = o.operation.empty() ? operation_for(kind) : o.operation;
  if (spec.fwversion.empty() && kind == image::ImageKind::SwupdateImage) {
    // SWUpdate checks the .swu itself on the device; sw-description is read only to fill the document.
    auto description = read_sw_description(*bytes);
    auto version = description ? sw_description_version(*description) : std::nullopt;
    if (!version) {
      return unexpected(std::make_pair(
          int(kExitVerifyFailed),
          o.image + ": a .swu whose version cannot be read (" +
              (description ? std::string("sw-description has no software version") : description.error()) +
              "): give --fwversion"));
    }
    spec.fwversion = *version;
  }
  if (spec.fwversion.empty() && kind == image::ImageKind::RaucBundle) {
    // RAUC checks the bundle itself on the device; the version is read only to fill the document.
    auto manifest = bundle_manifest(o.image);
    if (!manifest) {
      return unexpected(std::make_pair(int(kExitVerifyFailed),
                                       o.image + ": a RAUC bundle whose version cannot be read (" + manifest.error() +
                                           "): give --fwversion"));
    }
    spec.fwversion = manifest->version;
    if (spec.fwversion.empty()) {
      return unexpected(std::make_pair(int(kExitVerifyFailed),
                                       o.image + ": the bundle's manifest has no version: give --fwversion"));
    }
  }
  if (spec.fwversion.empty() && kind == image::ImageKind::McuBoot) {
    auto parsed = image::parse_image(*bytes);
    if (!parsed) return unexpected(std::make_pair(int(kExitVerifyFailed), o.image + ": " + parsed.error().reason));
    spec.fwversion = fwversion_of(parsed->header.version);
  }
  if (!o.url.empty()) spec.url = o.url;
  spec.protocol = o.protocol;
  spec.host = o.host;
  spec.path = o.path;
  auto doc = build_job_document(spec);
  if (!doc) return unexpected(std::make_pair(int(kExitUsage), doc.error()));
  return *doc;
}

void add_document_options(CLI::App* cmd, DocumentOptions& o, bool image_required) {
  auto* image = cmd->add_option("--image", o.image, "the image file the job installs")->check(CLI::ExistingFile);
  if (image_required) image->required();
  cmd->add_option("--url", o.url,
                  "where devices download it (http/https URL, or '${aws:iot:s3-presigned-url:https://BUCKET.s3.REGION."
                  "amazonaws.com/KEY}')");
  cmd->add_option("--host", o.host, "the reference's location.host (instead of --url)");
  cmd->add_option("--path", o.path, "the reference's location.path (instead of --url)");
  cmd->add_option("--protocol", o.protocol, "the reference's location.protocol: https: (default) or http:")
      ->check(CLI::IsMember({"https:", "http:", "https", "http"}));
  cmd->add_option("--operation", o.operation,
                  "document operation (default: rauc_bundle for a RAUC bundle, app_fw_update otherwise)");
  cmd->add_option("--fwversion", o.fwversion, "version devices compare with theirs (default: from the image header)");
}

void add_aws_options(CLI::App* cmd, AwsOptions& o) {
  cmd->add_option("--endpoint-url", o.endpoint_url,
                  "control-plane URL, e.g. http://127.0.0.1:PORT for awsfota-jobsd (default: AWS's for the region)");
  cmd->add_option("--region", o.region, "AWS region (default: AWS_DEFAULT_REGION, then the profile's)");
  cmd->add_option("--profile", o.profile, "profile of ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE)");
  cmd->add_option("--ca", o.tls.ca_file, "CA (PEM) to trust for an HTTPS endpoint")->check(CLI::ExistingFile);
  cmd->add_option("--signing-name", o.signing_name, "SigV4 service name (default iot, as current botocore signs IoT)")
      ->group("");
}

struct CreateOptions {
  std::string job_id;
  std::vector<std::string> things;
  std::string thing_group;
  std::string document_file;
  std::string document_source;
  bool document_source_given = false;  // also when given as "", which is then refused by name
  DocumentOptions document;
  std::string description;
  std::string account;  // empty: AWS_ACCOUNT_ID, else the service's (cli/account.hpp)
  std::string target_selection = "SNAPSHOT";
  std::int64_t timeout_minutes = 0;
  std::int64_t presign_expires = 0;
  std::string presign_role_arn;
  RolloutFlags rollout;
  AwsOptions aws;
};

int job_create(const CreateOptions& o) {
  if (auto why = check_job_id(o.job_id); !why.empty()) return fail(kExitUsage, why);
  if (o.things.empty() == o.thing_group.empty()) return fail(kExitUsage, "give either --thing NAME... or --thing-group NAME");
  const int documents = int(!o.document_file.empty()) + int(o.document_source_given) + int(!o.document.image.empty());
  if (documents != 1) {
    return fail(kExitUsage, std::string(documents == 0 ? "no job document: " : "more than one job document: ") +
                                "give one of --document-file FILE, --document-source S3-URL, or --image FILE with "
                                "--url (or --host/--path)");
  }
  if (o.document_source_given) {
    if (auto why = check_document_source(o.document_source); !why.empty()) return fail(kExitUsage, why);
  }
  auto rollout = parse_rollout_flags(o.rollout);
  if (!rollout) return fail(kExitUsage, rollout.error());
  auto ctx = aws_context_from(o.aws);
  if (!ctx) return fail(kExitUsage, ctx.error());
  CreateJobParams p;
  p.job_id = o.job_id;
  for (const auto& t : o.things) {
    if (auto why = check_thing_name(t); !why.empty()) return fail(kExitUsage, why);
  }
  const auto account = resolve_account(o.account, std::getenv("AWS_ACCOUNT_ID"),
                                       {o.things.empty() ? "" : o.things.front(), o.thing_group},
                                       [&](const ApiRequest& r) { return call_api(*ctx, r); });
  if (!account) return fail(kExitUsage, account.error());
  for (const auto& t : o.things) p.targets.push_back(thing_arn(ctx->region, *account, t));
  if (!o.thing_group.empty()) p.targets.push_back(thing_group_arn(ctx->region, *account, o.thing_group));
  if (o.document_source_given) {
    p.document_source = o.document_source;  // the service fetches it (AWS: from S3)
  } else if (!o.document_file.empty()) {
    auto text = read_text(o.document_file);
    if (!text) return fail(kExitFailed, text.error());
    p.document = *text;
  } else {
    auto doc = make_document(o.document);
    if (!doc) return fail(doc.error().first, doc.error().second);
    p.document = *doc;
  }
  p.description = o.description;
  p.rollout = *rollout;
  p.target_selection = o.target_selection;
  if (o.timeout_minutes > 0) p.in_progress_timeout_minutes = o.timeout_minutes;
  if (o.presign_expires > 0) p.presigned_url_expires_sec = o.presign_expires;
  p.presigned_url_role_arn = o.presign_role_arn;
  // AWS assumes this role to presign the URL; only its owner knows which one it is.
  if (p.presigned_url_role_arn.empty() && p.document.find("${aws:iot:s3-presigned-url:") != std::string::npos) {
    return fail(kExitUsage, "the job document has a presigned-URL placeholder (${aws:iot:s3-presigned-url:...}): "
                            "give --role-arn with the IAM role AWS assumes to presign it");
  }
  auto body = call_api(*ctx, create_job_request(p));
  if (!body) return fail(kExitFailed, body.error());
  auto created = parse_create_job(*body);
  if (!created) return fail(kExitFailed, created.error());
  std::cout << "created job " << created->first << (created->second.empty() ? "" : " (" + created->second + ")") << "\n";
  return kExitOk;
}

int job_describe(const std::string& job_id, const AwsOptions& aws, bool json) {
  if (auto why = check_job_id(job_id); !why.empty()) return fail(kExitUsage, why);
  auto ctx = aws_context_from(aws);
  if (!ctx) return fail(kExitUsage, ctx.error());
  auto body = call_api(*ctx, describe_job_request(job_id));
  if (!body) return fail(kExitFailed, body.error());
  auto info = parse_describe_job(*body);
  if (!info) return fail(kExitFailed, info.error());
  if (json) {
    std::cout << nlohmann::json::parse(*body).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "job:     " << info->job_id << "\nstatus:  " << info->status << (info->force_canceled ? " (forced)" : "")
            << "\n";
  if (!info->description.empty()) std::cout << "about:   " << info->description << "\n";
  for (const auto& t : info->targets) std::cout << "target:  " << t << "\n";
  if (!info->counts.empty()) {
    std::cout << "things: ";
    for (const auto& [name, n] : info->counts) std::cout << " " << name << "=" << n;
    std::cout << "\n";
  }
  return kExitOk;
}

int job_list(const ListJobsParams& params, const AwsOptions& aws, bool json) {
  auto ctx = aws_context_from(aws);
  if (!ctx) return fail(kExitUsage, ctx.error());
  nlohmann::json raw = nlohmann::json::array();
  auto jobs = collect_pages<JobSummary>("ListJobs", [&](const std::string& token) -> Expected<Page<JobSummary>, std::string> {
    ListJobsParams p = params;
    p.next_token = token;
    auto body = call_api(*ctx, list_jobs_request(p));
    if (!body) return unexpected(body.error());
    auto page = parse_list_jobs(*body);
    if (page) {
      for (auto& j : nlohmann::json::parse(*body).value("jobs", nlohmann::json::array())) raw.push_back(j);
    }
    return page;
  });
  if (!jobs) return fail(kExitFailed, jobs.error());
  const std::vector<JobSummary>& all = *jobs;
  if (json) {
    std::cout << nlohmann::json{{"jobs", raw}}.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& j : all) std::cout << j.job_id << "  " << j.status << "  " << j.target_selection << "\n";
  if (all.empty()) std::cout << "(no jobs)\n";
  return kExitOk;
}

int job_cancel(const std::string& job_id, bool force, const std::string& comment, const AwsOptions& aws) {
  if (auto why = check_job_id(job_id); !why.empty()) return fail(kExitUsage, why);
  auto ctx = aws_context_from(aws);
  if (!ctx) return fail(kExitUsage, ctx.error());
  auto body = call_api(*ctx, cancel_job_request(job_id, force, comment));
  if (!body) return fail(kExitFailed, body.error());
  std::cout << "canceled job " << job_id
            << (force ? " (forced: in-progress executions are canceled too)"
                      : " (queued executions only; in-progress ones run on: use --force to stop them)")
            << "\n";
  return kExitOk;
}

}  // namespace

void add_job_commands(CLI::App& app, Action& action) {
  auto* job = app.add_subcommand("job", "job documents and AWS IoT jobs (AWS or the local awsfota-jobsd)");
  job->require_subcommand(1);

  auto* document = job->add_subcommand("document", "print the job document for an image and where it is served");
  auto doc = std::make_shared<DocumentOptions>();
  add_document_options(document, *doc, true);
  document->callback([doc, &action] {
    action = [doc] {
      auto text = make_document(*doc);
      if (!text) return fail(text.error().first, text.error().second);
      std::cout << *text << "\n";
      return int(kExitOk);
    };
  });

  auto* create = job->add_subcommand("create", "create a job for things or a thing group");
  auto c = std::make_shared<CreateOptions>();
  create->add_option("JOB", c->job_id, "job id: 1 to 64 of [a-zA-Z0-9_-]")->required();
  create->add_option("--thing", c->things, "target thing name (repeat for more)");
  create->add_option("--thing-group", c->thing_group, "target thing group");
  create->add_option("--document-file", c->document_file, "job document (JSON file)")->check(CLI::ExistingFile);
  auto* source = create->add_option("--document-source", c->document_source,
                                    "the job document in S3, fetched by the service: s3://BUCKET/KEY or "
                                    "https://BUCKET.s3.REGION.amazonaws.com/KEY (CreateJob's documentSource)");
  add_document_options(create, c->document, false);
  create->add_option("--description", c->description, "job description");
  create->add_option("--account", c->account,
                     "account id in the target ARNs (default: AWS_ACCOUNT_ID, else the account of the first "
                     "target as the service describes it)");
  create->add_option("--target-selection", c->target_selection, "SNAPSHOT (default) or CONTINUOUS")
      ->check(CLI::IsMember({"SNAPSHOT", "CONTINUOUS"}));
  create->add_option("--timeout-minutes", c->timeout_minutes, "in-progress timeout of each execution");
  create->add_option("--presigned-url-expires", c->presign_expires, "lifetime of presigned URLs, 60..3600 s");
  create->add_option("--role-arn,--presigned-url-role-arn", c->presign_role_arn,
                     "IAM role AWS assumes to presign the document's presigned-URL placeholders (required with one)");
  add_aws_options(create, c->aws);
  add_rollout_options(create, c->rollout);
  create->callback([c, source, &action] {
    c->document_source_given = source->count() > 0;
    action = [c] { return job_create(*c); };
  });

  auto* describe = job->add_subcommand("describe", "show a job's status and counts");
  auto d = std::make_shared<std::pair<std::string, AwsOptions>>();
  auto d_json = std::make_shared<bool>(false);
  describe->add_option("JOB", d->first, "job id")->required();
  describe->add_flag("--json", *d_json, "print the service's answer as JSON");
  add_aws_options(describe, d->second);
  describe->callback([=, &action] { action = [=] { return job_describe(d->first, d->second, *d_json); }; });

  auto* list = job->add_subcommand("list", "list jobs");
  auto l = std::make_shared<std::pair<ListJobsParams, AwsOptions>>();
  auto l_json = std::make_shared<bool>(false);
  list->add_option("--status", l->first.status, "only jobs in this status")
      ->check(CLI::IsMember({"IN_PROGRESS", "CANCELED", "COMPLETED", "DELETION_IN_PROGRESS", "SCHEDULED"}));
  list->add_option("--thing-group", l->first.thing_group_name, "only jobs for this thing group");
  list->add_flag("--json", *l_json, "print JSON");
  add_aws_options(list, l->second);
  list->callback([=, &action] { action = [=] { return job_list(l->first, l->second, *l_json); }; });

  auto* cancel = job->add_subcommand("cancel", "cancel a job (queued executions; with --force also in-progress ones)");
  auto x = std::make_shared<std::pair<std::string, AwsOptions>>();
  auto x_force = std::make_shared<bool>(false);
  auto x_comment = std::make_shared<std::string>();
  cancel->add_option("JOB", x->first, "job id")->required();
  cancel->add_flag("--force", *x_force, "also cancel executions that are IN_PROGRESS");
  cancel->add_option("--comment", *x_comment, "why (kept with the job)");
  add_aws_options(cancel, x->second);
  cancel->callback([=, &action] { action = [=] { return job_cancel(x->first, *x_force, *x_comment, x->second); }; });

  add_watch_command(job, action, add_aws_options);
}

}  // namespace awsfota::cli
