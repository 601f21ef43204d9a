// The reference's own example job document, verbatim, for the tests that show that the agent takes
// it as the reference's devices do (compat nrf-aws-fota).
//
// From the nRF Connect SDK documentation of the AWS FOTA library, section "AWS IoT jobs"
// (nrfconnect/sdk-nrf, doc/nrf/libraries/networking/aws_fota.rst, earlier include/net/aws_fota.rst),
// as the page renders it: the placeholders *bucket_name* and *file_name* are in italics there. Only
// the enclosing block indentation of the reStructuredText source is left out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace awsfota::testing {

inline constexpr std::string_view kReferenceExampleDocument = R"({
  "operation": "app_fw_update",
  "fwversion": "v1.0.2",
  "size": 181124,
  "location": {
    "protocol": "http:",
    "host": "bucket_name.amazonaws.com",
    "path": "file_name.bin"
   }
})";

// The example with only its host substituted (to point at a local file server): its path, its
// "http:" and its sample size (not the served file's) are kept.
inline std::string reference_example_with_host(std::string_view host) {
  std::string doc(kReferenceExampleDocument);
  const std::string_view placeholder = "bucket_name.amazonaws.com";
  return doc.replace(doc.find(placeholder), placeholder.size(), host);
}

// What a device fetches for it: plain HTTP, one leading '/'.
inline constexpr std::string_view kReferenceExampleUrl = "http://bucket_name.amazonaws.com/file_name.bin";
inline constexpr std::uint64_t kReferenceExampleSize = 181124;

}  // namespace awsfota::testing
