#include "awsfota/dfu/slot_follower.hpp"

#include <pthread.h>

#include <algorithm>
#include <vector>

namespace awsfota::dfu {

namespace {
// Reads of the hasher: big enough that syscalls do not matter, small enough for the memory bound.
constexpr std::size_t kReadChunk = 512 * 1024;
// The hasher wakes for no less than this (or the end of the region): the writer's pieces are small.
constexpr std::uint64_t kWakeBytes = 256 * 1024;
}  // namespace

SlotFollower::SlotFollower(BlockDevice& device, const image::CryptoProvider& crypto, std::uint64_t written)
    : device_(device),
      crypto_(crypto),
      serialize_(!device.concurrent_access()),
      written_(written),
      durable_(written),
      sync_wanted_(written) {
  hasher_ = std::thread([this] { hash_loop(); });
  syncer_ = std::thread([this] { sync_loop(); });
  // Named for top -H, perf and the download benchmark's per-thread CPU figures.
  pthread_setname_np(hasher_.native_handle(), "awsfota-hash");
  pthread_setname_np(syncer_.native_handle(), "awsfota-sync");
}

SlotFollower::~SlotFollower() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  hash_cv_.notify_all();
  sync_cv_.notify_all();
  hasher_.join();
  syncer_.join();
}

template <class F>
auto SlotFollower::on_device(F&& f) {
  if (!serialize_) return f();
  std::lock_guard lock(device_mutex_);
  return f();
}

void SlotFollower::set_hash_end(std::uint64_t prefix_end, std::uint64_t end) {
  {
    std::lock_guard lock(mutex_);
    if (hash_end_) return;
    hash_end_ = end;
    prefix_end_ = std::min(prefix_end, end);
  }
  hash_cv_.notify_one();
}

bool SlotFollower::hash_ready() const {
  if (!hash_end_ || hashed_ >= *hash_end_) return false;
  const std::uint64_t limit = std::min(written_, *hash_end_);
  return limit > hashed_ && (limit - hashed_ >= kWakeBytes || limit == *hash_end_);
}

Expected<void, IoError> SlotFollower::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  {
    std::lock_guard lock(mutex_);
    if (sync_error_) return unexpected(*sync_error_);
    if (offset != written_) {
      return unexpected(IoError{"write at " + std::to_string(offset) + " is not at the end of the written bytes (" +
                                    std::to_string(written_) + ")", 0});
    }
  }
  if (auto r = on_device([&] { return device_.write(offset, bytes); }); !r) return r;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    written_ = offset + bytes.size();
    wake = hash_ready();
  }
  if (wake) hash_cv_.notify_one();
  return {};
}

void SlotFollower::advance_written(std::uint64_t end) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (end <= written_) return;
    written_ = end;
    wake = hash_ready();
  }
  if (wake) hash_cv_.notify_one();
}

Expected<void, IoError> SlotFollower::request_sync() {
  {
    std::lock_guard lock(mutex_);
    if (sync_error_) return unexpected(*sync_error_);
    if (written_ <= sync_wanted_) return {};
    sync_wanted_ = written_;
  }
  sync_cv_.notify_one();
  return {};
}

Expected<std::uint64_t, IoError> SlotFollower::sync() {
  if (auto r = request_sync(); !r) return unexpected(r.error());
  std::unique_lock lock(mutex_);
  const std::uint64_t target = written_;
  done_cv_.wait(lock, [&] { return durable_ >= target || sync_error_; });
  if (sync_error_) return unexpected(*sync_error_);
  return durable_;
}

Expected<SlotDigests, IoError> SlotFollower::digest() {
  std::unique_lock lock(mutex_);
  if (!hash_end_ || written_ < *hash_end_) {
    return unexpected(IoError{"the region to hash is not written yet (" + std::to_string(written_) + " of " +
                                  (hash_end_ ? std::to_string(*hash_end_) : std::string("unknown")) + " bytes)", 0});
  }
  done_cv_.wait(lock, [&] { return digest_ || hash_error_; });
  if (hash_error_) return unexpected(*hash_error_);
  return *digest_;
}

std::uint64_t SlotFollower::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t SlotFollower::durable() const {
  std::lock_guard lock(mutex_);
  return durable_;
}

std::optional<IoError> SlotFollower::error() const {
  std::lock_guard lock(mutex_);
  return sync_error_ ? sync_error_ : hash_error_;
}

void SlotFollower::hash_loop() {
  std::vector<std::uint8_t> buffer;
  auto hasher = crypto_.sha256();
  SlotDigests result;
  std::unique_lock lock(mutex_);
  for (;;) {
    hash_cv_.wait(lock, [&] { return stop_ || hash_ready(); });
    if (stop_) return;
    const std::uint64_t from = hashed_;
    std::uint64_t limit = std::min(written_, *hash_end_);
    if (from < prefix_end_) limit = std::min(limit, prefix_end_);  // a piece never straddles the prefix's end
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kReadChunk, limit - from));
    lock.unlock();
    if (buffer.empty()) buffer.resize(kReadChunk);
    const std::span<std::uint8_t> chunk(buffer.data(), n);
    auto r = on_device([&] { return device_.read(from, chunk); });
    if (r) hasher->update(chunk);
    lock.lock();
    if (!r) {
      hash_error_ = IoError{"reading the slot back to hash it: " + r.error().message, r.error().error_number};
      done_cv_.notify_all();
      return;
    }
    hashed_ = from + n;
    bool done = hashed_ == *hash_end_;
    if (hashed_ == prefix_end_ && !done) {
      auto copy = hasher->clone();
      if (copy) {
        result.prefix = copy->finish();
      } else {  // no copy of the state: the prefix is what this pass can give
        result.prefix = hasher->finish();
        done = true;
      }
    } else if (done) {
      result.whole = hasher->finish();
      if (prefix_end_ == *hash_end_) result.prefix = *result.whole;
    }
    if (done) {
      digest_ = result;
      done_cv_.notify_all();
      return;
    }
  }
}

void SlotFollower::sync_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stop_ || (sync_wanted_ > durable_ && !sync_error_); });
    if (stop_) return;
    // Everything written so far goes into this sync, also what came after the request.
    const std::uint64_t target = written_;
    lock.unlock();
    auto r = on_device([&] { return device_.sync(); });
    lock.lock();
    if (r) durable_ = std::max(durable_, target);
    else sync_error_ = r.error();
    done_cv_.notify_all();
  }
}

}  // namespace awsfota::dfu
