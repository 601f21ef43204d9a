// The DeviceCycle fixture: whole update cycles in one process, the real engine, the curl downloader
// against nginx over HTTPS, slot files, the file boot control and the checkpoint file, with a fake
// Jobs service behind an in-memory MQTT transport. A reboot is the Device destroyed, the boot step
// run, and a new Device. Shared by the runtime integration tests (a test file per subject).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/image/create.hpp"
#include "awsfota/runtime/device.hpp"
#include "fota/fake_service.hpp"
#include "support/nginx.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::runtime {

using namespace std::chrono_literals;
using fota::testing::FakeService;
using fota::testing::ServiceJob;

inline constexpr const char* kThing = "thing-1";
inline constexpr std::uint64_t kSlotSize = 4 << 20;

inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

inline std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  openssl::OpenSslCrypto crypto;
  auto h = crypto.sha256();
  h->update(bytes);
  return image::to_hex(h->finish());
}

inline std::vector<std::uint8_t> read_prefix(const std::filesystem::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> v(n);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n));
  v.resize(static_cast<std::size_t>(in.gcount()));
  return v;
}

// Publishes go to the fake service on the engine thread; its answers come back through the Device's
// thread-safe entry point, as a broker's would.
class MemoryTransport final : public fota::MqttTransport {
 public:
  explicit MemoryTransport(FakeService& service) : service_(service) {}
  void attach(Device* device) { device_ = device; }
  bool publish(std::string_view topic, std::string_view payload, int) override {
    if (!device_) return false;
    for (auto& [t, p] : service_.handle(std::string(topic), std::string(payload))) (void)device_->on_mqtt_message(t, p);
    return true;
  }
  bool subscribe(std::string_view, int) override { return device_ != nullptr; }

 private:
  FakeService& service_;
  Device* device_ = nullptr;
};

