// The C API's contract: argument checks and their errno values, the routing of MQTT events, and the
// job id, confirm and cancel calls, with a fake Jobs service behind a transport made of C function
// pointers (as an application's would be). Downloads go to a closed port: these tests stop at START.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "awsfota/aws_fota.h"
#include "fota/fake_service.hpp"
#include "support/process.hpp"

namespace {

using namespace std::chrono_literals;

constexpr const char* kCapiThing = "capi-thing";

// What the callback saw; the callback is a plain C function, so the fixture is reached through this.
struct CapiSeen {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<aws_fota_evt_id> events;
  std::string start_job;
  int init_from_callback = 0;
  int deinit_from_callback = 0;

  bool wait_for(aws_fota_evt_id id, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return std::find(events.begin(), events.end(), id) != events.end(); });
  }
};
CapiSeen* g_seen = nullptr;

void capi_on_event(const aws_fota_event* evt) {
  if (!g_seen) return;
  std::lock_guard lock(g_seen->mutex);
  g_seen->events.push_back(evt->id);
  if (evt->id == AWS_FOTA_EVT_START) {
    g_seen->start_job = evt->job_id;
    g_seen->init_from_callback = aws_fota_init(nullptr, nullptr);
    g_seen->deinit_from_callback = aws_fota_deinit();
  }
  g_seen->changed.notify_all();
}

int capi_publish_nowhere(void*, const char*, const void*, size_t, int) { return -1; }
int capi_subscribe_nowhere(void*, const char*, int) { return -1; }

aws_fota_transport transport_nowhere() {
  return {.client_id = kCapiThing, .user_data = nullptr, .publish = capi_publish_nowhere,
          .subscribe = capi_subscribe_nowhere};
}

// The fake Jobs service behind the C transport: what the library publishes is answered at once.
struct CapiBroker {
  awsfota::fota::testing::FakeService service{kCapiThing};
  std::mutex mutex;
  aws_fota_transport transport{};
};

int capi_publish_to_service(void* user_data, const char* topic, const void* payload, size_t len, int) {
  auto* broker = static_cast<CapiBroker*>(user_data);
  std::vector<awsfota::fota::testing::Message> answers;
  {
    std::lock_guard lock(broker->mutex);
    answers = broker->service.handle(topic, std::string(static_cast<const char*>(payload), len));
  }
  for (const auto& [t, p] : answers) {
    const aws_fota_mqtt_evt evt{.type = AWS_FOTA_MQTT_EVT_PUBLISH, .topic = t.c_str(), .payload = p.data(),
                                .payload_len = p.size()};
    EXPECT_EQ(aws_fota_mqtt_evt_handler(&broker->transport, &evt), 0) << t;
  }
  return 0;
}
int capi_subscribe_ok(void*, const char*, int) { return 0; }

aws_fota_mqtt_evt publish_evt(const char* topic, const char* payload) {
  return {.type = AWS_FOTA_MQTT_EVT_PUBLISH, .topic = topic, .payload = payload, .payload_len = std::strlen(payload)};
}

