// PEM keys: loading public and private keys into the image layer's values, signing, generation.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "adapters/openssl/pkey.hpp"
#include "awsfota/adapters/openssl/crypto.hpp"

namespace awsfota::openssl {

using detail::Bio;
using detail::MdCtx;
using detail::Pkey;
using detail::PkeyCtx;
using image::SignatureAlgorithm;

namespace {

std::string last_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

Bio memory_bio(std::string_view text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

template <class Encoder>
std::vector<std::uint8_t> der_of(EVP_PKEY* pkey, Encoder encode) {
  const int n = encode(pkey, nullptr);
  if (n <= 0) return {};
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  encode(pkey, &p);
  return out;
}

// What imgtool would call the key: algorithm, and the bytes it hashes for the key-hash TLV.
Expected<image::PublicKey, std::string> describe(EVP_PKEY* pkey) {
  image::PublicKey key;
  key.spki_der = der_of(pkey, [](EVP_PKEY* k, unsigned char** p) { return i2d_PUBKEY(k, p); });
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1 ||
          std::strcmp(group, "prime256v1") != 0) {
        return unexpected("EC key on curve '" + std::string(group) + "': only P-256 (prime256v1) is supported");
      }
      key.algorithm = SignatureAlgorithm::EcdsaP256;
      key.key_hash_input = key.spki_der;
      break;
    }
    case EVP_PKEY_ED25519:
      key.algorithm = SignatureAlgorithm::Ed25519;
      key.key_hash_input = key.spki_der;
      break;
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(pkey) != 2048) {
        return unexpected("RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey)) + " bits: only RSA-2048 is supported");
      }
      key.algorithm = SignatureAlgorithm::Rsa2048Pss;
      // imgtool hashes the PKCS#1 RSAPublicKey for RSA, not the SubjectPublicKeyInfo.
      key.key_hash_input = der_of(pkey, [](EVP_PKEY* k, unsigned char** p) { return i2d_PublicKey(k, p); });
      break;
    default:
      return unexpected(std::string("unsupported key type: only ECDSA P-256, Ed25519 and RSA-2048 keys sign images"));
  }
  if (key.spki_der.empty() || key.key_hash_input.empty()) return unexpected("cannot encode the key: " + last_openssl_error());
  return key;
}

class PkeySigner final : public image::ImageSigner {
 public:
  PkeySigner(Pkey pkey, image::PublicKey pub) : pkey_(std::move(pkey)), pub_(std::move(pub)) {}
  const image::PublicKey& public_key() const override { return pub_; }

  Expected<std::vector<std::uint8_t>, std::string> sign_digest(const image::Sha256Digest& digest) const override {
    std::vector<std::uint8_t> sig;
    std::size_t len = 0;
    if (pub_.algorithm == SignatureAlgorithm::Ed25519) {
      MdCtx ctx(EVP_MD_CTX_new());
      if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
          EVP_DigestSign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
        return unexpected(last_openssl_error());
      }
      sig.resize(len);
      if (EVP_DigestSign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
        return unexpected(last_openssl_error());
      }
      sig.resize(len);
      return sig;
    }
    PkeyCtx ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr));
    bool ok = ctx && EVP_PKEY_sign_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1;
    if (ok && pub_.algorithm == SignatureAlgorithm::Rsa2048Pss) {
      // MCUboot's bootloader accepts only a 32-byte salt (the digest's length), and imgtool signs so.
      ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    ok = ok && EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) == 1;
    if (!ok) return unexpected(last_openssl_error());
    sig.resize(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
      return unexpected(last_openssl_error());
    }
    sig.resize(len);
    return sig;
  }

 private:
  Pkey pkey_;
  image::PublicKey pub_;
};

}  // namespace

Expected<image::PublicKey, std::string> load_public_key_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  Pkey pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey) {
    ERR_clear_error();
    return unexpected(std::string("not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")"));
  }
  return describe(pkey.get());
}

Expected<std::unique_ptr<image::ImageSigner>, std::string> load_private_key_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  // A null password callback with an empty string keeps OpenSSL from prompting on a terminal.
  char empty[] = "";
  Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty) : nullptr);
  if (!pkey) {
    ERR_clear_error();
    return unexpected(std::string("not an unencrypted PEM private key"));
  }
  auto pub = describe(pkey.get());
  if (!pub) return unexpected(pub.error());
  return std::unique_ptr<image::ImageSigner>(std::make_unique<PkeySigner>(std::move(pkey), std::move(*pub)));
}

Expected<std::string, std::string> generate_private_key_pem(SignatureAlgorithm algorithm) {
  Pkey pkey;
  switch (algorithm) {
    case SignatureAlgorithm::EcdsaP256: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); break;
    case SignatureAlgorithm::Ed25519: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    case SignatureAlgorithm::Rsa2048Pss:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
      break;
  }
  if (!pkey) return unexpected("key generation failed: " + last_openssl_error());
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return unexpected("cannot write the key: " + last_openssl_error());
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string public_key_pem(const image::PublicKey& key) {
  Pkey pkey = detail::pkey_from_spki(key.spki_der);
  Bio bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace awsfota::openssl
