// awsfota: the operator CLI. Makes and checks images and deltas, writes job documents, publishes
// images, and creates and follows jobs on AWS IoT or the local awsfota-jobsd. See docs/cli.md.
#include <CLI/CLI.hpp>

#include <iostream>

#include "command_line.hpp"
#include "common.hpp"

int main(int argc, char** argv) {
  using namespace awsfota::cli;
  CLI::App app{"awsfota: firmware images, deltas, job documents and AWS IoT jobs for awsfota devices.\n"
               "Exit codes: 0 ok, 1 operation failed, 2 usage error, 3 verification failed."};
  app.name("awsfota");
  app.require_subcommand(1);
  Action action;
  add_image_commands(app, action);
  add_delta_commands(app, action);
  add_job_commands(app, action);
  add_publish_command(app, action);
  awsfota::program::add_version_flag(app);
  if (auto done = awsfota::program::parse(app, argc, argv, kExitUsage)) return *done;
  if (!action) return fail(kExitUsage, "no command given; run awsfota --help");
  try {
    return action();
  } catch (const std::exception& e) {
    return fail(kExitFailed, e.what());
  }
}
