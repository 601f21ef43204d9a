// The shared credentials and config files (~/.aws/credentials, ~/.aws/config) are read by the CLI's
// own INI reader: any text must parse to sections or a line-numbered error, and resolving a profile
// from it must give settings or a message, never a crash. The first byte says which file it is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/aws_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace awsfota::cli;
  auto sections = parse_ini(text);
  if (!sections && sections.error().rfind("line ", 0) != 0) __builtin_trap();
  const bool as_config = data[0] & 1;
  AwsConfigSources src;
  src.env = [&](const std::string& name) -> std::string {
    if (name == "HOME") return "/home/u";
    if (name == "AWS_PROFILE" && (data[0] & 2)) return "dev";
    return {};
  };
  src.read_file = [&](const std::string& path) -> awsfota::Expected<std::optional<std::string>, std::string> {
    const bool config = path.find("config") != std::string::npos;
    if (config == as_config) return std::optional<std::string>(text);
    return std::optional<std::string>();
  };
  src.have_endpoint = data[0] & 4;
  (void)resolve_aws_settings(src);
  return 0;
}
