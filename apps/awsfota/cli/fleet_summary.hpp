// The summary `awsfota job watch` shows for a fleet instead of a row per thing: counts by status,
// the rollout rate, each abort rule with where the job stands against it (and why the job was
// canceled), the slowest things still in progress, and the failed things with their reasons. Pure.
//
//   std::cout << render_fleet_summary("fw-1", snapshot, now_epoch_seconds);
//     job fw-1  IN_PROGRESS  200 things
//       QUEUED 120  IN_PROGRESS 40  SUCCEEDED 32  FAILED 8
//     rollout: exponential, 2/min, x2 after every 5 things succeeded
//     abort:   ALL >= 10% once 20 things notified: now 8 of 200 = 4%
//     slowest in progress:
//       t-017  downloading 40%  for 3m12s
//     failed (8):
//       t-003  FAILED  verifying (bad signature)
#pragma once

#include <cstddef>
#include <string>

#include "cli/fleet_watch.hpp"

namespace awsfota::cli {

struct SummaryLimits {
  std::size_t slowest = 5;  // in-progress things shown
  std::size_t failed = 10;  // failed things shown, then "... and N more"
};

[[nodiscard]] std::string render_fleet_summary(const std::string& job_id, const FleetSnapshot& snapshot,
                                               double now_epoch_seconds, const SummaryLimits& limits = {});
// The lines that change only when something happened (counts, failures, job status), to print a
// summary to a log only when it says something new.
[[nodiscard]] std::string fleet_summary_key(const FleetSnapshot& snapshot);
// "1m05s", "2h03m", "42s"
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace awsfota::cli
