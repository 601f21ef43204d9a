#include "command_line.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <vector>

#ifndef AWSFOTA_VERSION
#error "AWSFOTA_VERSION must be defined (CMake's PROJECT_VERSION)"
#endif

namespace awsfota::program {
namespace {

// "awsfota job create": the command the user was typing, so that the hint opens the right help.
std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* at = &app;
  for (auto selected = at->get_subcommands(); !selected.empty(); selected = at->get_subcommands()) {
    at = selected.front();
    path += " " + at->get_name();
  }
  return path;
}

// CLI11 checks required options and subcommands before it complains about arguments it did not know,
// so `awsfota-jobsd --frob` would say "--db is required". The argument nobody knew is the better news.
std::string what_went_wrong(const CLI::App& app, const CLI::ParseError& e) {
  if (const std::vector<std::string> unknown = app.remaining(true); !unknown.empty()) {
    return CLI::ExtrasError(unknown).what();
  }
  return e.what();
}

}  // namespace

std::string version() { return AWSFOTA_VERSION; }

void add_version_flag(CLI::App& app) { app.set_version_flag("--version", app.get_name() + " " + version()); }

std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, int usage_exit_code) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success& e) {  // --help, --help-all, --version: CLI11 prints them on stdout
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string command = command_path(app);
    std::cerr << app.get_name() << ": error: " << what_went_wrong(app, e) << " (run '" << command << " --help')\n";
    return usage_exit_code;
  }
}

}  // namespace awsfota::program
