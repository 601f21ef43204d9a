// OpenSSL-backed primitives for the CLI: SigV4's HMAC-SHA256/SHA-256 (apps/common/sigv4) and a file's
// SHA-256.
#pragma once

#include <filesystem>
#include <string>

#include "awsfota/expected.hpp"
#include "cli/sigv4.hpp"
#include "sigv4/openssl_primitives.hpp"

namespace awsfota::cli {

using sigv4::openssl_sigv4_primitives;
// Lowercase hex SHA-256 of a file, read in chunks.
[[nodiscard]] Expected<std::string, std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace awsfota::cli
