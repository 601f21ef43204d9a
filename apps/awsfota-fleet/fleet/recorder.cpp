#include "fleet/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace awsfota::fleet {

using std::chrono::milliseconds;

const char* to_string(Phase phase) noexcept {
  switch (phase) {
    case Phase::Connecting: return "connecting";
    case Phase::Idle: return "idle";
    case Phase::Downloading: return "downloading";
    case Phase::Rebooting: return "rebooting";
    case Phase::Confirming: return "confirming";
    case Phase::Reverting: return "reverting";
    case Phase::Succeeded: return "succeeded";
    case Phase::Failed: return "failed";
    case Phase::Canceled: return "canceled";
    case Phase::Lost: return "never-back";
    case Phase::Offline: return "offline";
  }
  return "?";
}

const char* to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::Connect: return "connect";
    case Stage::Take: return "take";
    case Stage::Download: return "download";
    case Stage::Boot: return "boot";
    case Stage::Confirm: return "confirm";
  }
  return "?";
}

milliseconds percentile(std::vector<milliseconds> samples, double p) {
  if (samples.empty()) return milliseconds(0);
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

Recorder::Recorder(std::vector<std::string> things)
    : things_(std::move(things)),
      phases_(things_.size(), Phase::Connecting),
      started_(things_.size(), false),
      reasons_(things_.size()) {}

void Recorder::phase(std::size_t device, Phase phase) {
  std::lock_guard lock(mutex_);
  phases_.at(device) = phase;
}

void Recorder::stage(std::size_t device, Stage stage, milliseconds took) {
  (void)device;
  std::lock_guard lock(mutex_);
  samples_.at(static_cast<std::size_t>(stage)).push_back(took);
}

void Recorder::job_started(std::size_t device) {
  std::lock_guard lock(mutex_);
  started_.at(device) = true;
}

void Recorder::failed(std::size_t device, const std::string& reason) {
  std::lock_guard lock(mutex_);
  reasons_.at(device) = reason;
}

void Recorder::taken(std::size_t device, std::int64_t epoch_ms) {
  (void)device;
  std::lock_guard lock(mutex_);
  taken_at_.push_back(epoch_ms);
}

void Recorder::set_take_origin(std::int64_t epoch_ms) {
  std::lock_guard lock(mutex_);
  take_origin_ = epoch_ms;
}

Phase Recorder::phase_of(std::size_t device) const {
  std::lock_guard lock(mutex_);
  return phases_.at(device);
}

std::size_t Recorder::busy() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(phases_.begin(), phases_.end(), [](Phase p) {
    return p == Phase::Downloading || p == Phase::Rebooting || p == Phase::Confirming || p == Phase::Reverting;
  }));
}

Report Recorder::report() const {
  std::lock_guard lock(mutex_);
  Report r;
  r.devices = things_.size();
  for (const Phase p : phases_) ++r.phases.at(static_cast<std::size_t>(p));
  r.jobs_started = static_cast<std::size_t>(std::count(started_.begin(), started_.end(), true));
  auto samples = samples_;
  for (const std::int64_t t : taken_at_) {
    samples.at(static_cast<std::size_t>(Stage::Take)).emplace_back(std::max<std::int64_t>(0, t - take_origin_));
    r.take_ms.push_back(std::max<std::int64_t>(0, t - take_origin_));
  }
  for (std::size_t s = 0; s < kStageCount; ++s) {
    const auto& v = samples.at(s);
    r.stages.at(s) = {v.size(), percentile(v, 50), percentile(v, 99), percentile(v, 100)};
  }
  for (std::size_t i = 0; i < things_.size(); ++i) {
    if (reasons_[i].empty()) continue;
    ++r.failure_reasons[reasons_[i]];
    if (r.failed_things.size() < 10) r.failed_things.push_back(things_[i] + ": " + reasons_[i]);
  }
  return r;
}

namespace {

std::string seconds(milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(ms.count()) / 1000.0);
  return buffer;
}

}  // namespace

std::string format_progress(const Report& r, milliseconds elapsed) {
  std::ostringstream out;
  out << "fleet: t=" << seconds(elapsed);
  for (std::size_t p = 0; p < kPhaseCount; ++p) {
    if (r.phases.at(p) == 0) continue;
    out << "  " << to_string(static_cast<Phase>(p)) << ' ' << r.phases.at(p);
  }
  return out.str();
}

std::string format_report(const Report& r, milliseconds elapsed) {
  std::ostringstream out;
  out << "fleet: " << r.devices << " devices, " << seconds(elapsed) << ", " << r.jobs_started
      << " took a job\n";
  out << "  outcome       devices\n";
  for (std::size_t p = 0; p < kPhaseCount; ++p) {
    if (r.phases.at(p) == 0) continue;
    char line[64];
    std::snprintf(line, sizeof line, "  %-12s %8zu\n", to_string(static_cast<Phase>(p)), r.phases.at(p));
    out << line;
  }
  out << "  stage        count      p50      p99      max\n";
  for (std::size_t s = 0; s < kStageCount; ++s) {
    const StageSummary& st = r.stages.at(s);
    char line[96];
    std::snprintf(line, sizeof line, "  %-10s %7zu %8s %8s %8s\n", to_string(static_cast<Stage>(s)), st.count,
                  seconds(st.p50).c_str(), seconds(st.p99).c_str(), seconds(st.max).c_str());
    out << line;
  }
  if (!r.failure_reasons.empty()) {
    out << "  failures:";
    for (const auto& [reason, n] : r.failure_reasons) out << ' ' << reason << ' ' << n;
    out << '\n';
    for (const auto& t : r.failed_things) out << "    " << t << '\n';
  }
  return out.str();
}

std::string format_report_json(const Report& r, milliseconds elapsed) {
  nlohmann::json j;
  j["devices"] = r.devices;
  j["elapsedMs"] = elapsed.count();
  j["jobsStarted"] = r.jobs_started;
  for (std::size_t p = 0; p < kPhaseCount; ++p) j["phases"][to_string(static_cast<Phase>(p))] = r.phases.at(p);
  for (std::size_t s = 0; s < kStageCount; ++s) {
    const StageSummary& st = r.stages.at(s);
    j["stages"][to_string(static_cast<Stage>(s))] = {
        {"count", st.count}, {"p50Ms", st.p50.count()}, {"p99Ms", st.p99.count()}, {"maxMs", st.max.count()}};
  }
  j["failureReasons"] = r.failure_reasons;
  j["takeMs"] = r.take_ms;
  return j.dump(2) + "\n";
}

}  // namespace awsfota::fleet
