// The real awsfota binary on images, keys, deltas and job documents.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/delta.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "awsfota/jobs/job_document.hpp"
#include "cli_runner.hpp"
#include "support/process.hpp"
#include "support/build_paths.hpp"

namespace awsfota::cli::testing {
namespace {

using awsfota::testing::TempDir;
using awsfota::testing::run_program;
namespace fs = std::filesystem;

class CliImage : public ::testing::Test {
 protected:
  void SetUp() override {
    payload_ = dir_.path() / "payload.bin";
    write_file_bytes(payload_, pseudo_random_bytes(20000, 1));
    auto r = run_awsfota({"key", "generate", "-o", key("k.pem"), "--pub", key("k.pub")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string key(const std::string& name) const { return (dir_.path() / name).string(); }
  std::string make_image(const std::string& name, const std::string& version, const fs::path& payload,
                         const std::string& key_file) {
    std::vector<std::string> args{"image", "create", "--payload", payload.string(), "--version", version,
                                  "-o", (dir_.path() / name).string()};
    if (!key_file.empty()) args.insert(args.end(), {"--key", key_file});
    auto r = run_awsfota(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return (dir_.path() / name).string();
  }

  TempDir dir_{"cli-image"};
  fs::path payload_;
  openssl::OpenSslCrypto crypto_;
};

// The permission bits of a file (not following a symlink).
unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return static_cast<unsigned>(st.st_mode) & 0777u;
}

// Runs `awsfota key generate -o DIR/name` under umask 022, the common default.
CliResult generate_key_under_umask_022(const std::string& private_key) {
  const mode_t old = ::umask(022);
  auto r = run_awsfota({"key", "generate", "-o", private_key});
  ::umask(old);
  return r;
}

TEST_F(CliImage, KeyGenerate_PrivateKeyIsOwnerOnlyUnderUmask022) {
  ASSERT_EQ(generate_key_under_umask_022(key("fresh.pem")).exit_code, 0);
  EXPECT_EQ(mode_of(key("fresh.pem")), 0600u);
  EXPECT_FALSE(fs::exists(key("fresh.pem.tmp")));
}

TEST_F(CliImage, KeyGenerate_ReplacesAStaleTemporaryFileOfItsOwn) {
  write_file_bytes(key("stale.pem.tmp"), {'o', 'l', 'd'});
  ASSERT_EQ(::chmod(key("stale.pem.tmp").c_str(), 0644), 0);
  auto r = generate_key_under_umask_022(key("stale.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(key("stale.pem")), 0600u);
  EXPECT_FALSE(fs::exists(key("stale.pem.tmp")));
}

// A symlink planted at PATH.tmp must not receive the private key (nor become PATH by the rename).
TEST_F(CliImage, KeyGenerate_DoesNotFollowASymlinkAtTheTemporaryPath) {
  fs::create_symlink(key("victim"), key("trap.pem.tmp"));
  auto r = generate_key_under_umask_022(key("trap.pem"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("trap.pem.tmp"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(key("victim")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(key("trap.pem"))));
  EXPECT_TRUE(fs::is_symlink(key("trap.pem.tmp")));  // left for the user to look at
}

TEST_F(CliImage, CreateVerifyInfo_RoundTrip) {
  const auto image = make_image("fw.bin", "1.2.3+4", payload_, key("k.pem"));
  auto verify = run_awsfota({"image", "verify", image, "--key", key("k.pub")});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("signature verified"), std::string::npos);

  auto info = run_awsfota({"image", "info", image, "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["kind"], "MCUboot application image");
  EXPECT_EQ(j["version"], "1.2.3+4");
  EXPECT_EQ(j["header"]["header_size"], 0x200);
  EXPECT_EQ(j["header"]["image_size"], 20000);
  const auto bytes = read_file_bytes(image);
  EXPECT_EQ(j["size"], bytes.size());
  EXPECT_EQ(j["sha256"], image::to_hex(image::sha256_of(crypto_, bytes)));
  std::vector<std::string> tlvs;
  for (const auto& t : j["tlvs"]) tlvs.push_back(t["type"]);
  EXPECT_EQ(tlvs, (std::vector<std::string>{"SHA256", "KEYHASH", "ECDSASIG"}));

  auto text = run_awsfota({"image", "info", image});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("version: 1.2.3+4"), std::string::npos);
}

// A modem image as the payload gives the signed modem envelope that devices with a key require.
TEST_F(CliImage, CreateFromAModemPayload_MakesASignedModemEnvelope) {
  auto modem = pseudo_random_bytes(20000, 2);
  modem[0] = 0x00;
  modem[4] = 0x6d;  // the modem delta magic, LE u32 at 4
  modem[5] = 0x65;
  modem[6] = 0x44;
  modem[7] = 0x75;
  const fs::path modem_payload = dir_.path() / "modem-delta.bin";
  write_file_bytes(modem_payload, modem);
  auto create = run_awsfota({"image", "create", "--payload", modem_payload.string(), "--version", "1.3.1", "--key",
                             key("k.pem"), "-o", key("modem-signed.bin")});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_NE(create.out.find("signed modem envelope of a modem delta"), std::string::npos) << create.out;
  auto verify = run_awsfota({"image", "verify", key("modem-signed.bin"), "--key", key("k.pub")});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  auto info = run_awsfota({"image", "info", key("modem-signed.bin"), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["kind"], "modem delta");
  EXPECT_EQ(j["header"]["flags"], image::kModemDeltaEnvelopeFlag);
  EXPECT_EQ(j["header"]["image_size"], 20000);
  const auto bytes = read_file_bytes(key("modem-signed.bin"));
  EXPECT_TRUE(std::equal(modem.begin(), modem.end(), bytes.begin() + 0x200));  // the payload, untouched
}

// A filesystem as the payload makes a partition image by itself (squashfs here: its magic at 0; ext
// has its own at 1080, tested with the detection); --partition forces one, --no-partition refuses it.
TEST_F(CliImage, CreateFromAFilesystemPayload_MakesAPartitionImage) {
  auto squashfs = pseudo_random_bytes(30000, 3);
  std::copy_n("hsqs", 4, squashfs.begin());
  const fs::path fs_payload = dir_.path() / "rootfs.squashfs";
  write_file_bytes(fs_payload, squashfs);
  auto create = run_awsfota({"image", "create", "--payload", fs_payload.string(), "--version", "2.0.0", "--key",
                             key("k.pem"), "-o", key("rootfs.fw")});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_NE(create.out.find("partition image (squashfs filesystem)"), std::string::npos) << create.out;
  auto verify = run_awsfota({"image", "verify", key("rootfs.fw"), "--key", key("k.pub")});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("partition image"), std::string::npos) << verify.out;
  auto info = run_awsfota({"image", "info", key("rootfs.fw"), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["kind"], "MCUboot application image");
  EXPECT_EQ(j["header"]["flags"], image::kPartitionPayloadFlag);
  EXPECT_EQ(j["partition"]["filesystem"], "squashfs");
  EXPECT_EQ(j["partition"]["payload_offset"], 0x200);
  const auto bytes = read_file_bytes(key("rootfs.fw"));
  EXPECT_TRUE(std::equal(squashfs.begin(), squashfs.end(), bytes.begin() + 0x200));

  auto plain = run_awsfota({"image", "create", "--payload", fs_payload.string(), "--version", "2.0.0", "--no-partition",
                            "-o", key("plain.fw")});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(image::is_partition_image(read_file_bytes(key("plain.fw"))));
  auto forced = run_awsfota({"image", "create", "--payload", payload_.string(), "--version", "2.0.0", "--partition",
                             "-o", key("forced.fw")});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(image::is_partition_image(read_file_bytes(key("forced.fw"))));
}

TEST_F(CliImage, CreatedImage_VerifiesWithLibraryVerifier) {
  const auto image_path = make_image("fw.bin", "2.0.1", payload_, key("k.pem"));
  auto pem = read_file_bytes(key("k.pub"));
  auto pub = openssl::load_public_key_pem(std::string(pem.begin(), pem.end()));
  ASSERT_TRUE(pub) << pub.error();
  const auto bytes = read_file_bytes(image_path);
  auto v = image::verify_image(bytes, image::VerifyPolicy{*pub}, crypto_);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_TRUE(v->signature_checked);
  EXPECT_EQ(v->header.version, (image::ImageVersion{2, 0, 1, 0}));
  EXPECT_EQ(v->header.image_size, 20000u);
}

TEST_F(CliImage, OtherKey_GivesExitThree) {
  const auto image = make_image("fw.bin", "1.0.0", payload_, key("k.pem"));
  ASSERT_EQ(run_awsfota({"key", "generate", "-o", key("other.pem"), "--pub", key("other.pub")}).exit_code, 0);
  auto r = run_awsfota({"image", "verify", image, "--key", key("other.pub")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("KeyMismatch"), std::string::npos) << r.err;
}

TEST_F(CliImage, CorruptPayload_GivesExitThree) {
  const auto image = make_image("fw.bin", "1.0.0", payload_, key("k.pem"));
  auto bytes = read_file_bytes(image);
  bytes[0x200 + 100] ^= 0x01;
  write_file_bytes(image, bytes);
  auto r = run_awsfota({"image", "verify", image});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("HashMismatch"), std::string::npos) << r.err;
}

TEST_F(CliImage, HashOnlyImage_VerifiesWithoutKeyAndFailsWithOne) {
  const auto image = make_image("fw.bin", "0.1.0", payload_, "");
  EXPECT_EQ(run_awsfota({"image", "verify", image}).exit_code, 0);
  auto r = run_awsfota({"image", "verify", image, "--key", key("k.pub")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("MissingSignature"), std::string::npos) << r.err;
}

TEST_F(CliImage, SharedImgtoolVector_VerifiesWithItsKey) {
  const fs::path dir = awsfota::testing::shared_dir() / "vectors" / "mcuboot";
  if (!fs::exists(dir / "app-ecdsa-p256-v1.2.3.bin")) GTEST_SKIP() << "no shared vectors at " << dir;
  auto ok = run_awsfota({"image", "verify", (dir / "app-ecdsa-p256-v1.2.3.bin").string(), "--key",
                         (dir / "ecdsa-p256.pub.pem").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto bad = run_awsfota({"image", "verify", (dir / "app-ecdsa-p256-v1.2.3-corrupt-payload.bin").string(), "--key",
                          (dir / "ecdsa-p256.pub.pem").string()});
  EXPECT_EQ(bad.exit_code, 3);
  auto mismatch = run_awsfota({"image", "verify", (dir / "app-ecdsa-p256-v1.2.3.bin").string(), "--key", key("k.pub")});
  EXPECT_EQ(mismatch.exit_code, 3);
}

TEST_F(CliImage, SlotTooSmall_FailsWithoutWritingOutput) {
  auto r = run_awsfota({"image", "create", "--payload", payload_.string(), "--version", "1.0.0", "--slot-size",
                        "0x4000", "-o", key("fw.bin")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("more than the slot"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(key("fw.bin")));
}

TEST_F(CliImage, UsageErrors_GiveExitTwoAndSayWhat) {
  auto bad_version = run_awsfota({"image", "create", "--payload", payload_.string(), "--version", "1.x", "-o", key("o")});
  EXPECT_EQ(bad_version.exit_code, 2);
  EXPECT_NE(bad_version.err.find("MAJOR.MINOR.REVISION"), std::string::npos);
  EXPECT_EQ(run_awsfota({"image", "create", "--version", "1.0.0", "-o", key("o")}).exit_code, 2);
  EXPECT_EQ(run_awsfota({"image"}).exit_code, 2);
  EXPECT_EQ(run_awsfota({"frobnicate"}).exit_code, 2);
  auto help = run_awsfota({"job", "watch", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--interval"), std::string::npos);
}

TEST_F(CliImage, NotAnImage_InfoAndVerifyGiveExitThree) {
  EXPECT_EQ(run_awsfota({"image", "info", payload_.string()}).exit_code, 3);
  EXPECT_EQ(run_awsfota({"image", "verify", payload_.string()}).exit_code, 3);
  EXPECT_EQ(run_awsfota({"image", "verify", key("missing.bin")}).exit_code, 1);
}

TEST_F(CliImage, Delta_RoundTripIsByteIdenticalAndZstdDecodesIt) {
  const auto old_image = make_image("v1.bin", "1.0.0", payload_, key("k.pem"));
  auto changed = pseudo_random_bytes(20000, 1);
  for (std::size_t i = 5000; i < 5100; ++i) changed[i] ^= 0x5a;
  changed.insert(changed.end(), 300, 0x42);
  write_file_bytes(dir_.path() / "payload2.bin", changed);
  const auto new_image = make_image("v2.bin", "1.0.1", dir_.path() / "payload2.bin", key("k.pem"));

  auto create = run_awsfota({"delta", "create", "--from", old_image, "--to", new_image, "-o", key("d.bin")});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_LT(fs::file_size(key("d.bin")), fs::file_size(new_image) / 4);

  auto apply = run_awsfota({"delta", "apply", "--base", old_image, key("d.bin"), "-o", key("out.bin")});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_EQ(read_file_bytes(key("out.bin")), read_file_bytes(new_image));

  auto zstd = awsfota::testing::run_command(
      {"zstd", "-q", "-f", "-d", "--patch-from=" + old_image, key("d.bin"), "-o", key("zstd.bin")});
  ASSERT_TRUE(zstd) << zstd.error();
  EXPECT_EQ(read_file_bytes(key("zstd.bin")), read_file_bytes(new_image));

  auto info = run_awsfota({"delta", "info", key("d.bin"), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["delta"]["base_size"], fs::file_size(old_image));
  EXPECT_EQ(j["delta"]["result_size"], fs::file_size(new_image));
  EXPECT_EQ(j["delta"]["base_sha256"], image::to_hex(image::sha256_of(crypto_, read_file_bytes(old_image))));

  auto wrong_base = run_awsfota({"delta", "apply", "--base", new_image, key("d.bin"), "-o", key("x.bin")});
  EXPECT_EQ(wrong_base.exit_code, 3);
  EXPECT_NE(wrong_base.err.find("WrongBase"), std::string::npos) << wrong_base.err;
  EXPECT_FALSE(fs::exists(key("x.bin")));
  EXPECT_EQ(run_awsfota({"delta", "info", old_image}).exit_code, 3);
}

TEST_F(CliImage, JobDocument_ParsesWithSizeShaAndVersionFromHeader) {
  const auto image_path = make_image("fw.bin", "1.0.2", payload_, key("k.pem"));
  const auto bytes = read_file_bytes(image_path);
  const auto sha = image::to_hex(image::sha256_of(crypto_, bytes));

  auto url_form = run_awsfota({"job", "document", "--image", image_path, "--url", "https://127.0.0.1:8443/fw.bin"});
  ASSERT_EQ(url_form.exit_code, 0) << url_form.err;
  auto doc = jobs::parse_job_document(url_form.out);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->size, bytes.size());
  EXPECT_EQ(doc->sha256, sha);
  EXPECT_EQ(doc->fw_version, "v1.0.2");
  EXPECT_EQ(doc->operation, "app_fw_update");
  EXPECT_EQ(doc->location.url(), "https://127.0.0.1:8443/fw.bin");

  auto ref_form = run_awsfota({"job", "document", "--image", image_path, "--host", "files.local", "--path",
                               "app_update.bin", "--protocol", "http:", "--fwversion", "v9.9.9"});
  ASSERT_EQ(ref_form.exit_code, 0) << ref_form.err;
  auto ref = jobs::parse_job_document(ref_form.out);
  ASSERT_TRUE(ref) << ref.error().reason;
  EXPECT_EQ(ref->location.url(), "http://files.local/app_update.bin");
  EXPECT_EQ(ref->fw_version, "v9.9.9");

  const std::string placeholder = "${aws:iot:s3-presigned-url:https://fw.s3.eu-west-1.amazonaws.com/fw.bin}";
  auto presigned = run_awsfota({"job", "document", "--image", image_path, "--url", placeholder});
  ASSERT_EQ(presigned.exit_code, 0) << presigned.err;
  EXPECT_EQ(nlohmann::json::parse(presigned.out)["location"]["url"], placeholder);

  auto bad = run_awsfota({"job", "document", "--image", image_path, "--url", "ftp://x/y"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("would not be accepted"), std::string::npos) << bad.err;
  EXPECT_EQ(run_awsfota({"job", "document", "--image", image_path}).exit_code, 2);
}

TEST_F(CliImage, JobDocument_ASwuGetsSwupdateImageAndTheVersionOfItsSwDescription) {
  const auto work = dir_.path() / "swu";
  fs::create_directories(work);
  auto make_swu = [&](const std::string& name, const std::string& description) {
    std::ofstream(work / "sw-description") << description;
    std::ofstream(work / "rootfs.img") << "not really a root file system";
    const auto out = dir_.path() / name;
    auto r = run_program({"sh", "-c", "cd '" + work.string() +
                                          "' && printf 'sw-description\\nrootfs.img\\n' | cpio -o -H crc --quiet > '" +
                                          out.string() + "'"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out.string();
  };
  const auto swu = make_swu("update.swu", "software =\n{\n\tversion = \"4.5.6\";\n\timages: ( { filename = "
                                          "\"rootfs.img\"; version = \"0.1\"; } );\n}\n");
  const auto bytes = read_file_bytes(swu);
  auto made = run_awsfota({"job", "document", "--image", swu, "--url", "https://127.0.0.1:8443/update.swu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto doc = jobs::parse_job_document(made.out);
  ASSERT_TRUE(doc) << doc.error().reason;
  EXPECT_EQ(doc->operation, "swupdate_image");
  EXPECT_EQ(doc->fw_version, "4.5.6");
  EXPECT_EQ(doc->size, bytes.size());
  EXPECT_EQ(doc->sha256, image::to_hex(image::sha256_of(crypto_, bytes)));

  const auto unversioned = make_swu("plain.swu", "software = { images: ( { filename = \"rootfs.img\"; } ); };\n");
  auto refused = run_awsfota({"job", "document", "--image", unversioned, "--url", "https://127.0.0.1:8443/p.swu"});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.err.find("give --fwversion"), std::string::npos) << refused.err;
  auto given = run_awsfota({"job", "document", "--image", unversioned, "--url", "https://127.0.0.1:8443/p.swu",
                            "--fwversion", "7.0"});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_EQ(nlohmann::json::parse(given.out)["operation"], "swupdate_image");
}

}  // namespace
}  // namespace awsfota::cli::testing
