// The real binary refuses rollout and abort flags outside AWS's ranges with exit 2 before it sends
// anything, and takes valid ones on to the service (here: nothing listening, so exit 1 from CreateJob).
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

TEST(CliCreateFlags, OutOfRange_IsAUsageError_Valid_GoesToTheService) {
  awsfota::testing::TempDir dir("cli-flags");
  const auto doc = (dir.path() / "doc.json").string();
  write_file_bytes(doc, std::vector<std::uint8_t>{'{', '}'});
  // The account given, so that a valid command goes straight to CreateJob (no DescribeThing to learn it).
  const EnvList env{{"AWS_ACCESS_KEY_ID", "k"},
                    {"AWS_SECRET_ACCESS_KEY", "s"},
                    {"AWS_ACCOUNT_ID", "123456789012"},
                    {"HOME", dir.path().string()}};
  auto create = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"job", "create", "fw-1", "--thing", "t1", "--document-file", doc,
                                  "--endpoint-url", "http://127.0.0.1:1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_awsfota(args, env);
  };
  struct Bad {
    std::vector<std::string> flags;
    std::string says;
  };
  for (const auto& bad : std::vector<Bad>{
           {{"--rollout-rate", "1001"}, "--rollout-rate 1001: must be 1 to 1000"},
           {{"--rollout-exponential", "2,0.5,5"}, "increment factor must be 1.1 to 5.0"},
           {{"--abort-on-failure-percent", "10"}, "needs --abort-min-things"},
           {{"--abort-on", "FAILED:10.123:5"}, "at most two decimals"},
           {{"--abort-failure-type", "OOPS", "--abort-on-failure-percent", "5", "--abort-min-things", "3"}, "OOPS"},
           {{"--profile", "nope"}, "the profile 'nope' (--profile)"}}) {
    auto r = create(bad.flags);
    EXPECT_EQ(r.exit_code, 2) << bad.says << "\n" << r.err;
    EXPECT_NE(r.err.find(bad.says), std::string::npos) << r.err;
  }
  auto ok = create({"--rollout-exponential", "2,2.0,5", "--abort-on-failure-percent", "10", "--abort-min-things", "20",
                    "--abort-on", "TIMED_OUT:5:50"});
  EXPECT_EQ(ok.exit_code, 1) << ok.err;
  EXPECT_NE(ok.err.find("CreateJob failed"), std::string::npos) << ok.err;
}

}  // namespace
}  // namespace awsfota::cli::testing
