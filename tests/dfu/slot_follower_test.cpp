#include "awsfota/dfu/slot_follower.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "dfu/fakes.hpp"
#include "dfu/no_clone_crypto.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota;
using namespace awsfota::dfu;
using awsfota::testing::FakeDevice;
using awsfota::testing::NoCloneCrypto;
using awsfota::testing::random_bytes;

namespace {

image::Sha256Digest sha_of(std::span<const std::uint8_t> bytes) {
  openssl::OpenSslCrypto crypto;
  return image::sha256_of(crypto, bytes);
}

// A thread-safe device in memory that records how far its bytes are durable, and can be slow or fail.
class RecordingDevice final : public BlockDevice {
 public:
  explicit RecordingDevice(std::uint64_t capacity, bool concurrent)
      : bytes_(static_cast<std::size_t>(capacity), 0), concurrent_(concurrent) {}
  std::uint64_t size() const override { return bytes_.size(); }
  bool concurrent_access() const override { return concurrent_; }
  Expected<void, IoError> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    Call call(*this);
    if (read_delay.count() > 0) std::this_thread::sleep_for(read_delay);
    std::lock_guard lock(mutex_);
    if (fail_reads_from && offset + out.size() > *fail_reads_from) return unexpected(IoError{"injected read EIO", 5});
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return {};
  }
  Expected<void, IoError> write(std::uint64_t offset, std::span<const std::uint8_t> in) override {
    Call call(*this);
    std::lock_guard lock(mutex_);
    std::copy(in.begin(), in.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(offset));
    written_end_ = std::max<std::uint64_t>(written_end_, offset + in.size());
    return {};
  }
  Expected<void, IoError> sync() override {
    Call call(*this);
    std::uint64_t end = 0;
    {
      std::lock_guard lock(mutex_);
      if (fail_syncs) return unexpected(IoError{"injected fsync EIO", 5});
      end = written_end_;  // what this sync covers: everything written before it started
    }
    std::this_thread::sleep_for(sync_delay);
    std::lock_guard lock(mutex_);
    durable_end_ = std::max(durable_end_, end);
    ++syncs_;
    return {};
  }
  Expected<void, IoError> erase(std::uint64_t, std::uint64_t) override { return {}; }

  std::uint64_t durable_end() const {
    std::lock_guard lock(mutex_);
    return durable_end_;
  }
  int syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
  }
  std::vector<std::uint8_t> bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  void set(std::span<const std::uint8_t> b) {
    std::lock_guard lock(mutex_);
    std::copy(b.begin(), b.end(), bytes_.begin());
    written_end_ = durable_end_ = b.size();
  }

  std::chrono::microseconds read_delay{0};
  std::chrono::microseconds sync_delay{200};
  std::optional<std::uint64_t> fail_reads_from;
  bool fail_syncs = false;
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlapped{false};
  std::atomic<int> calls{0};

 private:
  struct Call {  // notes calls that overlap another call
    explicit Call(RecordingDevice& d) : d_(d) {
      ++d_.calls;
      if (d_.in_flight.fetch_add(1) != 0) d_.overlapped = true;
    }
    ~Call() { d_.in_flight.fetch_sub(1); }
    RecordingDevice& d_;
  };
  mutable std::mutex mutex_;
  std::vector<std::uint8_t> bytes_;
  std::uint64_t written_end_ = 0, durable_end_ = 0;
  int syncs_ = 0;
  bool concurrent_;
};

// Writes `data` from `from` in random pieces of up to 70000 bytes.
void write_all(SlotFollower& f, std::span<const std::uint8_t> data, std::size_t from, std::mt19937& rng) {
  for (std::size_t at = from; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 70000, data.size() - at);
    ASSERT_TRUE(f.write(at, data.subspan(at, n)));
    at += n;
  }
}

}  // namespace

TEST(SlotFollower, DigestIsTheHashOfTheRegionAsWrittenInOrder) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(3'000'000, 1);
  RecordingDevice dev(data.size(), true);
  std::mt19937 rng(7);
  SlotFollower f(dev, crypto, 0);
  write_all(f, std::span(data).first(100), 0, rng);
  f.set_hash_end(2'500'001, data.size());  // the prefix ends inside a piece
  write_all(f, data, 100, rng);
  auto d = f.digest();
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->prefix, sha_of(std::span(data).first(2'500'001)));
  ASSERT_TRUE(d->whole);
  EXPECT_EQ(*d->whole, sha_of(data));
  EXPECT_EQ(f.written(), data.size());
}

TEST(SlotFollower, HashesWhatTheSlotHoldsIncludingBytesFromBeforeAResume) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(1'000'000, 2);
  RecordingDevice dev(data.size(), true);
  auto earlier = data;
  earlier[1000] ^= 0xff;  // the previous process left this in the slot: the hash must see it
  dev.set(std::span(earlier).first(400'000));
  std::mt19937 rng(8);
  SlotFollower f(dev, crypto, 400'000);
  f.set_hash_end(data.size(), data.size());
  write_all(f, data, 400'000, rng);
  auto d = f.digest();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->prefix, sha_of(dev.bytes()));
  EXPECT_EQ(d->whole, d->prefix);
  EXPECT_NE(d->prefix, sha_of(data));
}

TEST(SlotFollower, DurableOffsetIsNeverAheadOfWhatTheDeviceSynced) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(4'000'000, 3);
  RecordingDevice dev(data.size(), true);
  SlotFollower f(dev, crypto, 0);
  std::mt19937 rng(9);
  std::uint64_t last = 0;
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 50000, data.size() - at);
    ASSERT_TRUE(f.write(at, std::span(data).subspan(at, n)));
    at += n;
    if (rng() % 4 == 0) {
      ASSERT_TRUE(f.request_sync());
    }
    const std::uint64_t durable = f.durable();  // read before the device's own record
    EXPECT_LE(durable, dev.durable_end());
    EXPECT_GE(durable, last);
    last = durable;
  }
  auto synced = f.sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(*synced, data.size());
  EXPECT_EQ(dev.durable_end(), data.size());
  EXPECT_GE(dev.syncs(), 1);
}

