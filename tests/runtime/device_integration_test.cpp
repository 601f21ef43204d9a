// Whole update cycles in one process: the real engine, the curl downloader against nginx over HTTPS,
// slot files, the file boot control and the checkpoint file, with a fake Jobs service behind an
// in-memory MQTT transport. A reboot is the Device destroyed, the boot step run, and a new Device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>

#include "awsfota/image/delta.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/store/checkpoint_store.hpp"
#include "runtime/device_cycle.hpp"
#include "support/reference_document.hpp"

namespace awsfota::runtime {
namespace {

// A full queue (a flood of MQTT messages) may drop messages, never the control inputs: a lost
// on_connected() would leave the engine offline for good.
TEST_F(DeviceCycle, ControlInputsAreNotLostWhenTheEngineQueueIsFull) {
  // No server answers this URL: the job only has to be taken, which needs the engine connected.
  service.jobs.push_back(ServiceJob{.id = "job-1", .document = R"({"fwversion":"1.0.1","location":{"url":"https://127.0.0.1:9/fw.bin"}})"});
  DeviceConfig c = config("1.0.0");
  c.loop_capacity = 1;
  start_device(c);
  ASSERT_FALSE(device->post([](fota::Fota&) {})) << "the queue should be full";
  device->on_connected();
  EXPECT_TRUE(run_until([&] { return job_status("job-1") != "QUEUED"; }, 20s)) << job_status("job-1");
}

// A notify-next dropped for a full queue is not lost: once the queue drains the engine asks the
// service again ($next/get) and takes the job.
TEST_F(DeviceCycle, NotifyNextDroppedByAFullQueueStillStartsTheJob) {
  DeviceConfig c = config("1.0.0");
  c.loop_capacity = 1;
  start_device(c);
  device->on_connected();
  // Connected and idle, nothing pending: the budget runs out.
  EXPECT_FALSE(run_until([] { return false; }, 500ms));
  ASSERT_EQ(device->fota().state(), fota::State::Idle);

  const std::string doc = R"({"fwversion":"1.0.1","location":{"url":"https://127.0.0.1:9/fw.bin"}})";
  service.jobs.push_back(ServiceJob{.id = "job-1", .document = doc});
  while (device->post([](fota::Fota&) {})) {
  }
  const std::string notify = R"({"timestamp":1,"execution":{"jobId":"job-1","status":"QUEUED","versionNumber":1,)"
                             R"("executionNumber":1,"jobDocument":)" + doc + "}}";
  EXPECT_EQ(device->on_mqtt_message("$aws/things/" + std::string(kThing) + "/jobs/notify-next", notify),
            fota::MessageResult::Consumed);
  EXPECT_TRUE(run_until([&] { return job_status("job-1") != "QUEUED"; }, 20s)) << "the dropped notice was never asked for again";
}

TEST_F(DeviceCycle, FullImageUpdateSucceedsOnlyAfterTheTrialBootIsConfirmed) {
  start_nginx();
  auto image = make_image(random_bytes(512 * 1024, 11), {1, 0, 1, 0});
  offer("job-1", image, "1.0.1");

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "no reboot request; job " << job_status("job-1");
  EXPECT_EQ(job_status("job-1"), "IN_PROGRESS");
  EXPECT_EQ(service.find("job-1")->details["phase"], "awaiting_reboot");
  EXPECT_EQ(boot_status().state, dfu::BootState::TrialPending);

  confirm_after_reboot("job-1", "1.0.1");
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", image.size()), image);
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", old_image.size()), old_image);
  auto status = boot_status();
  EXPECT_EQ(status.active, dfu::Slot::B);
  EXPECT_EQ(status.confirmed, dfu::Slot::B);
  EXPECT_EQ(status.state, dfu::BootState::Confirmed);
  // Every status before the last is IN_PROGRESS; the last is SUCCEEDED, accepted.
  ASSERT_FALSE(service.updates.empty());
  for (std::size_t i = 0; i + 1 < service.updates.size(); ++i) EXPECT_EQ(service.updates[i].status, "IN_PROGRESS");
  EXPECT_EQ(service.updates.back().status, "SUCCEEDED");
  EXPECT_EQ(service.updates.back().outcome, "accepted");
  EXPECT_EQ(service.updates.back().details["fwversion"], "1.0.1");
  ASSERT_TRUE(run_until([&] { return !events.empty() && events.back().kind == fota::EventKind::Done; }, 10s));
  EXPECT_EQ(events.back().image, fota::ImageKind::Mcuboot);
}

TEST_F(DeviceCycle, DeltaUpdateIsStagedAppliedAgainstTheRunningSlotAndConfirmed) {
  start_nginx();
  // The new image shares most of its payload with the running one, as a real release does.
  auto payload = random_bytes(64 * 1024, 7);
  for (std::size_t i = 0; i < 512; ++i) payload[1000 + i] ^= 0x33;
  auto image = make_image(payload, {1, 0, 1, 0});
  openssl::OpenSslCrypto crypto;
  auto delta = image::create_delta(old_image, image, crypto);
  ASSERT_TRUE(delta) << delta.error().reason;
  ASSERT_LT(delta->size(), image.size() / 4);
  offer("job-d", *delta, "1.0.1");

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job " << job_status("job-d") << " "
                                                            << service.find("job-d")->details["reason"];
  EXPECT_EQ(service.find("job-d")->details["image"], "app_delta");
  confirm_after_reboot("job-d", "1.0.1");
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", image.size()), image);
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", old_image.size()), old_image);
}

TEST_F(DeviceCycle, DeathMidDownloadResumesFromTheCheckpointNotFromZero) {
  start_nginx("    limit_rate 2m;\n");  // about a second for the file: time to die in the middle
  auto image = make_image(random_bytes(2 * 1024 * 1024, 13), {1, 0, 1, 0});
  offer("job-2", image, "1.0.1");
  const char* env_seed = std::getenv("AWSFOTA_SEED");
  const auto seed = env_seed ? static_cast<std::uint32_t>(std::strtoul(env_seed, nullptr, 10))
                             : static_cast<std::uint32_t>(std::random_device{}());
  std::cout << "seed " << seed << " (AWSFOTA_SEED to repeat)\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 rng(seed);
  const int die_at_percent = std::uniform_int_distribution<int>(10, 80)(rng);

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] {
    return !events.empty() && events.back().kind == fota::EventKind::DlProgress && events.back().percent >= die_at_percent;
  })) << "never reached " << die_at_percent << "%";
  power_off();  // the process dies here

