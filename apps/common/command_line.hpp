// The command-line conventions every awsfota program follows, the installed ones under apps/ and the
// benchmarks under bench/ alike (docs/cli.md, "Every program"):
//
//   -h, --help     usage on stdout, exit 0, and nothing else: no file, server or benchmark is started,
//                  whatever else the command line holds;
//   --version      "PROGRAM VERSION" on stdout, exit 0 (the programs that are installed);
//   a usage error  (an unknown option, a bad or missing value) is one line on stderr that names it,
//                  "PROGRAM: error: The following argument was not expected: --frob (run 'PROGRAM --help')",
//                  and the program's usage exit code (kExitUsage, or kExitUsageSysexits where a program
//                  documented 64 before these conventions existed).
//
//   CLI::App app{"What it does.", "bench_dfu"};
//   app.add_option("--runs", runs, "runs of each measurement");
//   if (auto done = awsfota::program::parse(app, argc, argv)) return *done;
//   ... the program proper ...
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace awsfota::program {

inline constexpr int kExitUsage = 2;           // awsfota, awsfota-jobsd, the benchmarks
inline constexpr int kExitUsageSysexits = 64;  // EX_USAGE: awsfota-agent (beside 78, EX_CONFIG) and awsfota-boot

// The project's version, as CMake's project() names it.
[[nodiscard]] std::string version();

// Adds --version, printing "<app name> <version>".
void add_version_flag(CLI::App& app);

// Parses the command line by the conventions above. std::nullopt: go on and run; a value: the program
// has answered (help, version) or refused (usage error, already reported) and exits with it now.
[[nodiscard]] std::optional<int> parse(CLI::App& app, int argc, const char* const* argv,
                                       int usage_exit_code = kExitUsage);

}  // namespace awsfota::program
