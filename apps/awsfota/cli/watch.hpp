// The table `awsfota job watch` shows: one row per job execution (thing, status, phase, progress),
// rendered as a redrawn table on a terminal or as one line per change otherwise. Pure.
//
//   std::vector<WatchRow> rows = ...;                  // from DescribeJobExecution answers
//   std::cout << render_table(job_id, rows);
//   if (all_terminal(rows)) return all_succeeded(rows) ? 0 : 1;
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awsfota::cli {

struct WatchRow {
  std::string thing;
  std::string status;
  std::string phase;             // statusDetails "phase"
  std::optional<int> percent;    // statusDetails "percent", 0..100
  std::string reason;            // statusDetails "reason"

  friend bool operator==(const WatchRow&, const WatchRow&) = default;
};

[[nodiscard]] WatchRow make_watch_row(const std::string& thing, const std::string& status,
                                      const std::map<std::string, std::string>& status_details);

// SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED.
[[nodiscard]] bool is_terminal_status(const std::string& status);
[[nodiscard]] bool all_terminal(const std::vector<WatchRow>& rows);  // false for no rows
[[nodiscard]] bool all_succeeded(const std::vector<WatchRow>& rows);

// "[#####.....]  50%"
[[nodiscard]] std::string progress_bar(std::optional<int> percent, int width = 20);
// A header line and one aligned line per row.
[[nodiscard]] std::string render_table(const std::string& job_id, const std::vector<WatchRow>& rows);
// "thing-1 IN_PROGRESS downloading 40%" (for logs and pipes).
[[nodiscard]] std::string render_line(const WatchRow& row);

}  // namespace awsfota::cli