  store::FileCheckpointStore store(dir.path() / "state" / "checkpoint");
  auto cp = store.load();
  ASSERT_TRUE(cp && *cp);
  ASSERT_EQ((*cp)->phase, store::CheckpointPhase::Downloading);
  const std::uint64_t resumed_at = (*cp)->committed_offset;
  std::cout << "died at " << die_at_percent << "%, checkpoint offset " << resumed_at << " of " << image.size() << "\n";
  ASSERT_GT(resumed_at, 0u);
  ASSERT_LT(resumed_at, image.size());

  power_on("1.0.0");  // the same software starts again (no reboot happened)
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job " << job_status("job-2");
  confirm_after_reboot("job-2", "1.0.1");
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", image.size()), image);

  // Bytes on the wire, from nginx: one request from 0 (the first run) and the resume from the
  // checkpoint's offset, which carried exactly the rest of the file.
  nginx->stop();  // flushes the log of the connection the dead run left behind
  int from_zero = 0;
  bool resumed = false;
  for (const auto& request : range_requests()) {
    if (request.range == "bytes=0-") ++from_zero;
    if (request.range == "bytes=" + std::to_string(resumed_at) + "-") {
      resumed = true;
      EXPECT_EQ(request.status, "206");
      EXPECT_EQ(request.bytes, image.size() - resumed_at);
    }
  }
  EXPECT_EQ(from_zero, 1);
  EXPECT_TRUE(resumed) << "no request resumed at " << resumed_at;
}

TEST_F(DeviceCycle, FailedSelfTestRollsBackAndEndsFailed) {
  start_nginx();
  auto image = make_image(random_bytes(256 * 1024, 17), {1, 0, 1, 0});
  offer("job-3", image, "1.0.1");
  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested; }));
  EXPECT_EQ(reboot(), dfu::Slot::B);

  power_on("1.0.1");
  ASSERT_EQ(device->boot_outcome(), fota::BootOutcome::Trial);
  ASSERT_TRUE(run_until([&] { return device->fota().state() == fota::State::Trial; }));
  device->self_test_failed("the sensor self-test failed");
  ASSERT_TRUE(run_until([&] { return job_status("job-3") == "FAILED" && reboot_requested; }));
  EXPECT_EQ(service.find("job-3")->details["cause"], "SELF_TEST_FAILED");
  EXPECT_FALSE(any_update_with("SUCCEEDED"));

  EXPECT_EQ(reboot(), dfu::Slot::A);  // the bootloader goes back
  auto status = boot_status();
  EXPECT_EQ(status.active, dfu::Slot::A);
  EXPECT_EQ(status.confirmed, dfu::Slot::A);
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", old_image.size()), old_image);
  power_on("1.0.0");  // the old image runs on, with nothing left to do
  ASSERT_TRUE(run_until([&] { return device->fota().state() == fota::State::Idle; }, 10s));
  EXPECT_EQ(job_status("job-3"), "FAILED");
}

