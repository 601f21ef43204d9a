// FOTA job documents: parse the document of a job execution into typed fields.
//
// Accepts every document the nRF Connect SDK "AWS FOTA" reference accepts, e.g.
//   {"operation":"app_fw_update","fwversion":"v1.0.2","size":181124,
//    "location":{"protocol":"https:","host":"bucket.s3.eu-central-1.amazonaws.com","path":"app_update.bin"}}
// and the project's optional additions: "location.url" (taking precedence, port kept), "sha256",
// a "size" that is enforced later, and "fwversion" compared with the running version.
//
// Pure: no I/O. Usable alone (link awsfota::jobs):
//
//   using namespace awsfota::jobs;
//   JobParseResult r = parse_job_execution_message(payload);   // a notify-next or J/get/accepted body
//   switch (r.status) {
//     case JobParseStatus::NoJob: break;                        // nothing pending
//     case JobParseStatus::Ok: start(r.job->document.location.url()); break;
//     default: report_failed(r.job_id, r.reason);              // job_id is set when it could be read
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/expected.hpp"
#include "awsfota/jobs/messages.hpp"

namespace awsfota::jobs {

struct FirmwareLocation {
  bool https = true;              // false only for protocol/scheme "http"
  std::string host;               // no brackets, no port
  std::optional<std::uint16_t> port;
  std::string path;               // starts with exactly one '/', query included ("/a/b.bin?X-Amz-..."),
                                  // fragment ("#...") dropped

  // "https://host[:port]/path"
  [[nodiscard]] std::string url() const;
  friend bool operator==(const FirmwareLocation&, const FirmwareLocation&) = default;
};

struct JobDocument {
  std::string operation;                 // e.g. "app_fw_update"; empty when absent
  std::optional<std::string> fw_version; // e.g. "v1.0.2"
  std::optional<std::uint64_t> size;     // bytes of the file to download
  std::optional<std::string> sha256;     // lowercase hex, 64 characters
  FirmwareLocation location;             // the location to fetch (the chosen slot's, for dual paths)
  // For the dual-slot form `"path": "s0path s1path"`: both paths, in order; empty otherwise.
  std::vector<std::string> slot_paths;

