// create-job's jobExecutionsRolloutConfig and abortConfig in AWS's JSON (botocore's iot model), both
// ways: read from a request body into a CreateJobRequest, and shown in describe-job.
//
//   CreateJobRequest c;
//   if (auto read = read_rollout_and_abort(body, c); !read) throw invalid(read.error());
//   ...
//   add_rollout_and_abort(job_json, job);  // jobExecutionsRolloutConfig, abortConfig, processingTargets
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "awsfota/expected.hpp"
#include "jobsd/service.hpp"

namespace awsfota::jobsd {

// Reads maximumPerMinute, exponentialRate and abortConfig.criteriaList; a field of the wrong type or an
// unknown enum value is an error naming the field. Ranges are the service's to check (create_job).
[[nodiscard]] Expected<void, std::string> read_rollout_and_abort(const nlohmann::json& body, CreateJobRequest& out);

// Adds the job's rollout and abort settings to its describe-job JSON as AWS names them, and
// jobProcessDetails.processingTargets (the job's targets) while targets still wait for the rollout.
void add_rollout_and_abort(nlohmann::json& job_json, const Job& job);

}  // namespace awsfota::jobsd
