// describe-job's jobProcessDetails under random rollouts (exponential rate, maximumPerMinute,
// CONTINUOUS additions), abort rules, timeouts, cancels and device updates: after every step the
// counts describe-job shows equal a recount of the job's executions.
#include <random>

#include "jobsd/rest_api.hpp"
#include "jobsd/service_fixture.hpp"

namespace awsfota::jobsd::testing {
namespace {

using nlohmann::json;

class ProcessDetails : public ServiceTest {
 protected:
  void start_fleet() {
    store = MemoryStore();
    reopen();
    things.clear();
    ASSERT_TRUE(service->create_thing_group("fleet", now));
    for (int i = 0; i < 12; ++i) add_thing();
    CreateJobRequest r{.job_id = "j1", .groups = {"fleet"}, .document = "{}", .target_selection = "CONTINUOUS"};
    r.in_progress_timeout_minutes = 2;
    r.max_per_minute = 4;
    r.exponential_rate = ExponentialRate{1, 2, 2, std::nullopt};
    r.abort_criteria = {{FailureType::All, 35, 6}};
    ASSERT_TRUE(service->create_job(r, now, out));
  }
  void add_thing() {
    things.push_back("t" + std::to_string(things.size()));
    ASSERT_TRUE(service->create_thing(things.back(), now));
    ASSERT_TRUE(service->add_thing_to_group(things.back(), "fleet", now, out));
  }

  // One random step: a device request, time passing, a new member of the group or an operator's cancel.
  void random_step(std::mt19937& rng) {
    const std::string& thing = things[std::uniform_int_distribution<std::size_t>(0, things.size() - 1)(rng)];
    static const char* const kStatuses[] = {"IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED"};
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
      case 0: (void)send(thing, "start-next", "{}"); break;
      case 1:
        (void)send(thing, "j1/update",
                   std::string(R"({"status":")") + kStatuses[std::uniform_int_distribution<int>(0, 3)(rng)] + "\"}");
        break;
      case 2:
        now += kMinute / 2;
        (void)service->tick(now);
        break;
      case 3: add_thing(); break;
      case 4:
        (void)service->cancel_execution({.job_id = "j1", .thing_name = thing, .force = (rng() % 2) == 0}, now, out);
        break;
      default: (void)send(thing, "start-next", R"({"stepTimeoutInMinutes":1})"); break;
    }
  }

  void expect_counts_match_a_recount() {
    const auto response = handle_rest(*service, {"GET", "/jobs/j1", {}, ""}, now, out);
    ASSERT_EQ(response.status, 200) << response.body;
    const json job = json::parse(response.body)["job"];
    const json& details = job["jobProcessDetails"];
    std::map<JobStatus, std::int64_t> recount;
    const auto executions = service->list_executions_for_job("j1");
    for (const Execution& e : *executions) recount[e.status] += 1;
    const std::pair<JobStatus, const char*> fields[] = {
        {JobStatus::Queued, "numberOfQueuedThings"},       {JobStatus::InProgress, "numberOfInProgressThings"},
        {JobStatus::Succeeded, "numberOfSucceededThings"}, {JobStatus::Failed, "numberOfFailedThings"},
        {JobStatus::Rejected, "numberOfRejectedThings"},   {JobStatus::Canceled, "numberOfCanceledThings"},
        {JobStatus::Removed, "numberOfRemovedThings"},     {JobStatus::TimedOut, "numberOfTimedOutThings"}};
    for (const auto& [status, field] : fields) EXPECT_EQ(details[field], recount[status]) << field;

    const Job j = service->describe_job("j1")->job;
    EXPECT_EQ(details.contains("processingTargets"), j.state == JobState::InProgress && !j.rollout_waiting.empty());
    if (j.reason_code == "ABORT_CRITERIA_MET") {
      EXPECT_EQ(job["status"], "CANCELED");
      EXPECT_EQ(recount[JobStatus::Queued], 0) << "an aborted job keeps nothing QUEUED";
      EXPECT_TRUE(j.rollout_waiting.empty());
    }
  }

  std::vector<std::string> things;
  std::vector<OutgoingMessage> out;
};

TEST_F(ProcessDetails, CountsEqualARecountAfterEveryRandomStep) {
  constexpr unsigned kSeeds = 12;
  int aborted = 0;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    start_fleet();
    std::mt19937 rng(seed);
    for (int step = 0; step < 60; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      random_step(rng);
      expect_counts_match_a_recount();
      if (::testing::Test::HasFailure()) return;
    }
    aborted += service->describe_job("j1")->job.reason_code == "ABORT_CRITERIA_MET" ? 1 : 0;
  }
  EXPECT_GT(aborted, 0) << "the random walks must reach the abort rule too";
  EXPECT_LT(aborted, static_cast<int>(kSeeds)) << "and not always";
}

}  // namespace
}  // namespace awsfota::jobsd::testing
