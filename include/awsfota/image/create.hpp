// Make an MCUboot image from a payload, as `imgtool sign --header-size 0x200 --pad-header` does:
// header padded to header_size with 0xff, payload, then an unprotected TLV area holding SHA-256, key hash and
// signature (in that order), so that `imgtool verify` accepts it.
//
//   auto signer = awsfota::openssl::load_private_key_pem(pem);        // ECDSA P-256 (also Ed25519, RSA-2048)
//   awsfota::image::CreateOptions opt;
//   opt.version = *awsfota::image::parse_version("1.2.3+4");
//   auto image = awsfota::image::create_image(payload, opt, signer->get(), crypto);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"
#include "awsfota/image/version.hpp"

namespace awsfota::image {

struct CreateOptions {
  ImageVersion version;
  std::uint16_t header_size = 0x200;  // imgtool's usual --header-size with --pad-header
  std::uint32_t load_address = 0;
  std::uint32_t flags = 0;
  // Fill of the header padding: imgtool pads with the flash's erased value, 0xff unless `-R 0` is given.
  std::uint8_t erased_value = 0xff;
};

// `signer` may be null: a hash-only image. Fails when the payload exceeds 4 GiB - header, the header
// size is under 32, or signing fails.
[[nodiscard]] Expected<std::vector<std::uint8_t>, std::string> create_image(std::span<const std::uint8_t> payload,
                                                                            const CreateOptions& options,
                                                                            const ImageSigner* signer,
                                                                            const CryptoProvider& crypto);

}  // namespace awsfota::image
