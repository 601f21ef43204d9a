// Fuzzes decode_delta() and check_delta_result() (together, apply_delta()), the whole-in-memory apply
// of the DFU target: header, base check, frame checks (one frame, declared size), block-by-block
// decoding into a fixed buffer with progress reports, size and hash checks. The base's fake digest is
// taken from the input's header so that the decoder is reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
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
  std::uint64_t last = 0;
  // What the DFU target relies on: reports only grow and stay inside the result.
  auto decoded = decode_delta(bytes, base, out, crypto, known, [&](std::uint64_t done) -> awsfota::Expected<void, std::string> {
    if (done <= last || done > out.size()) std::abort();
    last = done;
    return {};
  });
  if (decoded) {
    if (last != decoded->result_size && decoded->result_size != 0) std::abort();
    const auto result = std::span(out).first(static_cast<std::size_t>(decoded->result_size));
    (void)check_delta_result(*decoded, sha256_of(crypto, result));
  }
  return 0;
}
