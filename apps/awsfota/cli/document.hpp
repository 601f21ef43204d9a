// Job documents as `awsfota job document` writes them: the reference's fields (operation, fwversion,
// size, location with protocol/host/path) plus sha256, or location.url. Pure.
//
//   DocumentSpec spec{.size = 181124, .sha256 = "9f86...", .fwversion = "v1.0.2",
//                     .url = "https://files.example.com/app.bin"};
//   auto text = build_job_document(spec);   // checked with jobs::parse_job_document before returning
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "awsfota/expected.hpp"
#include "awsfota/image/version.hpp"

namespace awsfota::cli {

struct DocumentSpec {
  std::string operation = "app_fw_update";
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::string fwversion;  // empty: left out
  // Either url (which may be a ${aws:iot:s3-presigned-url:...} placeholder, kept verbatim) ...
  std::optional<std::string> url;
  // ... or the reference's protocol/host/path.
  std::string protocol = "https:";
  std::string host;
  std::string path;
};

// "v1.2.3", or "v1.2.3+4" when the build number is not 0.
[[nodiscard]] std::string fwversion_of(const image::ImageVersion& version);

// The inner URL of "${aws:iot:s3-presigned-url:URL}", or nullopt when `text` is not such a placeholder.
[[nodiscard]] std::optional<std::string> presigned_placeholder_url(const std::string& text);

// The document as pretty JSON, after checking that jobs::parse_job_document accepts it (a placeholder
// URL is checked as the URL inside it, which is what the service hands out, presigned).
[[nodiscard]] Expected<std::string, std::string> build_job_document(const DocumentSpec& spec);

}  // namespace awsfota::cli
