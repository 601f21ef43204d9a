// A crypto backend whose hashers cannot copy their state (image::Sha256Hasher::clone's default), for
// the paths that then need a second hash pass.
#pragma once

#include <memory>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/crypto.hpp"

namespace awsfota::testing {

class NoCloneCrypto final : public image::CryptoProvider {
 public:
  std::unique_ptr<image::Sha256Hasher> sha256() const override {
    struct Plain final : image::Sha256Hasher {
      explicit Plain(std::unique_ptr<image::Sha256Hasher> h) : inner(std::move(h)) {}
      void update(std::span<const std::uint8_t> b) override { inner->update(b); }
      image::Sha256Digest finish() override { return inner->finish(); }
      std::unique_ptr<image::Sha256Hasher> inner;
    };
    return std::make_unique<Plain>(real_.sha256());
  }
  bool verify_digest(const image::PublicKey& k, const image::Sha256Digest& d,
                     std::span<const std::uint8_t> s) const override {
    return real_.verify_digest(k, d, s);
  }

 private:
  openssl::OpenSslCrypto real_;
};

}  // namespace awsfota::testing
