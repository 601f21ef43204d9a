// Scripted fakes of the DFU seams: a block device that tells written from durable bytes (for power-loss
// simulation) and an in-memory boot record store.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"

namespace awsfota::testing {

class FakeDevice final : public dfu::BlockDevice {
 public:
  explicit FakeDevice(std::uint64_t capacity, std::uint8_t fill = 0xff)
      : current_(static_cast<std::size_t>(capacity), fill), durable_(current_) {}

  std::uint64_t size() const override { return current_.size(); }
  Expected<void, dfu::IoError> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset > current_.size() || out.size() > current_.size() - offset) return unexpected(dfu::IoError{"read past end", 0});
    std::copy_n(current_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    if (corrupt_read_at && *corrupt_read_at >= offset && *corrupt_read_at - offset < out.size()) {
      out[static_cast<std::size_t>(*corrupt_read_at - offset)] ^= 0x01;  // a medium that reads back wrong
    }
    bytes_read += out.size();
    return {};
  }
  Expected<void, dfu::IoError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override {
    ++writes;
    if (fail_writes_after && *fail_writes_after == 0) return unexpected(dfu::IoError{"injected EIO", 5});
    if (fail_writes_after) --*fail_writes_after;
    if (offset > current_.size() || bytes.size() > current_.size() - offset) return unexpected(dfu::IoError{"no space", 28});
    std::copy(bytes.begin(), bytes.end(), current_.begin() + static_cast<std::ptrdiff_t>(offset));
    if (corrupt_at && *corrupt_at >= offset && *corrupt_at - offset < bytes.size()) {
      current_[static_cast<std::size_t>(*corrupt_at)] ^= 0x01;  // a medium that does not keep what it got
    }
    pending_.push_back({offset, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    return {};
  }
  Expected<void, dfu::IoError> sync() override {
    if (fail_next_sync) {
      fail_next_sync = false;
      return unexpected(dfu::IoError{"injected fsync EIO", 5});
    }
    ++syncs;
    durable_ = current_;
    pending_.clear();
    return {};
  }
  Expected<void, dfu::IoError> erase(std::uint64_t offset, std::uint64_t length) override {
    ++erases;
    std::vector<std::uint8_t> ff(static_cast<std::size_t>(length), 0xff);
    auto saved = writes;
    auto r = write(offset, ff);
    writes = saved;
    return r;
  }

  bool concurrent_access() const override { return concurrent; }
  // With map_in_place, a write mapping is the device's own bytes (like a shared mmap of the page
  // cache): read() sees each store at once, and flush() is sync(). Otherwise the base class's heap copy.
  Expected<std::unique_ptr<dfu::Mapping>, dfu::IoError> map(std::uint64_t length, dfu::MapMode mode) override {
    if (!map_in_place || mode == dfu::MapMode::Read) return dfu::BlockDevice::map(length, mode);
    if (length > current_.size()) return unexpected(dfu::IoError{"map past end", 22});
    return std::unique_ptr<dfu::Mapping>(new InPlace(*this, static_cast<std::size_t>(length)));
  }

  // Power loss: the durable bytes survive, plus a random subset of the unsynced writes, each possibly
  // torn (only a prefix reached the medium).
  void power_loss(std::mt19937& rng) {
    std::vector<std::uint8_t> after = durable_;
    for (const auto& w : pending_) {
      if (rng() % 2 == 0) continue;
      const std::size_t keep = rng() % (w.bytes.size() + 1);
      std::copy_n(w.bytes.begin(), keep, after.begin() + static_cast<std::ptrdiff_t>(w.offset));
    }
    current_ = after;
    durable_ = after;
    pending_.clear();
  }

  const std::vector<std::uint8_t>& bytes() const { return current_; }
  void set_bytes(const std::vector<std::uint8_t>& b) {
    std::copy(b.begin(), b.end(), current_.begin());
    durable_ = current_;
  }

  std::uint64_t writes = 0;
  std::uint64_t syncs = 0;
  std::uint64_t erases = 0;
  std::optional<std::uint64_t> fail_writes_after;
  bool fail_next_sync = false;
  std::optional<std::uint64_t> corrupt_at;  // the byte at this offset is stored flipped
  std::optional<std::uint64_t> corrupt_read_at;  // the byte at this offset is read back flipped
  std::atomic<std::uint64_t> bytes_read{0};      // by read(), from any thread
  bool map_in_place = false;
  bool concurrent = false;  // what concurrent_access() says (read() beside sync(); not beside write())
  // In-place mappings: flush() first waits (up to 10 s) until read() has returned this many bytes, to
  // see whether a reader follows the writer before the flush (it times out if the reads come after).
  std::uint64_t flush_waits_for_reads = 0;
  bool flush_wait_timed_out = false;

 private:
  class InPlace final : public dfu::Mapping {
   public:
    InPlace(FakeDevice& d, std::size_t n) : device_(d), n_(n) {}
    std::span<std::uint8_t> bytes() override { return std::span(device_.current_).first(n_); }
    Expected<void, dfu::IoError> flush() override {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (device_.bytes_read < device_.flush_waits_for_reads) {
        if (std::chrono::steady_clock::now() > deadline) {
          device_.flush_wait_timed_out = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return device_.sync();
    }
    bool visible_to_reads() const override { return true; }

   private:
    FakeDevice& device_;
    std::size_t n_;
  };

  struct Pending {
    std::uint64_t offset;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<std::uint8_t> current_;
  std::vector<std::uint8_t> durable_;
  std::vector<Pending> pending_;
};

class MemoryBootStore final : public dfu::BootRecordStore {
 public:
  Expected<dfu::BootRecord, dfu::BootError> load() override { return record; }
  Expected<void, dfu::BootError> save(const dfu::BootRecord& r) override {
    ++saves;
    record = r;
    return {};
  }
  dfu::BootRecord record;
  int saves = 0;
};

}  // namespace awsfota::testing