TEST_F(DeviceCycle, BadSignatureEndsFailedWithTheActiveSlotUntouched) {
  start_nginx();
  auto image = make_image(random_bytes(256 * 1024, 19), {1, 0, 1, 0});
  image.back() ^= 0x5a;  // inside the signature TLV, the last thing in the image
  offer("job-4", image, "1.0.1");  // the document's sha256 is of these bytes: only the signature is wrong
  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return job_status("job-4") == "FAILED"; }));
  EXPECT_EQ(service.find("job-4")->details["cause"], "SIGNATURE_INVALID");
  EXPECT_FALSE(reboot_requested);
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", old_image.size()), old_image);
  auto status = boot_status();
  EXPECT_EQ(status.active, dfu::Slot::A);
  EXPECT_EQ(status.state, dfu::BootState::Confirmed);
  bool error_event = false;
  for (const auto& e : events) error_event |= e.kind == fota::EventKind::Error && e.cause == fota::ErrorCause::SignatureInvalid;
  EXPECT_TRUE(error_event);
}

// The reference's dual-slot form ("path": "s0.bin s1.bin") names one file per slot. The device fetches
// the inactive slot's: the second file while slot A runs, the first once slot B runs.
TEST_F(DeviceCycle, DualSlotDocumentFetchesTheFileOfTheInactiveSlot) {
  start_nginx();
  const auto for_slot_a = make_image(random_bytes(80 * 1024, 23), {1, 0, 2, 0});
  const auto for_slot_b = make_image(random_bytes(96 * 1024, 29), {1, 0, 1, 0});
  for (const auto& [name, bytes] : {std::pair{"s0.bin", &for_slot_a}, std::pair{"s1.bin", &for_slot_b}}) {
    std::ofstream(dir.path() / "www" / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  }
  const auto offer_dual_slot = [&](const std::string& job_id, const std::string& version) {
    service.jobs.push_back(ServiceJob{
        .id = job_id, .document = R"({"operation":"app_fw_update","fwversion":")" + version +
                                  R"(","location":{"protocol":"https:","host":"127.0.0.1:)" +
                                  std::to_string(nginx->https_port()) + R"(","path":"s0.bin s1.bin"}})"});
  };

  offer_dual_slot("job-1", "1.0.1");
  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested || job_status("job-1") == "FAILED"; }));
  ASSERT_TRUE(reboot_requested) << "job-1: " << service.find("job-1")->details["reason"];
  confirm_after_reboot("job-1", "1.0.1");
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", for_slot_b.size()), for_slot_b);

  offer_dual_slot("job-2", "1.0.2");
  EXPECT_EQ(reboot(), dfu::Slot::B);
  power_on("1.0.1");
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job-2: " << job_status("job-2");
  EXPECT_EQ(reboot(), dfu::Slot::A);
  power_on("1.0.2");
  ASSERT_TRUE(run_until([&] { return device->fota().state() == fota::State::Trial; }));
  device->confirm();
  ASSERT_TRUE(run_until([&] { return job_status("job-2") == "SUCCEEDED"; }));
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", for_slot_a.size()), for_slot_a);
  EXPECT_EQ(boot_status().confirmed, dfu::Slot::A);
}

