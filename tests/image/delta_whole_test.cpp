// apply_delta(): the whole-in-memory apply the DFU target uses (mapped staging, base and slot).
#include <gtest/gtest.h>

#include <cstdlib>

#include "awsfota/image/delta.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::image;
using namespace awsfota::testing;

namespace {

struct Fixture {
  std::vector<std::uint8_t> base;
  std::vector<std::uint8_t> result;
  std::vector<std::uint8_t> delta;
};

Fixture make_fixture(std::size_t size, std::uint32_t seed) {
  Fixture f;
  f.base = random_bytes(size, seed);
  f.result = f.base;
  for (std::size_t i = 50; i < f.result.size(); i += 3001) f.result[i] ^= 0x3c;
  const auto tail = random_bytes(5000, seed + 7);
  f.result.insert(f.result.end(), tail.begin(), tail.end());
  awsfota::openssl::OpenSslCrypto crypto;
  auto d = create_delta(f.base, f.result, crypto, 3);
  if (d) f.delta = *d;
  return f;
}

// The output buffer starts as a recognisable pattern, to see whether anything was written.
constexpr std::uint8_t kUntouched = 0xee;

}  // namespace

TEST(Delta_ApplyWhole, WritesTheExactResultIntoTheBuffer) {
  const auto f = make_fixture(128 * 1024, 1);
  ASSERT_FALSE(f.delta.empty());
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size() + 100, kUntouched);
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_TRUE(h) << h.error().reason;
  EXPECT_EQ(h->result_size, f.result.size());
  EXPECT_TRUE(std::equal(f.result.begin(), f.result.end(), out.begin()));
  EXPECT_EQ(out.back(), kUntouched) << "bytes past the result are left alone";
}

TEST(Delta_ApplyWhole, WrongBaseIsRefusedBeforeAnyOutput) {
  const auto f = make_fixture(32 * 1024, 2);
  awsfota::openssl::OpenSslCrypto crypto;
  auto base = f.base;
  base[1000] ^= 1;
  std::vector<std::uint8_t> out(f.result.size(), kUntouched);
  auto h = apply_delta(f.delta, base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::WrongBase);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == kUntouched; }));
}

TEST(Delta_ApplyWhole, KnownBaseDigestIsTrusted) {
  const auto f = make_fixture(32 * 1024, 3);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  Sha256Digest wrong{};
  auto h = apply_delta(f.delta, f.base, out, crypto, wrong);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::WrongBase) << "the digest given is the one compared";
}

TEST(Delta_ApplyWhole, OutputSmallerThanTheResultIsRefused) {
  const auto f = make_fixture(32 * 1024, 4);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size() - 1);
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::Sink);
}

TEST(Delta_ApplyWhole, BytesAfterTheFrameAreCorrupt) {
  auto f = make_fixture(16 * 1024, 5);
  f.delta.push_back(0);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::Corrupt);
  EXPECT_NE(h.error().reason.find("follow the end"), std::string::npos) << h.error().reason;
}

TEST(Delta_ApplyWhole, TruncatedFrameIsCorrupt) {
  auto f = make_fixture(16 * 1024, 6);
  f.delta.resize(f.delta.size() - 5);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::Corrupt);
}

TEST(Delta_ApplyWhole, HeaderOnlyIsTooShortOrCorrupt) {
  auto f = make_fixture(16 * 1024, 7);
  f.delta.resize(kDeltaHeaderSize);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::Corrupt) << h.error().reason;
}

TEST(Delta_ApplyWhole, FrameSizeOtherThanTheHeadersIsRefusedBeforeDecoding) {
  auto f = make_fixture(16 * 1024, 8);
  awsfota::openssl::OpenSslCrypto crypto;
  // Header claims one byte more than the frame declares (and hash of a longer result).
  DeltaHeader h = *parse_delta_header(f.delta);
  h.result_size += 1;
  const auto header = encode_delta_header(h);
  std::copy(header.begin(), header.end(), f.delta.begin());
  std::vector<std::uint8_t> out(f.result.size() + 1, kUntouched);
  auto r = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DeltaErrorCode::ResultSizeMismatch);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == kUntouched; }));
}

