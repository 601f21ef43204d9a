// bench_dfu: what applying a delta and writing a full image cost, on real files.
//
//   bench_dfu [--dir /var/tmp] [--runs 3] [--delta-mib 64] [--full-mib 64,256]
//
// Delta: a signed MCUboot image of --delta-mib MiB (random payload), a new version of it (a byte changed
// every MiB and 100 KB inserted), and the patch `zstd --patch-from=OLD NEW` with the CLI's default
// settings, behind this project's header. Each run, alternating: `zstd -d --patch-from=OLD DELTA -o OUT`
// and this program re-executed as a child that drives AppDeltaTarget (stage the delta in 64 KiB writes
// with a commit per MiB, then finish(): apply into slot B while the result is read back and hashed
// behind the decoder, fsync, verify hash and signature). Between them, the apply step alone
// (decode_delta() into the mapped slot and fsync: what `zstd -d` does).
// Full image: the child drives AppSlotTarget with the image in 64 KiB writes, a commit every 4 MiB,
// then finish() (fsync, verify). Every run is its own process: the parent samples /proc/PID/status
// for peak RssAnon (heap and stacks) and RssFile (mapped file pages) and takes VmHWM from wait4().
// Internal modes (children, hidden from --help): --setup DIR [options]; --child apply|delta|full DIR FILE.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "awsfota/image/create.hpp"
#include "command_line.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

[[noreturn]] void die(const std::string& why) {
  std::cerr << "bench_dfu: " << why << "\n";
  std::exit(1);
}

std::vector<std::uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const fs::path& p, std::span<const std::uint8_t> bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("writing " + p.string());
}

