// Application deltas: made by libzstd or by the zstd CLI, applied streaming, refused for the wrong base
// or when corrupt; and the zstd CLI decodes ours.
#include <gtest/gtest.h>

#include <cstdlib>

#include "awsfota/image/delta.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::image;
using namespace awsfota::testing;

namespace {

// A base and a "new version": mostly the same bytes, with edits, an insertion and a tail.
struct Pair {
  std::vector<std::uint8_t> base;
  std::vector<std::uint8_t> result;
};
Pair make_pair_of_versions(std::size_t size, std::uint32_t seed) {
  Pair p;
  p.base = random_bytes(size, seed);
  p.result = p.base;
  for (std::size_t i = 100; i < p.result.size(); i += 4099) p.result[i] ^= 0x5a;
  const auto extra = random_bytes(3000, seed + 1);
  p.result.insert(p.result.begin() + static_cast<std::ptrdiff_t>(size / 2), extra.begin(), extra.end());
  return p;
}

struct Applied {
  awsfota::Expected<void, DeltaError> status;
  std::vector<std::uint8_t> out;
  std::uint64_t sink_calls = 0;
};

Applied apply(const std::vector<std::uint8_t>& base, const std::vector<std::uint8_t>& delta, std::size_t chunk) {
  awsfota::openssl::OpenSslCrypto crypto;
  Applied a;
  DeltaApplier applier(base, crypto, [&](std::uint64_t off, std::span<const std::uint8_t> bytes) {
    EXPECT_EQ(off, a.out.size());
    a.out.insert(a.out.end(), bytes.begin(), bytes.end());
    ++a.sink_calls;
    return awsfota::Expected<void, std::string>{};
  });
  for (std::size_t at = 0; at < delta.size(); at += chunk) {
    auto r = applier.feed(std::span(delta).subspan(at, std::min(chunk, delta.size() - at)));
    if (!r) {
      a.status = awsfota::unexpected(r.error());
      return a;
    }
  }
  a.status = applier.finish();
  return a;
}

bool have_zstd_cli() { return std::system("zstd --version >/dev/null 2>&1") == 0; }

int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

}  // namespace

TEST(Delta_Header, RoundTripsAndIsDetected) {
  DeltaHeader h;
  h.base_size = 123456789012ull;
  h.result_size = 42;
  h.base_sha256[0] = 0xaa;
  h.result_sha256[31] = 0xbb;
  const auto bytes = encode_delta_header(h);
  ASSERT_EQ(bytes.size(), kDeltaHeaderSize);
  auto back = parse_delta_header(bytes);
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(back->base_size, h.base_size);
  EXPECT_EQ(back->result_size, h.result_size);
  EXPECT_EQ(back->base_sha256, h.base_sha256);
  EXPECT_EQ(back->result_sha256, h.result_sha256);
  EXPECT_EQ(back->stream_offset(), 100u);
}

TEST(Delta_Header, EachMalformationHasItsOwnError) {
  const auto good = encode_delta_header(DeltaHeader{});
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = v;
    auto r = parse_delta_header(b);
    return r ? DeltaErrorCode::Create : r.error().code;  // Create = "parsed", never a parse error
  };
  EXPECT_EQ(parse_delta_header(std::span(good).first(50)).error().code, DeltaErrorCode::TooShort);
  EXPECT_EQ(with(0, 0x00), DeltaErrorCode::NotSkippableFrame);
  EXPECT_EQ(with(0, 0x5f), DeltaErrorCode::Create);  // any magic of the skippable range is fine
  EXPECT_EQ(with(9, 'x'), DeltaErrorCode::BadTag);
  EXPECT_EQ(with(4, 10), DeltaErrorCode::BadFrameSize);
  EXPECT_EQ(with(16, 2), DeltaErrorCode::UnsupportedVersion);
  EXPECT_EQ(with(18, 1), DeltaErrorCode::UnsupportedFlags);
}

TEST(Delta_Apply, LibraryMadeDeltaAppliesInAnyChunking) {
  const auto p = make_pair_of_versions(300 * 1024, 11);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta) << delta.error().reason;
  EXPECT_LT(delta->size(), p.result.size() / 10) << "a delta of similar files should be small";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, delta->size()}) {
    auto a = apply(p.base, *delta, chunk);
    ASSERT_TRUE(a.status) << chunk << ": " << a.status.error().reason;
    EXPECT_EQ(a.out, p.result) << chunk;
  }
}

