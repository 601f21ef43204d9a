#include "awsfota/image/crypto.hpp"

namespace awsfota::image {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool from_hex(std::string_view hex, Sha256Digest& out) {
  if (hex.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

const char* to_string(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::EcdsaP256: return "ECDSA P-256";
    case SignatureAlgorithm::Rsa2048Pss: return "RSA-2048 PSS";
    case SignatureAlgorithm::Ed25519: return "Ed25519";
  }
  return "unknown";
}

Sha256Digest sha256_of(const CryptoProvider& crypto, std::span<const std::uint8_t> bytes) {
  auto hasher = crypto.sha256();
  hasher->update(bytes);
  return hasher->finish();
}

}  // namespace awsfota::image
