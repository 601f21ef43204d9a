// What a power loss (here: SIGKILL of the real agent) costs mid-download, measured (issue 16, part 10):
// docs/agent.md promises about one `download.commit-interval` of bytes fetched again. The checkpoint
// moves as soon as a background sync completes, so a kill at X redoes the bytes since the last
// completed sync: less than one interval plus what arrives while a sync and the checkpoint write run.
// Each kill is placed past the run's first interval mark, where a checkpoint that moved only at the
// next mark would redo more than one interval. AWSFOTA_SEED replays a run's kill points.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "awsfota/store/checkpoint_store.hpp"
#include "e2e_fixture.hpp"
#include "support/outage_proxy.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::uint64_t kInterval = 512 * 1024;
// A sync of one interval and the checkpoint's write, at the relay's 1 MiB/s, plus the HTTP response head.
constexpr std::uint64_t kSlack = 128 * 1024;
constexpr int kKills = 4;

unsigned seed_for_redo() {
  if (const char* s = std::getenv("AWSFOTA_SEED"); s != nullptr && *s != '\0') {
    return static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  }
  return std::random_device{}();
}

class CommitBoundTest : public E2ETest {};

TEST_F(CommitBoundTest, SigkillsMidDownloadRedoLessThanOneCommitIntervalPlusOneSync) {
  const unsigned seed = seed_for_redo();
  std::cout << "AWSFOTA_SEED=" << seed << " (set it to replay these kill points)" << std::endl;
  RecordProperty("AWSFOTA_SEED", std::to_string(seed));
  std::mt19937 rng(seed);

  start_stack();
  start_nginx({.http = true});
  const Bytes image = make_image({1, 0, 1, 0}, 3584 * 1024, 21);
  awsfota::testing::OutageProxy wire(nginx->http_port());  // never cut: it paces and counts the bytes
  ASSERT_TRUE(wire.started());
  wire.set_downstream_rate(1 << 20);
  create_job("redo-1", document_at(image, "redo.bin", "v1.0.1",
                                   "http://127.0.0.1:" + std::to_string(wire.port()) + "/redo.bin"));
  json c = config();
  c["download"]["commit-interval"] = kInterval;
  const auto cfg = write_config(c);
  store::FileCheckpointStore checkpoints(dir.path() / "state" / "checkpoint");

  std::vector<std::uint64_t> redone;
  std::string trace;
  std::uint64_t start = 0;  // where this run resumes: the last checkpoint's durable offset
  for (int k = 0; k < kKills; ++k) {
    // Past the run's first interval mark, by at least the slack, and before its second one.
    const std::uint64_t kill_after =
        std::uniform_int_distribution<std::uint64_t>(kInterval + kSlack + 32 * 1024, 2 * kInterval - 32 * 1024)(rng);
    const std::uint64_t before = wire.downstream_bytes();
    const fs::path log = dir.path() / ("run" + std::to_string(k) + ".log");
    {
      Agent agent(cfg, log);
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (wire.downstream_bytes() - before < kill_after && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(2ms);
      }
      agent.signal(SIGKILL);
      ASSERT_EQ(agent.wait(20s), std::optional<int>(-SIGKILL)) << read_text(log);
    }
    // Counted at the relay: what it sent may include a little the agent never read (more redo, not less).
    const std::uint64_t received = start + (wire.downstream_bytes() - before);
    auto saved = checkpoints.load();
    ASSERT_TRUE(saved && *saved) << "no checkpoint after run " << k << ": " << read_text(log);
    const std::uint64_t durable = (*saved)->committed_offset;
    ASSERT_GE(received, durable);
    ASSERT_GE(durable, start) << "the checkpoint went back";
    redone.push_back(received - durable);
    trace += "run " + std::to_string(k) + ": from " + std::to_string(start) + ", killed at " + std::to_string(received) +
             ", checkpoint " + std::to_string(durable) + ", redo " + std::to_string(received - durable) + "\n";
    start = durable;
  }
  // The job still completes, from the last checkpoint, into a slot that holds exactly the image.
  const std::string last = run_to_exit(cfg, "final.log", {});
  EXPECT_NE(last.find("job redo-1: REBOOT_REQUESTED"), std::string::npos) << last;
  EXPECT_TRUE(slot_holds(dfu::Slot::B, image));

  std::vector<std::uint64_t> sorted = redone;
  std::sort(sorted.begin(), sorted.end());
  const std::uint64_t median = sorted[sorted.size() / 2];
  std::cout << trace << "redo: median " << median << ", max " << sorted.back() << " bytes (interval " << kInterval
            << ")" << std::endl;
  RecordProperty("redo_median", std::to_string(median));
  RecordProperty("redo_max", std::to_string(sorted.back()));
  EXPECT_LE(sorted.back(), kInterval + kSlack) << trace;
}

}  // namespace
}  // namespace awsfota::e2e
