// The recorder's counts and percentiles, and the stack settings the simulator reads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "fleet/fleet.hpp"
#include "fleet/recorder.hpp"
#include "support/process.hpp"

namespace awsfota::fleet {
namespace {

using std::chrono::milliseconds;

TEST(FleetPercentile, NearestRankOfUnsortedSamples) {
  std::vector<milliseconds> samples;
  for (int i = 100; i >= 1; --i) samples.emplace_back(i);
  EXPECT_EQ(percentile(samples, 50), milliseconds(50));
  EXPECT_EQ(percentile(samples, 99), milliseconds(99));
  EXPECT_EQ(percentile(samples, 100), milliseconds(100));
  EXPECT_EQ(percentile({milliseconds(7)}, 99), milliseconds(7));
  EXPECT_EQ(percentile({}, 50), milliseconds(0));
}

TEST(FleetRecorder, CountsPhasesStartsAndFailureReasons) {
  Recorder r({"sim-0000", "sim-0001", "sim-0002"});
  r.phase(0, Phase::Downloading);
  r.job_started(0);
  r.phase(1, Phase::Failed);
  r.job_started(1);
  r.failed(1, "SELF_TEST_FAILED");
  r.stage(0, Stage::Download, milliseconds(1200));
  r.stage(1, Stage::Download, milliseconds(800));
  EXPECT_EQ(r.busy(), 1u);
  const Report rep = r.report();
  EXPECT_EQ(rep.devices, 3u);
  EXPECT_EQ(rep.jobs_started, 2u);
  EXPECT_EQ(rep.phases.at(static_cast<std::size_t>(Phase::Connecting)), 1u);
  EXPECT_EQ(rep.phases.at(static_cast<std::size_t>(Phase::Failed)), 1u);
  EXPECT_EQ(rep.failure_reasons.at("SELF_TEST_FAILED"), 1u);
  ASSERT_EQ(rep.failed_things.size(), 1u);
  EXPECT_EQ(rep.failed_things[0], "sim-0001: SELF_TEST_FAILED");
  const StageSummary& download = rep.stages.at(static_cast<std::size_t>(Stage::Download));
  EXPECT_EQ(download.count, 2u);
  EXPECT_EQ(download.p50, milliseconds(800));
  EXPECT_EQ(download.p99, milliseconds(1200));
  const std::string text = format_report(rep, milliseconds(5000));
  EXPECT_NE(text.find("SELF_TEST_FAILED 1"), std::string::npos) << text;
  EXPECT_NE(text.find("download         2     0.8s     1.2s"), std::string::npos) << text;
  EXPECT_EQ(format_progress(rep, milliseconds(2500)), "fleet: t=2.5s  connecting 1  downloading 1  failed 1");
}

TEST(FleetRecorder, TakeCountsFromAnOriginLearntAfterTheTakes) {
  Recorder r({"a", "b"});
  r.taken(0, 10'000);
  r.taken(1, 12'500);
  r.set_take_origin(9'000);  // the job's creation, read from another process's file later
  const Report rep = r.report();
  const StageSummary& take = rep.stages.at(static_cast<std::size_t>(Stage::Take));
  EXPECT_EQ(take.count, 2u);
  EXPECT_EQ(take.p50, milliseconds(1000));
  EXPECT_EQ(take.max, milliseconds(3500));
}

TEST(FleetThingName, PadsTheNumberToFourDigitsFromTheFirstIndex) {
  FleetOptions o;
  o.prefix = "rh";
  o.first_index = 1000;
  EXPECT_EQ(thing_name(o, 0), "rh-1000");
  o.first_index = 0;
  EXPECT_EQ(thing_name(o, 42), "rh-0042");
}

TEST(FleetStackEnv, ReadsPortsCaAndCredentialsOfTheStack) {
  awsfota::testing::TempDir dir("fleet-env");
  std::ofstream(dir.path() / "stack.env") << "NAME=x\nMQTT_PORT=18883\nAPI_PORT=18080\nCA=/s/pki/ca.pem\n"
                                          << "AWS_ACCESS_KEY_ID=AKIDSTACK\nAWS_SECRET_ACCESS_KEY=secret\n";
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  Endpoints e;
  ASSERT_TRUE(read_stack_env(dir.path(), e));
  EXPECT_EQ(e.mqtt_port, 18883);
  EXPECT_EQ(e.api_url, "http://127.0.0.1:18080");
  EXPECT_EQ(e.ca_key, "/s/pki/ca.key");
  EXPECT_EQ(e.cert_dir, "/s/pki/fleet");
  EXPECT_STREQ(std::getenv("AWS_ACCESS_KEY_ID"), "AKIDSTACK");
}

TEST(FleetStackEnv, NamesTheMissingFileOrSetting) {
  awsfota::testing::TempDir dir("fleet-env");
  Endpoints e;
  auto none = read_stack_env(dir.path() / "nope", e);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("is the stack up?"), std::string::npos) << none.error();
  std::ofstream(dir.path() / "stack.env") << "MQTT_PORT=1\nCA=/x/ca.pem\n";
  auto partial = read_stack_env(dir.path(), e);
  ASSERT_FALSE(partial);
  EXPECT_NE(partial.error().find("names no API_PORT"), std::string::npos) << partial.error();
}

}  // namespace
}  // namespace awsfota::fleet
