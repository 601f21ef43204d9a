// Fuzzes apply_delta(), the whole-in-memory apply of the DFU target: header, base check, frame checks
// (one frame, declared size), one-shot decoding into a fixed buffer, size and hash checks. The base's
// fake digest is taken from the input's header so that the decoder is reached.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "awsfota/image/delta.hpp"
#include "fake_crypto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::image;
  const std::span<const std::uint8_t> bytes(data, size);
  static const awsfota::fuzzing::FakeCrypto crypto;
  std::vector<std::uint8_t> base(4096);
  for (std::size_t i = 0; i < base.size(); ++i) base[i] = static_cast<std::uint8_t>(i * 7);
  std::optional<Sha256Digest> known;
  if (auto header = parse_delta_header(bytes); header && header->base_size == base.size()) known = header->base_sha256;
  std::vector<std::uint8_t> out(64 * 1024);
  (void)apply_delta(bytes, base, out, crypto, known);
  return 0;
}
