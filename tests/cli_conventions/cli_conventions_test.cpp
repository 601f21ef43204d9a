// Every program, installed or benchmark, answers --help, --version and a usage error the same way
// (docs/cli.md, "Every program"; apps/common/command_line.hpp). One row per program built in this tree;
// each case runs the real binary as a child process in an empty folder, with TMPDIR pointing at
// another empty folder and fake nginx, mosquitto, curl, zstd and openssl first on PATH, so that
// "starts nothing" can be checked: no file appears, no fake tool is run, no process is left behind,
// and the program returns within seconds (a benchmark takes minutes).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using awsfota::testing::ProgramRun;

struct Program {
  std::string name;             // as the program calls itself in its messages
  std::string binary;           // from CMake; empty when its target is not part of this tree
  int usage_exit_code = 2;
  bool has_version = false;     // the installed programs
  // A command line that would make it write into its working folder (relative paths) or start work.
  std::vector<std::string> real_work;
  // A known option given a value it refuses (or none), and that option's name.
  std::vector<std::string> bad_value;
  std::string bad_option;
};

void PrintTo(const Program& p, std::ostream* os) { *os << p.name; }

std::vector<Program> programs_in_this_tree() {
  const std::vector<Program> all{
      {"awsfota", AWSFOTA_BIN_AWSFOTA_CLI, 2, true, {"key", "generate", "-o", "signing.pem"},
       {"job", "watch", "fw-1", "--interval", "never"}, "--interval"},
      {"awsfota-agent", AWSFOTA_BIN_AWSFOTA_AGENT, 64, true, {"--config", "agent.json", "--once"}, {"--config"},
       "--config"},
      {"awsfota-jobsd", AWSFOTA_BIN_AWSFOTA_JOBSD, 2, true, {"--db", "jobsd.db", "--http-port", "0", "--port-file", "port"},
       {"--db", "jobsd.db", "--mqtt-port", "many"}, "--mqtt-port"},
      {"awsfota-boot", AWSFOTA_BIN_AWSFOTA_BOOT, 64, true, {"--state", "boot.state"}, {"--state"}, "--state"},
      {"awsfota-fleet", AWSFOTA_BIN_AWSFOTA_FLEET, 2, true,
       {"--ca", "ca.pem", "--ca-key", "ca.key", "--cert-dir", "certs", "--devices", "2"}, {"--devices", "many"},
       "--devices"},
      {"bench_download", AWSFOTA_BIN_BENCH_DOWNLOAD, 2, false, {"--dir", ".", "--runs", "1", "--sizes", "1"},
       {"--runs", "many"}, "--runs"},
      {"bench_dfu", AWSFOTA_BIN_BENCH_DFU, 2, false, {"--dir", ".", "--runs", "1", "--full-mib", "1"},
       {"--full-mib", "64,lots"}, "--full-mib"},
      {"bench_jobsd", AWSFOTA_BIN_BENCH_JOBSD, 2, false, {"--things", "2"}, {"--per-worker", "400"}, "--per-worker"},
  };
  std::vector<Program> built;
  std::copy_if(all.begin(), all.end(), std::back_inserter(built), [](const Program& p) { return !p.binary.empty(); });
  return built;
}

// A working folder, a TMPDIR, and fake tools that record being run and fail.
class Sandbox {
 public:
  Sandbox() : cwd_(root_.path() / "cwd"), tmp_(root_.path() / "tmp"), started_(root_.path() / "started.log") {
    fs::create_directories(cwd_);
    fs::create_directories(tmp_);
    const fs::path bin = root_.path() / "fakebin";
    fs::create_directories(bin);
    for (const char* tool : {"nginx", "mosquitto", "curl", "zstd", "openssl"}) {
      const fs::path fake = bin / tool;
      std::ofstream(fake) << "#!/bin/sh\necho \"" << tool << " $*\" >> '" << started_.string() << "'\nexit 1\n";
      fs::permissions(fake, fs::perms::owner_all);
    }
    const char* path = std::getenv("PATH");
    env_ = {{"PATH", bin.string() + ":" + (path != nullptr ? path : "/usr/bin:/bin")}, {"TMPDIR", tmp_.string()}};
  }

