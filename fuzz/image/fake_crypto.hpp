// A non-cryptographic stand-in for the crypto seam, so fuzz targets exercise the parsers and the
// verification flow without OpenSSL (and reach the "hash matched" paths with crafted inputs).
#pragma once

#include "awsfota/image/crypto.hpp"

namespace awsfota::fuzzing {

class SumHasher final : public image::Sha256Hasher {
 public:
  void update(std::span<const std::uint8_t> bytes) override {
    for (std::uint8_t b : bytes) digest_[n_++ % digest_.size()] ^= b;
  }
  image::Sha256Digest finish() override { return digest_; }

 private:
  image::Sha256Digest digest_{};
  std::size_t n_ = 0;
};

class FakeCrypto final : public image::CryptoProvider {
 public:
  std::unique_ptr<image::Sha256Hasher> sha256() const override { return std::make_unique<SumHasher>(); }
  bool verify_digest(const image::PublicKey&, const image::Sha256Digest& digest,
                     std::span<const std::uint8_t> signature) const override {
    return signature.size() == digest.size() && std::equal(digest.begin(), digest.end(), signature.begin());
  }
};

}  // namespace awsfota::fuzzing
