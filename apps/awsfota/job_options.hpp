// Option groups of `awsfota job ...` that live outside commands_job.cpp: the rollout and abort flags
// of `job create`, the watch's view and rate flags, and the shared credentials profile.
#pragma once

#include <functional>

#include "cli/rollout_flags.hpp"
#include "common.hpp"
#include "io/aws_client.hpp"

namespace CLI {
class App;
}

namespace awsfota::cli {

// --abort-on-failure-percent, --abort-min-things, --abort-failure-type, --abort-on,
// --rollout-rate, --rollout-exponential, --rollout-increase-on (docs/cli.md).
void add_rollout_options(CLI::App* cmd, RolloutFlags& flags);

// `job watch` (commands_watch.cpp); add_aws adds the shared --endpoint-url/--region/... options.
void add_watch_command(CLI::App* job, Action& action, const std::function<void(CLI::App*, AwsOptions&)>& add_aws);

}  // namespace awsfota::cli