  ProgramRun run(const Program& program, const std::vector<std::string>& args) const {
    std::vector<std::string> argv{program.binary};
    argv.insert(argv.end(), args.begin(), args.end());
    return awsfota::testing::run_program(argv, {.cwd = cwd_, .env = env_, .timeout = std::chrono::seconds(15)});
  }

  void expect_nothing_started(const ProgramRun& r) const {
    EXPECT_FALSE(r.timed_out) << "still running after 15 s";
    EXPECT_FALSE(r.left_processes) << "it left processes running";
    std::ifstream log(started_);
    const std::string tools((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(tools, "") << "it ran the tools of a real run";
    EXPECT_EQ(entries(cwd_), std::vector<std::string>{}) << "it made files in its working folder";
    EXPECT_EQ(entries(tmp_), std::vector<std::string>{}) << "it made files in TMPDIR";
  }

 private:
  static std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    return names;
  }

  awsfota::testing::TempDir root_{"cli-conventions"};
  fs::path cwd_, tmp_, started_;
  std::vector<std::pair<std::string, std::string>> env_;
};

std::vector<std::string> with(std::vector<std::string> args, const std::string& last) {
  args.push_back(last);
  return args;
}

// Exactly one line on stderr, "NAME: error: ... (run '... --help')", nothing on stdout.
void expect_one_usage_line(const Program& p, const ProgramRun& r, const std::string& names) {
  EXPECT_EQ(r.exit_code, p.usage_exit_code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(p.name + ": error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" --help')"), std::string::npos) << r.err;
}

class ProgramConventions : public ::testing::TestWithParam<Program> {
 protected:
  Sandbox box_;
};

TEST_P(ProgramConventions, HelpPrintsUsageOnStdoutAndStartsNothing) {
  const Program& p = GetParam();
  for (const char* flag : {"--help", "-h"}) {
    SCOPED_TRACE(flag);
    const ProgramRun r = box_.run(p, {flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Usage: " + p.name), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
    box_.expect_nothing_started(r);
  }
}

TEST_P(ProgramConventions, HelpWinsOverACommandLineThatWouldStartWork) {
  const Program& p = GetParam();
  const ProgramRun r = box_.run(p, with(p.real_work, "--help"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: " + p.name), std::string::npos) << r.out;
  box_.expect_nothing_started(r);
}

TEST_P(ProgramConventions, UnknownOptionIsOneLineNamingItAndTheUsageExitCode) {
  const Program& p = GetParam();
  const ProgramRun r = box_.run(p, {"--no-such-option"});
  expect_one_usage_line(p, r, "--no-such-option");
  box_.expect_nothing_started(r);
}

TEST_P(ProgramConventions, UnknownOptionAfterRealWorkStillStartsNothing) {
  const Program& p = GetParam();
  const ProgramRun r = box_.run(p, with(p.real_work, "--no-such-option"));
  expect_one_usage_line(p, r, "--no-such-option");
  box_.expect_nothing_started(r);
}

TEST_P(ProgramConventions, BadValueIsOneLineNamingTheOption) {
  const Program& p = GetParam();
  const ProgramRun r = box_.run(p, p.bad_value);
  expect_one_usage_line(p, r, p.bad_option);
  box_.expect_nothing_started(r);
}

TEST_P(ProgramConventions, VersionWhereItExistsIsAnUnknownOptionElsewhere) {
  const Program& p = GetParam();
  const ProgramRun r = box_.run(p, {"--version"});
  if (p.has_version) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, p.name + " " + AWSFOTA_PROJECT_VERSION + "\n");
    EXPECT_EQ(r.err, "");
  } else {
    expect_one_usage_line(p, r, "--version");
  }
  box_.expect_nothing_started(r);
}

INSTANTIATE_TEST_SUITE_P(Built, ProgramConventions, ::testing::ValuesIn(programs_in_this_tree()),
                         [](const ::testing::TestParamInfo<Program>& row) {
                           std::string name = row.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ProgramConventions);

}  // namespace
