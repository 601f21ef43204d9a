// What `awsfota job watch` asks the service, within AWS's control-plane rates: per poll one
// DescribeJob and one paginated ListJobExecutionsForJob pass (250 a page), then DescribeJobExecution
// only for things whose status changed since the last poll to one a device reports (IN_PROGRESS and the
// ends a device reaches; failures first, for their reasons), at
// most `describe_budget` a poll (the rest wait for the next one). Every request first waits its turn
// at a RequestPacer. Pure: the API call, the clock and the sleep are injected.
//
//   RequestPacer pacer(10.0, now_seconds, sleep_seconds);            // 10 requests a second
//   FleetWatcher watcher("fw-1", [&](const ApiRequest& r) { return call_api(ctx, r); }, pacer);
//   auto snapshot = watcher.poll(describe_budget);                   // Expected<FleetSnapshot, std::string>
//   if (snapshot && snapshot->finished) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "cli/iot_api.hpp"
#include "cli/rollout_flags.hpp"
#include "cli/watch.hpp"

namespace awsfota::cli {

// AWS IoT's documented rate for the Jobs control-plane calls the watch makes (DescribeJob,
// ListJobExecutionsForJob, DescribeJobExecution): 10 requests a second per account.
inline constexpr double kAwsJobsApiRequestsPerSecond = 10.0;
// AWS's largest ListJobExecutionsForJob page.
inline constexpr int kListExecutionsPageSize = 250;

using ApiCall = std::function<Expected<std::string, std::string>(const ApiRequest&)>;

// Spaces requests at least 1/rate seconds apart (no bursts), sleeping as needed.
class RequestPacer {
 public:
  RequestPacer(double requests_per_second, std::function<double()> now_seconds, std::function<void(double)> sleep_seconds);
  void acquire();

 private:
  double interval_;
  std::function<double()> now_;
  std::function<void(double)> sleep_;
  std::optional<double> next_;
};

// The job as DescribeJob shows it: status, rollout rate, abort rules, why it was canceled.
struct JobProgress {
  std::string status;
  std::string target_selection;
  std::string reason_code;
  std::string comment;
  RolloutPlan rollout;  // rate and abort rules, read back from the service
};
[[nodiscard]] Expected<JobProgress, std::string> parse_job_progress(const std::string& describe_job_body);

struct ThingState {
  WatchRow row;                          // status, and phase/percent/reason as of the last describe
  std::optional<double> started_at;      // epoch seconds
  std::optional<double> last_updated_at;
};

struct FleetSnapshot {
  JobProgress job;
  std::vector<ThingState> things;        // by thing name
  std::size_t describes_pending = 0;     // status changes whose details are not read yet
  bool finished = false;                 // every execution terminal, and the job no longer rolling out
};

class FleetWatcher {
 public:
  FleetWatcher(std::string job_id, ApiCall call, RequestPacer& pacer);
  [[nodiscard]] Expected<FleetSnapshot, std::string> poll(std::size_t describe_budget);

 private:
  Expected<std::string, std::string> call(const ApiRequest& request);
  std::string job_id_;
  ApiCall call_;
  RequestPacer& pacer_;
  std::map<std::string, ThingState> things_;
  std::deque<std::string> to_describe_;  // things whose status changed, oldest first
};

}  // namespace awsfota::cli
