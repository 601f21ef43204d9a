// The libcurl backend and the resumer against real servers on 127.0.0.1: Debian's nginx over HTTP and
// HTTPS (with a CA made for the test) and the fault-injecting server of tests/support.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <thread>

#include "awsfota/adapters/curl/curl_fetcher.hpp"
#include "awsfota/adapters/curl/system_env.hpp"
#include "awsfota/download/download.hpp"
#include "connect_proxy.hpp"
#include "support/download_fakes.hpp"
#include "support/fault_server.hpp"
#include "support/nginx.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::download {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;
using testing::MemorySink;

constexpr std::size_t kSize = 300 * 1024 + 17;
constexpr const char* kFile = "fw.bin";

// Servers shared by the tests of one process, started on first need (ctest runs each test in its own
// process, so a test starts only what it uses) and stopped at the end, also on failure.
struct Servers {
  testing::TempDir dir{"awsfota-download-it"};
  Bytes file;
  std::optional<testing::Pki> pki;
  std::optional<testing::Pki> other_pki;
  std::unique_ptr<testing::Nginx> nginx;
  std::unique_ptr<testing::Nginx> mismatched;  // HTTPS with a certificate for another host name
  std::unique_ptr<testing::FaultServer> faults;
  std::string error;

  Servers() : file(testing::make_bytes(kSize, 7)) { testing::write_file(dir.path() / "www" / kFile, file); }

  void ensure_faults() {
    if (faults || !error.empty()) return;
    auto fs = testing::FaultServer::start(dir.path() / "www", dir.path() / "faults");
    if (!fs) {
      error = fs.error();
      return;
    }
    faults = std::move(*fs);
  }

  void ensure_nginx() {
    if (nginx || !error.empty()) return;
    auto p = testing::Pki::create(dir.path() / "pki");
    auto o = testing::Pki::create(dir.path() / "other-pki", "some other CA");
    if (!p || !o) {
      error = !p ? p.error() : o.error();
      return;
    }
    pki = *p;
    other_pki = *o;
    auto cert = pki->issue("server", {"IP:127.0.0.1", "DNS:localhost"});
    auto wrong_name = pki->issue("elsewhere", {"DNS:files.example"});
    if (!cert || !wrong_name) {
      error = !cert ? cert.error() : wrong_name.error();
      return;
    }
    // /to-http/ redirects an HTTPS request to plain HTTP, which libcurl must refuse before connecting.
    const std::string redirect = "location /to-http/ { return 302 http://127.0.0.1:9/fw.bin; }";
    auto n = testing::Nginx::start(dir.path() / "nginx", {.root = dir.path() / "www", .http = true, .https = true,
                                                          .tls = *cert, .extra_http_config = {},
                                                          .extra_server_config = redirect});
    if (!n) {
      error = n.error();
      return;
    }
    nginx = std::move(*n);
    auto m = testing::Nginx::start(dir.path() / "nginx-mismatch", {.root = dir.path() / "www", .http = false,
                                                                   .https = true, .tls = *wrong_name});
    if (!m) {
      error = m.error();
      return;
    }
    mismatched = std::move(*m);
  }
};

