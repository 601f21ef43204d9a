// The heap fallback of BlockDevice::map(), for devices that cannot be memory-mapped (and the tests'
// fakes, whose power-loss simulation needs every byte to go through write() and sync()).
#include "awsfota/dfu/block_device.hpp"

#include <algorithm>
#include <cerrno>
#include <new>
#include <vector>

namespace awsfota::dfu {

namespace {

constexpr std::size_t kCopyChunk = 1 << 20;

class HeapMapping final : public Mapping {
 public:
  HeapMapping(BlockDevice& device, std::vector<std::uint8_t> bytes, MapMode mode)
      : device_(device), bytes_(std::move(bytes)), mode_(mode) {}
  std::span<std::uint8_t> bytes() override { return bytes_; }
  Expected<void, IoError> flush() override {
    if (mode_ == MapMode::Read) return {};
    for (std::size_t at = 0; at < bytes_.size(); at += kCopyChunk) {
      const std::size_t n = std::min(kCopyChunk, bytes_.size() - at);
      if (auto r = device_.write(at, std::span(bytes_).subspan(at, n)); !r) return r;
    }
    return device_.sync();
  }

 private:
  BlockDevice& device_;
  std::vector<std::uint8_t> bytes_;
  MapMode mode_;
};

}  // namespace

Expected<std::unique_ptr<Mapping>, IoError> BlockDevice::map(std::uint64_t length, MapMode mode) {
  if (length > size()) {
    return unexpected(IoError{"cannot map " + std::to_string(length) + " bytes of a " + std::to_string(size()) +
                                  "-byte device", EINVAL});
  }
  std::vector<std::uint8_t> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(length));
  } catch (const std::bad_alloc&) {
    return unexpected(IoError{"out of memory copying " + std::to_string(length) + " bytes of a device", ENOMEM});
  }
  if (mode == MapMode::Read) {
    for (std::size_t at = 0; at < bytes.size(); at += kCopyChunk) {
      const std::size_t n = std::min(kCopyChunk, bytes.size() - at);
      if (auto r = read(at, std::span(bytes).subspan(at, n)); !r) return unexpected(r.error());
    }
  }
  return std::unique_ptr<Mapping>(new HeapMapping(*this, std::move(bytes), mode));
}

Expected<image::Sha256Digest, IoError> sha256_of_device(BlockDevice& device, std::uint64_t size,
                                                      const image::CryptoProvider& crypto) {
  BlockDeviceReader reader(device);
  auto digest = image::sha256_of_reader(reader, size, crypto, 512 * 1024);
  if (!digest) return unexpected(IoError{digest.error(), 0});
  return *digest;
}

}  // namespace awsfota::dfu
