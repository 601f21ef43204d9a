// Download benchmark: an update through awsfota's real device path against `curl -o` of the same URL to
// the same disk, from nginx on 127.0.0.1, HTTP and HTTPS, side by side in one run.
//
// awsfota column: from the first request to "verified and durable": CurlFetcher + Download streaming a
// signed MCUboot image (ECDSA P-256) into runtime::DfuStaging -> dfu::AppSlotTarget, which writes slot B
// (a fresh file in --dir) with a durable checkpoint commit every --commit-mib, then DfuStaging::flush()
// and verify() (the target's hash and signature check of the image in the slot). curl columns:
// `curl -s -o FILE URL`, and the same followed by an fsync of FILE. Each download runs in its own
// process: its peak RSS (ru_maxrss) and CPU time (user + system) come from wait4; nginx's CPU time for
// each download is read from /proc. A global sync() before each run keeps one run's write-back out of
// the next.
//
//   bench_download [--sizes 64,256] [--runs 3] [--dir /var/tmp] [--commit-mib 1] [--job-sha256 0|1]
//
// --job-sha256 1: the job also carries the file's SHA-256, which verify() checks as well.
// Internal modes (children, hidden from --help): --make-images DIR MIB...;
// --device URL CA SLOTDIR PUBKEY SIZE COMMIT STAGES [SHA256]
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "command_line.hpp"
#include "device_path.hpp"
#include "support/nginx.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

struct Measured {
  double seconds = 0;
  double cpu = 0;        // user + system of the child
  double server_cpu = 0; // nginx's user + system during the run
  long max_rss_kib = 0;
  bool ok = false;
};