class CurlDownload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { servers_ = new Servers(); }
  static void TearDownTestSuite() {
    delete servers_;
    servers_ = nullptr;
  }
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (name.rfind("Nginx_", 0) == 0) servers_->ensure_nginx();
    if (name.rfind("Faults_", 0) == 0) servers_->ensure_faults();
    ASSERT_TRUE(servers_->error.empty()) << servers_->error;
  }

  static curl::CurlOptions tls_options() {
    curl::CurlOptions o;
    if (servers_->pki) o.ca_file = servers_->pki->ca_cert().string();
    o.connect_timeout = 2s;
    o.stall_timeout = 1s;
    return o;
  }
  static DownloadOptions quick_retries(std::optional<std::uint64_t> fragment = std::nullopt) {
    DownloadOptions o;
    o.fragment_size = fragment;
    o.backoff = BackoffPolicy{.initial = 20ms, .max_delay = 100ms, .max_attempts = 4, .give_up_after = 20s};
    return o;
  }
  Expected<Completed, DownloadError> run(curl::CurlFetcher& fetcher, MemorySink& sink, DownloadRequest req,
                                         DownloadOptions opt = quick_retries()) {
    Download dl(fetcher, sink, clock_, random_, std::move(req), opt);
    return dl.run(cancel_);
  }
  static Bytes prefix(std::size_t n) { return Bytes(servers_->file.begin(), servers_->file.begin() + static_cast<std::ptrdiff_t>(n)); }
  static std::vector<testing::WireRecord> wire(const std::string& spec) {
    auto r = servers_->faults->requests(spec);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : std::vector<testing::WireRecord>{};
  }
  // Bytes of the file that went over the wire (error pages not counted).
  static std::uint64_t sent(const std::vector<testing::WireRecord>& log) {
    return std::accumulate(log.begin(), log.end(), std::uint64_t{0},
                           [](std::uint64_t acc, const testing::WireRecord& r) {
                             return r.status == 200 || r.status == 206 ? acc + r.sent : acc;  // file bytes only
                           });
  }
  // Each request resumed exactly where the bytes before it ended: nothing was fetched twice.
  static void expect_contiguous_resumes(const std::vector<testing::WireRecord>& log) {
    std::uint64_t offset = 0;
    for (const auto& r : log) {
      EXPECT_EQ(r.range, "bytes=" + std::to_string(offset) + "-");
      offset += r.sent;
    }
  }

  // Downloads from a fault-server link that dies after `cut` bytes (spec `expiring`), expects UrlExpired
  // at `cut`, then finishes with the link `fresh` from that offset without refetching; the first error.
  DownloadError expire_then_refresh(const std::string& expiring, const std::string& fresh, std::uint64_t cut) {
    curl::CurlFetcher fetcher(tls_options());
    MemorySink sink;
    Download dl(fetcher, sink, clock_, random_,
                {.url = servers_->faults->url(expiring, kFile), .expected_size = kSize, .allow_plain_http = true},
                quick_retries());
    auto r = dl.run(cancel_);
    if (r) {
      ADD_FAILURE() << "the expiring link did not fail";
      return {};
    }
    EXPECT_EQ(r.error().cause, Cause::UrlExpired) << r.error().message;
    EXPECT_EQ(r.error().offset, cut);
    dl.replace_url(servers_->faults->url(fresh, kFile));
    auto again = dl.run(cancel_);
    EXPECT_TRUE(again) << (again ? std::string() : again.error().message);
    EXPECT_EQ(sink.data(), servers_->file);
    const auto second = wire(fresh);
    EXPECT_EQ(second.size(), 1u);
    if (!second.empty()) {
      EXPECT_EQ(second[0].range, "bytes=" + std::to_string(cut) + "-");
    }
    EXPECT_EQ(sent(wire(expiring)) + sent(second), kSize);
    return r.error();
  }

  static Servers* servers_;
  curl::SystemClock clock_;
  curl::SystemRandom random_;
  CancelToken cancel_;
};

Servers* CurlDownload::servers_ = nullptr;

// --- nginx -----------------------------------------------------------------------------------------

TEST_F(CurlDownload, Nginx_DownloadsTheWholeFileOverHttp) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->http_url(kFile), .expected_size = kSize, .allow_plain_http = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Nginx_DownloadsTheWholeFileOverHttpsWithTheGeneratedCa) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile), .expected_size = kSize});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 1u);
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Nginx_VerifiesTheHostNameForLocalhostToo) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile, "localhost")});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Nginx_ResumesFromAnOffset) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink(prefix(100'000));
  std::vector<Progress> seen;
  Download dl(fetcher, sink, clock_, random_, {.url = servers_->nginx->https_url(kFile), .expected_size = kSize},
              quick_retries());
  auto r = dl.run(cancel_, [&](const Progress& p) { seen.push_back(p); });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
  ASSERT_FALSE(seen.empty());
  EXPECT_GT(seen.front().offset, 100'000u);
  EXPECT_EQ(seen.back().offset, kSize);
  EXPECT_EQ(seen.back().total, kSize);
}

// Through an HTTPS proxy libcurl sees the proxy's own "200 Connection established" head first; only the
// file server's 206 may be judged, or every resume would look like a server that ignores Range.
TEST_F(CurlDownload, Nginx_ResumesThroughAConnectProxy) {
  testing::ConnectProxy proxy;
  ASSERT_TRUE(proxy.started());
  auto options = tls_options();
  options.proxy = proxy.url();
  curl::CurlFetcher fetcher(options);
  MemorySink sink(prefix(100'000));
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile), .expected_size = kSize});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 1u);
  EXPECT_EQ(sink.data(), servers_->file);
  EXPECT_EQ(proxy.tunnels(), 1u);
}

TEST_F(CurlDownload, Nginx_FragmentModeOverHttps) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile)}, quick_retries(64 * 1024));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 5u);  // 300 KiB + 17 bytes in 64 KiB ranges
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Nginx_416AtTheSizeMeansComplete) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink(servers_->file);
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile)});  // size unknown: must ask
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 1u);
  EXPECT_EQ(r->size, kSize);
}

TEST_F(CurlDownload, Nginx_WrongCaIsRefusedNamingTheCaFile) {
  auto opt = tls_options();
  opt.ca_file = servers_->other_pki->ca_cert().string();
  curl::CurlFetcher fetcher(opt);
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::TlsFailed) << r.error().message;
  EXPECT_NE(r.error().message.find(opt.ca_file), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().attempts, 1u);  // not retried
  EXPECT_EQ(sink.offset(), 0u);
}