TEST(CApi, InitBeforeConfigureIsENOENT) {
  // In a fresh process (the configuration is process-wide): a threadsafe death test runs this test's
  // body alone in a new one.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const aws_fota_transport t = transport_nowhere();
        const int r = aws_fota_init(&t, capi_on_event);
        std::exit(r == -ENOENT && std::strstr(aws_fota_last_error(), "aws_fota_configure") ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(CApi, InitRefusesMissingArguments) {
  aws_fota_transport t = transport_nowhere();
  EXPECT_EQ(aws_fota_init(nullptr, capi_on_event), -EINVAL);
  EXPECT_STREQ(aws_fota_last_error(), "transport is NULL");
  EXPECT_EQ(aws_fota_init(&t, nullptr), -EINVAL);
  EXPECT_STREQ(aws_fota_last_error(), "evt_handler is NULL");
  t.publish = nullptr;
  EXPECT_EQ(aws_fota_init(&t, capi_on_event), -EINVAL);
  t = transport_nowhere();
  t.subscribe = nullptr;
  EXPECT_EQ(aws_fota_init(&t, capi_on_event), -EINVAL);
  t = transport_nowhere();
  t.client_id = nullptr;
  EXPECT_EQ(aws_fota_init(&t, capi_on_event), -EINVAL);
  t.client_id = "not a thing/name";
  EXPECT_EQ(aws_fota_init(&t, capi_on_event), -EINVAL);
  EXPECT_NE(std::strstr(aws_fota_last_error(), "not a valid thing name"), nullptr) << aws_fota_last_error();
}

TEST(CApi, ConfigureRefusesMissingFields) {
  EXPECT_EQ(aws_fota_configure(nullptr), -EINVAL);
  aws_fota_config c{.state_dir = nullptr, .slot_size = 1 << 20};
  EXPECT_EQ(aws_fota_configure(&c), -EINVAL);
  EXPECT_NE(std::strstr(aws_fota_last_error(), "state_dir"), nullptr) << aws_fota_last_error();
  c.state_dir = "";
  EXPECT_EQ(aws_fota_configure(&c), -EINVAL);
  c.state_dir = "/tmp/x";
  c.slot_size = 0;
  EXPECT_EQ(aws_fota_configure(&c), -EINVAL);
  EXPECT_NE(std::strstr(aws_fota_last_error(), "slot_size"), nullptr) << aws_fota_last_error();
  c.slot_size = 1 << 20;
  c.slot_a = c.slot_b = "/tmp/x/slot.img";
  EXPECT_EQ(aws_fota_configure(&c), -EINVAL);
}

TEST(CApi, CallsBeforeInitAreENODEV) {
  const aws_fota_transport t = transport_nowhere();
  const aws_fota_mqtt_evt connected{.type = AWS_FOTA_MQTT_EVT_CONNECTED};
  char buf[16];
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&t, &connected), -ENODEV);
  EXPECT_EQ(aws_fota_get_job_id(buf, sizeof buf), -ENODEV);
  EXPECT_EQ(aws_fota_get_boot_outcome(), -ENODEV);
  EXPECT_EQ(aws_fota_confirm(), -ENODEV);
  EXPECT_EQ(aws_fota_reject("broken"), -ENODEV);
  EXPECT_EQ(aws_fota_cancel(), -ENODEV);
  EXPECT_EQ(aws_fota_deinit(), -ENODEV);
}

TEST(CApi, BadArgumentsAreEINVALBeforeAnythingElse) {
  const aws_fota_transport t = transport_nowhere();
  char buf[16];
  EXPECT_EQ(aws_fota_get_job_id(nullptr, 16), -EINVAL);
  EXPECT_EQ(aws_fota_get_job_id(buf, 0), -EINVAL);
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&t, nullptr), -EINVAL);
  const aws_fota_mqtt_evt no_topic{.type = AWS_FOTA_MQTT_EVT_PUBLISH, .topic = nullptr};
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&t, &no_topic), -EINVAL);
  const aws_fota_mqtt_evt no_payload{.type = AWS_FOTA_MQTT_EVT_PUBLISH, .topic = "a/b", .payload = nullptr,
                                     .payload_len = 5};
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&t, &no_payload), -EINVAL);
  const aws_fota_mqtt_evt unknown{.type = static_cast<aws_fota_mqtt_evt_type>(3)};
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&t, &unknown), -EINVAL);
  const aws_fota_mqtt_evt connected{.type = AWS_FOTA_MQTT_EVT_CONNECTED};
  EXPECT_EQ(aws_fota_mqtt_evt_handler(nullptr, &connected), -EINVAL);
  EXPECT_EQ(aws_fota_reject(nullptr), -EINVAL);
}

TEST(CApi, InitFailsWithEIONamingTheSlotItCannotOpen) {
  awsfota::testing::TempDir dir("capi");
  const std::string state = (dir.path() / "state").string();
  const aws_fota_config c{.state_dir = state.c_str(), .slot_a = "/proc/no-such-dir/slot-a.img", .slot_size = 1 << 20};
  ASSERT_EQ(aws_fota_configure(&c), 0);
  const aws_fota_transport t = transport_nowhere();
  EXPECT_EQ(aws_fota_init(&t, capi_on_event), -EIO);
  EXPECT_NE(std::strstr(aws_fota_last_error(), "slot_a"), nullptr) << aws_fota_last_error();
  EXPECT_EQ(aws_fota_deinit(), -ENODEV);  // nothing was left running
}

