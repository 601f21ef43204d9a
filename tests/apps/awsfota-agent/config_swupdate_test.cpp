// The agent's "swupdate" block (docs/swupdate.md).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/config.hpp"

namespace {

using awsfota::agent::parse_config;
using nlohmann::json;

json swupdate_device() {
  return json{{"endpoint", "broker.example.com"},
              {"thing-name", "sensor-7"},
              {"cert", "c.pem"},
              {"key", "c.key"},
              {"root-ca", "ca.pem"},
              {"swupdate", {{"staging", "/data/update.swu"}, {"staging-size", 268435456}}}};
}

std::string swupdate_error_of(const json& j) {
  auto c = parse_config(j.dump(), "/etc/awsfota");
  return c ? std::string("(parsed)") : c.error().message;
}

TEST(AgentConfig_Swupdate, ASwupdateDeviceNeedsNoSlotsAndGetsDebiansSockets) {
  auto c = parse_config(swupdate_device().dump(), "/etc/awsfota");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->swupdate);
  EXPECT_EQ(c->swupdate->staging, "/data/update.swu");
  EXPECT_EQ(c->swupdate->staging_size, 268435456U);
  EXPECT_EQ(c->swupdate->ctrl_socket, "/tmp/sockinstctrl");
  EXPECT_EQ(c->swupdate->progress_socket, "/tmp/swupdateprog");
  EXPECT_EQ(c->swupdate->install_timeout, std::chrono::hours(1));
  EXPECT_EQ(c->slots.size, 0U);
}

TEST(AgentConfig_Swupdate, ReadsSocketsAndTimeout) {
  json j = swupdate_device();
  j["swupdate"]["ctrl-socket"] = "/run/swupdate/ctrl";
  j["swupdate"]["progress-socket"] = "run/prog";
  j["swupdate"]["install-timeout-seconds"] = 600;
  auto c = parse_config(j.dump(), "/etc/awsfota");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->swupdate->ctrl_socket, "/run/swupdate/ctrl");
  EXPECT_EQ(c->swupdate->progress_socket, "/etc/awsfota/run/prog");
  EXPECT_EQ(c->swupdate->install_timeout, std::chrono::seconds(600));
}

TEST(AgentConfig_Swupdate, NamesWhatIsWrong) {
  json no_size = swupdate_device();
  no_size["swupdate"].erase("staging-size");
  EXPECT_NE(swupdate_error_of(no_size).find("swupdate.staging-size"), std::string::npos);
  json unknown = swupdate_device();
  unknown["swupdate"]["socket"] = "/tmp/x";
  EXPECT_NE(swupdate_error_of(unknown).find("socket"), std::string::npos) << swupdate_error_of(unknown);
  json both = swupdate_device();
  both["rauc"] = {{"staging", "/data/b.raucb"}, {"staging-size", 1024}};
  EXPECT_NE(swupdate_error_of(both).find("not both"), std::string::npos) << swupdate_error_of(both);
  json short_timeout = swupdate_device();
  short_timeout["swupdate"]["install-timeout-seconds"] = 5;
  EXPECT_NE(swupdate_error_of(short_timeout).find("install-timeout-seconds"), std::string::npos);
}

}  // namespace
