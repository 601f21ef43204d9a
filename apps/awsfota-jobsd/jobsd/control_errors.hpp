// How the control side's parts (control_api.cpp, control_lifecycle.cpp, control_registry.cpp) say no.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "jobsd/service.hpp"

namespace awsfota::jobsd {

[[nodiscard]] inline Unexpected<ControlError> fail(ControlErrorCode code, std::string message) {
  return unexpected(ControlError{code, std::move(message)});
}

[[nodiscard]] inline Unexpected<ControlError> internal(const StoreError& e) {
  return fail(ControlErrorCode::Internal, "the service could not record the change: " + e.message);
}

// The numeric limits CreateJob and UpdateJob share: inProgressTimeoutInMinutes 1..10080,
// expiresInSec 60..3600; the error names the field.
[[nodiscard]] Expected<void, ControlError> check_job_limits(std::optional<std::int64_t> in_progress_timeout_minutes,
                                                            std::optional<std::int64_t> presigned_expires_in_sec);

}  // namespace awsfota::jobsd
