// `awsfota publish` against a real nginx with WebDAV PUT, over HTTPS with a generated CA.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/crypto.hpp"
#include "cli_runner.hpp"
#include "support/nginx.hpp"
#include "support/pki.hpp"
#include "support/process.hpp"

namespace awsfota::cli::testing {
namespace {

using awsfota::testing::CertUsage;
using awsfota::testing::Nginx;
using awsfota::testing::NginxOptions;
using awsfota::testing::Pki;
using awsfota::testing::TempDir;
namespace fs = std::filesystem;

const char* kDav = "    dav_methods PUT;\n    create_full_put_path on;\n    dav_access user:rw group:r all:r;\n";

class CliPublish : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = Pki::create(dir_.path() / "pki");
    ASSERT_TRUE(pki) << pki.error();
    pki_ = std::make_unique<Pki>(*pki);
    auto server = pki_->issue("server", {"IP:127.0.0.1", "DNS:localhost"});
    ASSERT_TRUE(server) << server.error();
    server_ = *server;
    fs::create_directories(root_);
    file_ = dir_.path() / "fw.bin";
    write_file_bytes(file_, pseudo_random_bytes(300000, 7));
  }

  std::unique_ptr<Nginx> start(const std::string& server_config, const std::string& http_config = {}) {
    NginxOptions o;
    o.root = root_;
    o.https = true;
    o.tls = server_;
    o.extra_server_config = server_config;
    o.extra_http_config = http_config;
    auto n = Nginx::start(dir_.path() / ("nginx" + std::to_string(instances_++)), o);
    EXPECT_TRUE(n) << n.error();
    return n ? std::move(*n) : nullptr;
  }

  TempDir dir_{"cli-publish"};
  fs::path root_ = dir_.path() / "www";
  fs::path file_;
  std::unique_ptr<Pki> pki_;
  awsfota::testing::CertFiles server_;
  int instances_ = 0;
};

TEST_F(CliPublish, HttpsPut_ServedFileMatches) {
  auto nginx = start(kDav);
  ASSERT_TRUE(nginx);
  const std::string url = nginx->https_url("releases/v1/fw.bin");
  auto r = run_awsfota({"publish", file_.string(), "--to", url, "--ca", pki_->ca_cert().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, url + "\n");
  EXPECT_EQ(read_file_bytes(root_ / "releases" / "v1" / "fw.bin"), read_file_bytes(file_));
  // And it is served back as uploaded.
  auto get = awsfota::testing::run_command({"curl", "-sS", "--cacert", pki_->ca_cert().string(), "-o",
                                            (dir_.path() / "back.bin").string(), url});
  ASSERT_TRUE(get) << get.error();
  EXPECT_EQ(read_file_bytes(dir_.path() / "back.bin"), read_file_bytes(file_));
}

TEST_F(CliPublish, UntrustedServer_FailsAndSaysToPassCa) {
  auto nginx = start(kDav);
  ASSERT_TRUE(nginx);
  auto r = run_awsfota({"publish", file_.string(), "--to", nginx->https_url("fw.bin")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--ca"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root_ / "fw.bin"));
}

TEST_F(CliPublish, ServerWithoutDav_FailsWithHint) {
  auto nginx = start("");
  ASSERT_TRUE(nginx);
  auto r = run_awsfota({"publish", file_.string(), "--to", nginx->http_url("fw.bin")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dav_methods PUT"), std::string::npos) << r.err;
}

TEST_F(CliPublish, MutualTls_NeedsTheClientCertificate) {
  auto client = pki_->issue("operator", {}, CertUsage::Client);
  ASSERT_TRUE(client) << client.error();
  auto nginx = start(std::string(kDav) + "    ssl_client_certificate " + pki_->ca_cert().string() +
                     ";\n    ssl_verify_client optional;\n    if ($ssl_client_verify != SUCCESS) { return 403; }\n");
  ASSERT_TRUE(nginx);
  const std::string url = nginx->https_url("fw.bin");
  auto without = run_awsfota({"publish", file_.string(), "--to", url, "--ca", pki_->ca_cert().string()});
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.err.find("403"), std::string::npos) << without.err;
  auto with = run_awsfota({"publish", file_.string(), "--to", url, "--ca", pki_->ca_cert().string(), "--cert",
                           client->cert.string(), "--key", client->key.string()});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(read_file_bytes(root_ / "fw.bin"), read_file_bytes(file_));
}

TEST_F(CliPublish, S3_PutsSignedRequestPathStyleUnderEndpoint) {
  const auto log = dir_.path() / "sigv4.log";
  // extra_http_config lands after the server blocks, so the log is declared at http level (servers inherit it).
  auto nginx = start(kDav, "  log_format sigv4 '$request_method $uri|$http_authorization|$http_x_amz_content_sha256';\n"
                           "  access_log " + log.string() + " sigv4;\n");
  ASSERT_TRUE(nginx);
  const std::string endpoint = "https://127.0.0.1:" + std::to_string(nginx->https_port());
  const EnvList env{{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "secret"}};
  auto r = run_awsfota({"publish", file_.string(), "--s3", "s3://fw-bucket/rel/fw.bin", "--region", "eu-west-1",
                        "--endpoint-url", endpoint, "--ca", pki_->ca_cert().string()},
                       env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, endpoint + "/fw-bucket/rel/fw.bin\n");
  EXPECT_NE(r.err.find("${aws:iot:s3-presigned-url:"), std::string::npos);
  EXPECT_EQ(read_file_bytes(root_ / "fw-bucket" / "rel" / "fw.bin"), read_file_bytes(file_));

  openssl::OpenSslCrypto crypto;
  const auto sha = image::to_hex(image::sha256_of(crypto, read_file_bytes(file_)));
  // nginx writes its access log line after the answer went out: wait for it rather than race it.
  std::string line;
  for (int i = 0; i < 100 && line.empty(); ++i) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto end = text.find('\n'); end != std::string::npos) line = text.substr(0, end);
    if (line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(line.rfind("PUT /fw-bucket/rel/fw.bin|AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u) << line;
  EXPECT_NE(line.find("/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="),
            std::string::npos)
      << line;
  EXPECT_EQ(line.substr(line.rfind('|') + 1), sha);

  auto no_creds = run_awsfota({"publish", file_.string(), "--s3", "s3://b/k", "--region", "eu-west-1",
                               "--endpoint-url", endpoint},
                              // HOME: no ~/.aws/credentials of whoever runs the test
                              {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"HOME", dir_.path().string()},
                               {"AWS_SHARED_CREDENTIALS_FILE", ""}, {"AWS_CONFIG_FILE", ""}, {"AWS_PROFILE", ""}});
  EXPECT_EQ(no_creds.exit_code, 2);
  EXPECT_NE(no_creds.err.find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST_F(CliPublish, UsageErrors_GiveExitTwo) {
  EXPECT_EQ(run_awsfota({"publish", file_.string()}).exit_code, 2);
  EXPECT_EQ(run_awsfota({"publish", file_.string(), "--to", "http://127.0.0.1:1/"}).exit_code, 2);
  EXPECT_EQ(run_awsfota({"publish", file_.string(), "--to", "http://x/y", "--s3", "s3://b/k"}).exit_code, 2);
}

}  // namespace
}  // namespace awsfota::cli::testing
