#include <gtest/gtest.h>

#include <fstream>

#include "awsfota/adapters/grub/grub_boot_control.hpp"
#include "awsfota/adapters/grub/grubenv.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/runtime/device.hpp"
#include "support/process.hpp"

namespace awsfota::runtime {
namespace {

class NoMqtt final : public fota::MqttTransport {
 public:
  bool publish(std::string_view, std::string_view, int) override { return false; }
  bool subscribe(std::string_view, int) override { return false; }
};

struct ConfigRig {
  DeviceConfig good() const {
    DeviceConfig c;
    c.engine.thing_name = "thing-1";
    c.engine.running_version = "1.0.0";
    c.slot_a = dir.path() / "a.img";
    c.slot_b = dir.path() / "b.img";
    c.slot_size = 1 << 20;
    c.boot_state = dir.path() / "boot.state";
    c.checkpoint = dir.path() / "checkpoint";
    return c;
  }
  std::string error_of(DeviceConfig c) {
    auto made = Device::create(std::move(c), mqtt);
    return made ? std::string() : made.error();
  }
  testing::TempDir dir{"device-config"};
  NoMqtt mqtt;
};

TEST(Device, CreatesFromAGoodConfigAndReportsANormalBoot) {
  ConfigRig rig;
  auto made = Device::create(rig.good(), rig.mqtt);
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->boot_outcome(), fota::BootOutcome::Normal);
  EXPECT_EQ((*made)->on_mqtt_message("$aws/things/thing-1/jobs/notify-next", "{}"), fota::MessageResult::Consumed);
  EXPECT_EQ((*made)->on_mqtt_message("sensors/thing-1/data", "{}"), fota::MessageResult::NotMine);
  EXPECT_EQ((*made)->on_mqtt_message("$aws/things/thing-2/jobs/notify-next", "{}"), fota::MessageResult::NotMine);
}

TEST(Device, BadConfigurationFailsWithAMessageNamingTheField) {
  ConfigRig rig;
  auto c = rig.good();
  c.slot_size = 0;
  EXPECT_NE(rig.error_of(c).find("slot_size"), std::string::npos) << rig.error_of(c);
  c = rig.good();
  c.slot_a = rig.dir.path() / "missing-folder" / "a.img";
  EXPECT_NE(rig.error_of(c).find("slot_a"), std::string::npos) << rig.error_of(c);
  c = rig.good();
  c.signing_public_key_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
  EXPECT_NE(rig.error_of(c).find("signing_public_key_pem"), std::string::npos) << rig.error_of(c);
  c = rig.good();
  c.engine.thing_name = "";
  EXPECT_NE(rig.error_of(c).find("engine:"), std::string::npos) << rig.error_of(c);
  c = rig.good();
  c.boot_state.clear();
  EXPECT_NE(rig.error_of(c).find("boot_state"), std::string::npos) << rig.error_of(c);
}

// Partition slots keep the envelope's header and TLVs in a record beside the checkpoint; deltas, which
// need slots that hold whole images, are refused with them.
TEST(Device, PartitionSlotsMakeTheirEnvelopeRecordAndRefuseDeltaStaging) {
  ConfigRig rig;
  auto c = rig.good();
  c.partition_slots = true;
  ASSERT_EQ(rig.error_of(c), "");
  EXPECT_TRUE(std::filesystem::exists(rig.dir.path() / "checkpoint.envelope"));
  c.delta_staging = rig.dir.path() / "delta.img";
  EXPECT_NE(rig.error_of(c).find("delta_staging"), std::string::npos) << rig.error_of(c);
  c = rig.good();
  c.partition_slots = true;
  c.envelope_record = rig.dir.path() / "missing-folder" / "envelope";
  EXPECT_NE(rig.error_of(c).find("envelope_record"), std::string::npos) << rig.error_of(c);
}

TEST(Device, UsesTheCallersBootControlInsteadOfTheFileRecord) {
  ConfigRig rig;
  // GRUB started slot B on trial: its environment says so, and the command line names B.
  grub::GrubEnv env;
  for (auto [name, value] : {std::pair{"ORDER", "B A"}, {"A_OK", "1"}, {"A_TRY", "0"}, {"B_OK", "1"}, {"B_TRY", "1"},
                             {"AWSFOTA_TRIAL", "B"}}) {
    env.set(name, value);
  }
  ASSERT_TRUE(grub::write_grubenv_file(rig.dir.path() / "grubenv", {env, grub::kGrubEnvDefaultSize}));
  std::ofstream(rig.dir.path() / "cmdline") << "root=/dev/vda3 rauc.slot=B\n";
  grub::GrubBootControl boot({.env_file = rig.dir.path() / "grubenv", .cmdline_file = rig.dir.path() / "cmdline"});
  auto c = rig.good();
  c.boot_state.clear();  // not needed with a boot control of the caller's
  c.boot_control = &boot;
  auto made = Device::create(std::move(c), rig.mqtt);
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->boot_outcome(), fota::BootOutcome::Trial);
  EXPECT_FALSE(std::filesystem::exists(rig.dir.path() / "boot.state"));
}

// A RAUC system: no slot files needed, the RAUC fields checked by name. (RAUC itself is not asked
// here: with no service on the bus the boot reads as normal and is logged; rauc_integration_test and
// agent_rauc_e2e_tests run the real one.)
TEST(Device, RaucSystemNeedsNoSlotsAndNamesItsBadFields) {
  ConfigRig rig;
  DeviceConfig c = rig.good();
  c.slot_a.clear();
  c.slot_b.clear();
  c.slot_size = 0;
  c.boot_state.clear();
  c.rauc = {.enabled = true,
            .bus = "unix:path=" + (rig.dir.path() / "no-bus").string(),
            .staging = rig.dir.path() / "bundle.raucb",
            .staging_size = 1 << 20};
  auto made = Device::create(c, rig.mqtt);
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->boot_outcome(), fota::BootOutcome::Normal);
  made->reset();

  DeviceConfig bad_name = c;
  bad_name.rauc.staging = rig.dir.path() / "bundle.bin";
  EXPECT_NE(rig.error_of(bad_name).find("rauc: rauc staging file"), std::string::npos) << rig.error_of(bad_name);
  DeviceConfig no_size = c;
  no_size.rauc.staging_size = 0;
  EXPECT_NE(rig.error_of(no_size).find("rauc: rauc staging capacity"), std::string::npos);
  posix::FileBootRecordStore store(rig.dir.path() / "other.state");
  dfu::RecordBootControl other(store);
  DeviceConfig both = c;
  both.boot_control = &other;
  EXPECT_NE(rig.error_of(both).find("the boot control is RAUC's"), std::string::npos) << rig.error_of(both);
}

}  // namespace
}  // namespace awsfota::runtime
