// The agent's "rauc" block (docs/rauc.md).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/config.hpp"

namespace {

using awsfota::agent::parse_config;
using nlohmann::json;

json rauc_device() {
  return json{{"endpoint", "broker.example.com"},
              {"thing-name", "sensor-7"},
              {"cert", "c.pem"},
              {"key", "c.key"},
              {"root-ca", "ca.pem"},
              {"rauc", {{"staging", "/var/lib/awsfota/bundle.raucb"}, {"staging-size", 536870912}}}};
}

std::string rauc_error_of(const json& j) {
  auto c = parse_config(j.dump(), "/etc/awsfota");
  return c ? std::string("(parsed)") : c.error().message;
}

TEST(AgentConfig_Rauc, ARaucDeviceNeedsNoSlotsAndGetsTheDefaults) {
  auto c = parse_config(rauc_device().dump(), "/etc/awsfota");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->rauc);
  EXPECT_EQ(c->rauc->bus, "system");
  EXPECT_EQ(c->rauc->staging, "/var/lib/awsfota/bundle.raucb");
  EXPECT_EQ(c->rauc->staging_size, 536870912U);
  EXPECT_EQ(c->rauc->bootname_a, "A");
  EXPECT_EQ(c->rauc->bootname_b, "B");
  EXPECT_EQ(c->rauc->install_timeout, std::chrono::hours(1));
  EXPECT_EQ(c->slots.size, 0U);
}

TEST(AgentConfig_Rauc, ReadsBusBootnamesAndTimeout) {
  json j = rauc_device();
  j["rauc"]["bus"] = "unix:path=/run/dbus/system_bus_socket";
  j["rauc"]["bootnames"] = {"system0", "system1"};
  j["rauc"]["install-timeout-seconds"] = 600;
  auto c = parse_config(j.dump(), "/");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->rauc->bus, "unix:path=/run/dbus/system_bus_socket");
  EXPECT_EQ(c->rauc->bootname_a, "system0");
  EXPECT_EQ(c->rauc->bootname_b, "system1");
  EXPECT_EQ(c->rauc->install_timeout, std::chrono::seconds(600));
}

TEST(AgentConfig_Rauc, RefusesWhatRaucCouldNotUseNamingTheField) {
  json j = rauc_device();
  j["rauc"]["staging"] = "/var/lib/awsfota/bundle.bin";
  EXPECT_NE(rauc_error_of(j).find("rauc.staging"), std::string::npos) << rauc_error_of(j);
  j = rauc_device();
  j["rauc"].erase("staging-size");
  EXPECT_NE(rauc_error_of(j).find("rauc.staging-size"), std::string::npos);
  j = rauc_device();
  j["rauc"]["bootnames"] = {"A", "A"};
  EXPECT_NE(rauc_error_of(j).find("rauc.bootnames"), std::string::npos);
  j = rauc_device();
  j["rauc"]["bootnames"] = "A";
  EXPECT_NE(rauc_error_of(j).find("expected two strings"), std::string::npos);
  j = rauc_device();
  j["rauc"]["buss"] = "system";
  EXPECT_NE(rauc_error_of(j).find("rauc.buss: unknown field"), std::string::npos) << rauc_error_of(j);
  j = rauc_device();
  j["boot"] = {{"backend", "grub"}};
  EXPECT_NE(rauc_error_of(j).find("the boot control is RAUC's"), std::string::npos) << rauc_error_of(j);
  j = rauc_device();
  j.erase("rauc");
  EXPECT_NE(rauc_error_of(j).find("slots"), std::string::npos);
}

}  // namespace
