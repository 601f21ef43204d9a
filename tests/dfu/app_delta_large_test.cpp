// Deltas of images past 64 MiB (the CLI then turns on long mode and a 2^27 window by itself): a patch
// from `zstd --patch-from=OLD NEW` with the CLI's default settings applies through the delta target on
// real files, and the CLI decodes a delta made by create_delta() at that size.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/dfu/app_targets.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;

namespace {

constexpr std::size_t kPayload = 65u << 20;

std::vector<std::uint8_t> fast_random(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

// One read() of the whole file (read_file's byte iterator is slow under ASan at this size).
std::vector<std::uint8_t> read_big(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  return out;
}

int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// The images are made once for the suite (tens of MiB: slow under ASan).
class LargeDelta : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (run("zstd --version") != 0) return;
    auto payload = fast_random(kPayload, 42);
    old_image_ = new std::vector<std::uint8_t>(make_image(payload, nullptr, {1, 0, 0, 0}));
    for (std::size_t i = 4096; i < payload.size(); i += 1 << 20) payload[i] ^= 0xa5;
    const auto inserted = fast_random(100000, 7);
    payload.insert(payload.begin() + (40 << 20), inserted.begin(), inserted.end());
    new_image_ = new std::vector<std::uint8_t>(make_image(payload, nullptr, {1, 1, 0, 0}));
  }
  static void TearDownTestSuite() {
    delete old_image_;
    delete new_image_;
    old_image_ = new_image_ = nullptr;
  }
  void SetUp() override {
    if (old_image_ == nullptr) GTEST_SKIP() << "zstd CLI absent";
    ASSERT_FALSE(old_image_->empty() || new_image_->empty());
    write_file(dir_.path() / "old", *old_image_);
    write_file(dir_.path() / "new", *new_image_);
  }

  // Runs the delta through the target with slot and staging files; returns slot B's first bytes.
  std::vector<std::uint8_t> apply_through_target(const std::vector<std::uint8_t>& delta) {
    auto a = awsfota::posix::PosixBlockDevice::open(dir_.path() / "old", 128u << 20, true);
    auto b = awsfota::posix::PosixBlockDevice::open(dir_.path() / "b.img", 128u << 20);
    auto staging = awsfota::posix::PosixBlockDevice::open(dir_.path() / "stage", 16u << 20);
    EXPECT_TRUE(a && b && staging);
    if (!a || !b || !staging) return {};
    awsfota::posix::FileBootRecordStore store(dir_.path() / "boot.state");
    EXPECT_TRUE(run_boot_step(store));
    RecordBootControl boot(store);
    AppDeltaTarget t(**a, **b, **staging, boot, crypto_, AppConfig{});
    TransferSpec s;
    s.size = delta.size();
    EXPECT_TRUE(t.begin(s));
    EXPECT_TRUE(t.write(0, delta));
    auto done = t.finish();
    EXPECT_TRUE(done) << done.error().reason;
    auto out = read_big(dir_.path() / "b.img");
    out.resize(std::min(out.size(), new_image_->size()));
    return out;
  }

  static std::vector<std::uint8_t>* old_image_;
  static std::vector<std::uint8_t>* new_image_;
  awsfota::openssl::OpenSslCrypto crypto_;
  TempDir dir_;
};
std::vector<std::uint8_t>* LargeDelta::old_image_ = nullptr;
std::vector<std::uint8_t>* LargeDelta::new_image_ = nullptr;

}  // namespace

TEST_F(LargeDelta, ZstdCliPatchWithDefaultSettingsAppliesThroughTheTarget) {
  const auto p = (dir_.path() / "p.zst").string();
  ASSERT_EQ(run("zstd -q -f --patch-from=" + (dir_.path() / "old").string() + " " + (dir_.path() / "new").string() +
                " -o " + p),
            0);
  auto delta = awsfota::image::make_delta_header(*old_image_, *new_image_, crypto_);
  const auto stream = read_file(p);
  delta.insert(delta.end(), stream.begin(), stream.end());
  EXPECT_EQ(apply_through_target(delta), *new_image_);
}

TEST_F(LargeDelta, ZstdCliDecodesCreateDeltaOutputAtThisSize) {
  auto delta = awsfota::image::create_delta(*old_image_, *new_image_, crypto_, 1);
  ASSERT_TRUE(delta) << delta.error().reason;
  write_file(dir_.path() / "d.zst", *delta);
  ASSERT_EQ(run("zstd -q -d -f --patch-from=" + (dir_.path() / "old").string() + " " + (dir_.path() / "d.zst").string() +
                " -o " + (dir_.path() / "out").string()),
            0);
  EXPECT_EQ(read_big(dir_.path() / "out"), *new_image_);
  EXPECT_EQ(apply_through_target(*delta), *new_image_);
}
