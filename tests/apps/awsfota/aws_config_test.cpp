// Credentials and region as botocore finds them: environment, then the shared credentials file, then
// the config file; --profile over AWS_PROFILE over "default"; the INI reader's rules and errors.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cli/aws_config.hpp"

namespace awsfota::cli {
namespace {

struct FakeHome {
  std::map<std::string, std::string> env{{"HOME", "/home/op"}};
  std::map<std::string, std::string> files;  // path -> text

  AwsConfigSources sources(const std::string& profile = "", const std::string& region = "") {
    AwsConfigSources s;
    s.env = [this](const std::string& name) {
      auto it = env.find(name);
      return it == env.end() ? std::string() : it->second;
    };
    s.read_file = [this](const std::string& path) -> Expected<std::optional<std::string>, std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
    s.profile_option = profile;
    s.region_option = region;
    return s;
  }
};

const char* kCredentials = R"(# keys
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=secretdev
aws_session_token = tokendev
)";

const char* kConfig = R"([default]
region = us-west-2

[profile dev]
region = eu-central-1
s3 =
  addressing_style = path

[profile cfgonly]
aws_access_key_id = AKIDCFG
aws_secret_access_key = secretcfg
region = ap-south-1

[profile assumed]
role_arn = arn:aws:iam::123456789012:role/fw
source_profile = default
)";

FakeHome home_with_both_files() {
  FakeHome home;
  home.files["/home/op/.aws/credentials"] = kCredentials;
  home.files["/home/op/.aws/config"] = kConfig;
  return home;
}

TEST(AwsConfig, Ini_SectionsKeysCommentsAndNestedValues) {
  auto ini = parse_ini("; top\n[a]\nKey = v 1 \nk2: v2\r\n  more of k2\n  # an indented comment\n[ b ]\nx=\n  y = 1\n");
  ASSERT_TRUE(ini) << ini.error();
  EXPECT_EQ((*ini)["a"]["key"], "v 1");
  EXPECT_EQ((*ini)["a"]["k2"], "v2\nmore of k2");
  EXPECT_EQ((*ini)["b"]["x"], "y = 1");
}

TEST(AwsConfig, Ini_ErrorsNameTheLine) {
  EXPECT_EQ(parse_ini("k = v\n").error(), "line 1: 'k ' comes before any [section]");
  EXPECT_EQ(parse_ini("[a]\n[b\n").error(), "line 2: a section header must end with ']'");
  EXPECT_EQ(parse_ini("[a]\n\njust words\n").error(), "line 3: expected 'key = value' or '[section]'");
  EXPECT_EQ(parse_ini("[a]\n[a]\n").error(), "line 2: section [a] appears twice");
  EXPECT_EQ(parse_ini("[]\n").error(), "line 1: a section header needs a name");
}

TEST(AwsConfig, Environment_ComesFirst) {
  FakeHome home = home_with_both_files();
  home.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  home.env["AWS_SECRET_ACCESS_KEY"] = "secretenv";
  auto s = resolve_aws_settings(home.sources());
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "AKIDENV");
  EXPECT_EQ(s->keys_from, "environment");
  EXPECT_EQ(s->region, "us-west-2") << "the default profile's region";
  // AWS_PROFILE picks the profile's region but the environment's keys still win (botocore).
  home.env["AWS_PROFILE"] = "dev";
  s = resolve_aws_settings(home.sources());
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "AKIDENV");
  EXPECT_EQ(s->region, "eu-central-1");
  // --profile outranks the environment's keys.
  s = resolve_aws_settings(home.sources("dev"));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "AKIDDEV");
  EXPECT_EQ(s->keys.session_token, "tokendev");
  EXPECT_EQ(s->keys_from, "/home/op/.aws/credentials");
}

TEST(AwsConfig, CredentialsFile_ThenConfigFile) {
  FakeHome home = home_with_both_files();
  auto s = resolve_aws_settings(home.sources());
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(s->profile, "default");
  s = resolve_aws_settings(home.sources("cfgonly"));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "AKIDCFG");
  EXPECT_EQ(s->keys_from, "/home/op/.aws/config");
  EXPECT_EQ(s->region, "ap-south-1");
}

TEST(AwsConfig, Region_FlagThenEnvironmentThenProfile) {
  FakeHome home = home_with_both_files();
  home.env["AWS_DEFAULT_REGION"] = "sa-east-1";
  EXPECT_EQ(resolve_aws_settings(home.sources("", "eu-west-3"))->region, "eu-west-3");
  EXPECT_EQ(resolve_aws_settings(home.sources())->region, "sa-east-1");
  home.env.erase("AWS_DEFAULT_REGION");
  home.env["AWS_REGION"] = "ca-central-1";
  EXPECT_EQ(resolve_aws_settings(home.sources())->region, "ca-central-1");
  home.env.erase("AWS_REGION");
  EXPECT_EQ(resolve_aws_settings(home.sources())->region, "us-west-2");
  home.files.erase("/home/op/.aws/config");
  auto none = resolve_aws_settings(home.sources());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), "no region: give --region, set AWS_DEFAULT_REGION, or set region in /home/op/.aws/config [default]");
  auto local = home.sources();
  local.have_endpoint = true;
  EXPECT_EQ(resolve_aws_settings(local)->region, "us-east-1");
}

TEST(AwsConfig, FileLocations_FromTheEnvironment) {
  FakeHome home;
  home.env["AWS_SHARED_CREDENTIALS_FILE"] = "~/ci/creds";
  home.env["AWS_CONFIG_FILE"] = "/etc/aws.conf";
  home.files["/home/op/ci/creds"] = "[default]\naws_access_key_id=A\naws_secret_access_key=S\n";
  home.files["/etc/aws.conf"] = "[default]\nregion=eu-north-1\n";
  auto s = resolve_aws_settings(home.sources());
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->keys.access_key_id, "A");
  EXPECT_EQ(s->region, "eu-north-1");
}

TEST(AwsConfig, Problems_AreSaidPlainly) {
  FakeHome home = home_with_both_files();
  auto err = [&](AwsConfigSources s) {
    auto r = resolve_aws_settings(s);
    return r ? std::string("(resolved)") : r.error();
  };
  EXPECT_EQ(err(home.sources("nope")),
            "the profile 'nope' (--profile) is in neither /home/op/.aws/credentials nor /home/op/.aws/config");
  home.env["AWS_PROFILE"] = "nope";
  EXPECT_NE(err(home.sources()).find("the profile 'nope' (AWS_PROFILE)"), std::string::npos);
  home.env.erase("AWS_PROFILE");
  EXPECT_NE(err(home.sources("assumed", "eu-west-1")).find("through role_arn, which awsfota does not do itself"), std::string::npos)
      << err(home.sources("assumed", "eu-west-1"));
  home.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  EXPECT_EQ(err(home.sources()), "partial credentials in the environment: AWS_SECRET_ACCESS_KEY is not set");
  home.env.erase("AWS_ACCESS_KEY_ID");
  home.files["/home/op/.aws/credentials"] = "[default]\naws_access_key_id = A\n";
  EXPECT_EQ(err(home.sources()), "partial credentials in /home/op/.aws/credentials [default]: aws_secret_access_key is missing");
  home.files["/home/op/.aws/credentials"] = "[default]\noops\n";
  EXPECT_EQ(err(home.sources()), "/home/op/.aws/credentials: line 2: expected 'key = value' or '[section]'");
  home.files.clear();
  EXPECT_NE(err(home.sources("", "eu-west-1")).find("no AWS credentials: set AWS_ACCESS_KEY_ID"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::cli
