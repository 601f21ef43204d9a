// Fuzzes MCUboot header and TLV parsing and the verification flow (with and without a key).
#include <cstddef>
#include <cstdint>

#include "awsfota/image/mcuboot.hpp"
#include "fake_crypto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::image;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)parse_header(bytes, size);
  (void)parse_image(bytes);
  static const awsfota::fuzzing::FakeCrypto crypto;
  (void)verify_image(bytes, VerifyPolicy{}, crypto);
  VerifyPolicy keyed;
  keyed.key = PublicKey{SignatureAlgorithm::EcdsaP256, {1, 2, 3}, {1, 2, 3}};
  (void)verify_image(bytes, keyed, crypto);
  return 0;
}