// The reference's example document, verbatim but for its host: refused by default (plain http, no
// sha256), fetched with compat NrfAwsFota alone (allow_plain_http left false), its sample size ignored.
TEST_F(DeviceCycle, CompatNrfAwsFotaFetchesTheReferenceExampleOverPlainHttp) {
  start_nginx({}, /*plain_http=*/true);
  const auto image = make_image(random_bytes(200 * 1024, 31), {1, 0, 2, 0});
  ASSERT_NE(image.size(), testing::kReferenceExampleSize);
  std::ofstream(dir.path() / "www" / "file_name.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  const std::string document = testing::reference_example_with_host("127.0.0.1:" + std::to_string(nginx->http_port()));

  service.jobs.push_back(ServiceJob{.id = "ref-strict", .document = document});
  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return job_status("ref-strict") == "FAILED"; }));
  EXPECT_EQ(service.find("ref-strict")->details["cause"], "PROTO_NOT_SUPPORTED");
  power_off();

  service.jobs.push_back(ServiceJob{.id = "ref-compat", .document = document});
  DeviceConfig c = config("1.0.0");
  c.engine.document_options.compat = jobs::Compat::NrfAwsFota;
  ASSERT_FALSE(c.allow_plain_http);
  start_device(c);
  device->on_connected();
  ASSERT_TRUE(run_until([&] { return reboot_requested || job_status("ref-compat") == "FAILED"; }));
  ASSERT_TRUE(reboot_requested) << "ref-compat: " << service.find("ref-compat")->details["reason"];
  confirm_after_reboot("ref-compat", "1.0.2");
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", image.size()), image);
}

// With a signing key a modem image is installed only in the signed modem envelope: the raw image fails
// its job (SIGNATURE_INVALID) at its first bytes and never reaches the modem; the envelope of the same
// image, signed by the key, goes to the modem, which runs it after the reboot.
TEST_F(DeviceCycle, ModemImageIsInstalledOnlyInTheSignedEnvelopeWhenAKeyIsConfigured) {
  start_nginx();
  auto modem_image = random_bytes(100 * 1024, 31);
  modem_image[0] = 0xd2;  // a full modem image: LE u16 0x84d2 at 0
  modem_image[1] = 0x84;
  offer("job-raw", modem_image, "mfw-2");
  start_device(modem_config("1.0.0"));
  device->on_connected();
  ASSERT_TRUE(run_until([&] { return job_status("job-raw") == "FAILED"; })) << job_status("job-raw");
  EXPECT_EQ(service.find("job-raw")->details["cause"], "SIGNATURE_INVALID");
  EXPECT_NE(service.find("job-raw")->details["reason"].find("signed modem envelope"), std::string::npos)
      << service.find("job-raw")->details["reason"];
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "state" / "modem" / "pending.bin"));

  openssl::OpenSslCrypto crypto;
  auto envelope = image::create_image(
      modem_image, {.version = {2, 0, 0, 0}, .flags = image::modem_envelope_flag(image::ImageKind::FullModem)},
      signer_.get(), crypto);
  ASSERT_TRUE(envelope) << envelope.error();
  offer("job-signed", *envelope, "mfw-2");
  ASSERT_TRUE(run_until([&] { return reboot_requested || job_status("job-signed") == "FAILED"; }));
  ASSERT_TRUE(reboot_requested) << service.find("job-signed")->details["reason"];
  EXPECT_EQ(service.find("job-signed")->details["image"], "full_modem");
  reboot();
  start_device(modem_config("1.0.0"));  // the modem applies the update at its init
  device->on_connected();
  ASSERT_TRUE(run_until([&] { return device->fota().state() == fota::State::Trial; }));
  device->confirm();
  ASSERT_TRUE(run_until([&] { return job_status("job-signed") == "SUCCEEDED"; }));
  EXPECT_EQ(read_prefix(dir.path() / "state" / "modem" / "firmware.bin", modem_image.size() + 1), modem_image);
}

