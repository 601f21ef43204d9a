#include "awsfota/adapters/openssl/crypto.hpp"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <vector>

#include "adapters/openssl/pkey.hpp"

namespace awsfota::openssl {

using detail::MdCtx;
using detail::Pkey;
using detail::PkeyCtx;

namespace detail {
Pkey pkey_from_spki(const std::vector<std::uint8_t>& der) {
  const unsigned char* p = der.data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}
}  // namespace detail

namespace {

class EvpSha256 final : public image::Sha256Hasher {
 public:
  EvpSha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) ctx_.reset();
  }
  void update(std::span<const std::uint8_t> bytes) override {
    if (ctx_ && !bytes.empty() && EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) ctx_.reset();
  }
  image::Sha256Digest finish() override {
    image::Sha256Digest out{};
    unsigned int n = 0;
    // A failed context yields all-zero, which can never match a real SHA-256 TLV by chance worth fearing;
    // OpenSSL fails here only on allocation failure.
    if (ctx_) EVP_DigestFinal_ex(ctx_.get(), out.data(), &n);
    ctx_.reset();
    return out;
  }
  std::unique_ptr<image::Sha256Hasher> clone() const override {
    auto copy = std::make_unique<EvpSha256>();
    if (!ctx_ || !copy->ctx_ || EVP_MD_CTX_copy_ex(copy->ctx_.get(), ctx_.get()) != 1) return nullptr;
    return copy;
  }

 private:
  MdCtx ctx_;
};

// imgtool before 1.5 padded ECDSA signatures with zeros to 72 bytes; OpenSSL wants the exact DER.
std::span<const std::uint8_t> exact_der(std::span<const std::uint8_t> sig) {
  if (sig.size() >= 2 && sig[0] == 0x30 && sig[1] < 0x80 && std::size_t{sig[1]} + 2 <= sig.size()) {
    return sig.first(std::size_t{sig[1]} + 2);
  }
  return sig;
}

bool verify_with_pkey_ctx(EVP_PKEY* pkey, bool pss, const image::Sha256Digest& digest,
                          std::span<const std::uint8_t> sig) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) return false;
  if (pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  }
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
}

}  // namespace

std::unique_ptr<image::Sha256Hasher> OpenSslCrypto::sha256() const { return std::make_unique<EvpSha256>(); }

bool OpenSslCrypto::verify_digest(const image::PublicKey& key, const image::Sha256Digest& digest,
                                  std::span<const std::uint8_t> signature) const {
  Pkey pkey = detail::pkey_from_spki(key.spki_der);
  if (!pkey) return false;
  switch (key.algorithm) {
    case image::SignatureAlgorithm::EcdsaP256:
      if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_EC) return false;
      return verify_with_pkey_ctx(pkey.get(), false, digest, exact_der(signature));
    case image::SignatureAlgorithm::Rsa2048Pss:
      if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) return false;
      return verify_with_pkey_ctx(pkey.get(), true, digest, signature);
    case image::SignatureAlgorithm::Ed25519: {
      if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_ED25519) return false;
      // imgtool signs the 32-byte digest itself as the Ed25519 message.
      MdCtx ctx(EVP_MD_CTX_new());
      if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
      return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()) == 1;
    }
  }
  return false;
}

}  // namespace awsfota::openssl