TEST_F(CurlDownload, Nginx_SystemStoreDoesNotTrustTheTestCa) {
  auto opt = tls_options();
  opt.ca_file.clear();
  curl::CurlFetcher fetcher(opt);
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::TlsFailed);
  EXPECT_NE(r.error().message.find("system CA store"), std::string::npos) << r.error().message;
}

TEST_F(CurlDownload, Nginx_HostNameMismatchIsRefused) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->mismatched->https_url(kFile)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::TlsFailed) << r.error().message;
  EXPECT_NE(r.error().message.find("host name"), std::string::npos) << r.error().message;
}

TEST_F(CurlDownload, Nginx_MissingCaFileIsATlsError) {
  auto opt = tls_options();
  opt.ca_file = (servers_->dir.path() / "no-such-ca.pem").string();
  curl::CurlFetcher fetcher(opt);
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::TlsFailed) << r.error().message;
  EXPECT_NE(r.error().message.find("no-such-ca.pem"), std::string::npos) << r.error().message;
}

TEST_F(CurlDownload, Nginx_RedirectFromHttpsToHttpIsRefused) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url("to-http/x")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::InsecureUrl) << r.error().message;
}

TEST_F(CurlDownload, Nginx_PlainHttpIsRefusedWithoutPermission) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->http_url(kFile)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::InsecureUrl);
  // The fetcher refuses it on its own too, whoever calls it.
  struct Ignore : FetchHandler {
    bool on_head(const ResponseHead&) override { return true; }
    bool on_body(std::span<const std::byte>) override { return true; }
  } ignore;
  auto f = fetcher.fetch({.url = servers_->nginx->http_url(kFile)}, ignore);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().cause, Cause::InsecureUrl);
}

TEST_F(CurlDownload, Nginx_MissingFileIsNotFound) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url("missing.bin")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::NotFound);
  EXPECT_EQ(r.error().http_status, 404);
}

TEST_F(CurlDownload, Nginx_SizeOtherThanTheJobsIsRefused) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->nginx->https_url(kFile), .expected_size = kSize + 1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::SizeMismatch);
  EXPECT_EQ(sink.offset(), 0u);
}

TEST_F(CurlDownload, UnresolvableHostSaysToCheckTheUrl) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = "https://no-such-host.invalid/fw.bin"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::HostUnreachable);
  EXPECT_NE(r.error().message.find("check the URL in the job document"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("no-such-host.invalid"), std::string::npos) << r.error().message;
}

TEST_F(CurlDownload, RefusedConnectionIsRetriedThenReported) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  const std::string url = "https://127.0.0.1:" + std::to_string(testing::free_port()) + "/fw.bin";
  auto r = run(fetcher, sink, {.url = url});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RetriesExhausted);
  EXPECT_EQ(r.error().last_cause, Cause::ConnectFailed);
  EXPECT_EQ(r.error().attempts, 4u);
}

// --- the fault server ------------------------------------------------------------------------------

TEST_F(CurlDownload, Faults_RepeatedDropsResumeWithoutRefetching) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  const std::string spec = "drop=70000,id=repeated";
  DownloadOptions opt = quick_retries();
  auto r = run(fetcher, sink, {.url = servers_->faults->url(spec, kFile), .expected_size = kSize, .allow_plain_http = true}, opt);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
  const auto log = wire(spec);
  EXPECT_EQ(log.size(), kSize / 70000 + 1);
  EXPECT_EQ(sent(log), kSize);
  expect_contiguous_resumes(log);
}

TEST_F(CurlDownload, Faults_StallIsDetectedAndResumed) {
  curl::CurlFetcher fetcher(tls_options());  // stall_timeout 1 s
  MemorySink sink;
  const std::string spec = "stall=40000,stall_s=10,id=stall";
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(fetcher, sink, {.url = servers_->faults->url(spec, kFile), .expected_size = kSize, .allow_plain_http = true});
  ASSERT_TRUE(r) << r.error().message;
  // The stall detector ended the silent response, not the server closing it after 10 s.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_EQ(sink.data(), servers_->file);
  const auto log = wire(spec);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(sent(log), kSize);
  expect_contiguous_resumes(log);
}

TEST_F(CurlDownload, Faults_MissingContentRangeSaysTheServerLacksRangeSupport) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("no_content_range", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RangeNotSupported);
  EXPECT_NE(r.error().message.find("does not answer Range requests as S3 does"), std::string::npos);
  EXPECT_EQ(sink.offset(), 0u);
}

