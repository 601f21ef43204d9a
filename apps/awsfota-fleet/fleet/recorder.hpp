// What each simulated device went through, for the progress lines and the final report. Thread-safe:
// the shards record, the main thread reads.
//
//   Recorder r(1000);
//   r.phase(7, Phase::Downloading);
//   r.stage(7, Stage::Download, std::chrono::milliseconds(2100));
//   Report rep = r.report();           // counts by phase, p50/p99 per stage, failure reasons
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace awsfota::fleet {

enum class Phase { Connecting, Idle, Downloading, Rebooting, Confirming, Reverting, Succeeded, Failed, Canceled, Lost, Offline };
inline constexpr std::size_t kPhaseCount = 11;
[[nodiscard]] const char* to_string(Phase phase) noexcept;

// Stages of one update, each timed on the device:
//   Connect: process start to the MQTT session up (TLS with the device certificate);
//   Take: the take origin (the fleet online, or the job's creation) to the job taken (IN_PROGRESS
//     accepted): rollout rate and notification delay. Recorded as wall-clock times (taken()), so that
//     the origin may be learnt later and from another process (set_take_origin());
//   Download: job taken to the image verified and the reboot asked for;
//   Boot: the reboot to the MQTT session up on the new image;
//   Confirm: the session up on the new image to the outcome reported and accepted (SUCCEEDED or FAILED).
enum class Stage { Connect, Take, Download, Boot, Confirm };
inline constexpr std::size_t kStageCount = 5;
[[nodiscard]] const char* to_string(Stage stage) noexcept;

struct StageSummary {
  std::size_t count = 0;
  std::chrono::milliseconds p50{0}, p99{0}, max{0};
};

struct Report {
  std::size_t devices = 0;
  std::array<std::size_t, kPhaseCount> phases{};          // devices in each phase now
  std::array<StageSummary, kStageCount> stages{};
  std::size_t jobs_started = 0;                           // devices that took a job at least once
  std::map<std::string, std::size_t> failure_reasons;     // "SELF_TEST_FAILED" -> 41
  std::vector<std::string> failed_things;                 // the first few, with their reason
  std::vector<std::int64_t> take_ms;                      // every Take sample, for merging processes' reports
};

// The nearest-rank percentile (p in 0..100) of `samples`; 0 for none. Sorts a copy.
[[nodiscard]] std::chrono::milliseconds percentile(std::vector<std::chrono::milliseconds> samples, double p);

class Recorder {
 public:
  explicit Recorder(std::vector<std::string> things);
  void phase(std::size_t device, Phase phase);
  void stage(std::size_t device, Stage stage, std::chrono::milliseconds took);
  void job_started(std::size_t device);
  // When the device took its job, and from when the Take stage counts: milliseconds since the epoch.
  void taken(std::size_t device, std::int64_t epoch_ms);
  void set_take_origin(std::int64_t epoch_ms);
  void failed(std::size_t device, const std::string& reason);
  [[nodiscard]] Phase phase_of(std::size_t device) const;
  // Devices mid-job (downloading, rebooting, confirming, reverting).
  [[nodiscard]] std::size_t busy() const;
  [[nodiscard]] Report report() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> things_;
  std::vector<Phase> phases_;
  std::vector<bool> started_;
  std::vector<std::string> reasons_;
  std::array<std::vector<std::chrono::milliseconds>, kStageCount> samples_;
  std::vector<std::int64_t> taken_at_;
  std::int64_t take_origin_ = 0;
};

// The final report in words (one table) and as JSON.
[[nodiscard]] std::string format_report(const Report& report, std::chrono::milliseconds elapsed);
[[nodiscard]] std::string format_report_json(const Report& report, std::chrono::milliseconds elapsed);
// One progress line: "t=12.0s online 1000  idle 640  downloading 120 ... succeeded 200  failed 40".
[[nodiscard]] std::string format_progress(const Report& report, std::chrono::milliseconds elapsed);

}  // namespace awsfota::fleet
