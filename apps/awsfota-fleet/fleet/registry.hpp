// Registers the simulated things (and their thing group) with awsfota-jobsd through its control plane,
// as the AWS CLI would: CreateThingGroup, CreateThing, AddThingToThingGroup. All three are idempotent,
// so a second run over the same fleet is harmless. Requests are signed (SigV4) with the credentials in
// the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as the awsfota CLI signs them.
#pragma once

#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::fleet {

[[nodiscard]] Expected<void, std::string> register_fleet(const std::string& api_url, const std::string& group,
                                                         const std::vector<std::string>& things);

}  // namespace awsfota::fleet
