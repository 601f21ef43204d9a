// What every command of the operator CLI shares: exit codes, file helpers, error printing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace CLI {
class App;
}

namespace awsfota::cli {

// Exit codes scripts can rely on (docs/cli.md lists them).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,        // the operation failed (I/O, network, service error, job not all SUCCEEDED)
  kExitUsage = 2,         // bad command line or missing configuration
  kExitVerifyFailed = 3,  // an image or delta did not verify (hash, signature, key, base)
};

// The command a parsed command line selected; set by the subcommand's callback.
using Action = std::function<int()>;

void add_image_commands(CLI::App& app, Action& action);  // image create|info|verify, key generate
void add_delta_commands(CLI::App& app, Action& action);  // delta create|apply|info
void add_job_commands(CLI::App& app, Action& action);    // job document|create|describe|list|cancel|watch
void add_publish_command(CLI::App& app, Action& action);  // publish

// "awsfota: error: <message>" on stderr; returns code.
int fail(int code, const std::string& message);

[[nodiscard]] Expected<std::vector<std::uint8_t>, std::string> read_bytes(const std::filesystem::path& path);
[[nodiscard]] Expected<std::string, std::string> read_text(const std::filesystem::path& path);
// Writes through a temporary file and a rename, so a failed run leaves no half-written output.
[[nodiscard]] Expected<void, std::string> write_bytes(const std::filesystem::path& path, const void* data,
                                                      std::size_t size, bool private_file = false);

}  // namespace awsfota::cli
