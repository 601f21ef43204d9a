// Fuzzes parse_job_document. The first byte sets the options (inactive slot, URL length limit, the
// reference's rules), the rest is the document.
// Invariants: a parsed location has one leading '/', a URL within the limit, a lowercase digest, its
// url() parses back (as location.url) to the same location, and the fields the engine checkpoints
// encode and decode back unchanged (whatever the parser accepts survives a restart).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "awsfota/jobs/job_document.hpp"
#include "awsfota/store/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::jobs;
  if (size == 0) {
    return 0;
  }
  DocumentOptions options;
  options.inactive_slot = data[0] & 1U;
  options.max_url_length = (data[0] & 2U) != 0 ? 64 : (data[0] & 4U) != 0 ? SIZE_MAX : 2048;
  options.compat = (data[0] & 8U) != 0 ? Compat::NrfAwsFota : Compat::None;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const auto doc = parse_job_document(text, options);
  if (!doc) {
    if (doc.error().reason.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const FirmwareLocation& location = doc->location;
  if (location.path.empty() || location.path[0] != '/' || location.path.starts_with("//") || location.host.empty()) {
    __builtin_trap();
  }
  const std::string url = location.url();
  if (url.size() > options.max_url_length || url.size() > kMaxStoredUrlLength) {
    __builtin_trap();
  }
  if (doc->sha256 && (doc->sha256->size() != 64 || doc->sha256->find_first_not_of("0123456789abcdef") != std::string::npos)) {
    __builtin_trap();
  }
  if (doc->size && *doc->size == 0) {
    __builtin_trap();
  }
  if (options.compat == Compat::NrfAwsFota && !doc->sha256 && doc->size) {  // the reference's rules: no digest, no size
    __builtin_trap();
  }
  if (!doc->slot_paths.empty() && (doc->slot_paths.size() != 2 || doc->slot_paths[options.inactive_slot] != location.path)) {
    __builtin_trap();
  }
  awsfota::store::Checkpoint checkpoint{.job_id = "fuzz-job", .version_number = 1, .url = url,
                                        .size = doc->size, .sha256 = doc->sha256, .fw_version = doc->fw_version};
  const auto stored = awsfota::store::encode_checkpoint(checkpoint);
  if (!stored) {
    __builtin_trap();
  }
  const auto restored = awsfota::store::decode_checkpoint(*stored);
  if (!restored || !(*restored == checkpoint)) {
    __builtin_trap();
  }
  nlohmann::json again;
  again["location"]["url"] = url;
  const auto reparsed = parse_job_document(again.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), options);
  if (!reparsed || !(reparsed->location == location)) {
    __builtin_trap();
  }
  return 0;
}
