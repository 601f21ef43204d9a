// Download benchmark: awsfota's libcurl downloader (SHA-256 over the stream in the sink, fsync at the
// end) against `curl -o` of the same URL to the same disk, from nginx on 127.0.0.1, HTTP and HTTPS.
// Each download runs in its own process so its peak RSS (ru_maxrss) is its own.
//
//   bench_download [--sizes 64,256] [--runs 3] [--dir /var/tmp]
//
// Internal mode (the measured child): bench_download --fetch URL OUT [CA_FILE]
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "awsfota/adapters/curl/curl_fetcher.hpp"
#include "awsfota/adapters/curl/system_env.hpp"
#include "awsfota/download/download.hpp"
#include "support/download_fakes.hpp"
#include "support/nginx.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The sink a DFU target would be, in its simplest form: append to a file and hash in the calling
// thread, fsync when finished.
class HashingFileSink final : public awsfota::download::Sink {
 public:
  explicit HashingFileSink(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)), md_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(md_, EVP_sha256(), nullptr);
  }
  ~HashingFileSink() override {
    EVP_MD_CTX_free(md_);
    if (fd_ >= 0) ::close(fd_);
  }
  HashingFileSink(const HashingFileSink&) = delete;
  HashingFileSink& operator=(const HashingFileSink&) = delete;

  [[nodiscard]] std::uint64_t offset() const override { return offset_; }
  [[nodiscard]] awsfota::Expected<void, std::string> write(std::span<const std::byte> bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0) return awsfota::unexpected(std::string("write failed: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    if (hash_) EVP_DigestUpdate(md_, bytes.data(), bytes.size());
    offset_ += bytes.size();
    return {};
  }
  std::string finish() {
    if (sync_) ::fsync(fd_);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md_, digest, &len);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < len; ++i) {
      std::snprintf(buf, sizeof buf, "%02x", digest[i]);
      hex += buf;
    }
    return hex;
  }

 private:
  int fd_;
  EVP_MD_CTX* md_;
  std::uint64_t offset_ = 0;
  // For finding where time goes: AWSFOTA_BENCH_NO_HASH=1 / AWSFOTA_BENCH_NO_FSYNC=1 drop a step.
  bool hash_ = std::getenv("AWSFOTA_BENCH_NO_HASH") == nullptr;
  bool sync_ = std::getenv("AWSFOTA_BENCH_NO_FSYNC") == nullptr;
};

int fetch_mode(const std::string& url, const std::string& out, const std::string& ca) {
  awsfota::curl::CurlFetcher fetcher({.ca_file = ca});
  awsfota::curl::SystemClock clock;
  awsfota::curl::SystemRandom random;
  HashingFileSink sink(out);
  awsfota::download::CancelToken cancel;
  awsfota::download::Download dl(fetcher, sink, clock, random, {.url = url, .allow_plain_http = true});
  auto r = dl.run(cancel);
  if (!r) {
    std::cerr << "download failed: " << r.error().message << "\n";
    return 1;
  }
  std::cout << sink.finish() << "\n";
  return 0;
}

struct Measured {
  double seconds = 0;
  long max_rss_kib = 0;
  bool ok = false;
};

// Runs argv in a child process; wall time (including an fsync of `sync_path` when given) and peak RSS.
Measured measure(const std::vector<std::string>& argv, const std::string& sync_path = {}) {
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
  m.max_rss_kib = usage.ru_maxrss;
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void make_file(const std::filesystem::path& path, std::size_t mib) {
  const auto block = awsfota::testing::make_bytes(1 << 20, 42);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (std::size_t i = 0; i < mib; ++i) {
    auto b = block;
    std::memcpy(b.data(), &i, sizeof i);  // no two MiB alike
    if (::write(fd, b.data(), b.size()) < 0) break;
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 3 && args[0] == "--fetch") return fetch_mode(args[1], args[2], args.size() > 3 ? args[3] : "");

  std::vector<std::size_t> sizes{64, 256};
  int runs = 3;
  std::string base = "/var/tmp";
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--runs") runs = std::stoi(args[i + 1]);
    if (args[i] == "--dir") base = args[i + 1];
    if (args[i] == "--sizes") {
      sizes.clear();
      std::stringstream ss(args[i + 1]);
      std::string s;
      while (std::getline(ss, s, ',')) sizes.push_back(std::stoul(s));
    }
  }
  setenv("TMPDIR", base.c_str(), 1);
  awsfota::testing::TempDir dir("awsfota-bench");
  auto pki = awsfota::testing::Pki::create(dir.path() / "pki");
  if (!pki) return std::cerr << pki.error() << "\n", 1;
  auto cert = pki->issue("server", {"IP:127.0.0.1"});
  if (!cert) return std::cerr << cert.error() << "\n", 1;
  std::filesystem::create_directories(dir.path() / "www");
  for (auto mib : sizes) make_file(dir.path() / "www" / (std::to_string(mib) + ".bin"), mib);
  auto nginx = awsfota::testing::Nginx::start(dir.path() / "nginx",
                                              {.root = dir.path() / "www", .http = true, .https = true, .tls = *cert});
  if (!nginx) return std::cerr << nginx.error() << "\n", 1;

  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const std::string ca = pki->ca_cert().string();
  const std::string out = (dir.path() / "out.bin").string();
  std::printf("%-6s %5s  %9s %9s %9s  %7s %7s  %9s %9s\n", "proto", "MiB", "awsfota_s", "curl_s", "curl+sync", "ratio",
              "ratio_s", "rss_KiB", "curl_rss");
  for (auto mib : sizes) {
    for (const bool https : {false, true}) {
      const std::string name = std::to_string(mib) + ".bin";
      const std::string url = https ? (*nginx)->https_url(name) : (*nginx)->http_url(name);
      std::vector<double> ours, curl_plain, curl_synced;
      long rss = 0, curl_rss = 0;
      for (int r = 0; r < runs; ++r) {
        std::filesystem::remove(out);
        auto c = measure({"curl", "-s", "-f", "--cacert", ca, "-o", out, url});
        std::filesystem::remove(out);
        auto cs = measure({"curl", "-s", "-f", "--cacert", ca, "-o", out, url}, out);
        std::filesystem::remove(out);
        auto a = measure({self, "--fetch", url, out, ca});
        if (!a.ok || !c.ok || !cs.ok) return std::cerr << "a download failed (" << url << ")\n", 1;
        ours.push_back(a.seconds);
        curl_plain.push_back(c.seconds);
        curl_synced.push_back(cs.seconds);
        rss = std::max(rss, a.max_rss_kib);
        curl_rss = std::max(curl_rss, c.max_rss_kib);
      }
      const double o = median(ours), c = median(curl_plain), cs = median(curl_synced);
      std::printf("%-6s %5zu  %9.3f %9.3f %9.3f  %7.2f %7.2f  %9ld %9ld\n", https ? "https" : "http", mib, o, c, cs, o / c,
                  o / cs, rss, curl_rss);
    }
  }
  std::printf("awsfota_s: download + SHA-256 + fsync (median of %d); curl_s: curl -o; curl+sync: curl -o then fsync;\n"
              "ratio = awsfota_s / curl_s, ratio_s = awsfota_s / curl+sync; rss: peak resident set of the process\n",
              runs);
  return 0;
}
