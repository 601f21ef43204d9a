// The application facade: seams are called for the engine's actions, seams may answer from inside the
// call, MQTT messages are sorted into Consumed / NotMine, and a reboot resumes from the checkpoint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "awsfota/fota/fota.hpp"
#include "fota/fake_service.hpp"
#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

struct Device : MqttTransport, Downloader, DfuTarget, BootControl, TimerService, Logger {
  Fota* fota = nullptr;
  BootOutcome outcome = BootOutcome::Normal;
  std::vector<Message> outbox;
  std::vector<std::string> subscribed;
  std::vector<std::string> log_lines;
  bool rebooted = false;
  bool confirmed = false;
  Millis clock{0};

  bool publish(std::string_view topic, std::string_view payload, int) override {
    outbox.emplace_back(std::string(topic), std::string(payload));
    return true;
  }
  bool subscribe(std::string_view filter, int) override {
    subscribed.emplace_back(filter);
    return true;
  }
  // Seams that answer synchronously, from inside the call.
  void start(const StartDownload& r) override {
    fota->on_download_progress(r.expected_size.value_or(0) / 2, r.expected_size.value_or(0));
    fota->on_download_progress(r.expected_size.value_or(0), r.expected_size.value_or(0));
    fota->on_download_finished(r.expected_size.value_or(0));
  }
  void stop() override {}
  void prepare(const PrepareStaging&) override {
    fota->on_dfu_erase_pending();
    fota->on_dfu_staging_ready(true, 0);
  }
  void verify(const VerifyStaged&) override { fota->on_dfu_verified(ImageKind::Mcuboot); }
  void drop_staged() override {}
  BootOutcome boot_outcome() override { return outcome; }
  void schedule_trial(ImageKind) override { fota->on_dfu_trial_scheduled(); }
  void confirm_running_image() override {
    confirmed = true;
    fota->on_dfu_confirmed();
  }
  void reject_running_image() override {}
  void acknowledge_revert() override {}
  void request_reboot() override { rebooted = true; }
  Millis now() override { return clock += Millis(100); }
  void start(TimerId, Millis) override {}
  void cancel(TimerId) override {}
  void log(LogLevel level, std::string_view message) override {
    log_lines.push_back(std::string(to_string(level)) + ": " + std::string(message));
  }
};

struct Rig {
  Device device;
  store::MemoryCheckpointStore& store;
  std::vector<Event> events;
  std::optional<Fota> fota;

  explicit Rig(store::MemoryCheckpointStore& s, BootOutcome outcome) : store(s) {
    device.outcome = outcome;
    EngineConfig c = World::default_config();
    auto created = Fota::create(c, Fota::Seams{device, device, device, device, store, device, &device},
                                [this](const Event& e) { events.push_back(e); });
    EXPECT_TRUE(created);
    fota.emplace(std::move(*created));
    device.fota = &*fota;
  }
  // Lets the fake service answer everything published so far (and what that causes).
  void pump(FakeService& service) {
    while (!device.outbox.empty()) {
      auto m = device.outbox.front();
      device.outbox.erase(device.outbox.begin());
      for (const auto& reply : service.handle(m.first, m.second)) {
        EXPECT_EQ(fota->on_mqtt_message(reply.first, reply.second), MessageResult::Consumed) << reply.first;
      }
    }
  }
};

TEST(FotaFacade, WholeUpdateAcrossAReboot_WithSynchronousSeams) {
  FakeService service(kThing);
  store::MemoryCheckpointStore store;
  {
    Rig rig(store, BootOutcome::Normal);
    rig.fota->start();
    rig.fota->on_connected();
    EXPECT_EQ(rig.device.subscribed.size(), 3u);
    EXPECT_FALSE(rig.fota->cancel()) << "nothing to cancel while idle";
    rig.pump(service);
    for (const auto& m : service.add_job(ServiceJob{"job-1", "QUEUED", 1, firmware_doc(), {}})) {
      EXPECT_EQ(rig.fota->on_mqtt_message(m.first, m.second), MessageResult::Consumed);
    }
    EXPECT_EQ(rig.fota->job_id(), "job-1");
    rig.pump(service);
    EXPECT_TRUE(rig.device.rebooted);
    EXPECT_EQ(rig.fota->state(), State::AwaitingReboot);
    EXPECT_TRUE(store.bytes().has_value());
  }
  Rig rig(store, BootOutcome::Trial);
  rig.fota->start();
  EXPECT_EQ(rig.fota->state(), State::Trial);
  EXPECT_TRUE(rig.fota->confirm());
  EXPECT_TRUE(rig.device.confirmed);
  rig.fota->on_connected();
  rig.pump(service);
  EXPECT_EQ(service.find("job-1")->status, "SUCCEEDED");
  ASSERT_FALSE(rig.events.empty());
  EXPECT_EQ(rig.events.back().kind, EventKind::Done);
  EXPECT_EQ(rig.events.back().image, ImageKind::Mcuboot);
  EXPECT_EQ(rig.fota->job_id(), "");
  EXPECT_FALSE(store.bytes().has_value());
  for (const auto& line : rig.device.log_lines) EXPECT_EQ(line.rfind("BUG", 0), std::string::npos) << line;
}

TEST(FotaFacade, MessagesOfOtherTopicsAreTheApplications) {
  store::MemoryCheckpointStore store;
  Rig rig(store, BootOutcome::Normal);
  rig.fota->start();
  EXPECT_EQ(rig.fota->on_mqtt_message("app/commands", "{}"), MessageResult::NotMine);
  EXPECT_EQ(static_cast<int>(MessageResult::NotMine), 1);
  EXPECT_EQ(static_cast<int>(MessageResult::Consumed), 0);
  EXPECT_EQ(rig.fota->on_mqtt_message("$aws/things/sensor-7/jobs/notify-next", "garbage"), MessageResult::Consumed);
}

TEST(FotaFacade, DamagedCheckpoint_StartsCleanWithAnErrorEvent) {
  store::MemoryCheckpointStore store;
  store.bytes() = std::string("AWSFOTA-CHECKPOINT v1 len=2 crc32=00000000\n{}");
  Rig rig(store, BootOutcome::Normal);
  rig.fota->start();
  ASSERT_EQ(rig.events.size(), 1u);
  EXPECT_EQ(rig.events[0].kind, EventKind::Error);
  EXPECT_NE(rig.events[0].message.find("crc32 mismatch"), std::string::npos);
  EXPECT_EQ(rig.fota->state(), State::Idle);
  EXPECT_FALSE(store.bytes().has_value());
}

TEST(FotaFacade, BadConfigurationIsRefused) {
  store::MemoryCheckpointStore store;
  Device device;
  EngineConfig c = World::default_config();
  c.client_token_prefix = "has space";
  auto created = Fota::create(c, Fota::Seams{device, device, device, device, store, device, nullptr}, {});
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("client_token_prefix"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::fota::testing