class DeviceCycle : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::Pki::create(dir.path() / "pki");
    ASSERT_TRUE(pki) << pki.error();
    auto cert = pki->issue("server", {"IP:127.0.0.1", "DNS:localhost"});
    ASSERT_TRUE(cert) << cert.error();
    ca_file = pki->ca_cert();
    tls = *cert;
    std::filesystem::create_directories(dir.path() / "www");
    std::filesystem::create_directories(dir.path() / "state");

    auto key_pem = openssl::generate_private_key_pem(image::SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(key_pem) << key_pem.error();
    auto signer = openssl::load_private_key_pem(*key_pem);
    ASSERT_TRUE(signer) << signer.error();
    signer_ = std::move(*signer);
    public_pem = openssl::public_key_pem(signer_->public_key());

    // Slot A runs v1.0.0, as after the factory.
    old_image = make_image(random_bytes(64 * 1024, 7), {1, 0, 0, 0});
    std::ofstream(dir.path() / "state" / "slot-a.img", std::ios::binary)
        .write(reinterpret_cast<const char*>(old_image.data()), static_cast<std::streamsize>(old_image.size()));
  }

  void start_nginx(const std::string& extra_server_config = {}, bool plain_http = false) {
    const auto prefix = dir.path() / "nginx";
    auto started = testing::Nginx::start(
        prefix, {.root = dir.path() / "www", .http = plain_http, .https = true, .tls = tls,
                 // After the server blocks in the file; nginx merges http-level logs into them at the end.
                 .extra_http_config = "  log_format ranges '$status \"$http_range\" $body_bytes_sent';\n"
                                      "  access_log " + (prefix / "ranges.log").string() + " ranges;\n",
                 .extra_server_config = extra_server_config});
    ASSERT_TRUE(started) << started.error();
    nginx = std::move(*started);
  }

  std::vector<std::uint8_t> make_image(const std::vector<std::uint8_t>& payload, image::ImageVersion version) {
    openssl::OpenSslCrypto crypto;
    auto img = image::create_image(payload, {.version = version}, signer_.get(), crypto);
    EXPECT_TRUE(img) << (img ? "" : img.error());
    return img ? *img : std::vector<std::uint8_t>{};
  }

  // Serves `image` as fw.bin and queues a job for it.
  void offer(const std::string& job_id, const std::vector<std::uint8_t>& image, const std::string& version) {
    std::ofstream(dir.path() / "www" / "fw.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
    const std::string doc = R"({"operation":"app_fw_update","fwversion":")" + version + R"(","size":)" +
                            std::to_string(image.size()) + R"(,"sha256":")" + sha256_hex(image) +
                            R"(","location":{"url":")" + nginx->https_url("fw.bin") + R"("}})";
    service.jobs.push_back(ServiceJob{.id = job_id, .document = doc});
  }

  // The device of every power_on(); a fixture for other hardware overrides it.
  virtual DeviceConfig config(const std::string& running_version) {
    DeviceConfig c;
    c.engine.thing_name = kThing;
    c.engine.running_version = running_version;
    c.engine.client_token_prefix = "boot" + std::to_string(++boots);
    c.slot_a = dir.path() / "state" / "slot-a.img";
    c.slot_b = dir.path() / "state" / "slot-b.img";
    c.slot_size = kSlotSize;
    c.delta_staging = dir.path() / "state" / "delta-staging.img";
    c.boot_state = dir.path() / "state" / "boot.state";
    c.checkpoint = dir.path() / "state" / "checkpoint";
    c.signing_public_key_pem = public_pem;
    c.http.ca_file = ca_file.string();
    c.commit_interval = 64 * 1024;
    c.reboot = [this] { reboot_requested = true; };
    c.on_event = [this](const fota::Event& e) { events.push_back(e); };
    return c;
  }
  // The same, with the simulated modem and its staging area.
  DeviceConfig modem_config(const std::string& running_version) {
    DeviceConfig c = config(running_version);
    c.modem_dir = dir.path() / "state" / "modem";
    c.modem_staging = dir.path() / "state" / "modem-staging.img";
    c.modem_staging_size = 1 << 20;
    return c;
  }

  // "Power on": a Device on the running version, started and connected.
  void power_on(const std::string& running_version) {
    reboot_requested = false;
    start_device(config(running_version));
    device->on_connected();
  }
  // A Device of this configuration, started, not yet connected.
  void start_device(const DeviceConfig& c) {
    auto made = Device::create(c, transport);
    ASSERT_TRUE(made) << made.error();
    device = std::move(*made);
    transport.attach(device.get());
    device->start();
  }
  void power_off() {
    transport.attach(nullptr);
    device.reset();
  }
  // The bootloader's boot step between two runs.
  dfu::Slot reboot() {
    power_off();
    posix::FileBootRecordStore store(dir.path() / "state" / "boot.state");
    auto slot = dfu::run_boot_step(store);
    EXPECT_TRUE(slot) << (slot ? "" : slot.error().reason);
    return slot ? *slot : dfu::Slot::A;
  }
  dfu::BootStatus boot_status() {
    posix::FileBootRecordStore store(dir.path() / "state" / "boot.state");
    dfu::RecordBootControl boot(store);
    auto s = boot.status();
    EXPECT_TRUE(s);
    return s ? *s : dfu::BootStatus{};
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds budget = 60s) {
    return device->run_until(done, budget);
  }
  // nginx's log of the file's requests (start_nginx's "ranges" format), after nginx->stop() has
  // flushed the connections a dead run left behind.
  struct RangeRequest {
    std::string status, range;
    std::uint64_t bytes = 0;
  };
  std::vector<RangeRequest> range_requests() const {
    std::ifstream log(dir.path() / "nginx" / "ranges.log");
    std::vector<RangeRequest> out;
    const std::regex re(R"re((\d+) "([^"]*)" (\d+))re");
    for (std::string line; std::getline(log, line);) {
      std::smatch m;
      EXPECT_TRUE(std::regex_match(line, m, re)) << line;
      if (m.size() == 4) out.push_back({m[1], m[2], std::stoull(m[3])});
    }
    return out;
  }
  std::string job_status(const std::string& id) { return service.find(id) ? service.find(id)->status : ""; }
  bool any_update_with(const std::string& status) {
    for (const auto& u : service.updates)
      if (u.status == status) return true;
    return false;
  }

  // Reboot into the staged image, check it runs on trial, confirm, and see SUCCEEDED land.
  void confirm_after_reboot(const std::string& job_id, const std::string& new_version) {
    EXPECT_EQ(reboot(), dfu::Slot::B);
    power_on(new_version);
    EXPECT_EQ(device->boot_outcome(), fota::BootOutcome::Trial);
    ASSERT_TRUE(run_until([&] { return device->fota().state() == fota::State::Trial; }));
    EXPECT_FALSE(any_update_with("SUCCEEDED")) << "SUCCEEDED before the confirm";
    device->confirm();
    ASSERT_TRUE(run_until([&] { return job_status(job_id) == "SUCCEEDED"; }));
  }

  testing::TempDir dir{"runtime-it"};
  std::filesystem::path ca_file;
  testing::CertFiles tls;
  std::unique_ptr<image::ImageSigner> signer_;
  std::string public_pem;
  std::vector<std::uint8_t> old_image;
  std::unique_ptr<testing::Nginx> nginx;
  FakeService service{kThing};
  MemoryTransport transport{service};
  std::unique_ptr<Device> device;
  std::vector<fota::Event> events;
  bool reboot_requested = false;
  int boots = 0;
};

}  // namespace awsfota::runtime
