// awsfota-boot as a launcher and a script would use it: the real binary, a temporary state file, and
// whole trial / confirm / revert cycles, plus the corrupt-file and bad-usage cases.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include "support/build_paths.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BootCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "awsfota-boot-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    state_ = dir_ / "boot.state";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Result run(const std::string& args) const {
    const std::string cmd = awsfota::testing::program("awsfota-boot").string() + " --state '" + state_.string() + "' " + args + " >'" +
                            (dir_ / "out").string() + "' 2>'" + (dir_ / "err").string() + "'";
    const int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }
  std::string boot() const {
    const Result r = run("");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string status() const {
    const Result r = run("status");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  static bool has(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  }

  fs::path dir_;
  fs::path state_;
};

}  // namespace

TEST_F(BootCli, FirstBootChoosesSlotAAndCreatesTheState) {
  EXPECT_TRUE(has(status(), "state=confirmed"));
  EXPECT_FALSE(fs::exists(state_)) << "status changes nothing";
  EXPECT_EQ(boot(), "A\n");
  EXPECT_TRUE(fs::exists(state_));
  EXPECT_TRUE(has(status(), "boot_count=1"));
}

TEST_F(BootCli, UnconfirmedTrialRunsOnceThenRevertsAtTheNextBoot) {
  EXPECT_EQ(boot(), "A\n");
  ASSERT_EQ(run("trial").exit_code, 0);
  auto s = status();
  EXPECT_TRUE(has(s, "state=trial-pending")) << s;
  EXPECT_TRUE(has(s, "trial=B")) << s;
  EXPECT_EQ(boot(), "B\n");
  s = status();
  EXPECT_TRUE(has(s, "active=B") && has(s, "state=trial") && has(s, "confirmed=A")) << s;
  const Result reverted = run("");
  EXPECT_EQ(reverted.exit_code, 0);
  EXPECT_EQ(reverted.out, "A\n");
  EXPECT_NE(reverted.err.find("did not confirm"), std::string::npos) << reverted.err;
  s = status();
  EXPECT_TRUE(has(s, "active=A") && has(s, "state=confirmed") && has(s, "reverted_from=B")) << s;
  EXPECT_EQ(boot(), "A\n");
}

TEST_F(BootCli, ConfirmedTrialStays) {
  EXPECT_EQ(boot(), "A\n");
  ASSERT_EQ(run("trial B").exit_code, 0);
  EXPECT_EQ(boot(), "B\n");
  const Result c = run("confirm");
  EXPECT_EQ(c.exit_code, 0) << c.err;
  const auto s = status();
  EXPECT_TRUE(has(s, "confirmed=B") && has(s, "state=confirmed") && has(s, "reverted_from=-")) << s;
  EXPECT_EQ(boot(), "B\n");
  EXPECT_EQ(boot(), "B\n");
  const Result again = run("confirm");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("nothing to confirm"), std::string::npos) << again.err;
}

TEST_F(BootCli, RevertDropsAPendingTrialOrLeavesARunningOne) {
  EXPECT_EQ(boot(), "A\n");
  ASSERT_EQ(run("trial").exit_code, 0);
  ASSERT_EQ(run("revert").exit_code, 0);
  EXPECT_TRUE(has(status(), "state=confirmed"));
  EXPECT_EQ(boot(), "A\n");
  ASSERT_EQ(run("trial").exit_code, 0);
  EXPECT_EQ(boot(), "B\n");
  const Result r = run("revert");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("slot A"), std::string::npos) << r.err;
  // Until that boot the rejected B still runs, and a trial of the fallback A is refused.
  EXPECT_TRUE(has(status(), "active=B") && has(status(), "state=revert-pending")) << status();
  const Result again = run("trial");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("confirmed fallback"), std::string::npos) << again.err;
  EXPECT_EQ(boot(), "A\n");
  EXPECT_TRUE(has(status(), "reverted_from=B"));
}

TEST_F(BootCli, TrialOfTheRunningSlotIsRefused) {
  EXPECT_EQ(boot(), "A\n");
  const Result r = run("trial A");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("running slot"), std::string::npos) << r.err;
  EXPECT_TRUE(has(status(), "state=confirmed"));
}

TEST_F(BootCli, SlotPathsArePrintedInsteadOfLetters) {
  EXPECT_EQ(run("--slot-a /opt/app-a --slot-b /opt/app-b").out, "/opt/app-a\n");
  ASSERT_EQ(run("trial").exit_code, 0);
  EXPECT_EQ(run("--slot-a /opt/app-a --slot-b /opt/app-b").out, "/opt/app-b\n");
}

TEST_F(BootCli, CorruptStateIsAClearErrorAndIsLeftAlone) {
  { std::ofstream(state_) << "format=1\nconfirmed=Q\n"; }
  const std::string before = slurp(state_);
  const Result r = run("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << "no slot may be printed: " << r.out;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(state_.string()), std::string::npos) << r.err;
  EXPECT_EQ(slurp(state_), before);
  EXPECT_EQ(run("status").exit_code, 2);
  EXPECT_EQ(run("confirm").exit_code, 2);
}

TEST_F(BootCli, UnwritableStateIsAnIoError) {
  state_ = dir_ / "missing-dir" / "boot.state";
  const Result r = run("");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(r.err.empty());
}

TEST_F(BootCli, BadUsageAndHelp) {
  EXPECT_EQ(run("trial C").exit_code, 64);
  EXPECT_EQ(run("frobnicate").exit_code, 64);
  const Result help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"status", "confirm", "revert", "trial", "Exit codes"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
  }
}