std::vector<std::uint8_t> random_payload(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

std::vector<std::uint8_t> make_image(std::span<const std::uint8_t> payload, const awsfota::image::ImageSigner& signer,
                                     awsfota::image::ImageVersion version) {
  awsfota::openssl::OpenSslCrypto crypto;
  awsfota::image::CreateOptions options;
  options.version = version;
  auto img = awsfota::image::create_image(payload, options, &signer, crypto);
  if (!img) die("create_image: " + img.error());
  return *img;
}

// ---- the child: one run through a DFU target, timings on stdout --------------------------------------

struct Devices {
  std::unique_ptr<awsfota::posix::PosixBlockDevice> a, b, staging;
};

Devices open_devices(const fs::path& dir, std::uint64_t slot_size) {
  Devices d;
  auto a = awsfota::posix::PosixBlockDevice::open(dir / "slot-a.img", slot_size, true);
  auto b = awsfota::posix::PosixBlockDevice::open(dir / "slot-b.img", slot_size);
  auto s = awsfota::posix::PosixBlockDevice::open(dir / "delta.stage", 64u << 20);
  if (!a || !b || !s) die("opening the slot files in " + dir.string());
  d.a = std::move(*a);
  d.b = std::move(*b);
  d.staging = std::move(*s);
  return d;
}

template <class Target>
double feed_file(Target& t, const fs::path& file, std::uint64_t commit_every) {
  const auto start = Clock::now();
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint8_t> buf(kChunk);
  std::uint64_t at = 0;
  while (in) {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (auto r = t.write(at, std::span(buf).first(n)); !r) die("write: " + r.error().reason);
    at += n;
    if (at % commit_every == 0) {
      if (auto r = t.commit(); !r) die("commit: " + r.error().reason);
    }
  }
  return seconds_since(start);
}

// The delta target's apply step alone, the work `zstd -d` does too: map the staged delta, the base and
// the slot, decode_delta() into the slot, flush (msync + fsync). The target's finish() does this while
// its follower reads the result back and hashes it, then verifies.
int child_apply_only(const fs::path& dir, const std::string& input) {
  awsfota::openssl::OpenSslCrypto crypto;
  Devices dev = open_devices(dir, 512u << 20);
  const auto start = Clock::now();
  auto delta_dev = awsfota::posix::PosixBlockDevice::open(dir / input, fs::file_size(dir / input), true);
  if (!delta_dev) die("open " + input);
  auto delta = (*delta_dev)->map(fs::file_size(dir / input), awsfota::dfu::MapMode::Read);
  if (!delta) die("map delta");
  auto header = awsfota::image::parse_delta_header((*delta)->bytes());
  if (!header) die("delta header");
  auto base = dev.a->map(header->base_size, awsfota::dfu::MapMode::Read);
  auto out = dev.b->map(header->result_size, awsfota::dfu::MapMode::Write);
  if (!base || !out) die("map slots");
  // The target hashes the base when the header arrives; pass that digest as it does.
  auto applied = awsfota::image::decode_delta((*delta)->bytes(), (*base)->bytes(), (*out)->bytes(), crypto,
                                              header->base_sha256, {});
  if (!applied) die("apply: " + applied.error().reason);
  if (auto r = (*out)->flush(); !r) die("flush: " + r.error().message);
  std::cout << seconds_since(start) << " 0\n";
  return 0;
}

int child(const std::string& mode, const fs::path& dir, const std::string& input) {
  if (mode == "apply") return child_apply_only(dir, input);
  awsfota::openssl::OpenSslCrypto crypto;
  const std::string pem(std::istreambuf_iterator<char>(std::ifstream(dir / "key.pub.pem").rdbuf()), {});
  auto key = awsfota::openssl::load_public_key_pem(pem);
  if (!key) die("public key: " + key.error());
  awsfota::posix::FileBootRecordStore store(dir / "boot.state");
  awsfota::dfu::RecordBootControl boot(store);
  awsfota::dfu::AppConfig cfg;
  cfg.verify.key = *key;
  Devices dev = open_devices(dir, 512u << 20);
  awsfota::dfu::TransferSpec spec;
  spec.size = fs::file_size(dir / input);
  double stage = 0, finish = 0;
  if (mode == "delta") {
    awsfota::dfu::AppDeltaTarget t(*dev.a, *dev.b, *dev.staging, boot, crypto, cfg);
    if (auto r = t.begin(spec); !r) die("begin: " + r.error().reason);
    stage = feed_file(t, dir / input, 1 << 20);
    const auto f = Clock::now();
    if (auto r = t.finish(); !r) die("finish: " + r.error().reason);
    finish = seconds_since(f);
  } else {
    awsfota::dfu::AppSlotTarget t(*dev.a, *dev.b, boot, crypto, cfg);
    if (auto r = t.begin(spec); !r) die("begin: " + r.error().reason);
    stage = feed_file(t, dir / input, 4 << 20);
    const auto f = Clock::now();
    if (auto r = t.finish(); !r) die("finish: " + r.error().reason);
    finish = seconds_since(f);
  }
  std::cout << stage << " " << finish << "\n";
  return 0;
}

// ---- the parent: processes, sampling, the table ---------------------------------------------------

struct Sample {
  double wall = 0;
  double cpu = 0;           // user + system seconds (ru_utime + ru_stime)
  double rss_anon_mib = 0;  // peak RssAnon seen by sampling
  double rss_file_mib = 0;  // peak RssFile seen by sampling
  double hwm_mib = 0;       // VmHWM (ru_maxrss)
  std::string out;          // the child's stdout
};

double status_kib(const std::string& text, const char* key) {
  const auto at = text.find(key);
  return at == std::string::npos ? 0 : std::strtod(text.c_str() + at + std::strlen(key), nullptr);
}

Sample run_process(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) die("pipe");
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  ::close(pipefd[1]);
  Sample s;
  const std::string status_path = "/proc/" + std::to_string(pid) + "/status";
  int status = 0;
  rusage ru{};
  for (;;) {
    const pid_t done = ::wait4(pid, &status, WNOHANG, &ru);
    if (done == pid) break;
    std::ifstream st(status_path);
    const std::string text((std::istreambuf_iterator<char>(st)), {});
    s.rss_anon_mib = std::max(s.rss_anon_mib, status_kib(text, "RssAnon:") / 1024);
    s.rss_file_mib = std::max(s.rss_file_mib, status_kib(text, "RssFile:") / 1024);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  s.wall = seconds_since(start);
  char buf[256];
  ssize_t n = 0;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) s.out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("child failed: " + argv[0] + " " + argv[1]);
  s.hwm_mib = static_cast<double>(ru.ru_maxrss) / 1024;
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  s.cpu = secs(ru.ru_utime) + secs(ru.ru_stime);
  return s;
}

// Whether the first bytes of `got` are `want` (chunked: the parent stays small, see run_process).
bool same_prefix(const fs::path& want, const fs::path& got) {
  std::ifstream a(want, std::ios::binary), b(got, std::ios::binary);
  std::vector<char> x(1 << 20), y(1 << 20);
  while (a) {
    a.read(x.data(), static_cast<std::streamsize>(x.size()));
    const auto n = a.gcount();
    b.read(y.data(), n);
    if (b.gcount() != n || !std::equal(x.begin(), x.begin() + n, y.begin())) return false;
  }
  return true;
}

void fresh_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"slot-b.img", "delta.stage", "boot.state", "zstd-out.img"}) fs::remove(dir / f, ec);
}

double fsync_file(const fs::path& p) {
  const auto start = Clock::now();
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) die("fsync " + p.string());
  ::close(fd);
  return seconds_since(start);
}

struct Args {
  fs::path dir = "/var/tmp";
  int runs = 3;
  std::size_t delta_mib = 64;
  std::vector<std::size_t> full_mib{64, 256};
};