// The event names in order, each run of DL_PROGRESS as one.
std::vector<std::string_view> event_names(const std::vector<fota::Event>& events) {
  std::vector<std::string_view> names;
  for (const auto& e : events) {
    if (names.empty() || names.back() != fota::to_string(e.kind)) names.push_back(fota::to_string(e.kind));
  }
  return names;
}

// A fresh download erases what it is about to write before its first byte lands: ERASE_PENDING and
// ERASE_DONE come between START and the first DL_PROGRESS, as in the reference (the inactive slot,
// for the job's size, and the modem's staging area are prepared). A resume keeps its staged bytes and
// erases nothing. DONE comes only after the new image was confirmed.
TEST_F(DeviceCycle, EraseEventsBracketAFreshDownloadsPreparationAndNotAResume) {
  start_nginx("    limit_rate 2m;\n");  // time to stop in the middle
  auto image = make_image(random_bytes(2 * 1024 * 1024, 37), {1, 0, 1, 0});
  offer("job-e", image, "1.0.1");
  const std::vector<std::uint8_t> stale(3 * 1024 * 1024, 0x5a);  // an old image in slot B
  std::ofstream(dir.path() / "state" / "slot-b.img", std::ios::binary)
      .write(reinterpret_cast<const char*>(stale.data()), static_cast<std::streamsize>(stale.size()));

  start_device(modem_config("1.0.0"));
  device->on_connected();
  ASSERT_TRUE(run_until([&] { return !events.empty() && events.back().kind == fota::EventKind::DlProgress &&
                                     events.back().percent >= 30; }));
  EXPECT_EQ(event_names(events), (std::vector<std::string_view>{"START", "ERASE_PENDING", "ERASE_DONE", "DL_PROGRESS"}));
  for (const auto& e : events) EXPECT_EQ(e.job_id, "job-e");
  // Erased for the job's size (zeros on a file), not past it; not yet written near the end.
  const auto slot_b = read_prefix(dir.path() / "state" / "slot-b.img", stale.size());
  ASSERT_EQ(slot_b.size(), stale.size());
  EXPECT_TRUE(std::all_of(slot_b.begin() + static_cast<std::ptrdiff_t>(image.size()) - 4096,
                          slot_b.begin() + static_cast<std::ptrdiff_t>(image.size()), [](std::uint8_t b) { return b == 0; }));
  EXPECT_EQ(slot_b[image.size()], 0x5a);
  power_off();  // the process dies mid-download

  events.clear();
  start_device(modem_config("1.0.0"));
  device->on_connected();
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job " << job_status("job-e");
  EXPECT_EQ(event_names(events), (std::vector<std::string_view>{"START", "DL_PROGRESS", "REBOOT_REQUESTED"}));
  EXPECT_EQ(events.front().message, "resumed");

  events.clear();
  confirm_after_reboot("job-e", "1.0.1");
  ASSERT_TRUE(run_until([&] { return !events.empty() && events.back().kind == fota::EventKind::Done; }, 10s));
  EXPECT_EQ(event_names(events), (std::vector<std::string_view>{"CONFIRMED", "DONE"}));  // the trial run
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-b.img", image.size()), image);
}

}  // namespace
}  // namespace awsfota::runtime
