// OpenSSL backend of the image layer's crypto seam (awsfota::openssl, library awsfota_openssl).
//
//   awsfota::openssl::OpenSslCrypto crypto;
//   auto key = awsfota::openssl::load_public_key_pem(read_file("ecdsa-p256.pub.pem"));
//   if (!key) fail(key.error());
//   awsfota::image::VerifyPolicy policy{*key};
//   auto verified = awsfota::image::verify_image(bytes, policy, crypto);
//
//   auto signer = awsfota::openssl::load_private_key_pem(private_pem);   // for image creation
//   auto image = awsfota::image::create_image(payload, options, signer->get(), crypto);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"
#include "awsfota/image/crypto.hpp"

namespace awsfota::openssl {

class OpenSslCrypto final : public image::CryptoProvider {
 public:
  [[nodiscard]] std::unique_ptr<image::Sha256Hasher> sha256() const override;
  [[nodiscard]] bool verify_digest(const image::PublicKey& key, const image::Sha256Digest& digest,
                                   std::span<const std::uint8_t> signature) const override;
};

// A PEM public key ("-----BEGIN PUBLIC KEY-----"): ECDSA P-256, Ed25519 or RSA-2048. Other curves and
// sizes are refused with a message naming what was found.
[[nodiscard]] Expected<image::PublicKey, std::string> load_public_key_pem(std::string_view pem);

// A PEM private key (PKCS#8 or traditional "EC PRIVATE KEY"/"RSA PRIVATE KEY"), unencrypted.
[[nodiscard]] Expected<std::unique_ptr<image::ImageSigner>, std::string> load_private_key_pem(std::string_view pem);

// A fresh private key as PKCS#8 PEM (tests and `awsfota keygen`).
[[nodiscard]] Expected<std::string, std::string> generate_private_key_pem(image::SignatureAlgorithm algorithm);

// The SubjectPublicKeyInfo PEM of a loaded key (what imgtool getpub/--export-public writes).
[[nodiscard]] std::string public_key_pem(const image::PublicKey& key);

}  // namespace awsfota::openssl
