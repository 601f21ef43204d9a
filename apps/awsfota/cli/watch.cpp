#include "cli/watch.hpp"

#include <algorithm>
#include <charconv>

namespace awsfota::cli {

WatchRow make_watch_row(const std::string& thing, const std::string& status,
                        const std::map<std::string, std::string>& details) {
  WatchRow row{thing, status, {}, std::nullopt, {}};
  if (auto it = details.find("phase"); it != details.end()) row.phase = it->second;
  if (auto it = details.find("reason"); it != details.end()) row.reason = it->second;
  if (auto it = details.find("percent"); it != details.end()) {
    int value = -1;
    const auto& s = it->second;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size() && value >= 0 && value <= 100) row.percent = value;
  }
  if (status == "SUCCEEDED" && !row.percent) row.percent = 100;
  return row;
}

bool is_terminal_status(const std::string& s) {
  return s == "SUCCEEDED" || s == "FAILED" || s == "TIMED_OUT" || s == "REJECTED" || s == "REMOVED" ||
         s == "CANCELED";
}

bool all_terminal(const std::vector<WatchRow>& rows) {
  return !rows.empty() &&
         std::all_of(rows.begin(), rows.end(), [](const WatchRow& r) { return is_terminal_status(r.status); });
}

bool all_succeeded(const std::vector<WatchRow>& rows) {
  return !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const WatchRow& r) { return r.status == "SUCCEEDED"; });
}

std::string progress_bar(std::optional<int> percent, int width) {
  if (!percent) return std::string(static_cast<std::size_t>(width + 2), ' ') + "     ";
  const int filled = *percent * width / 100;
  std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(width - filled), '.') + "] ";
  std::string pct = std::to_string(*percent) + "%";
  return bar + std::string(4 - std::min<std::size_t>(4, pct.size()), ' ') + pct;
}

namespace {
std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}
}  // namespace

std::string render_table(const std::string& job_id, const std::vector<WatchRow>& rows) {
  std::size_t w_thing = 5, w_status = 6, w_phase = 5;
  for (const auto& r : rows) {
    w_thing = std::max(w_thing, r.thing.size());
    w_status = std::max(w_status, r.status.size());
    w_phase = std::max(w_phase, r.phase.size());
  }
  std::string out = "job " + job_id + "\n";
  out += pad("THING", w_thing) + "  " + pad("STATUS", w_status) + "  " + pad("PHASE", w_phase) + "  PROGRESS\n";
  for (const auto& r : rows) {
    // A reason takes the progress column when there is no progress to show.
    const std::string progress = r.percent ? progress_bar(r.percent) : std::string();
    std::string line = pad(r.thing, w_thing) + "  " + pad(r.status, w_status) + "  " + pad(r.phase, w_phase) + "  " +
                       progress;
    if (!r.reason.empty()) line += (progress.empty() ? "" : "  ") + r.reason;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  if (rows.empty()) out += "(no executions yet)\n";
  return out;
}

std::string render_line(const WatchRow& r) {
  std::string out = r.thing + " " + r.status;
  if (!r.phase.empty()) out += " " + r.phase;
  if (r.percent) out += " " + std::to_string(*r.percent) + "%";
  if (!r.reason.empty()) out += " (" + r.reason + ")";
  return out;
}

}  // namespace awsfota::cli
