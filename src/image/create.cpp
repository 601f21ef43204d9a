#include "awsfota/image/create.hpp"

#include "awsfota/image/mcuboot.hpp"
#include "image/bytes.hpp"

namespace awsfota::image {

namespace {
void append_tlv(std::vector<std::uint8_t>& out, TlvType type, std::span<const std::uint8_t> value) {
  detail::append_le16(out, static_cast<std::uint16_t>(type));
  detail::append_le16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}
}  // namespace

Expected<std::vector<std::uint8_t>, std::string> create_image(std::span<const std::uint8_t> payload,
                                                              const CreateOptions& options, const ImageSigner* signer,
                                                              const CryptoProvider& crypto) {
  if (options.header_size < kHeaderFieldsSize) {
    return unexpected("header size " + std::to_string(options.header_size) + " is under the 32-byte header");
  }
  if (payload.size() > 0xffffffffu - options.header_size) {
    return unexpected(std::string("payload too large for an MCUboot image (image size is 32-bit)"));
  }
  ImageHeader h;
  h.load_address = options.load_address;
  h.header_size = options.header_size;
  h.protected_tlv_size = 0;
  h.image_size = static_cast<std::uint32_t>(payload.size());
  h.flags = options.flags;
  h.version = options.version;

  std::vector<std::uint8_t> image(options.header_size, options.erased_value);
  const auto fields = encode_header(h);
  std::copy(fields.begin(), fields.end(), image.begin());
  image.insert(image.end(), payload.begin(), payload.end());
  const Sha256Digest digest = sha256_of(crypto, image);

  std::vector<std::uint8_t> tlvs;
  append_tlv(tlvs, TlvType::Sha256, digest);
  if (signer != nullptr) {
    const Sha256Digest key_hash = sha256_of(crypto, signer->public_key().key_hash_input);
    append_tlv(tlvs, TlvType::KeyHash, key_hash);
    auto sig = signer->sign_digest(digest);
    if (!sig) return unexpected("signing failed: " + sig.error());
    if (sig->size() > 0xffff) return unexpected(std::string("signature too long for a TLV"));
    append_tlv(tlvs, signature_tlv_type(signer->public_key().algorithm), *sig);
  }
  const std::size_t total = kTlvInfoSize + tlvs.size();
  if (total > 0xffff) return unexpected(std::string("TLV area too large"));
  detail::append_le16(image, kTlvInfoMagic);
  detail::append_le16(image, static_cast<std::uint16_t>(total));
  image.insert(image.end(), tlvs.begin(), tlvs.end());
  return image;
}

}  // namespace awsfota::image
