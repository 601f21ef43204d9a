// Fuzzes the delta header parser and the streaming applier (header check, zstd decoding, size limits)
// against a fixed small base. The base's fake digest is taken from the input's header so that the
// decoder is reached.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "awsfota/image/delta.hpp"
#include "fake_crypto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::image;
  const std::span<const std::uint8_t> bytes(data, size);
  auto header = parse_delta_header(bytes);
  static const awsfota::fuzzing::FakeCrypto crypto;
  std::vector<std::uint8_t> base(4096);
  for (std::size_t i = 0; i < base.size(); ++i) base[i] = static_cast<std::uint8_t>(i * 7);
  std::optional<Sha256Digest> known;
  if (header && header->base_size == base.size()) known = header->base_sha256;
  std::uint64_t out = 0;
  DeltaApplier applier(base, crypto, [&](std::uint64_t, std::span<const std::uint8_t> b) {
    out += b.size();
    return awsfota::Expected<void, std::string>{};
  }, known);
  // Feed in two uneven pieces to exercise header buffering.
  const std::size_t cut = size / 3;
  if (applier.feed(bytes.first(cut))) {
    if (applier.feed(bytes.subspan(cut))) (void)applier.finish();
  }
  return 0;
}
