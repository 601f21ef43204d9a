// Works behind the writer of one slot transfer, so that hashing and fsync do not hold up the download.
//
// Two threads of its own, started by the constructor and joined by the destructor:
//  - the hasher reads back [0, end) from the device as the writer's bytes land there and feeds them
//    to SHA-256, taking the digest of the prefix [0, prefix_end) on the way (the image's signed
//    region; the whole file's digest is what a job document's sha256 names). It hashes what the
//    slot holds, not what the network (or a delta decoder) delivered: bytes are read only below
//    `written` (the writer's write() for them has returned, or advance_written() said they are
//    final), a transfer never writes a byte twice (AppSlotTarget skips repeats; the delta decoder
//    never stores below its output position again), and after a restart a new follower starts again at 0 and
//    reads the bytes the previous process left in the slot. So when the writer is done, digest() is
//    the hash of the slot's content, exactly as a second pass over the slot would compute it.
//  - the syncer makes written bytes durable (device.sync()) when asked, in the background.
//    durable() only ever moves to an offset whose bytes were all written before a sync() that then
//    returned success, so it is never ahead of the disk.
//
//   SlotFollower f(slot, crypto, /*written=*/resume_from);
//   f.set_hash_end(signed_size, file_size);       // once the header is known
//   f.write(offset, bytes);                       // the writer's writes go through it
//   f.advance_written(end);                       // or: [written(), end) were stored another way
//   f.request_sync();                             // a checkpoint: returns at once
//   report(f.durable());                          // what survives a power loss now
//   f.sync();                                     // blocks until everything written is durable
//   auto d = f.digest();                          // blocks until [0, file_size) is hashed
//
// Errors: a failed read (hasher) comes back from digest(); a failed background sync from the next
// write(), request_sync(), sync() or the error() getter. Memory: one 512 KiB read buffer.
// Calls other than the two threads' own come from one thread (the writer's).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/image/crypto.hpp"

namespace awsfota::dfu {

struct SlotDigests {
  image::Sha256Digest prefix{};               // of [0, prefix_end)
  std::optional<image::Sha256Digest> whole;   // of [0, end); none if the crypto backend cannot clone
};

class SlotFollower {
 public:
  // `written`: bytes [0, written) already in the device (and durable: a resume starts at a committed
  // offset).
  SlotFollower(BlockDevice& device, const image::CryptoProvider& crypto, std::uint64_t written);
  ~SlotFollower();
  SlotFollower(const SlotFollower&) = delete;
  SlotFollower& operator=(const SlotFollower&) = delete;

  // The region to hash, [0, end), and the prefix whose digest is taken on the way (prefix_end <= end);
  // set once. Until then the hasher waits.
  void set_hash_end(std::uint64_t prefix_end, std::uint64_t end);
  // device.write(offset, bytes) with offset == written(); then written() grows. Fails with an earlier
  // background sync's error, if any.
  [[nodiscard]] Expected<void, IoError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes);
  // For bytes that reach the device by another way than write(), such as stores through a mapping
  // whose bytes the device's read() sees at once (Mapping::visible_to_reads()): [written(), end) are
  // in the device and final, so the hasher may read them. Ends before written() are ignored.
  void advance_written(std::uint64_t end);
  // Asks the syncer to make [0, written()) durable; does not wait.
  [[nodiscard]] Expected<void, IoError> request_sync();
  // Waits until [0, written()) is durable; returns that offset.
  [[nodiscard]] Expected<std::uint64_t, IoError> sync();
  // Waits until the region is hashed (set_hash_end() must have been called and written() must have
  // reached its end).
  [[nodiscard]] Expected<SlotDigests, IoError> digest();

  [[nodiscard]] std::uint64_t written() const;
  [[nodiscard]] std::uint64_t durable() const;
  [[nodiscard]] std::optional<IoError> error() const;

 private:
  void hash_loop();
  void sync_loop();
  bool hash_ready() const;  // under mutex_
  template <class F>
  auto on_device(F&& f);  // serializes device calls when the device asks for it

  BlockDevice& device_;
  const image::CryptoProvider& crypto_;
  std::mutex device_mutex_;  // only for devices without concurrent_access()
  const bool serialize_;

  mutable std::mutex mutex_;
  std::condition_variable hash_cv_, sync_cv_, done_cv_;
  bool stop_ = false;
  std::uint64_t written_;
  std::uint64_t durable_;
  std::uint64_t sync_wanted_;
  std::optional<std::uint64_t> hash_end_;
  std::uint64_t prefix_end_ = 0;
  std::uint64_t hashed_ = 0;
  std::optional<SlotDigests> digest_;
  std::optional<IoError> hash_error_;
  std::optional<IoError> sync_error_;
  std::thread hasher_, syncer_;
};

}  // namespace awsfota::dfu