TEST(Delta_Apply, CliMadePatchWithOurHeaderApplies) {
  if (!have_zstd_cli()) GTEST_SKIP() << "zstd CLI absent";
  TempDir dir;
  const auto p = make_pair_of_versions(200 * 1024, 21);
  write_file(dir.path() / "old", p.base);
  write_file(dir.path() / "new", p.result);
  ASSERT_EQ(run("zstd -q -f --patch-from=" + (dir.path() / "old").string() + " " + (dir.path() / "new").string() +
                " -o " + (dir.path() / "patch.zst").string()),
            0);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = make_delta_header(p.base, p.result, crypto);
  const auto stream = read_file(dir.path() / "patch.zst");
  delta.insert(delta.end(), stream.begin(), stream.end());
  auto a = apply(p.base, delta, 1000);
  ASSERT_TRUE(a.status) << a.status.error().reason;
  EXPECT_EQ(a.out, p.result);
}

TEST(Delta_Apply, ZstdCliDecodesOurDelta) {
  if (!have_zstd_cli()) GTEST_SKIP() << "zstd CLI absent";
  TempDir dir;
  const auto p = make_pair_of_versions(200 * 1024, 31);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  write_file(dir.path() / "old", p.base);
  write_file(dir.path() / "delta", *delta);
  ASSERT_EQ(run("zstd -q -d -f --patch-from=" + (dir.path() / "old").string() + " " + (dir.path() / "delta").string() +
                " -o " + (dir.path() / "out").string()),
            0);
  EXPECT_EQ(read_file(dir.path() / "out"), p.result);
}

TEST(Delta_Apply, WrongBaseIsRefusedBeforeAnyOutput) {
  const auto p = make_pair_of_versions(64 * 1024, 41);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  auto other_base = p.base;
  other_base[5] ^= 1;
  auto a = apply(other_base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::WrongBase);
  EXPECT_EQ(a.sink_calls, 0u);
}

TEST(Delta_Apply, CorruptStreamIsRefused) {
  const auto p = make_pair_of_versions(64 * 1024, 51);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  // Flip bytes in the middle of the zstd stream: either zstd notices (checksum, bad block) or the
  // result hash does.
  for (std::size_t i = 0; i < 8; ++i) (*delta)[kDeltaHeaderSize + 40 + i * 13] ^= 0xff;
  auto a = apply(p.base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_TRUE(a.status.error().code == DeltaErrorCode::Corrupt ||
              a.status.error().code == DeltaErrorCode::ResultHashMismatch ||
              a.status.error().code == DeltaErrorCode::ResultSizeMismatch)
      << to_string(a.status.error().code);
}

TEST(Delta_Apply, TruncatedStreamIsCorrupt) {
  const auto p = make_pair_of_versions(64 * 1024, 61);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  delta->resize(delta->size() - 10);
  auto a = apply(p.base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::Corrupt);
}

TEST(Delta_Apply, HeaderNamingAnotherResultIsResultHashMismatch) {
  const auto p = make_pair_of_versions(64 * 1024, 71);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  (*delta)[68] ^= 1;  // result SHA-256
  auto a = apply(p.base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::ResultHashMismatch);
}

TEST(Delta_Apply, HeaderNamingASmallerResultStopsOutputAtThatSize) {
  const auto p = make_pair_of_versions(64 * 1024, 81);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  (*delta)[29] = 0;  // result size: drop its second byte, far below the real size
  (*delta)[30] = 0;
  auto a = apply(p.base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::ResultSizeMismatch);
  EXPECT_LE(a.out.size(), 256u);
}

TEST(Delta_Apply, DataAfterTheFrameIsCorrupt) {
  const auto p = make_pair_of_versions(16 * 1024, 91);
  awsfota::openssl::OpenSslCrypto crypto;
  auto delta = create_delta(p.base, p.result, crypto, 3);
  ASSERT_TRUE(delta);
  delta->push_back(0x00);
  auto a = apply(p.base, *delta, 4096);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::Corrupt);
}

TEST(Delta_Apply, NotADeltaIsRefusedEarly) {
  const std::vector<std::uint8_t> base(100, 1);
  const auto not_delta = random_bytes(200, 3);
  auto a = apply(base, not_delta, 20);
  ASSERT_FALSE(a.status);
  EXPECT_EQ(a.status.error().code, DeltaErrorCode::NotSkippableFrame);
}