TEST(Delta_ApplyWhole, CorruptStreamIsRefused) {
  auto f = make_fixture(64 * 1024, 9);
  for (std::size_t i = 0; i < 6; ++i) f.delta[kDeltaHeaderSize + 30 + i * 17] ^= 0xff;
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_TRUE(h.error().code == DeltaErrorCode::Corrupt || h.error().code == DeltaErrorCode::ResultHashMismatch ||
              h.error().code == DeltaErrorCode::ResultSizeMismatch)
      << to_string(h.error().code);
}

TEST(Delta_ApplyWhole, ResultHashOtherThanTheHeadersIsRefused) {
  auto f = make_fixture(16 * 1024, 10);
  f.delta[70] ^= 1;  // inside the result SHA-256
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(f.delta, f.base, out, crypto);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::ResultHashMismatch);
}

// A frame from the zstd CLI without its content size still applies: the decoded size is then checked
// after decoding.
TEST(Delta_ApplyWhole, CliFrameWithoutContentSizeApplies) {
  if (std::system("zstd --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "zstd CLI absent";
  const auto f = make_fixture(64 * 1024, 11);
  TempDir dir;
  write_file(dir.path() / "old", f.base);
  write_file(dir.path() / "new", f.result);
  const std::string cmd = "zstd -q -f --no-content-size --patch-from=" + (dir.path() / "old").string() + " " +
                          (dir.path() / "new").string() + " -o " + (dir.path() / "p.zst").string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = make_delta_header(f.base, f.result, crypto);
  const auto stream = read_file(dir.path() / "p.zst");
  delta.insert(delta.end(), stream.begin(), stream.end());
  std::vector<std::uint8_t> out(f.result.size());
  auto h = apply_delta(delta, f.base, out, crypto);
  ASSERT_TRUE(h) << h.error().reason;
  EXPECT_EQ(out, f.result);
}

// decode_delta(): apply_delta() with progress and without the result hash, for the DFU target, which
// reads each finished part of the result back from the slot while the rest is decoded.
TEST(Delta_Decode, ReportsEachBlockOnceItsBytesAreFinal) {
  const auto f = make_fixture(1 << 20, 12);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size(), kUntouched);
  std::uint64_t last = 0;
  int calls = 0;
  bool final_when_reported = true;
  auto h = decode_delta(f.delta, f.base, out, crypto, {}, [&](std::uint64_t done) -> awsfota::Expected<void, std::string> {
    ++calls;
    EXPECT_GT(done, last);
    EXPECT_LE(done - last, 128u * 1024) << "one zstd block at a time";
    const auto at = static_cast<std::ptrdiff_t>(last);
    const auto end = static_cast<std::ptrdiff_t>(done);
    final_when_reported = final_when_reported && std::equal(out.begin() + at, out.begin() + end, f.result.begin() + at);
    last = done;
    return {};
  });
  ASSERT_TRUE(h) << h.error().reason;
  EXPECT_TRUE(final_when_reported) << "a reported byte was not yet the result's";
  EXPECT_EQ(last, f.result.size());
  EXPECT_GE(calls, 8);
  EXPECT_EQ(out, f.result);
}

TEST(Delta_Decode, LeavesTheResultHashToTheCaller) {
  auto f = make_fixture(16 * 1024, 13);
  f.delta[70] ^= 1;  // inside the result SHA-256
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  auto h = decode_delta(f.delta, f.base, out, crypto, {}, {});
  ASSERT_TRUE(h) << h.error().reason;
  EXPECT_EQ(out, f.result);
  auto r = check_delta_result(*h, sha256_of(crypto, out));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DeltaErrorCode::ResultHashMismatch);
  EXPECT_TRUE(check_delta_result(*h, h->result_sha256));
}

TEST(Delta_Decode, ProgressErrorStopsTheDecoding) {
  const auto f = make_fixture(1 << 20, 14);
  awsfota::openssl::OpenSslCrypto crypto;
  std::vector<std::uint8_t> out(f.result.size());
  int calls = 0;
  auto h = decode_delta(f.delta, f.base, out, crypto, {}, [&](std::uint64_t) -> awsfota::Expected<void, std::string> {
    ++calls;
    return awsfota::unexpected(std::string("slot gone"));
  });
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DeltaErrorCode::Sink);
  EXPECT_EQ(h.error().reason, "slot gone");
  EXPECT_EQ(calls, 1);
}
