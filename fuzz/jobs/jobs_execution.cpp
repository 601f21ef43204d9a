// Fuzzes parse_job_execution_message (notify-next, start-next/accepted, J/get/accepted bodies).
// Invariants: each status carries what its contract promises, and the result agrees with the strict
// decoder: when decode_notify_next accepts the message, the execution is never an invalid job.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "awsfota/jobs/job_document.hpp"
#include "awsfota/jobs/messages.hpp"
#include "awsfota/jobs/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::jobs;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const JobParseResult r = parse_job_execution_message(payload);
  switch (r.status) {
    case JobParseStatus::Ok:
      if (!r.job || !r.reason.empty() || r.job->job_id != r.job_id || !is_valid_job_id(r.job_id) ||
          r.version_number != r.job->version_number) {
        __builtin_trap();
      }
      break;
    case JobParseStatus::NoJob:
      if (r.job || !r.reason.empty() || !r.job_id.empty()) {
        __builtin_trap();
      }
      break;
    case JobParseStatus::InvalidDocument:
    case JobParseStatus::UrlTooLong:
      if (r.job || r.reason.empty() || !is_valid_job_id(r.job_id) || !r.version_number) {
        __builtin_trap();
      }
      break;
    case JobParseStatus::InvalidJob:
      if (r.job || r.reason.empty() || (!r.job_id.empty() && !is_valid_job_id(r.job_id))) {
        __builtin_trap();
      }
      break;
  }
  const auto strict = decode_notify_next(payload);
  if (strict) {
    const bool has_execution = strict->execution.has_value();
    if (has_execution && (r.status == JobParseStatus::InvalidJob || r.status == JobParseStatus::NoJob)) {
      __builtin_trap();
    }
    if (!has_execution && r.status != JobParseStatus::NoJob) {
      __builtin_trap();
    }
    if (has_execution && r.job_id != strict->execution->job_id) {
      __builtin_trap();
    }
  }
  return 0;
}
