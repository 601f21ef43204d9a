#include "awsfota/dfu/split_envelope.hpp"

#include <algorithm>
#include <cerrno>

#include "awsfota/image/mcuboot.hpp"

namespace awsfota::dfu {

Expected<void, std::string> SplitEnvelopeDevice::set_layout(std::uint64_t header_size, std::uint64_t payload_size,
                                                            std::uint64_t total) {
  if (total < header_size + payload_size) {
    return unexpected("the envelope has " + std::to_string(total) + " bytes, fewer than its header and payload (" +
                      std::to_string(header_size + payload_size) + ")");
  }
  if (payload_size > partition_.size()) {
    return unexpected("the payload has " + std::to_string(payload_size) + " bytes, the partition holds " +
                      std::to_string(partition_.size()));
  }
  if (total - payload_size > record_.size()) {
    return unexpected("header and TLVs have " + std::to_string(total - payload_size) + " bytes, the side record holds " +
                      std::to_string(record_.size()));
  }
  std::lock_guard lock(mutex_);
  if (layout_ && (layout_->header_size != header_size || layout_->payload_size != payload_size)) {
    return unexpected(std::string("the envelope's layout is already set to other values"));
  }
  layout_ = Layout{header_size, payload_size};
  return {};
}

std::uint64_t SplitEnvelopeDevice::size() const {
  std::lock_guard lock(mutex_);
  return record_.size() + (layout_ ? layout_->payload_size : 0);
}

template <class On>
Expected<void, IoError> SplitEnvelopeDevice::split(std::uint64_t offset, std::uint64_t length, On&& on) {
  std::optional<Layout> layout;
  {
    std::lock_guard lock(mutex_);
    layout = layout_;
  }
  const std::uint64_t capacity = record_.size() + (layout ? layout->payload_size : 0);
  if (offset > capacity || length > capacity - offset) {
    return unexpected(IoError{"envelope access at " + std::to_string(offset) + " (+" + std::to_string(length) +
                                  ") past its " + std::to_string(capacity) + " bytes", EINVAL});
  }
  const std::uint64_t end = offset + length;
  if (!layout) {  // only the header's fields are placed before the header is known
    if (end > image::kHeaderFieldsSize) {
      return unexpected(IoError{"envelope access at " + std::to_string(offset) + " before its layout is known", EINVAL});
    }
    return on(record_, offset, std::uint64_t{0}, length);
  }
  const std::uint64_t payload_begin = layout->header_size;
  const std::uint64_t payload_end = payload_begin + layout->payload_size;
  for (std::uint64_t at = offset; at < end;) {
    std::uint64_t piece_end = end;
    BlockDevice* device = &record_;
    std::uint64_t device_at = at;
    if (at < payload_begin) {
      piece_end = std::min(end, payload_begin);
    } else if (at < payload_end) {
      piece_end = std::min(end, payload_end);
      device = &partition_;
      device_at = at - payload_begin;
    } else {
      device_at = at - layout->payload_size;  // the TLVs follow the header in the record
    }
    if (auto r = on(*device, device_at, at - offset, piece_end - at); !r) return r;
    at = piece_end;
  }
  return {};
}

Expected<void, IoError> SplitEnvelopeDevice::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  return split(offset, out.size(), [&](BlockDevice& d, std::uint64_t at, std::uint64_t first, std::uint64_t n) {
    return d.read(at, out.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(n)));
  });
}

Expected<void, IoError> SplitEnvelopeDevice::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  return split(offset, bytes.size(), [&](BlockDevice& d, std::uint64_t at, std::uint64_t first, std::uint64_t n) {
    return d.write(at, bytes.subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(n)));
  });
}

Expected<void, IoError> SplitEnvelopeDevice::erase(std::uint64_t offset, std::uint64_t length) {
  return split(offset, length, [](BlockDevice& d, std::uint64_t at, std::uint64_t, std::uint64_t n) {
    return d.erase(at, n);
  });
}

Expected<void, IoError> SplitEnvelopeDevice::sync() {
  if (auto r = record_.sync(); !r) return r;
  return partition_.sync();
}

}  // namespace awsfota::dfu
