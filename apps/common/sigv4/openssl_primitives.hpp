// OpenSSL's HMAC-SHA256 and SHA-256 for the SigV4 code (the only part of apps/common/sigv4 that
// includes OpenSSL).
#pragma once

#include "sigv4/sigv4.hpp"

namespace awsfota::sigv4 {

[[nodiscard]] SigV4Primitives openssl_sigv4_primitives();

}  // namespace awsfota::sigv4
