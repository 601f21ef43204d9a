// Owning handles for OpenSSL objects, shared by the adapter's sources.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace awsfota::openssl::detail {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using Bio = std::unique_ptr<BIO, BioDeleter>;

// Loads a SubjectPublicKeyInfo DER.
Pkey pkey_from_spki(const std::vector<std::uint8_t>& der);

}  // namespace awsfota::openssl::detail
