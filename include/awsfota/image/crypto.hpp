// The crypto seam of the image layer: SHA-256 (incremental) and signature checks over a digest.
//
// The image layer never includes a crypto library; it asks a CryptoProvider. The real backend is
// awsfota::openssl (include/awsfota/adapters/openssl/crypto.hpp), which also loads PEM keys into the
// PublicKey value below and makes ImageSigner objects for image creation.
//
//   awsfota::openssl::OpenSslCrypto crypto;
//   auto hasher = crypto.sha256();
//   hasher->update(bytes);                     // as often as needed: memory stays bounded
//   awsfota::image::Sha256Digest d = hasher->finish();
//   bool ok = crypto.verify_digest(key, d, signature);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::image {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Lowercase hex of a digest ("383a59...") and back (nullopt-like failure: returns false).
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] bool from_hex(std::string_view hex, Sha256Digest& out);

// One SHA-256 computation. update() may be called any number of times; finish() ends it.
class Sha256Hasher {
 public:
  virtual ~Sha256Hasher() = default;
  virtual void update(std::span<const std::uint8_t> bytes) = 0;
  [[nodiscard]] virtual Sha256Digest finish() = 0;
  // A second hasher with the same state, so that one pass yields the digest of a prefix and of the
  // whole (finish the copy at the prefix, go on with this one). Null where the backend cannot copy its
  // state; callers then hash twice.
  [[nodiscard]] virtual std::unique_ptr<Sha256Hasher> clone() const { return nullptr; }
};

// The signature schemes MCUboot images carry, with their TLV types (see mcuboot.hpp).
enum class SignatureAlgorithm : std::uint8_t {
  EcdsaP256,   // TLV 0x22, DER (r, s) over SHA-256 of the signed region
  Rsa2048Pss,  // TLV 0x20, RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (as MCUboot's bootloader requires)
  Ed25519,     // TLV 0x24, Ed25519 over the 32-byte SHA-256 digest (imgtool "signs the digest")
};

[[nodiscard]] const char* to_string(SignatureAlgorithm algorithm);

// A public key as the verifier needs it. Made by the crypto backend from PEM.
struct PublicKey {
  SignatureAlgorithm algorithm = SignatureAlgorithm::EcdsaP256;
  // The bytes imgtool hashes for the key-hash TLV (0x01): DER SubjectPublicKeyInfo for ECDSA and
  // Ed25519, DER PKCS#1 RSAPublicKey for RSA.
  std::vector<std::uint8_t> key_hash_input;
  // DER SubjectPublicKeyInfo, which the backend loads to verify.
  std::vector<std::uint8_t> spki_der;
};

// Contract: implementations are stateless apart from their keys and may be shared by threads.
class CryptoProvider {
 public:
  virtual ~CryptoProvider() = default;
  // A fresh incremental SHA-256.
  [[nodiscard]] virtual std::unique_ptr<Sha256Hasher> sha256() const = 0;
  // True when `signature` is a valid signature by `key` of the image whose signed region has SHA-256
  // `digest`, in MCUboot's scheme for key.algorithm. Any malformed input is simply false.
  [[nodiscard]] virtual bool verify_digest(const PublicKey& key, const Sha256Digest& digest,
                                           std::span<const std::uint8_t> signature) const = 0;
};

// A private key able to sign images (used by image creation only).
class ImageSigner {
 public:
  virtual ~ImageSigner() = default;
  [[nodiscard]] virtual const PublicKey& public_key() const = 0;
  // The signature TLV's value for an image whose signed region has SHA-256 `digest`.
  [[nodiscard]] virtual Expected<std::vector<std::uint8_t>, std::string> sign_digest(
      const Sha256Digest& digest) const = 0;
};

// SHA-256 of a whole buffer through the provider.
[[nodiscard]] Sha256Digest sha256_of(const CryptoProvider& crypto, std::span<const std::uint8_t> bytes);

}  // namespace awsfota::image
