// The measured children of bench_download: making the signed images, and one update through the real
// device path (CurlFetcher + Download -> runtime::DfuStaging -> dfu::AppSlotTarget on a slot file, its
// checkpoint commits, then the target's verification of the image in the slot).
#include "device_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "awsfota/adapters/curl/curl_fetcher.hpp"
#include "awsfota/adapters/curl/system_env.hpp"
#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "awsfota/download/download.hpp"
#include "awsfota/image/create.hpp"
#include "awsfota/runtime/dfu_staging.hpp"

namespace fs = std::filesystem;

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What the engine would hear: only the verdict matters here.
class Verdict final : public awsfota::runtime::DfuListener {
 public:
  void on_erase_pending() override {}
  void on_staging_ready(bool, std::uint64_t) override {}
  void on_verified(awsfota::fota::ImageKind) override { verified = true; }
  void on_trial_scheduled() override {}
  void on_confirmed() override {}
  void on_failed(awsfota::fota::ErrorCause, std::string_view detail) override { failure = std::string(detail); }
  bool verified = false;
  std::string failure;
};

struct ThreadCpu {
  double hash = 0, sync = 0, other = 0;  // seconds (user + system)
};

// CPU time of this process's threads so far, by name (SlotFollower names its two threads).
ThreadCpu thread_cpu() {
  ThreadCpu out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string name = stat.substr(open + 1, close - open - 1);
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double cpu = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14 || i == 15) cpu += static_cast<double>(std::stoul(field)) / tick;
    }
    (name == "awsfota-hash" ? out.hash : name == "awsfota-sync" ? out.sync : out.other) += cpu;
  }
  return out;
}

}  // namespace

int make_images(const fs::path& dir, const std::vector<std::size_t>& sizes_mib) {
  auto pem = awsfota::openssl::generate_private_key_pem(awsfota::image::SignatureAlgorithm::EcdsaP256);
  if (!pem) return std::cerr << "key: " << pem.error() << "\n", 1;
  auto signer = awsfota::openssl::load_private_key_pem(*pem);
  if (!signer) return std::cerr << "key: " << signer.error() << "\n", 1;
  std::ofstream(dir / "key.pub.pem") << awsfota::openssl::public_key_pem((*signer)->public_key());
  awsfota::openssl::OpenSslCrypto crypto;
  for (std::size_t mib : sizes_mib) {
    // The payload is random so that nothing on the way (TLS, page cache, disk) gets an easy ride.
    std::vector<std::uint8_t> payload((mib << 20) - 4096);  // header + TLVs keep the file just under N MiB
    std::mt19937_64 rng(mib);
    for (std::size_t i = 0; i + 8 <= payload.size(); i += 8) {
      const std::uint64_t v = rng();
      std::memcpy(payload.data() + i, &v, 8);
    }
    awsfota::image::CreateOptions options;
    options.version = {2, 0, 0, 0};
    auto img = awsfota::image::create_image(payload, options, signer->get(), crypto);
    if (!img) return std::cerr << "create_image: " << img.error() << "\n", 1;
    std::ofstream out(dir / (std::to_string(mib) + ".img"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(img->data()), static_cast<std::streamsize>(img->size()));
    if (!out) return std::cerr << "writing the image\n", 1;
    std::ofstream(dir / (std::to_string(mib) + ".img.sha256")) << awsfota::image::to_hex(awsfota::image::sha256_of(crypto, *img));
  }
  return 0;
}

int run_device_path(const DevicePathArgs& a) {
  const auto start = Clock::now();
  auto key = awsfota::openssl::load_public_key_pem(slurp(a.public_key_pem));
  if (!key) return std::cerr << "public key: " << key.error() << "\n", 1;
  // Slot A is the running image; slot B (fresh, like curl's output file) receives the update.
  auto slot_a = awsfota::posix::PosixBlockDevice::open(a.slot_dir / "slot-a.img", a.slot_size);
  auto slot_b = awsfota::posix::PosixBlockDevice::open(a.slot_dir / "slot-b.img", a.slot_size);
  if (!slot_a || !slot_b) return std::cerr << "opening the slot files in " << a.slot_dir << "\n", 1;
  awsfota::posix::FileBootRecordStore store(a.slot_dir / "boot.state");
  if (!awsfota::dfu::run_boot_step(store)) return std::cerr << "boot step failed\n", 1;
  awsfota::dfu::RecordBootControl boot(store);
  awsfota::openssl::OpenSslCrypto crypto;
  awsfota::dfu::AppConfig config;
  config.verify.key = *key;
  awsfota::dfu::AppSlotTarget app(**slot_a, **slot_b, boot, crypto, config);
  awsfota::runtime::Routes routes;
  routes.app = {&app, [&]() -> awsfota::dfu::BlockDevice* { return slot_b->get(); }};
  awsfota::runtime::DfuStaging staging(std::move(routes), crypto,
                                       {.commit_interval = a.commit_interval,
                                        .record_path = a.slot_dir / "staging.record",
                                        .boot = &boot});
  Verdict verdict;
  staging.set_listener(&verdict);
  staging.prepare({.job_id = "bench", .expected_size = a.size});

  awsfota::curl::CurlFetcher fetcher({.ca_file = a.ca_file});
  awsfota::curl::SystemClock clock;
  awsfota::curl::SystemRandom random;
  awsfota::download::CancelToken cancel;
  awsfota::download::Download dl(fetcher, staging, clock, random,
                                 {.url = a.url, .expected_size = a.size, .allow_plain_http = true});
  std::uint64_t checkpoints = 0, last_durable = 0;
  const auto t_download = Clock::now();
  auto r = dl.run(cancel, [&](const awsfota::download::Progress& p) {
    if (p.durable_offset > last_durable) ++checkpoints, last_durable = p.durable_offset;
  });
  if (!r) return std::cerr << "download failed: " << r.error().message << "\n", 1;
  const double download_s = since(t_download);
  // The slot target's follower threads stop once the last byte is committed (in flush()): read their
  // CPU time now; what they do after this shows in flush_s.
  const auto threads = thread_cpu();
  const auto t_flush = Clock::now();
  auto flushed = staging.flush();
  if (!flushed || *flushed != a.size) return std::cerr << "flush failed\n", 1;
  const double flush_s = since(t_flush);
  const auto t_verify = Clock::now();
  staging.verify({.job_id = "bench", .expected_size = a.size, .sha256 = a.job_sha256});
  if (!verdict.verified) return std::cerr << "verification failed: " << verdict.failure << "\n", 1;
  const double verify_s = since(t_verify);
  if (!a.stages_file.empty()) {
    std::ofstream(a.stages_file) << download_s << " " << flush_s << " " << verify_s << " " << since(start) << " "
                                 << checkpoints << " " << threads.hash << " " << threads.sync << " " << threads.other
                                 << "\n";
  }
  return 0;
}

}  // namespace bench
