// The simulator's run: certificates, registration, the shards, progress, the report.
//
//   FleetOptions o;                       // see options.hpp; main.cpp fills it from the command line
//   auto stack = read_stack_env("run/stack-default", o.endpoints);   // ports, CA, credentials
//   return run_fleet(o, std::cout, stop_flag);   // 0 when every device came online
#pragma once

#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>

#include "awsfota/expected.hpp"
#include "fleet/options.hpp"

namespace awsfota::fleet {

// Reads DIR/stack.env (what `scripts/stack env` prints) into `endpoints`: the MQTT port, the control
// plane's URL, the CA and its key (pki/ca.key), the certificate folder (pki/fleet). AWS_* credentials
// in it are exported when the environment has none, so that requests are signed with the stack's.
[[nodiscard]] Expected<void, std::string> read_stack_env(const std::filesystem::path& dir, Endpoints& endpoints);

// Raises RLIMIT_NOFILE so that `devices` connections fit; the reason when it cannot.
[[nodiscard]] Expected<void, std::string> raise_file_limit(std::size_t devices);

// Runs the fleet until `stop` is set, options.duration passes, or options.idle_exit says it is over.
// Prints progress and the report to `out`, problems to std::cerr. Returns the exit code.
[[nodiscard]] int run_fleet(const FleetOptions& options, std::ostream& out, const std::atomic<bool>& stop);

}  // namespace awsfota::fleet
