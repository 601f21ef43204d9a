#include "cli_runner.hpp"

#include <fstream>
#include <random>

#include "support/build_paths.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {

CliResult run_awsfota(const std::vector<std::string>& args, const EnvList& env, std::chrono::seconds timeout) {
  std::vector<std::string> argv{awsfota::testing::program("awsfota").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = awsfota::testing::run_program(argv, {.env = env, .timeout = timeout});
  return CliResult{run.exit_code, std::move(run.out), std::move(run.err)};
}

void write_file_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> pseudo_random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xffu);
  return v;
}

}  // namespace awsfota::cli::testing