  friend bool operator==(const JobDocument&, const JobDocument&) = default;
};

// Limits on the fields a device keeps across a restart. The FOTA checkpoint (awsfota::store) stores
// what this parser returns and reads back exactly these limits, so a document the parser accepts can
// always be resumed; both sides use these constants so that they cannot drift apart.
//  - fwversion, in bytes: it is also reported as a statusDetails value, whose AWS limit it shares.
inline constexpr std::size_t kMaxFwVersionLength = kMaxStatusDetailValueLength;
//  - the download URL, in bytes: the ceiling of DocumentOptions::max_url_length.
inline constexpr std::size_t kMaxStoredUrlLength = 8192;
//  - sha256: exactly this many hexadecimal digits.
inline constexpr std::size_t kSha256HexLength = 64;

// Whose reading of a document to follow where the reference and this project differ.
enum class Compat {
  None,        // this project's: a "size" is type-checked, and enforced later against the file
  // The nRF Connect SDK AWS FOTA library's: it never uses "size", so a document without "sha256"
  // has its "size" ignored (not read, not enforced); with "sha256" the size counts as usual. The
  // other half of the reference's reading, plain http without a digest, is the downloader's to
  // allow (runtime::Device allows it with this setting).
  NrfAwsFota,
};

struct DocumentOptions {
  // Which path of a dual-slot "s0path s1path" document to fetch: the inactive slot's index (0 or 1).
  unsigned inactive_slot = 1;
  // Longest URL (scheme, host, port, path and query) accepted. S3 presigned URLs made with a role's
  // temporary credentials carry its session token, whose size AWS does not bound: 1.5 KB is common,
  // more is seen, and awsfota-jobsd --link-style aws hands out 2.3 KB ones. Values over
  // kMaxStoredUrlLength act as kMaxStoredUrlLength.
  std::size_t max_url_length = 4096;
  Compat compat = Compat::None;
};

enum class DocumentErrorCode {
  InvalidJson,        // not JSON, or not an object
  MissingField,       // a required field is absent (location, host, path, ...)
  WrongType,          // a field has the wrong JSON type
  InvalidValue,       // a field has a value that cannot be used (bad URL, bad sha256, size 0, ...)
  UrlTooLong,         // longer than DocumentOptions::max_url_length (or kMaxStoredUrlLength)
  TooLarge,           // over AWS's 32,768-character document limit
};

[[nodiscard]] std::string_view to_string(DocumentErrorCode code) noexcept;  // "MissingField", ...

struct DocumentError {
  DocumentErrorCode code = DocumentErrorCode::InvalidJson;
  std::string reason;  // a sentence a person can act on, naming the field
};

// Parses a job document (the JSON text of the "jobDocument" object).
//  - location.url, when it is a string, wins over protocol/host/path: scheme http or https (any case),
//    host (a name, an IPv4 address or an IPv6 address in brackets), optional port 1..65535, path and
//    query. No user information, no empty host.
//  - Otherwise protocol, host and path must all be strings. HTTPS when protocol starts with "https"
//    (so "https:" and "https"); "http" and "http:" are plain HTTP; anything else is refused. host may
//    carry a port ("127.0.0.1:8080"). path gets exactly one leading '/'. A path of two space-separated
//    parts is the dual-slot form; options.inactive_slot picks one and slot_paths holds both.
//  - sha256 (64 hex digits, any case; returned lowercase), size (a positive integer), fwversion (a
//    string of at most kMaxFwVersionLength bytes) and operation (a string) are optional; unknown
//    fields are ignored. With options.compat NrfAwsFota and no sha256, size is ignored (left empty).
//
//   auto doc = parse_job_document(R"({"location":{"url":"https://h.example:8443/fw.bin"}})");
//   if (!doc) report(doc.error().reason);   // e.g. "job document: location.host is missing; ..."
[[nodiscard]] Expected<JobDocument, DocumentError> parse_job_document(std::string_view document_json,
                                                                     const DocumentOptions& options = {});

enum class JobParseStatus {
  NoJob,            // a valid message with no "execution": nothing pending (not an error)
  InvalidJob,       // bad JSON, or an execution without a usable jobId / versionNumber
  InvalidDocument,  // the execution is fine but its document is missing or unusable
  UrlTooLong,       // the document's URL is longer than allowed
  Ok,
};
[[nodiscard]] std::string_view to_string(JobParseStatus status) noexcept;

struct PendingJob {
  std::string job_id;
  std::int64_t version_number = 0;
  std::int64_t execution_number = 0;
  JobStatus status = JobStatus::Queued;
  StatusDetails status_details;
  JobDocument document;
};

struct JobParseResult {
  JobParseStatus status = JobParseStatus::InvalidJob;
  std::string reason;                  // empty for Ok and NoJob
  std::string job_id;                  // set whenever the execution's jobId could be read and is valid
  std::optional<std::int64_t> version_number;  // likewise, so an invalid document can be reported FAILED
  std::optional<PendingJob> job;       // set for Ok
};

// Parses a message that carries a job execution: notify-next, start-next/accepted or J/get/accepted.
// No (or a null) "execution" is NoJob. Bad JSON, or an execution whose jobId, versionNumber, status,
// statusDetails or executionNumber is unusable, is InvalidJob. A missing, non-object, too large or
// unusable jobDocument is InvalidDocument (UrlTooLong for a URL over options.max_url_length), with
// job_id and version_number filled so that the caller can report the execution FAILED.
[[nodiscard]] JobParseResult parse_job_execution_message(std::string_view payload,
                                                         const DocumentOptions& options = {});

}  // namespace awsfota::jobs
