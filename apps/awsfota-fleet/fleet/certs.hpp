// Device certificates for the simulated fleet, issued in-process by the stack's CA (EC P-256, CN =
// the thing name, clientAuth), as `scripts/stack add-thing` issues them with the openssl tool but a
// thousand times faster. A certificate already in `dir` that this CA signed is kept.
//
//   auto made = issue_device_certificates("run/stack-default/pki/ca.pem", ".../ca.key", dir, things);
//   if (!made) die(made.error());            // names the file or the OpenSSL step that failed
//   // dir/THING.pem and dir/THING.key (0600) for each thing; *made: how many were issued now
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::fleet {

[[nodiscard]] Expected<std::size_t, std::string> issue_device_certificates(const std::filesystem::path& ca_cert,
                                                                           const std::filesystem::path& ca_key,
                                                                           const std::filesystem::path& dir,
                                                                           const std::vector<std::string>& things);

}  // namespace awsfota::fleet
