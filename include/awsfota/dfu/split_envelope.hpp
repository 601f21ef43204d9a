// A partition image's envelope seen as one device: the payload on a partition from its byte 0, the
// rest (header and TLVs) in a small side record.
//
// A partition image (image/kind.hpp, kPartitionPayloadFlag) is an MCUboot envelope whose payload is a
// whole filesystem. On the wire it is header | payload | TLVs; a kernel needs the payload alone at the
// partition's offset 0. This device maps the envelope's offsets onto the two devices that hold it:
//
//   envelope [0, hs)               -> record    [0, hs)              the header (hs: its header size)
//   envelope [hs, hs + n)          -> partition [0, n)               the payload (n: its image size)
//   envelope [hs + n, total)       -> record    [hs, total - n)      protected and unprotected TLVs
//
// so that the application slot target streams, resumes, reads back and verifies the envelope through
// it exactly as it does a slot that holds the whole file: the SlotFollower's read-back hash takes the
// header from the record and the payload from the partition, and the verification parses header and
// TLVs from the record. Until set_layout() only the first 32 bytes (the header's fields, always in the
// record) are addressable.
//
//   SplitEnvelopeDevice envelope(record, partition_b);
//   envelope.write(0, first_32_bytes);                  // the header's fields
//   auto h = image::parse_header(first_32_bytes, size);
//   if (auto r = envelope.set_layout(h->header_size, h->image_size); !r) fail(r.error());
//   envelope.write(32, rest);                           // split between record and partition
//   envelope.sync();                                    // both devices
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "awsfota/dfu/block_device.hpp"

namespace awsfota::dfu {

class SplitEnvelopeDevice final : public BlockDevice {
 public:
  // The record must hold the largest header and TLV areas an envelope can have (kSplitRecordSize).
  SplitEnvelopeDevice(BlockDevice& record, BlockDevice& partition) : record_(record), partition_(partition) {}

  // Where the payload is: from the header's header size and image size. Fails, saying which, when the
  // payload does not fit the partition or header and TLVs do not fit the record (`total` is the
  // envelope's size). Set once per transfer; a second call with the same values is a no-op.
  [[nodiscard]] Expected<void, std::string> set_layout(std::uint64_t header_size, std::uint64_t payload_size,
                                                       std::uint64_t total);

  // Capacity: the record's plus, once the layout is known, the payload's.
  [[nodiscard]] std::uint64_t size() const override;
  [[nodiscard]] Expected<void, IoError> read(std::uint64_t offset, std::span<std::uint8_t> out) override;
  [[nodiscard]] Expected<void, IoError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  // The record, then the partition: an offset is durable only when both syncs succeeded.
  [[nodiscard]] Expected<void, IoError> sync() override;
  [[nodiscard]] Expected<void, IoError> erase(std::uint64_t offset, std::uint64_t length) override;
  [[nodiscard]] bool concurrent_access() const override {
    return record_.concurrent_access() && partition_.concurrent_access();
  }

  BlockDevice& partition() { return partition_; }
  BlockDevice& record() { return record_; }

 private:
  struct Layout {
    std::uint64_t header_size = 0;
    std::uint64_t payload_size = 0;
  };
  // Calls `on(device, device_offset, first, count)` for each piece of [offset, offset + length), in order.
  template <class On>
  Expected<void, IoError> split(std::uint64_t offset, std::uint64_t length, On&& on);

  BlockDevice& record_;
  BlockDevice& partition_;
  mutable std::mutex mutex_;  // the layout: set by the writer, read by the follower's threads
  std::optional<Layout> layout_;
};

// Size of the side record: room for the largest header (u16 size), protected TLV area (u16) and TLV
// area (u16 total) an MCUboot envelope can have.
inline constexpr std::uint64_t kSplitRecordSize = 3 * 64 * 1024;

}  // namespace awsfota::dfu