// utime + stime of a process, seconds.
double process_cpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Runs argv in a child process; wall time (including an fsync of `sync_path` when given), CPU, peak RSS.
Measured measure(const std::vector<std::string>& argv, pid_t server, const std::string& sync_path = {}) {
  ::sync();
  const double server_before = process_cpu(server);
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!sync_path.empty()) {
    const int fd = ::open(sync_path.c_str(), O_WRONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  Measured m;
  m.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  m.server_cpu = process_cpu(server) - server_before;
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  m.cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
  m.max_rss_kib = usage.ru_maxrss;
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Series {
  std::vector<double> wall, cpu, server_cpu;
  long rss = 0;
  void add(const Measured& m) {
    wall.push_back(m.seconds);
    cpu.push_back(m.cpu);
    server_cpu.push_back(m.server_cpu);
    rss = std::max(rss, m.max_rss_kib);
  }
};

double cpu_now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// What each extra step of the device path costs alone on this machine, for the floor arithmetic:
// SHA-256 in memory, reading a file back from the page cache, writing it, and its fsync.
void stage_costs(const fs::path& dir, std::size_t mib) {
  const std::size_t chunk = 512 * 1024, total = mib << 20;
  std::vector<std::uint8_t> buf(chunk, 0x5a);
  awsfota::openssl::OpenSslCrypto crypto;
  const fs::path file = dir / "stage-costs.bin";
  ::sync();
  double c0 = cpu_now();
  auto w0 = Clock::now();
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  for (std::size_t at = 0; at < total; at += chunk) {
    buf[0] = static_cast<std::uint8_t>(at >> 19);
    if (::pwrite(fd, buf.data(), chunk, static_cast<off_t>(at)) < 0) break;
  }
  const double write_cpu = cpu_now() - c0;
  const double write_wall = std::chrono::duration<double>(Clock::now() - w0).count();
  w0 = Clock::now();
  ::fsync(fd);
  const double fsync_wall = std::chrono::duration<double>(Clock::now() - w0).count();
  c0 = cpu_now();
  for (std::size_t at = 0; at < total; at += chunk) {
    if (::pread(fd, buf.data(), chunk, static_cast<off_t>(at)) < 0) break;
  }
  const double read_cpu = cpu_now() - c0;
  ::close(fd);
  fs::remove(file);
  c0 = cpu_now();
  auto hasher = crypto.sha256();
  for (std::size_t at = 0; at < total; at += chunk) hasher->update(buf);
  (void)hasher->finish();
  const double sha_cpu = cpu_now() - c0;
  std::printf("Stage costs alone, %zu MiB in 512 KiB pieces: SHA-256 %.3f s CPU; pread from the page cache %.3f s CPU;\n"
              "pwrite to a fresh file %.3f s CPU (%.3f s wall); then its fsync %.3f s wall.\n",
              mib, sha_cpu, read_cpu, write_cpu, write_wall, fsync_wall);
}

// --make-images DIR MIB...
int make_images_child(const std::vector<std::string>& args) {
  std::vector<std::size_t> sizes;
  for (std::size_t i = 1; i < args.size(); ++i) sizes.push_back(std::stoul(args[i]));
  return bench::make_images(args[0], sizes);
}

// --device URL CA SLOTDIR PUBKEY SIZE COMMIT STAGES [SHA256]
int device_child(const std::vector<std::string>& args) {
  bench::DevicePathArgs a;
  a.url = args[0];
  a.ca_file = args[1];
  a.slot_dir = args[2];
  a.public_key_pem = args[3];
  a.size = std::stoull(args[4]);
  a.slot_size = a.size;
  a.commit_interval = std::stoull(args[5]);
  a.stages_file = args[6];
  if (args.size() > 7) a.job_sha256 = args[7];
  return bench::run_device_path(a);
}

struct Options {
  std::vector<std::size_t> sizes{64, 256};
  int runs = 3;
  std::string base = "/var/tmp";
  double commit_mib = 1;
  bool job_sha256 = false;
  std::vector<std::string> make_images;  // the internal modes
  std::vector<std::string> device;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--sizes", o.sizes, "image sizes in MiB, comma-separated")
      ->delimiter(',')->check(CLI::Range(1, 65536))->capture_default_str();
  app.add_option("--runs", o.runs, "runs of each download; the table gives medians")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--dir", o.base, "where the images, the slot files and curl's output go")
      ->check(CLI::ExistingDirectory)->capture_default_str();
  app.add_option("--commit-mib", o.commit_mib, "durable checkpoint every this many MiB")
      ->check(CLI::Range(0.01, 4096.0))->capture_default_str();
  app.add_option("--job-sha256", o.job_sha256, "1: the job carries the file's SHA-256 too, checked by verify()")
      ->capture_default_str();
  app.add_option("--make-images", o.make_images)->expected(2, -1)->group("");
  app.add_option("--device", o.device)->expected(7, 8)->group("");
  app.footer("Environment: AWSFOTA_BENCH_WRAP=\"perf record -g -o FILE --\" runs the device path under that command.\n"
             "Exit codes: 0 done, 1 a step failed (see stderr), 2 bad command line. Figures: docs/performance.md.");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"An update through awsfota's device path vs curl -o, from nginx on 127.0.0.1 (HTTP and HTTPS).",
               "bench_download"};
  Options options;
  add_options(app, options);
  if (auto done = awsfota::program::parse(app, argc, argv)) return *done;
  if (!options.make_images.empty()) return make_images_child(options.make_images);
  if (!options.device.empty()) return device_child(options.device);

  const std::vector<std::size_t>& sizes = options.sizes;
  const int runs = options.runs;
  const auto commit_interval = static_cast<std::uint64_t>(options.commit_mib * (1 << 20));
  const bool job_sha256 = options.job_sha256;
  setenv("TMPDIR", options.base.c_str(), 1);
  awsfota::testing::TempDir dir("awsfota-bench");
  const fs::path www = dir.path() / "www", slots = dir.path() / "slots";
  fs::create_directories(www);
  fs::create_directories(slots);
  auto pki = awsfota::testing::Pki::create(dir.path() / "pki");
  if (!pki) return std::cerr << pki.error() << "\n", 1;
  auto cert = pki->issue("server", {"IP:127.0.0.1"});
  if (!cert) return std::cerr << cert.error() << "\n", 1;
  const std::string self = fs::canonical("/proc/self/exe").string();
  {
    // Images are made in a child so that this process (and so its forks) stays small.
    std::vector<std::string> make{self, "--make-images", www.string()};
    for (auto mib : sizes) make.push_back(std::to_string(mib));
    if (!measure(make, getpid()).ok) return std::cerr << "making the images failed\n", 1;
  }
  auto nginx = awsfota::testing::Nginx::start(dir.path() / "nginx",
                                              {.root = www, .http = true, .https = true, .tls = *cert});
  if (!nginx) return std::cerr << nginx.error() << "\n", 1;
  pid_t server = 0;
  std::ifstream(dir.path() / "nginx" / "nginx.pid") >> server;

  const std::string ca = pki->ca_cert().string();
  const std::string out = (dir.path() / "curl-out.bin").string();
  const std::string stages = (dir.path() / "stages.txt").string();
  const std::string pubkey = (www / "key.pub.pem").string();
  std::printf("%-5s %4s | %7s %7s %7s | %6s %6s | %6s %6s %6s | %6s %6s %6s %6s %6s | %6s %6s %6s | %5s %5s\n", "proto",
              "MiB", "awsfota", "curl-o", "+fsync", "r_curl", "r_sync", "dl", "flush", "verify", "cpu_a", "main", "hash",
              "sync", "cpu_c", "srv_a", "srv_c", "srv_s", "rss_a", "rss_c");
  for (auto mib : sizes) {
    const std::string name = std::to_string(mib) + ".img";
    const auto size = fs::file_size(www / name);
    for (const bool https : {false, true}) {
      const std::string url = https ? (*nginx)->https_url(name) : (*nginx)->http_url(name);
      Series ours, curl_plain, curl_synced;
      std::vector<double> dl, flush, verify, hash_cpu, sync_cpu, other_cpu;
      for (int r = 0; r < runs; ++r) {
        fs::remove(out);
        auto c = measure({"curl", "-s", "-f", "--cacert", ca, "-o", out, url}, server);
        fs::remove(out);
        auto cs = measure({"curl", "-s", "-f", "--cacert", ca, "-o", out, url}, server, out);
        fs::remove(out);
        for (const char* f : {"slot-b.img", "boot.state", "staging.record"}) fs::remove(slots / f);
        std::vector<std::string> device{self, "--device", url, ca, slots.string(), pubkey, std::to_string(size),
                                        std::to_string(commit_interval), stages};
        if (job_sha256) {
          std::string hex;
          std::ifstream(www / (name + ".sha256")) >> hex;
          device.push_back(hex);
        }
        // For profiling: AWSFOTA_BENCH_WRAP="perf record -g -o FILE --" runs the device path under it.
        if (const char* wrap = std::getenv("AWSFOTA_BENCH_WRAP")) {
          std::istringstream words(wrap);
          std::vector<std::string> prefix{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
          device.insert(device.begin(), prefix.begin(), prefix.end());
        }
        auto a = measure(device, server);
        if (!a.ok || !c.ok || !cs.ok) return std::cerr << "a download failed (" << url << ")\n", 1;
        ours.add(a);
        curl_plain.add(c);
        curl_synced.add(cs);
        double d = 0, f = 0, v = 0, total = 0, checkpoints = 0, h = 0, y = 0, other = 0;
        std::ifstream(stages) >> d >> f >> v >> total >> checkpoints >> h >> y >> other;
        dl.push_back(d);
        flush.push_back(f);
        verify.push_back(v);
        hash_cpu.push_back(h);
        sync_cpu.push_back(y);
        other_cpu.push_back(other);
      }
      const double o = median(ours.wall), c = median(curl_plain.wall), cs = median(curl_synced.wall);
      std::printf("%-5s %4zu | %7.3f %7.3f %7.3f | %6.2f %6.2f | %6.3f %6.3f %6.3f | %6.3f %6.3f %6.3f %6.3f %6.3f | %6.3f "
                  "%6.3f %6.3f | %5.1f %5.1f\n",
                  https ? "https" : "http", mib, o, c, cs, o / c, o / cs, median(dl), median(flush), median(verify),
                  median(ours.cpu), median(other_cpu), median(hash_cpu), median(sync_cpu), median(curl_plain.cpu),
                  median(ours.server_cpu), median(curl_plain.server_cpu),
                  median(curl_synced.server_cpu), static_cast<double>(ours.rss) / 1024.0,
                  static_cast<double>(curl_plain.rss) / 1024.0);
      std::fflush(stdout);
    }
  }
  std::printf(
      "Seconds, medians of %d runs. awsfota: first request -> verified and durable in slot B (commit every %.2f MiB%s);\n"
      "curl-o: curl -o FILE; +fsync: curl -o then fsync FILE. r_curl = awsfota / curl-o, r_sync = awsfota / +fsync.\n"
      "dl, flush, verify: awsfota's stages (Download::run, DfuStaging::flush, DfuStaging::verify).\n"
      "cpu_a, cpu_c: CPU seconds (user+sys) of the awsfota / curl -o process; main, hash, sync: cpu_a by thread\n"
      "(download thread, the slot follower's hasher and syncer) until the download ends; srv_a, srv_c, srv_s: nginx's CPU\n"
      "seconds during the awsfota / curl -o / curl -o+fsync run. rss_a, rss_c: peak RSS, MiB (max over runs).\n",
      runs, static_cast<double>(commit_interval) / (1 << 20), job_sha256 ? ", job sha256 checked too" : "");
  stage_costs(dir.path(), sizes.back());
  return 0;
}
