// Verification of a parsed image: SHA-256 of the signed region in bounded memory, then key hash and
// signature as the policy asks.
#include <algorithm>

#include "awsfota/image/mcuboot.hpp"
#include "image/image_error.hpp"

namespace awsfota::image {

using detail::fail;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

const TlvEntry* find_tlv(const std::vector<TlvEntry>& tlvs, TlvType type) {
  auto it = std::find_if(tlvs.begin(), tlvs.end(),
                         [type](const TlvEntry& e) { return e.type == static_cast<std::uint16_t>(type); });
  return it == tlvs.end() ? nullptr : &*it;
}

Expected<Sha256Digest, ImageError> hash_region(ByteReader& reader, std::uint64_t size, const CryptoProvider& crypto) {
  auto digest = sha256_of_reader(reader, size, crypto, kChunk);
  if (!digest) return fail(ImageErrorCode::Io, "reading the image " + digest.error());
  return *digest;
}

// The key-hash (or full public key) TLV must name the configured key.
Expected<void, ImageError> check_key_identity(const ParsedImage& img, const PublicKey& key,
                                              const CryptoProvider& crypto) {
  if (const TlvEntry* hash = find_tlv(img.tlvs, TlvType::KeyHash)) {
    const Sha256Digest expected = sha256_of(crypto, key.key_hash_input);
    if (!std::equal(expected.begin(), expected.end(), hash->value.begin(), hash->value.end())) {
      return fail(ImageErrorCode::KeyMismatch, "the image's key-hash TLV " + to_hex(hash->value) +
                                                   " is not the configured key's " + to_hex(expected));
    }
    return {};
  }
  if (const TlvEntry* full = find_tlv(img.tlvs, TlvType::PublicKey)) {
    if (full->value != key.key_hash_input) {
      return fail(ImageErrorCode::KeyMismatch, "the image's public-key TLV is not the configured key");
    }
    return {};
  }
  return fail(ImageErrorCode::MissingKeyHash, "the image has a signature but no key-hash TLV (0x01) naming its key");
}

Expected<void, ImageError> check_signature(const ParsedImage& img, const PublicKey& key, const Sha256Digest& digest,
                                           const CryptoProvider& crypto) {
  const TlvType wanted = signature_tlv_type(key.algorithm);
  const TlvEntry* sig = find_tlv(img.tlvs, wanted);
  if (sig == nullptr) {
    std::string found;
    for (TlvType t : {TlvType::EcdsaSig, TlvType::Rsa2048Pss, TlvType::Rsa3072Pss, TlvType::Ed25519}) {
      if (find_tlv(img.tlvs, t) != nullptr) found = " (it carries a signature TLV of type " +
                                                     std::to_string(static_cast<unsigned>(t)) + " instead)";
    }
    return fail(ImageErrorCode::MissingSignature,
                std::string("a ") + to_string(key.algorithm) + " signature is required but the image has none" + found);
  }
  if (auto r = check_key_identity(img, key, crypto); !r) return r;
  if (!crypto.verify_digest(key, digest, sig->value)) {
    return fail(ImageErrorCode::SignatureInvalid,
                std::string("the ") + to_string(key.algorithm) + " signature at offset " + std::to_string(sig->offset) +
                    " does not verify with the configured key");
  }
  return {};
}

Expected<VerifiedImage, ImageError> verify_parsed(ByteReader& reader, const ParsedImage* img,
                                                  const RegionDigest* known, const VerifyPolicy& policy,
                                                  const CryptoProvider& crypto) {
  const TlvEntry* sha = find_tlv(img->tlvs, TlvType::Sha256);
  if (sha == nullptr) return fail(ImageErrorCode::MissingSha256, "the image has no SHA-256 TLV (0x10)");

  auto digest = known != nullptr && known->size == img->layout.signed_size
                    ? Expected<Sha256Digest, ImageError>(known->sha256)
                    : hash_region(reader, img->layout.signed_size, crypto);
  if (!digest) return unexpected(digest.error());
  if (!std::equal(digest->begin(), digest->end(), sha->value.begin(), sha->value.end())) {
    return fail(ImageErrorCode::HashMismatch, "SHA-256 of header+payload is " + to_hex(*digest) +
                                                  ", the image's SHA-256 TLV says " + to_hex(sha->value));
  }
  VerifiedImage out{img->header, img->layout, *digest, false};
  if (policy.key) {
    if (auto r = check_signature(*img, *policy.key, *digest, crypto); !r) return unexpected(r.error());
    out.signature_checked = true;
  }
  return out;
}

}  // namespace

Expected<VerifiedImage, ImageError> verify_image(ByteReader& reader, std::uint64_t file_size,
                                                 const VerifyPolicy& policy, const CryptoProvider& crypto) {
  auto img = parse_image(reader, file_size);
  if (!img) return unexpected(img.error());
  return verify_parsed(reader, &*img, nullptr, policy, crypto);
}

Expected<VerifiedImage, ImageError> verify_image(ByteReader& reader, std::uint64_t file_size,
                                                 const RegionDigest& signed_region, const VerifyPolicy& policy,
                                                 const CryptoProvider& crypto) {
  auto img = parse_image(reader, file_size);
  if (!img) return unexpected(img.error());
  return verify_parsed(reader, &*img, &signed_region, policy, crypto);
}

Expected<VerifiedImage, ImageError> verify_image(std::span<const std::uint8_t> image, const VerifyPolicy& policy,
                                                 const CryptoProvider& crypto) {
  SpanReader reader(image);
  return verify_image(reader, image.size(), policy, crypto);
}

}  // namespace awsfota::image
