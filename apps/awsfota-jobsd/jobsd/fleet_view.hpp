// The live fleet view's data: the read-only JSON the web page (apps/awsfota-jobsd/web/) polls.
// Pure: it reads the Service and the time it is given; the program serves it (web_view.cpp).
//
// Counts over time are derived from the executions' own timestamps, not sampled: an execution is
// QUEUED from queuedAt, IN_PROGRESS from startedAt and in its terminal status from lastUpdatedAt
// (a terminal execution is never updated again). So the history is whole for a page opened in the
// middle of a rollout, survives a restart of the service (the timestamps are in its database) and
// costs no memory of its own.
//
//   std::string list = fleet_jobs_json(service, now_ms);          // {"jobs":[{jobId,status,counts,..}]}
//   auto one = fleet_job_json(service, "fw-2", now_ms);           // counts, series, rollout, abort, failed
//   if (!one) respond(404, one.error().message);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "awsfota/expected.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {

// Points in a job's series at most: enough for a chart a few hundred pixels wide, small to poll.
inline constexpr std::size_t kFleetSeriesMaxPoints = 120;
// The shortest step between two points, so that a job of a few seconds still draws steps, not noise.
inline constexpr std::int64_t kFleetSeriesMinStepMs = 250;
// Failed things listed in a job's view at most (the newest first); failedTotal says how many there are.
inline constexpr std::size_t kFleetMaxFailedListed = 100;

// All jobs, the newest first: {"generatedAt":ms,"jobs":[{"jobId","status","targetSelection",
// "createdAt","lastUpdatedAt","completedAt"?,"counts":{"QUEUED":n,...},"waiting":n,"targets":n}]}.
// Times are milliseconds since the epoch (the page draws them; the REST API's are seconds).
[[nodiscard]] std::string fleet_jobs_json(const Service& service, std::int64_t now_ms);

// One job: what fleet_jobs_json lists for it, plus "rollout" (maximumPerMinute, exponentialRate in
// AWS's names, currentRatePerMinute, waiting, the current window), "abort" ({"criteriaList" in AWS's
// names, "aborted", "reason"}), "reasonCode"/"comment" of a cancel, "series" ({"start","step","statuses":[...],
// "points":[[t,n_status0,n_status1,...],...]}, from the job's creation to its completion or now) and
// "failed" (things whose execution ended FAILED, TIMED_OUT or REJECTED, with statusDetails).
// ResourceNotFound for an unknown job.
[[nodiscard]] Expected<std::string, ControlError> fleet_job_json(const Service& service, const std::string& job_id,
                                                                 std::int64_t now_ms);

}  // namespace awsfota::jobsd
