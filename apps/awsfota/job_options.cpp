#include "job_options.hpp"

#include <CLI/CLI.hpp>

namespace awsfota::cli {

void add_rollout_options(CLI::App* cmd, RolloutFlags& f) {
  const char* group = "Rollout and abort (AWS's jobExecutionsRolloutConfig and abortConfig)";
  cmd->add_option("--abort-on-failure-percent", f.abort_percent,
                  "cancel the job when this percentage of executed things failed (0-100, two decimals)")
      ->group(group);
  cmd->add_option("--abort-min-things", f.abort_min_things,
                  "...once at least this many things have run it (needed with --abort-on-failure-percent)")
      ->group(group);
  cmd->add_option("--abort-failure-type", f.abort_failure_type,
                  "what counts as a failure: FAILED, REJECTED, TIMED_OUT or ALL (default ALL)")
      ->check(CLI::IsMember({"FAILED", "REJECTED", "TIMED_OUT", "ALL"}))
      ->group(group);
  cmd->add_option("--abort-on", f.abort_on, "another abort rule TYPE:PERCENT:MIN_THINGS, e.g. TIMED_OUT:5:50 (repeatable)")
      ->group(group);
  cmd->add_option("--rollout-rate", f.rollout_rate, "notify at most N things a minute (1-1000)")->group(group);
  cmd->add_option("--rollout-exponential", f.exponential,
                  "BASE,FACTOR,N: start at BASE things a minute, multiply by FACTOR (1.1-5.0) after every N "
                  "succeeded things")
      ->group(group);
  cmd->add_option("--rollout-increase-on", f.increase_on,
                  "count succeeded (default) or notified things for --rollout-exponential's N")
      ->check(CLI::IsMember({"succeeded", "notified"}))
      ->group(group);
}

}  // namespace awsfota::cli
