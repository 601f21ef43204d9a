// Runs the real awsfota binary as a user would, capturing its exit code and output (with a timeout).
//
//   auto r = run_awsfota({"image", "verify", "fw.bin"}, env);
//   EXPECT_EQ(r.exit_code, 3) << r.err;
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace awsfota::cli::testing {

struct CliResult {
  int exit_code = -1;  // -1: killed after the timeout, or did not start
  std::string out;
  std::string err;
};

using EnvList = std::vector<std::pair<std::string, std::string>>;

CliResult run_awsfota(const std::vector<std::string>& args, const EnvList& env = {},
                      std::chrono::seconds timeout = std::chrono::seconds(60));

// Files of bytes for tests.
void write_file_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);
std::vector<std::uint8_t> pseudo_random_bytes(std::size_t n, std::uint32_t seed);

}  // namespace awsfota::cli::testing