TEST(CApi, TakesAJobRoutesTopicsAndCancels) {
  awsfota::testing::TempDir dir("capi");
  CapiSeen seen;
  g_seen = &seen;
  CapiBroker broker;
  broker.transport = {.client_id = kCapiThing, .user_data = &broker, .publish = capi_publish_to_service,
                      .subscribe = capi_subscribe_ok};
  broker.service.jobs.push_back({.id = "job-17",
                                 .document = R"({"operation":"app_fw_update","fwversion":"v2","size":1000,)"
                                             R"("location":{"url":"https://127.0.0.1:1/fw.bin"}})"});
  const std::string state = (dir.path() / "state").string();
  const aws_fota_config c{.state_dir = state.c_str(), .slot_size = 1 << 20, .running_version = "v1"};
  ASSERT_EQ(aws_fota_configure(&c), 0);
  ASSERT_EQ(aws_fota_init(&broker.transport, capi_on_event), 0) << aws_fota_last_error();
  EXPECT_EQ(aws_fota_init(&broker.transport, capi_on_event), -EALREADY);
  EXPECT_EQ(aws_fota_get_boot_outcome(), AWS_FOTA_BOOT_NORMAL);

  char buf[65];
  EXPECT_EQ(aws_fota_get_job_id(buf, sizeof buf), 0);
  EXPECT_STREQ(buf, "");

  // Not this library's: the application's topics, another thing's Jobs topics. Connection events are both.
  auto app = publish_evt("$aws/things/capi-thing/app/cmd", "{}");
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&broker.transport, &app), 1);
  auto other = publish_evt("$aws/things/other-thing/jobs/notify-next", "{}");
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&broker.transport, &other), 1);
  aws_fota_transport stranger = broker.transport;
  stranger.user_data = &seen;
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&stranger, &app), -EINVAL);
  const aws_fota_mqtt_evt connected{.type = AWS_FOTA_MQTT_EVT_CONNECTED};
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&broker.transport, &connected), 1);

  ASSERT_TRUE(seen.wait_for(AWS_FOTA_EVT_START, 10s));
  {
    std::lock_guard lock(seen.mutex);
    EXPECT_EQ(seen.start_job, "job-17");
    EXPECT_EQ(seen.init_from_callback, -EDEADLK);
    EXPECT_EQ(seen.deinit_from_callback, -EDEADLK);
  }
  EXPECT_EQ(aws_fota_get_job_id(buf, sizeof buf), 6);
  EXPECT_STREQ(buf, "job-17");
  EXPECT_EQ(aws_fota_get_job_id(buf, 6), -ENOMEM);  // no room for the NUL
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(aws_fota_get_job_id(buf, 7), 6);
  // The library's, though it answers nothing it asked (another client's token): taken, then ignored.
  auto mine = publish_evt("$aws/things/capi-thing/jobs/get/accepted", R"({"clientToken":"someone-else"})");
  EXPECT_EQ(aws_fota_mqtt_evt_handler(&broker.transport, &mine), 0);

  EXPECT_EQ(aws_fota_confirm(), -EPERM);  // nothing runs on trial
  EXPECT_EQ(aws_fota_reject("no"), -EPERM);
  EXPECT_EQ(aws_fota_cancel(), 0);
  EXPECT_TRUE(seen.wait_for(AWS_FOTA_EVT_CANCELED, 10s));
  std::string status;
  for (int i = 0; i < 100 && status != "FAILED"; ++i) {
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(broker.mutex);
    if (const auto* job = broker.service.find("job-17")) status = job->status;
  }
  EXPECT_EQ(status, "FAILED");
  EXPECT_EQ(aws_fota_deinit(), 0);
  EXPECT_EQ(aws_fota_deinit(), -ENODEV);
  g_seen = nullptr;
}

}  // namespace
