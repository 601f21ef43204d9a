#include "fleet/registry.hpp"

#include <nlohmann/json.hpp>

#include "io/aws_client.hpp"

namespace awsfota::fleet {

Expected<void, std::string> register_fleet(const std::string& api_url, const std::string& group,
                                           const std::vector<std::string>& things) {
  cli::AwsOptions options;
  options.endpoint_url = api_url;
  auto context = cli::aws_context_from(options);
  if (!context) return unexpected(context.error());
  auto call = [&](const char* operation, const char* method, const std::string& path,
                  const std::string& body) -> Expected<void, std::string> {
    auto answer = cli::call_api(*context, cli::ApiRequest{operation, method, path, {}, body});
    if (!answer) return unexpected(std::string(operation) + " at " + api_url + ": " + answer.error());
    return {};
  };
  if (!group.empty()) {
    if (auto r = call("CreateThingGroup", "POST", "/thing-groups/" + group, "{}"); !r) return r;
  }
  for (const std::string& thing : things) {
    if (auto r = call("CreateThing", "POST", "/things/" + thing, "{}"); !r) return r;
    if (group.empty()) continue;
    const nlohmann::json body = {{"thingGroupName", group}, {"thingName", thing}};
    if (auto r = call("AddThingToThingGroup", "PUT", "/thing-groups/addThingToThingGroup", body.dump()); !r) return r;
  }
  return {};
}

}  // namespace awsfota::fleet
