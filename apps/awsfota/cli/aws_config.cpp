#include "cli/aws_config.hpp"

#include <cctype>
#include <vector>

namespace awsfota::cli {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The files one resolution reads, parsed once.
struct SharedFiles {
  std::string credentials_path, config_path;
  IniSections credentials, config;
};

Expected<IniSections, std::string> load(const AwsConfigSources& src, const std::string& path) {
  auto text = src.read_file(path);
  if (!text) return unexpected(text.error());
  if (!*text) return IniSections{};
  auto parsed = parse_ini(**text);
  if (!parsed) return unexpected(path + ": " + parsed.error());
  return parsed;
}

std::string home_path(const AwsConfigSources& src, const std::string& env_name, const std::string& default_rel) {
  std::string path = src.env(env_name);
  if (path.empty()) path = "~/" + default_rel;
  if (path.rfind("~/", 0) == 0) path = src.env("HOME") + path.substr(1);
  return path;
}

// The config file's section for a profile: [default] or [profile NAME] ([profile default] too).
const std::map<std::string, std::string>* config_profile(const IniSections& config, const std::string& name) {
  for (const auto& [section, values] : config) {
    if (section == name && name == "default") return &values;
    if (section.rfind("profile", 0) == 0 && section.size() > 7 && std::isspace(static_cast<unsigned char>(section[7])) &&
        trim(section.substr(7)) == name)
      return &values;
  }
  return nullptr;
}

std::string value(const std::map<std::string, std::string>* section, const char* key) {
  if (section == nullptr) return {};
  auto it = section->find(key);
  return it == section->end() ? std::string() : it->second;
}

// Keys from one profile section; nullopt when it has none; an error when only half is there.
Expected<std::optional<AwsKeys>, std::string> keys_in(const std::map<std::string, std::string>* section,
                                                      const std::string& where) {
  AwsKeys k{value(section, "aws_access_key_id"), value(section, "aws_secret_access_key"),
            value(section, "aws_session_token")};
  if (k.session_token.empty()) k.session_token = value(section, "aws_security_token");  // the older name
  if (k.access_key_id.empty() && k.secret_access_key.empty()) return std::optional<AwsKeys>();
  if (k.access_key_id.empty() || k.secret_access_key.empty())
    return unexpected("partial credentials in " + where + ": " +
                      (k.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key") + " is missing");
  return std::optional<AwsKeys>(k);
}

// What a profile without keys uses instead, which awsfota does not do itself.
std::string unsupported_source(const std::map<std::string, std::string>* section) {
  for (const char* key : {"role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"})
    if (!value(section, key).empty()) return key;
  return {};
}

Expected<AwsKeys, std::string> resolve_keys(const AwsConfigSources& src, const SharedFiles& files,
                                            const std::string& profile, bool explicit_profile) {
  if (!explicit_profile) {  // botocore: a profile given on the command line outranks the environment
    AwsKeys k{src.env("AWS_ACCESS_KEY_ID"), src.env("AWS_SECRET_ACCESS_KEY"), src.env("AWS_SESSION_TOKEN")};
    if (k.session_token.empty()) k.session_token = src.env("AWS_SECURITY_TOKEN");
    if (!k.access_key_id.empty() && !k.secret_access_key.empty()) return k;
    if (!k.access_key_id.empty() || !k.secret_access_key.empty())
      return unexpected(std::string("partial credentials in the environment: ") +
                        (k.access_key_id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is not set");
  }
  const auto cred_it = files.credentials.find(profile);
  const auto* cred_section = cred_it == files.credentials.end() ? nullptr : &cred_it->second;
  auto from_credentials = keys_in(cred_section, files.credentials_path + " [" + profile + "]");
  if (!from_credentials) return unexpected(from_credentials.error());
  if (*from_credentials) return **from_credentials;
  const auto* config_section = config_profile(files.config, profile);
  auto from_config = keys_in(config_section, files.config_path + " profile " + profile);
  if (!from_config) return unexpected(from_config.error());
  if (*from_config) return **from_config;
  for (const auto* section : {cred_section, config_section})
    if (auto key = unsupported_source(section); !key.empty())
      return unexpected("profile " + profile + " gets its credentials through " + key +
                        ", which awsfota does not do itself: export them first, e.g. eval \"$(aws configure "
                        "export-credentials --profile " + profile + " --format env)\"");
  return unexpected(std::string(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
      "credentials), or put them in " + files.credentials_path + " under [" + profile +
      "]; for the local stack: eval \"$(scripts/stack env)\""));
}

}  // namespace

Expected<IniSections, std::string> parse_ini(std::string_view text) {
  IniSections sections;
  std::string section, last_key;
  bool in_section = false;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string line = trim(raw);
    const std::string at = "line " + std::to_string(line_no) + ": ";
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t') && !last_key.empty()) {
      auto& v = sections[section][last_key];  // a nested or continued value
      v += (v.empty() ? "" : "\n") + line;
      continue;
    }
    if (line[0] == '[') {
      if (line.back() != ']') return unexpected(at + "a section header must end with ']'");
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      if (section.empty()) return unexpected(at + "a section header needs a name");
      if (sections.count(section)) return unexpected(at + "section [" + section + "] appears twice");
      sections[section];
      in_section = true;
      last_key.clear();
      continue;
    }
    const auto sep = line.find_first_of("=:");
    if (sep == std::string::npos) return unexpected(at + "expected 'key = value' or '[section]'");
    if (!in_section) return unexpected(at + "'" + line.substr(0, sep) + "' comes before any [section]");
    last_key = lower(trim(std::string_view(line).substr(0, sep)));
    if (last_key.empty()) return unexpected(at + "a key is missing before '" + line[sep] + "'");
    sections[section][last_key] = trim(std::string_view(line).substr(sep + 1));
  }
  return sections;
}

Expected<AwsSettings, std::string> resolve_aws_settings(const AwsConfigSources& src) {
  AwsSettings out;
  const bool explicit_profile = !src.profile_option.empty();
  out.profile = explicit_profile ? src.profile_option : src.env("AWS_PROFILE");
  const bool named = !out.profile.empty();
  if (!named) out.profile = "default";

  SharedFiles files;
  files.credentials_path = home_path(src, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  files.config_path = home_path(src, "AWS_CONFIG_FILE", ".aws/config");
  auto credentials = load(src, files.credentials_path);
  if (!credentials) return unexpected(credentials.error());
  auto config = load(src, files.config_path);
  if (!config) return unexpected(config.error());
  files.credentials = std::move(*credentials);
  files.config = std::move(*config);

  const auto cred_it = files.credentials.find(out.profile);
  const auto* cred_section = cred_it == files.credentials.end() ? nullptr : &cred_it->second;
  const auto* config_section = config_profile(files.config, out.profile);
  if (named && cred_section == nullptr && config_section == nullptr)
    return unexpected("the profile '" + out.profile + "' (" + (explicit_profile ? "--profile" : "AWS_PROFILE") +
                      ") is in neither " + files.credentials_path + " nor " + files.config_path);

  // Region: botocore merges the credentials file's profile over the config file's.
  out.region = src.region_option;
  if (out.region.empty()) out.region = src.env("AWS_DEFAULT_REGION");
  if (out.region.empty()) out.region = src.env("AWS_REGION");
  if (out.region.empty()) out.region = value(cred_section, "region");
  if (out.region.empty()) out.region = value(config_section, "region");
  if (out.region.empty() && src.have_endpoint) out.region = "us-east-1";
  if (out.region.empty())
    return unexpected("no region: give --region, set AWS_DEFAULT_REGION, or set region in " + files.config_path +
                      (out.profile == "default" ? " [default]" : " [profile " + out.profile + "]"));
  if (!src.need_keys) return out;

  auto keys = resolve_keys(src, files, out.profile, explicit_profile);
  if (!keys) return unexpected(keys.error());
  out.keys = *keys;
  const bool from_env = !explicit_profile && !src.env("AWS_ACCESS_KEY_ID").empty();
  out.keys_from = from_env ? "environment" : (value(cred_section, "aws_access_key_id").empty() ? files.config_path
                                                                                               : files.credentials_path);
  return out;
}

}  // namespace awsfota::cli