void setup(const fs::path& dir, const Args& args) {
  auto pem = awsfota::openssl::generate_private_key_pem(awsfota::image::SignatureAlgorithm::EcdsaP256);
  if (!pem) die("key: " + pem.error());
  auto signer = awsfota::openssl::load_private_key_pem(*pem);
  if (!signer) die("key: " + signer.error());
  std::ofstream(dir / "key.pub.pem") << awsfota::openssl::public_key_pem((*signer)->public_key());
  awsfota::openssl::OpenSslCrypto crypto;

  auto payload = random_payload(args.delta_mib << 20, 1);
  const auto old_image = make_image(payload, **signer, {1, 0, 0, 0});
  for (std::size_t i = 4096; i < payload.size(); i += 1 << 20) payload[i] ^= 0x5a;
  const auto inserted = random_payload(100000, 2);
  payload.insert(payload.begin() + static_cast<std::ptrdiff_t>(payload.size() / 2), inserted.begin(), inserted.end());
  const auto new_image = make_image(payload, **signer, {1, 1, 0, 0});
  write_all(dir / "slot-a.img", old_image);
  write_all(dir / "new.img", new_image);
  const std::string cmd = "zstd -q -f --patch-from=" + (dir / "slot-a.img").string() + " " +
                          (dir / "new.img").string() + " -o " + (dir / "patch.zst").string() + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) die("zstd --patch-from failed: " + cmd);
  auto delta = awsfota::image::make_delta_header(old_image, new_image, crypto);
  const auto stream = read_all(dir / "patch.zst");
  delta.insert(delta.end(), stream.begin(), stream.end());
  write_all(dir / "delta.bin", delta);
  std::cout << "delta: " << args.delta_mib << " MiB image, patch " << stream.size() << " bytes (" << cmd << ")\n";
  for (std::size_t mib : args.full_mib) {
    write_all(dir / ("full-" + std::to_string(mib) + ".img"), make_image(random_payload(mib << 20, mib), **signer,
                                                                        {2, 0, 0, 0}));
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void bench_delta(const fs::path& self, const fs::path& dir, const Args& args) {
  std::cout << "\nwall seconds (CPU seconds, user+sys):\n\n"
               "| run | zstd -d | zstd -d + fsync | apply step | apply step / zstd -d | target total |"
               " stage (incl. base check) | finish (apply, fsync, verify) | target / zstd -d | target / (zstd -d + fsync) |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n";
  std::string memory = "\npeak RSS, MiB (anon = heap and stacks, file = mapped file pages, HWM = VmHWM):\n\n"
                       "| run | zstd -d anon / file / HWM | apply step anon / file / HWM | target anon / file / HWM |\n"
                       "|---|---|---|---|\n";
  std::vector<double> apply_ratio, target_ratio, target_sync_ratio, cpu_apply_ratio, cpu_target_ratio;
  const std::string old_path = (dir / "slot-a.img").string();
  for (int run = 1; run <= args.runs; ++run) {
    fresh_run(dir);
    // Past 128 MiB the CLI refuses its own patch without a larger memory limit ("Window size larger
    // than maximum ... Use --long=28"); --long on decompression only raises that limit.
    std::vector<std::string> zstd{"zstd", "-q", "-d", "-f", "--patch-from=" + old_path};
    if (args.delta_mib > 120) zstd.emplace_back("--long=31");
    zstd.insert(zstd.end(), {(dir / "delta.bin").string(), "-o", (dir / "zstd-out.img").string()});
    const Sample z = run_process(zstd);
    const double z_sync = fsync_file(dir / "zstd-out.img");
    if (!same_prefix(dir / "new.img", dir / "zstd-out.img")) die("zstd output differs from the new image");
    fresh_run(dir);
    const Sample ap = run_process({self.string(), "--child", "apply", dir.string(), "delta.bin"});
    if (!same_prefix(dir / "new.img", dir / "slot-b.img")) die("the apply step's result differs from the new image");
    fresh_run(dir);
    const Sample a = run_process({self.string(), "--child", "delta", dir.string(), "delta.bin"});
    if (!same_prefix(dir / "new.img", dir / "slot-b.img")) die("the delta target's result differs from the new image");
    double stage = 0, finish = 0;
    std::istringstream(a.out) >> stage >> finish;
    std::printf("| %d | %.3f (%.3f) | %.3f | %.3f (%.3f) | %.2f | %.3f (%.3f) | %.3f | %.3f | %.2f | %.2f |\n", run, z.wall,
                z.cpu, z.wall + z_sync, ap.wall, ap.cpu, ap.wall / z.wall, a.wall, a.cpu, stage, finish, a.wall / z.wall,
                a.wall / (z.wall + z_sync));
    std::fflush(stdout);
    char line[256];
    std::snprintf(line, sizeof line, "| %d | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f |\n", run,
                  z.rss_anon_mib, z.rss_file_mib, z.hwm_mib, ap.rss_anon_mib, ap.rss_file_mib, ap.hwm_mib,
                  a.rss_anon_mib, a.rss_file_mib, a.hwm_mib);
    memory += line;
    apply_ratio.push_back(ap.wall / z.wall);
    target_ratio.push_back(a.wall / z.wall);
    target_sync_ratio.push_back(a.wall / (z.wall + z_sync));
    cpu_apply_ratio.push_back(ap.cpu / z.cpu);
    cpu_target_ratio.push_back(a.cpu / z.cpu);
  }
  std::cout << memory;
  std::printf("\nmedians: apply step / zstd -d = %.2f (CPU %.2f); target / zstd -d = %.2f (CPU %.2f); "
              "target / (zstd -d + fsync) = %.2f\n",
              median(apply_ratio), median(cpu_apply_ratio), median(target_ratio), median(cpu_target_ratio),
              median(target_sync_ratio));
}

void bench_full(const fs::path& self, const fs::path& dir, const Args& args) {
  std::cout << "\nfull images through AppSlotTarget:\n\n"
               "| MiB | run | total (s) | CPU (s) | write+commits (s) | finish: fsync+verify (s) | MiB/s |"
               " peak RSS anon / file / HWM (MiB) |\n"
               "|---|---|---|---|---|---|---|---|\n";
  for (std::size_t mib : args.full_mib) {
    for (int run = 1; run <= args.runs; ++run) {
      fresh_run(dir);
      const Sample a = run_process({self.string(), "--child", "full", dir.string(),
                                    "full-" + std::to_string(mib) + ".img"});
      std::istringstream parts(a.out);
      double stage = 0, finish = 0;
      parts >> stage >> finish;
      std::printf("| %zu | %d | %.3f | %.3f | %.3f | %.3f | %.0f | %.1f / %.1f / %.1f |\n", mib, run, a.wall, a.cpu, stage,
                  finish, static_cast<double>(mib) / a.wall, a.rss_anon_mib, a.rss_file_mib, a.hwm_mib);
      std::fflush(stdout);
    }
  }
}

// The internal modes: the parent runs this program again for the setup and for each measured run.
struct InternalModes {
  std::string setup_dir;
  std::vector<std::string> child;  // MODE DIR FILE
};

void add_options(CLI::App& app, Args& args, InternalModes& internal) {
  app.add_option("--dir", args.dir, "where the images, slots and zstd's output go (a fresh folder in it)")
      ->check(CLI::ExistingDirectory)->capture_default_str();
  app.add_option("--runs", args.runs, "runs of each measurement")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--delta-mib", args.delta_mib, "size of the image the delta updates, MiB")
      ->check(CLI::Range(1, 65536))->capture_default_str();
  app.add_option("--full-mib", args.full_mib, "sizes of the full images written through AppSlotTarget, MiB, comma-separated")
      ->delimiter(',')->check(CLI::Range(1, 65536))->capture_default_str();
  app.add_option("--setup", internal.setup_dir)->group("");
  app.add_option("--child", internal.child)->expected(3)->group("");
  app.footer("Exit codes: 0 done, 1 a step failed (see stderr), 2 bad command line. Figures: docs/performance.md.");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"What applying a delta (vs zstd -d --patch-from) and writing a full image cost, on real files.",
               "bench_dfu"};
  Args args;
  InternalModes internal;
  add_options(app, args, internal);
  if (auto done = awsfota::program::parse(app, argc, argv)) return *done;
  if (!internal.child.empty()) return child(internal.child[0], internal.child[1], internal.child[2]);
  if (!internal.setup_dir.empty()) {
    setup(internal.setup_dir, args);
    return 0;
  }
  char tmpl[] = "bench-dfu-XXXXXX";
  const fs::path dir = args.dir / tmpl;
  std::string dir_str = dir.string();
  if (::mkdtemp(dir_str.data()) == nullptr) die("mkdtemp in " + args.dir.string());
  const fs::path work = dir_str;
  const fs::path self = fs::canonical("/proc/self/exe");
  // The images are made in a child so that this process stays small: a forked child's peak RSS
  // (ru_maxrss) includes what it shared with its parent before exec.
  std::vector<std::string> setup_argv{self.string(), "--setup", work.string()};
  for (int i = 1; i < argc; ++i) setup_argv.emplace_back(argv[i]);
  std::cout << run_process(setup_argv).out;
  bench_delta(self, work, args);
  bench_full(self, work, args);
  std::error_code ec;
  fs::remove_all(work, ec);
  return 0;
}
