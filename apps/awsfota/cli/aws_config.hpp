// Credentials and region the way botocore (and so the AWS CLI) finds them, from the environment and
// the shared files, with a small INI reader for those files. Pure: the environment and the file
// reader are injected.
//
// Order (botocore's):
//   profile      --profile, else AWS_PROFILE, else "default"
//   credentials  AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (skipped when --profile is
//                given), then the profile in the credentials file (AWS_SHARED_CREDENTIALS_FILE or
//                ~/.aws/credentials, section [NAME]), then in the config file (AWS_CONFIG_FILE or
//                ~/.aws/config, section [profile NAME] or [default])
//   region       --region, AWS_DEFAULT_REGION, AWS_REGION, then the profile's `region`
//
//   AwsConfigSources src{env, read_file, "--profile value", "--region value", have_endpoint};
//   auto settings = resolve_aws_settings(src);   // Expected<AwsSettings, std::string>: what to fix, said
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::cli {

// Sections by name, each its keys (lowercased, as botocore's ConfigParser does) and values (trimmed).
// Lines: "[section]", "key = value" (or "key: value"), comments starting with '#' or ';', blank lines,
// and indented lines continuing the key before them (botocore's nested "s3 =" blocks: kept as text).
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
[[nodiscard]] Expected<IniSections, std::string> parse_ini(std::string_view text);

struct AwsKeys {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

struct AwsSettings {
  AwsKeys keys;
  std::string region;
  std::string profile;      // the profile used ("default" unless one was named)
  std::string keys_from;    // "environment", or the file they came from
};

struct AwsConfigSources {
  std::function<std::string(const std::string&)> env;  // "" when unset
  // The file's text; nullopt when it does not exist; an error when it cannot be read.
  std::function<Expected<std::optional<std::string>, std::string>(const std::string&)> read_file;
  std::string profile_option;  // --profile
  std::string region_option;   // --region
  bool have_endpoint = false;  // with --endpoint-url, a missing region is us-east-1 (the local service)
  bool need_keys = true;       // false: only the region is wanted
};

[[nodiscard]] Expected<AwsSettings, std::string> resolve_aws_settings(const AwsConfigSources& sources);

}  // namespace awsfota::cli
