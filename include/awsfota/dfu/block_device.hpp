// The storage seam of the DFU targets: a slot or staging area addressed by offset.
//
// Real backend: awsfota::posix::PosixBlockDevice (a regular file or a block device, real fsync).
// Tests use a fake that keeps "written" and "durable" bytes apart to simulate power loss.
//
//   BlockDevice& slot = ...;
//   if (auto r = slot.write(offset, bytes); !r) fail(r.error().message);
//   if (auto r = slot.sync(); !r) fail(...);         // only now are those bytes durable
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"
#include "awsfota/image/mcuboot.hpp"

namespace awsfota::dfu {

struct IoError {
  std::string message;  // names the device, the operation and the system error
  int error_number = 0; // errno when it came from the system, 0 otherwise
};

// A device's first bytes seen as memory (the delta target maps its base, its staged delta and its
// result). Memory mappings on the POSIX backend; a heap copy for devices that cannot map.
//
//   auto base = device.map(n, MapMode::Read);        // bytes() is n bytes of the device
//   auto out = slot.map(n, MapMode::Write);          // bytes() may be written
//   fill(out->bytes()); out->flush();                // durable on the device now
class Mapping {
 public:
  virtual ~Mapping() = default;
  [[nodiscard]] virtual std::span<std::uint8_t> bytes() = 0;
  // Write mode: make the bytes written through bytes() durable on the device (like write + sync).
  // A power loss before flush() returns may keep any part of them. Read mode: nothing to do.
  [[nodiscard]] virtual Expected<void, IoError> flush() = 0;
  // Write mode: whether the device's read() sees a byte stored through bytes() as soon as it is
  // stored, before flush() (a shared mapping of the page cache that read() also goes through). The
  // heap copy: no, the device gets the bytes only in flush(). The delta target reads its result back
  // while the decoder writes only where this holds.
  [[nodiscard]] virtual bool visible_to_reads() const { return false; }
};

enum class MapMode { Read, Write };

// Contract:
// - size() is the capacity in bytes; reads and writes beyond it fail (never grow the device).
// - write() returns once the bytes are handed to the device; they are durable only after sync()
//   returns success. A power loss may keep any subset of unsynced writes.
// - read() fills all of `out` or fails.
// - erase() makes [offset, offset+length) read back as erased (0xff on flash, zeros on a file or
//   as the backend documents); it may be slow and is durable after sync().
// - Implementations need not be thread-safe. Those that are say so with concurrent_access(): then
//   read(), write() and sync() may run at the same time on different threads (the application slot
//   target reads back and syncs behind its writer); otherwise its users serialize their calls.
class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  [[nodiscard]] virtual Expected<void, IoError> read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
  [[nodiscard]] virtual Expected<void, IoError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
  [[nodiscard]] virtual Expected<void, IoError> sync() = 0;
  [[nodiscard]] virtual Expected<void, IoError> erase(std::uint64_t offset, std::uint64_t length) = 0;
  [[nodiscard]] virtual bool concurrent_access() const { return false; }
  // [0, length) as memory; length <= size(). Read mode must not be written through. The mapping must
  // not outlive the device. The default copies into the heap with read() and, in write mode, writes
  // back with write() + sync() on flush(); backends that can map override it.
  [[nodiscard]] virtual Expected<std::unique_ptr<Mapping>, IoError> map(std::uint64_t length, MapMode mode);
};

// SHA-256 of the first `size` bytes of `device`, read in 512 KiB pieces (bounded memory).
//
//   auto digest = sha256_of_device(slot_b, image_size, crypto);   // IoError when a read fails
[[nodiscard]] Expected<image::Sha256Digest, IoError> sha256_of_device(BlockDevice& device, std::uint64_t size,
                                                                      const image::CryptoProvider& crypto);

// The image layer reads slots through this (bounded-memory verification).
class BlockDeviceReader final : public image::ByteReader {
 public:
  explicit BlockDeviceReader(BlockDevice& device) : device_(device) {}
  [[nodiscard]] Expected<void, std::string> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    auto r = device_.read(offset, out);
    if (!r) return unexpected(r.error().message);
    return {};
  }

 private:
  BlockDevice& device_;
};

}  // namespace awsfota::dfu
