// Kill -9 of the real agent at random points of one job's life, several times per job: during the
// download (which writes the slot as it goes), around its end (verification, scheduling), between
// scheduling and the reboot, and during the trial boot. Whatever the kill hit, the job must end as
// designed (SUCCEEDED, or FAILED when the trial boot was interrupted before its confirm: the next start
// counts as a reboot and reverts), the device must run a slot holding a verified image, and the
// service must record the outcome the device logged. AWSFOTA_SEED replays a run's kill points.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "e2e_fixture.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using dfu::Slot;

constexpr int kMinKills = 20;
constexpr int kMaxJobs = 8;

unsigned seed_of_this_run() {
  if (const char* s = std::getenv("AWSFOTA_SEED"); s != nullptr && *s != '\0') {
    return static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  }
  return std::random_device{}();
}

class KillTest : public E2ETest {
 protected:
  // Starts the agent, waits until `ready(log)` holds, then `delay` more, and kills it with SIGKILL.
  // True when the kill hit a running agent (false: it had ended on its own, or never got ready).
  bool kill_when(const std::string& log_name, const std::function<bool(const std::string&)>& ready,
                 std::chrono::milliseconds delay) {
    const fs::path log = dir.path() / log_name;
    Agent agent(cfg_, log);
    const auto deadline = std::chrono::steady_clock::now() + 45s;
    while (!ready(read_text(log))) {
      if (agent.ended() || std::chrono::steady_clock::now() >= deadline) {
        EXPECT_TRUE(agent.ended()) << "the agent never reached the kill point: " << read_text(log);
        return false;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(delay);
    agent.signal(SIGKILL);
    const auto status = agent.wait(20s);
    EXPECT_TRUE(status.has_value()) << read_text(log);
    return status == std::optional<int>(-SIGKILL);
  }

  static bool trial_scheduled(const std::optional<dfu::BootRecord>& r) { return r && r->trial && !r->trial_booted; }

  std::chrono::milliseconds random_ms(int max) { return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, max)(rng_)); }
  int random_in(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // One job from creation to its end, with kills; returns the kills that hit.
  int one_job(int n);

  std::mt19937 rng_;
  fs::path cfg_;
  Bytes running_;
  Slot running_slot_ = Slot::A;
  std::string trace_;  // what each kill hit, for the failure message
};

int KillTest::one_job(int n) {
  const std::string id = "kill-" + std::to_string(n);
  const Bytes image = make_image({1, 0, static_cast<std::uint8_t>(n + 1), 0}, 1 << 20, 100U + static_cast<unsigned>(n));
  create_job(id, document_for(image, id + ".bin", "v1.0." + std::to_string(n + 1)));
  const Slot target = running_slot_ == Slot::A ? Slot::B : Slot::A;
  int kills = 0;
  int run = 0;
  auto log_name = [&] { return id + "-run" + std::to_string(++run) + ".log"; };
  auto note = [&](const std::string& what, bool hit) {
    kills += hit ? 1 : 0;
    trace_ += id + ": " + what + (hit ? " (killed)\n" : " (missed: the agent had moved on)\n");
  };

  // Three kills while downloading, each later than the last.
  for (int k = 0; k < 3 && !trial_scheduled(boot_record()); ++k) {
    const int at = random_in(5 + 25 * k, 25 + 25 * k);
    const auto delay = random_ms(60);
    const bool hit = kill_when(log_name(), [at](const std::string& log) {
      const auto p = progress_of(log);
      return !p.empty() && p.back() >= at;
    }, delay);
    note("download at >=" + std::to_string(at) + "% +" + std::to_string(delay.count()) + "ms", hit);
  }
  // Around the end of the download: the last writes, the verification, scheduling the trial.
  if (!trial_scheduled(boot_record())) {
    const auto delay = random_ms(100);
    const bool hit = kill_when(log_name(), [](const std::string& log) {
      const auto p = progress_of(log);
      return !p.empty() && p.back() >= 95;
    }, delay);
    note("end of download +" + std::to_string(delay.count()) + "ms", hit);
  }
  // Between scheduling and the reboot (the reboot command takes half a second).
  if (!trial_scheduled(boot_record())) {
    const auto delay = random_ms(400);
    const bool hit = kill_when(log_name(), [&](const std::string& log) {
      return log.find("job " + id + ": REBOOT_REQUESTED") != std::string::npos;
    }, delay);
    note("after REBOOT_REQUESTED +" + std::to_string(delay.count()) + "ms", hit);
  }
  for (int i = 0; i < 2 && !trial_scheduled(boot_record()); ++i) (void)run_to_exit(cfg_, log_name(), {});
  EXPECT_TRUE(trial_scheduled(boot_record())) << trace_;

  // During the trial boot (the self-test takes 0.4 s, then confirm and the SUCCEEDED report).
  const auto delay = random_ms(700);
  const bool hit = kill_when(log_name(), [](const std::string& log) { return log.find(" on trial") != std::string::npos; },
                             delay);
  note("trial boot +" + std::to_string(delay.count()) + "ms", hit);
  const auto after_trial_kill = boot_record();
  EXPECT_TRUE(after_trial_kill.has_value());
  // Confirmed: the new image stays. Trial booted but not confirmed: the next start reverts. Trial not
  // booted yet: the next start is its boot.
  const bool confirmed = after_trial_kill && !after_trial_kill->trial && after_trial_kill->confirmed == target;
  const bool reverts = after_trial_kill && after_trial_kill->trial && after_trial_kill->trial_booted;
  const std::string expected = reverts ? "FAILED" : "SUCCEEDED";
  trace_ += id + ": after the trial kill: " + (confirmed ? "confirmed" : reverts ? "trial booted, unconfirmed" : "trial not booted yet") + "\n";

  for (int i = 0; i < 3 && execution_status(id) == "IN_PROGRESS"; ++i) (void)run_to_exit(cfg_, log_name(), {"--once"});
  std::string logs;
  for (int i = 1; i <= run; ++i) logs += read_text(dir.path() / (id + "-run" + std::to_string(i) + ".log"));
  const auto e = execution(id);
  EXPECT_EQ(e["status"], expected) << e.dump() << "\n" << trace_ << logs;
  if (expected == "SUCCEEDED") {
    // A kill right after the confirm may cut the DONE line; the next start then reports DONE itself,
    // unless the kill came after the report was sent: CONFIRMED is in the log then.
    EXPECT_TRUE(logs.find("job " + id + ": DONE SUCCEEDED") != std::string::npos ||
                logs.find("job " + id + ": CONFIRMED") != std::string::npos)
        << logs;
  } else {
    EXPECT_NE(logs.find("job " + id + ": ROLLED_BACK"), std::string::npos) << logs;
    EXPECT_EQ(logs.find("job " + id + ": DONE SUCCEEDED"), std::string::npos) << logs;
  }

  // The device runs the confirmed slot, which holds the new image (SUCCEEDED) or the old one (FAILED).
  const auto r = boot_record();
  EXPECT_TRUE(r && !r->trial && r->booted == r->confirmed) << trace_;
  if (r && e["status"] == "SUCCEEDED") {
    EXPECT_EQ(r->confirmed, target);
    EXPECT_TRUE(slot_holds(target, image)) << id;
    running_ = image;
    running_slot_ = target;
  } else if (r) {
    EXPECT_EQ(r->confirmed, running_slot_);
    EXPECT_TRUE(slot_holds(running_slot_, running_)) << id;
  }
  return kills;
}

TEST_F(KillTest, RandomSigkillsDuringDownloadWriteRebootAndTrialEndAsDesignedWithABootableSlot) {
  const unsigned seed = seed_of_this_run();
  std::cout << "AWSFOTA_SEED=" << seed << " (set it to replay these kill points)" << std::endl;
  RecordProperty("AWSFOTA_SEED", std::to_string(seed));
  rng_.seed(seed);

  start_stack({.minute_ms = 1000});
  start_nginx({.limit_rate = "512k"});
  json c = config();
  c["self-test"]["command"] = "sleep 0.4";
  c["reboot"]["command"] = "sleep 0.5";
  c["boot"]["once-per-boot"] = false;  // the agent's next start is the reboot (no real one here)
  cfg_ = write_config(c);
  running_ = factory_image;

  int kills = 0;
  for (int n = 0; n < kMaxJobs && kills < kMinKills; ++n) {
    kills += one_job(n);
    if (HasFatalFailure() || HasNonfatalFailure()) break;
  }
  std::cout << "kills that hit a running agent: " << kills << "\n" << trace_ << std::flush;
  EXPECT_GE(kills, kMinKills) << trace_;
}

}  // namespace
}  // namespace awsfota::e2e