TEST(SlotFollower, AReadErrorOfTheHasherComesBackFromDigest) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(2'000'000, 4);
  RecordingDevice dev(data.size(), true);
  dev.fail_reads_from = 1'500'000;
  std::mt19937 rng(10);
  SlotFollower f(dev, crypto, 0);
  f.set_hash_end(1000, data.size());
  write_all(f, data, 0, rng);
  auto d = f.digest();
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("injected read EIO"), std::string::npos) << d.error().message;
  EXPECT_EQ(d.error().error_number, 5);
}

TEST(SlotFollower, ABackgroundSyncErrorFailsTheNextWriteAndSync) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(100'000, 5);
  RecordingDevice dev(data.size(), true);
  dev.fail_syncs = true;
  SlotFollower f(dev, crypto, 0);
  ASSERT_TRUE(f.write(0, std::span(data).first(50'000)));
  ASSERT_TRUE(f.request_sync());
  auto s = f.sync();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("injected fsync EIO"), std::string::npos);
  EXPECT_EQ(f.durable(), 0u);
  auto w = f.write(50'000, std::span(data).subspan(50'000));
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("fsync"), std::string::npos);
  ASSERT_TRUE(f.error());
}

TEST(SlotFollower, StopsCleanlyInTheMiddleOfHashingAndSyncing) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(8'000'000, 6);
  RecordingDevice dev(data.size(), true);
  dev.read_delay = std::chrono::microseconds(2000);  // the hasher is far behind when we stop
  dev.sync_delay = std::chrono::microseconds(5000);
  {
    SlotFollower f(dev, crypto, 0);
    f.set_hash_end(data.size(), data.size());
    std::mt19937 rng(11);
    write_all(f, data, 0, rng);
    ASSERT_TRUE(f.request_sync());
  }  // the destructor stops both threads without waiting for the rest of the region
  const int calls = dev.calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(dev.calls.load(), calls) << "a follower thread used the device after the destructor returned";
}

TEST(SlotFollower, SerializesDeviceCallsWhenTheDeviceIsNotThreadSafe) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(3'000'000, 7);
  RecordingDevice dev(data.size(), false);
  dev.read_delay = std::chrono::microseconds(300);
  SlotFollower f(dev, crypto, 0);
  f.set_hash_end(data.size() - 5000, data.size());
  std::mt19937 rng(12);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 40000, data.size() - at);
    ASSERT_TRUE(f.write(at, std::span(data).subspan(at, n)));
    at += n;
    if (rng() % 8 == 0) {
      ASSERT_TRUE(f.request_sync());
    }
  }
  ASSERT_TRUE(f.sync());
  auto d = f.digest();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->prefix, sha_of(std::span(data).first(data.size() - 5000)));
  EXPECT_EQ(d->whole, sha_of(data));
  EXPECT_FALSE(dev.overlapped.load());
}

TEST(SlotFollower, DigestBeforeTheRegionIsWrittenIsAnErrorNotAHang) {
  openssl::OpenSslCrypto crypto;
  FakeDevice dev(1000);
  SlotFollower f(dev, crypto, 0);
  const std::vector<std::uint8_t> some(100, 1);
  ASSERT_TRUE(f.write(0, some));
  EXPECT_FALSE(f.digest());  // no region length yet
  f.set_hash_end(300, 500);
  auto d = f.digest();
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("100 of 500"), std::string::npos) << d.error().message;
  auto w = f.write(50, some);  // not at the end of what is written
  EXPECT_FALSE(w);
}

TEST(SlotFollower, WithoutACopyableHashStateItGivesThePrefixDigestOnly) {
  NoCloneCrypto crypto;
  const auto data = random_bytes(1'200'000, 8);
  RecordingDevice dev(data.size(), true);
  SlotFollower f(dev, crypto, 0);
  f.set_hash_end(700'000, data.size());
  std::mt19937 rng(13);
  write_all(f, data, 0, rng);
  auto d = f.digest();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->prefix, sha_of(std::span(data).first(700'000)));
  EXPECT_FALSE(d->whole);
}

// Bytes stored by another way than write() (the delta target's decoder writes through a mapping of the
// slot) are hashed once advance_written() says they are in the device.
TEST(SlotFollower, AdvanceWrittenHashesBytesStoredAnotherWay) {
  openssl::OpenSslCrypto crypto;
  const auto data = random_bytes(1'500'000, 9);
  RecordingDevice dev(data.size(), true);
  SlotFollower f(dev, crypto, 0);
  f.set_hash_end(1'000'000, data.size());
  for (std::size_t at = 0; at < data.size(); at += 131072) {
    const std::size_t n = std::min<std::size_t>(131072, data.size() - at);
    ASSERT_TRUE(dev.write(at, std::span(data).subspan(at, n)));
    f.advance_written(at + n);
    f.advance_written(at);  // an end below written() changes nothing
  }
  EXPECT_EQ(f.written(), data.size());
  auto d = f.digest();
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->prefix, sha_of(std::span(data).first(1'000'000)));
  EXPECT_EQ(d->whole, sha_of(data));
}
