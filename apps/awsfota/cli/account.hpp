// The account id in the target ARNs `awsfota job create` builds. AWS acts only on its caller's own
// account, and a guessed id makes every target unknown, so the CLI never makes one up:
//   1. --account ID
//   2. AWS_ACCOUNT_ID from the environment (`scripts/stack env` prints it for the local stack)
//   3. the account in the ARN the service gives the first target (DescribeThing / DescribeThingGroup)
//
//   auto account = resolve_account(o.account, std::getenv("AWS_ACCOUNT_ID"), first_target,
//                                  [&](const ApiRequest& r) { return call_api(*ctx, r); });
#pragma once

#include <functional>
#include <string>

#include "awsfota/expected.hpp"
#include "cli/iot_api.hpp"

namespace awsfota::cli {

// 12 digits: an empty string when valid, else why not (naming `source`).
[[nodiscard]] std::string check_account_id(const std::string& account, const std::string& source);

// The account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...), or empty.
[[nodiscard]] std::string account_of_arn(const std::string& arn);

[[nodiscard]] ApiRequest describe_thing_request(const std::string& thing);
[[nodiscard]] ApiRequest describe_thing_group_request(const std::string& group);

struct AccountTarget {
  std::string thing;  // the first --thing, or empty
  std::string group;  // --thing-group, or empty
};

using ApiCall = std::function<Expected<std::string, std::string>(const ApiRequest&)>;

[[nodiscard]] Expected<std::string, std::string> resolve_account(const std::string& option, const char* environment,
                                                                 const AccountTarget& target, const ApiCall& call);

}  // namespace awsfota::cli
