// job watch: follow a job's executions until all are terminal, as a per-thing table for a few things
// or a fleet summary for many, within AWS's control-plane request rates (cli/fleet_watch.hpp).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/fleet_summary.hpp"
#include "cli/fleet_watch.hpp"
#include "cli/watch.hpp"
#include "common.hpp"
#include "io/aws_client.hpp"
#include "job_options.hpp"

namespace awsfota::cli {
namespace {

// Up to this many executions the watch shows a row per thing; above it, the summary (--view auto).
constexpr std::size_t kTableUpTo = 20;

struct WatchOptions {
  std::string job_id;
  double interval_s = 2.0;
  double timeout_s = 0.0;
  double requests_per_second = kAwsJobsApiRequestsPerSecond;
  std::string view = "auto";  // auto, summary, things
  AwsOptions aws;
};

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<WatchRow> rows_of(const FleetSnapshot& s) {
  std::vector<WatchRow> rows;
  for (const auto& t : s.things) rows.push_back(t.row);
  return rows;
}

// Draws one poll: redrawn in place on a terminal; on a pipe, only what changed.
class WatchOutput {
 public:
  WatchOutput(std::string job_id, std::string view) : job_id_(std::move(job_id)), view_(std::move(view)) {}

  void show(const FleetSnapshot& s) {
    const bool table = view_ == "things" || (view_ == "auto" && s.things.size() <= kTableUpTo);
    if (tty_) {
      const std::string text = table ? render_table(job_id_, rows_of(s)) : render_fleet_summary(job_id_, s, epoch_now());
      if (drawn_lines_) std::cout << "\033[" << drawn_lines_ << "A\033[J";
      std::cout << text << std::flush;
      drawn_lines_ = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    } else if (table) {
      for (const auto& t : s.things)
        if (auto it = last_rows_.find(t.row.thing); it == last_rows_.end() || !(it->second == t.row))
          std::cout << render_line(t.row) << "\n" << std::flush;
    } else if (auto key = fleet_summary_key(s); key != last_key_) {
      std::cout << render_fleet_summary(job_id_, s, epoch_now()) << "\n" << std::flush;
      last_key_ = key;
    }
    for (const auto& t : s.things) last_rows_[t.row.thing] = t.row;
  }

 private:
  std::string job_id_;
  std::string view_;
  bool tty_ = ::isatty(STDOUT_FILENO) == 1;
  std::size_t drawn_lines_ = 0;
  std::map<std::string, WatchRow> last_rows_;
  std::string last_key_;
};

int job_watch(const WatchOptions& o) {
  if (auto why = check_job_id(o.job_id); !why.empty()) return fail(kExitUsage, why);
  auto ctx = aws_context_from(o.aws);
  if (!ctx) return fail(kExitUsage, ctx.error());
  RequestPacer pacer(o.requests_per_second, steady_now,
                     [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); });
  FleetWatcher watcher(o.job_id, [&](const ApiRequest& r) { return call_api(*ctx, r); }, pacer);
  // Describes a poll may spend: what the interval holds at the rate, less the DescribeJob and a list page.
  const auto budget = static_cast<std::size_t>(std::max(1.0, std::floor(o.interval_s * o.requests_per_second) - 2));
  WatchOutput output(o.job_id, o.view);
  const double start = steady_now();
  for (;;) {
    const double poll_start = steady_now();
    auto snapshot = watcher.poll(budget);
    if (!snapshot) return fail(kExitFailed, snapshot.error());
    output.show(*snapshot);
    if (snapshot->finished) {
      const auto rows = rows_of(*snapshot);
      const auto succeeded = std::count_if(rows.begin(), rows.end(), [](const WatchRow& r) { return r.status == "SUCCEEDED"; });
      std::cout << "job " << o.job_id << ": " << succeeded << " of " << rows.size() << " executions SUCCEEDED";
      if (snapshot->job.status == "CANCELED")
        std::cout << " (job CANCELED" << (snapshot->job.reason_code.empty() ? "" : ": " + snapshot->job.reason_code) << ")";
      std::cout << "\n";
      return all_succeeded(rows) ? kExitOk : kExitFailed;
    }
    if (o.timeout_s > 0 && steady_now() - start > o.timeout_s)
      return fail(kExitFailed, "gave up after " + std::to_string(static_cast<long>(o.timeout_s)) +
                                   " s with executions still running (--timeout)");
    const double left = o.interval_s - (steady_now() - poll_start);
    if (left > 0) std::this_thread::sleep_for(std::chrono::duration<double>(left));
  }
}

}  // namespace

void add_watch_command(CLI::App* job, Action& action, const std::function<void(CLI::App*, AwsOptions&)>& add_aws) {
  auto* watch = job->add_subcommand("watch", "follow every execution of a job until all are terminal "
                                             "(exit 0 when all SUCCEEDED, 1 otherwise)");
  auto w = std::make_shared<WatchOptions>();
  watch->add_option("JOB", w->job_id, "job id")->required();
  watch->add_option("--interval", w->interval_s, "seconds between polls (default 2)")->check(CLI::Range(0.05, 3600.0));
  watch->add_option("--timeout", w->timeout_s, "give up (exit 1) after this many seconds; 0 waits forever");
  watch->add_option("--view", w->view,
                    "things: a row per thing; summary: counts, rollout, abort rules, slowest and failed things; "
                    "auto (default): things up to 20 executions, the summary above")
      ->check(CLI::IsMember({"auto", "summary", "things"}));
  watch->add_option("--requests-per-second", w->requests_per_second,
                    "most API calls a second the watch makes (default 10, AWS's rate for these calls)")
      ->check(CLI::Range(0.1, 1000.0));
  add_aws(watch, w->aws);
  watch->callback([w, &action] { action = [w] { return job_watch(*w); }; });
}

}  // namespace awsfota::cli
