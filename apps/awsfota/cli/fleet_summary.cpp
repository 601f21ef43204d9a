#include "cli/fleet_summary.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>

namespace awsfota::cli {
namespace {

// AWS's statuses in the order a rollout moves through them.
constexpr std::array<const char*, 8> kStatusOrder{"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED",
                                                 "TIMED_OUT", "REJECTED", "CANCELED", "REMOVED"};

bool failure(const std::string& s) { return s == "FAILED" || s == "TIMED_OUT" || s == "REJECTED"; }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::map<std::string, std::size_t> counts_of(const FleetSnapshot& s) {
  std::map<std::string, std::size_t> counts;
  for (const auto& t : s.things) ++counts[t.row.status];
  return counts;
}

std::string counts_line(const FleetSnapshot& s) {
  const auto counts = counts_of(s);
  std::string line;
  for (const char* status : kStatusOrder)
    if (auto it = counts.find(status); it != counts.end()) line += "  " + std::string(status) + " " + std::to_string(it->second);
  for (const auto& entry : counts) {  // statuses AWS may add
    const std::string& status = entry.first;
    if (std::find_if(kStatusOrder.begin(), kStatusOrder.end(), [&](const char* k) { return status == k; }) == kStatusOrder.end())
      line += "  " + status + " " + std::to_string(entry.second);
  }
  return line.empty() ? "  (no executions yet)" : line;
}

std::string rollout_line(const RolloutPlan& r) {
  if (r.exponential) {
    const auto& e = *r.exponential;
    return "rollout: exponential, " + std::to_string(e.base_per_minute) + "/min, x" + number(e.increment_factor) +
           " after every " + std::to_string(e.threshold) + " things " + (e.by_notified ? "notified" : "succeeded") +
           (r.maximum_per_minute ? ", at most " + std::to_string(*r.maximum_per_minute) + "/min" : "");
  }
  if (r.maximum_per_minute) return "rollout: at most " + std::to_string(*r.maximum_per_minute) + " things a minute";
  return "rollout: all at once";
}

// One line per abort rule: the rule and where the job stands. As AWS words it (and awsfota-jobsd
// counts it), the percentage is of the things notified of the job, which are the listed executions,
// and minNumberOfExecutedThings counts them too.
std::vector<std::string> abort_lines(const FleetSnapshot& s) {
  std::vector<std::string> lines;
  const auto counts = counts_of(s);
  auto count = [&](const char* k) { auto it = counts.find(k); return it == counts.end() ? std::size_t(0) : it->second; };
  const std::size_t notified = s.things.size();
  for (const auto& c : s.job.rollout.abort_criteria) {
    const std::size_t failed = c.failure_type == "ALL" ? count("FAILED") + count("TIMED_OUT") + count("REJECTED")
                                                       : count(c.failure_type.c_str());
    std::string line = "abort:   " + c.failure_type + " >= " + number(c.threshold_percentage) + "% once " +
                       std::to_string(c.min_executed) + " things notified: now " + std::to_string(failed) + " of " +
                       std::to_string(notified);
    if (notified > 0) line += " = " + number(100.0 * double(failed) / double(notified)) + "%";
    lines.push_back(line);
  }
  if (s.job.rollout.abort_criteria.empty()) lines.emplace_back("abort:   no rule");
  if (s.job.status == "CANCELED") {
    std::string why = s.job.reason_code;
    if (!s.job.comment.empty()) why += (why.empty() ? "" : ": ") + s.job.comment;
    lines.push_back("         job CANCELED" + (why.empty() ? std::string() : " (" + why + ")"));
  }
  return lines;
}

std::string details(const WatchRow& r) {
  std::string out = r.phase;
  if (r.percent && r.status == "IN_PROGRESS") out += (out.empty() ? "" : " ") + std::to_string(*r.percent) + "%";
  if (!r.reason.empty()) out += out.empty() ? r.reason : " (" + r.reason + ")";
  return out;
}

std::string pad_to(std::string s, std::size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }

}  // namespace

std::string format_duration(double seconds) {
  const auto total = static_cast<long>(std::max(0.0, std::floor(seconds)));
  char buf[32];
  if (total >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", total / 3600, total % 3600 / 60);
  else if (total >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", total / 60, total % 60);
  else std::snprintf(buf, sizeof buf, "%lds", total);
  return buf;
}

std::string fleet_summary_key(const FleetSnapshot& s) {
  std::string key = s.job.status + "\n" + counts_line(s) + "\n";
  for (const auto& t : s.things)
    if (failure(t.row.status)) key += t.row.thing + " " + details(t.row) + "\n";
  return key;
}

std::string render_fleet_summary(const std::string& job_id, const FleetSnapshot& s, double now, const SummaryLimits& limits) {
  std::string out = "job " + job_id + "  " + s.job.status + "  " + std::to_string(s.things.size()) + " things";
  if (s.describes_pending) out += " (" + std::to_string(s.describes_pending) + " changes still to read)";
  out += "\n" + counts_line(s) + "\n" + rollout_line(s.job.rollout) + "\n";
  for (const auto& line : abort_lines(s)) out += line + "\n";

  std::vector<const ThingState*> running, failed;
  std::size_t width = 0;
  for (const auto& t : s.things) {
    if (t.row.status == "IN_PROGRESS") running.push_back(&t);
    if (failure(t.row.status)) failed.push_back(&t);
  }
  std::sort(running.begin(), running.end(), [](const ThingState* a, const ThingState* b) {
    return a->started_at.value_or(1e300) < b->started_at.value_or(1e300);
  });
  if (running.size() > limits.slowest) running.resize(limits.slowest);
  for (const auto* t : running) width = std::max(width, t->row.thing.size());
  for (std::size_t i = 0; i < std::min(failed.size(), limits.failed); ++i) width = std::max(width, failed[i]->row.thing.size());
  if (!running.empty()) {
    out += "slowest in progress:\n";
    std::size_t detail_width = 0;
    for (const auto* t : running) detail_width = std::max(detail_width, details(t->row).size());
    for (const auto* t : running) {
      std::string line = "  " + pad_to(t->row.thing, width) + "  " + pad_to(details(t->row), detail_width);
      if (t->started_at) line += "  for " + format_duration(now - *t->started_at);
      while (line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  if (!failed.empty()) {
    out += "failed (" + std::to_string(failed.size()) + "):\n";
    for (std::size_t i = 0; i < std::min(failed.size(), limits.failed); ++i) {
      std::string line = "  " + pad_to(failed[i]->row.thing, width) + "  " + pad_to(failed[i]->row.status, 9) + "  " +
                         details(failed[i]->row);
      while (line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    if (failed.size() > limits.failed) out += "  ... and " + std::to_string(failed.size() - limits.failed) + " more\n";
  }
  return out;
}

}  // namespace awsfota::cli