TEST_F(CurlDownload, Faults_WrongTotalIsASizeMismatch) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("wrong_total=999999", kFile), .expected_size = kSize,
                               .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::SizeMismatch) << r.error().message;
}

TEST_F(CurlDownload, Faults_WrongStartIsAnInvalidContentRange) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("bad_start", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::ContentRangeInvalid) << r.error().message;
}

TEST_F(CurlDownload, Faults_WholeFileToAResumeIsRangeIgnored) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink(prefix(5000));
  auto r = run(fetcher, sink, {.url = servers_->faults->url("ignore_range", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RangeIgnored);
  EXPECT_EQ(r.error().offset, 5000u);
  EXPECT_EQ(sink.data(), prefix(5000));  // nothing of the wrong body was stored
}

TEST_F(CurlDownload, Faults_WholeFileFromTheStartIsAccepted) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("ignore_range,id=fromzero", kFile), .expected_size = kSize,
                               .allow_plain_http = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Faults_403OnceOnAPlainUrlIsForbidden) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("forbid_once,id=plain", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Forbidden);
  EXPECT_EQ(wire("forbid_once,id=plain").size(), 1u);
}

TEST_F(CurlDownload, Faults_403OnAPresignedUrlAsksForAFreshUrlThenCompletes) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  const std::string spec = "forbid_once,id=presigned";
  const std::string url = servers_->faults->url(spec, kFile) + "?X-Amz-Expires=60&X-Amz-Signature=feedface";
  Download dl(fetcher, sink, clock_, random_, {.url = url, .expected_size = kSize, .allow_plain_http = true}, quick_retries());
  auto r = dl.run(cancel_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::UrlExpired);
  EXPECT_EQ(r.error().message.find("feedface"), std::string::npos) << r.error().message;
  dl.replace_url(url);  // the fault server answers 403 only once per path
  auto again = dl.run(cancel_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Faults_UrlExpiringMidDownloadResumesAtTheSameOffsetWithAFreshUrl) {
  const DownloadError e = expire_then_refresh("forbid_after=60000,id=expiry", "ok,id=expiry-fresh", 60000);
  EXPECT_EQ(e.http_status, 403);
}

// A link signed with temporary credentials (AWS IoT presigns with a role) ends with 400 ExpiredToken.
TEST_F(CurlDownload, Faults_ExpiredTokenMidDownloadAsksForAFreshUrlQuotingTheServer) {
  const DownloadError e = expire_then_refresh("token_expired_after=50000,id=token", "ok,id=token-fresh", 50000);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_NE(e.message.find("ExpiredToken: The provided token has expired."), std::string::npos) << e.message;
}

TEST_F(CurlDownload, Faults_ServerErrorsAreRetried) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  const std::string spec = "status=503,times=2,id=busy";
  auto r = run(fetcher, sink, {.url = servers_->faults->url(spec, kFile), .allow_plain_http = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->attempts, 3u);
  EXPECT_EQ(sink.data(), servers_->file);
}

TEST_F(CurlDownload, Faults_PersistentServerErrorsExhaustTheRetries) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("status=500,times=99", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::RetriesExhausted);
  EXPECT_EQ(r.error().last_cause, Cause::ServerError);
  EXPECT_EQ(r.error().http_status, 500);
}

TEST_F(CurlDownload, Faults_RedirectsAreFollowed) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("redirect=3", kFile), .expected_size = kSize,
                               .allow_plain_http = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sink.data(), servers_->file);
  EXPECT_EQ(wire("redirect=0").size(), 1u);  // the final hop carried the file
}

TEST_F(CurlDownload, Faults_MoreThanTenRedirectsFail) {
  curl::CurlFetcher fetcher(tls_options());
  MemorySink sink;
  auto r = run(fetcher, sink, {.url = servers_->faults->url("redirect=11", kFile), .allow_plain_http = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::HttpError) << r.error().message;
  EXPECT_NE(r.error().message.find("redirects"), std::string::npos);
}

TEST_F(CurlDownload, Faults_CancelDuringAStallReturnsPromptly) {
  auto opt = tls_options();
  opt.stall_timeout = 30s;  // the cancel, not the stall detector, must end it
  curl::CurlFetcher fetcher(opt);
  MemorySink sink;
  std::thread canceler([&] {
    for (int i = 0; i < 500 && sink.bytes_so_far() == 0; ++i) std::this_thread::sleep_for(10ms);
    cancel_.cancel();
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(fetcher, sink, {.url = servers_->faults->url("stall=1000,stall_s=20,id=cancel", kFile),
                               .allow_plain_http = true});
  const auto took = std::chrono::steady_clock::now() - t0;
  canceler.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, Cause::Canceled) << r.error().message;
  EXPECT_LT(took, 15s);  // generous: the point is "not the 20 s stall"
}

}  // namespace
}  // namespace awsfota::download
