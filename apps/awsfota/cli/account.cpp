#include "cli/account.hpp"

#include <nlohmann/json.hpp>

namespace awsfota::cli {

std::string check_account_id(const std::string& account, const std::string& source) {
  if (account.size() == 12 && account.find_first_not_of("0123456789") == std::string::npos) return {};
  return source + ": '" + account + "' is not an AWS account id (12 digits)";
}

std::string account_of_arn(const std::string& arn) {
  std::size_t start = 0;
  for (int field = 0; field < 4; ++field) {
    start = arn.find(':', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  const std::size_t end = arn.find(':', start);
  return end == std::string::npos ? std::string() : arn.substr(start, end - start);
}

ApiRequest describe_thing_request(const std::string& thing) {
  return {"DescribeThing", "GET", "/things/" + thing, {}, {}};
}

ApiRequest describe_thing_group_request(const std::string& group) {
  return {"DescribeThingGroup", "GET", "/thing-groups/" + group, {}, {}};
}

Expected<std::string, std::string> resolve_account(const std::string& option, const char* environment,
                                                   const AccountTarget& target, const ApiCall& call) {
  if (!option.empty()) {
    if (auto why = check_account_id(option, "--account"); !why.empty()) return unexpected(why);
    return option;
  }
  if (environment != nullptr && *environment != '\0') {
    if (auto why = check_account_id(environment, "AWS_ACCOUNT_ID"); !why.empty()) return unexpected(why);
    return std::string(environment);
  }
  const bool thing = !target.thing.empty();
  auto body = call(thing ? describe_thing_request(target.thing) : describe_thing_group_request(target.group));
  const std::string asked = thing ? "thing " + target.thing : "thing group " + target.group;
  if (!body) {
    return unexpected("no --account or AWS_ACCOUNT_ID, and asking the service for " + asked +
                      " to learn it failed: " + body.error());
  }
  auto j = nlohmann::json::parse(*body, nullptr, false);
  const char* key = thing ? "thingArn" : "thingGroupArn";
  std::string account;
  if (j.is_object() && j.contains(key) && j[key].is_string()) account = account_of_arn(j[key].get<std::string>());
  if (auto why = check_account_id(account, std::string("the ") + key + " of " + asked); !why.empty()) {
    return unexpected("no --account or AWS_ACCOUNT_ID, and " + why);
  }
  return account;
}

}  // namespace awsfota::cli
