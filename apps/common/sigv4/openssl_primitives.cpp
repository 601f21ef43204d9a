#include "sigv4/openssl_primitives.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace awsfota::sigv4 {

SigV4Primitives openssl_sigv4_primitives() {
  SigV4Primitives p;
  p.hmac_sha256 = [](std::string_view key, std::string_view data) {
    Digest32 out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out.data(), &len);
    return out;
  };
  p.sha256 = [](std::string_view data) {
    Digest32 out{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
    return out;
  };
  return p;
}

}  // namespace awsfota::sigv4
