// Verification: the shared imgtool vectors, images made by create_image with each algorithm, and each
// corruption rejected with its own error.
#include <gtest/gtest.h>

#include "awsfota/image/mcuboot.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::image;
using namespace awsfota::testing;
namespace openssl = awsfota::openssl;

namespace {

class McuBootVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(vectors_dir() / "app-ecdsa-p256-v1.2.3.bin")) {
      GTEST_SKIP() << "shared vectors absent: " << vectors_dir();
    }
    auto key = openssl::load_public_key_pem(read_text(vectors_dir() / "ecdsa-p256.pub.pem"));
    ASSERT_TRUE(key) << key.error();
    key_ = *key;
  }
  openssl::OpenSslCrypto crypto_;
  PublicKey key_;
};

}  // namespace

TEST_F(McuBootVectors, ImgtoolEcdsaImageVerifiesWithItsKey) {
  auto v = verify_image(read_file(vectors_dir() / "app-ecdsa-p256-v1.2.3.bin"), VerifyPolicy{key_}, crypto_);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_TRUE(v->signature_checked);
  EXPECT_EQ(to_hex(v->sha256), "383a592dc2f690f861fe3cbbe388daff904154da2f0b5caffbf57f6d2913ccd7");
  EXPECT_EQ(v->header.version, (ImageVersion{1, 2, 3, 4}));
  EXPECT_EQ(v->header.image_size, 20000u);
  EXPECT_EQ(v->layout.total_size, 20663u);
}

TEST_F(McuBootVectors, ImgtoolHashOnlyImageVerifiesWithoutKeyAndIsRefusedWhenKeyRequired) {
  const auto bytes = read_file(vectors_dir() / "app-hash-only-v0.1.0.bin");
  auto v = verify_image(bytes, VerifyPolicy{}, crypto_);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_FALSE(v->signature_checked);
  EXPECT_EQ(to_hex(v->sha256), "e488b2c3e10fdcc5aa466fcb99cdf23dcae9dfa8cfc143cfcfac9a378fdb7a75");
  auto refused = verify_image(bytes, VerifyPolicy{key_}, crypto_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ImageErrorCode::MissingSignature);
}

TEST_F(McuBootVectors, ImgtoolCorruptPayloadIsHashMismatch) {
  auto v = verify_image(read_file(vectors_dir() / "app-ecdsa-p256-v1.2.3-corrupt-payload.bin"), VerifyPolicy{key_},
                        crypto_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::HashMismatch);
}

TEST_F(McuBootVectors, CreatedImageHasImgtoolsLayout) {
  // Same payload, version and header size as the vector: identical up to the signature bytes.
  const auto reference = read_file(vectors_dir() / "app-hash-only-v0.1.0.bin");
  const std::vector<std::uint8_t> payload(reference.begin() + 0x200, reference.begin() + 0x200 + 20000);
  const auto made = make_image(payload, nullptr, {0, 1, 0, 0});
  EXPECT_EQ(made, reference);
}

TEST_F(McuBootVectors, CreatedEcdsaImageMatchesImgtoolsTlvOrderAndKeyHash) {
  const auto reference = read_file(vectors_dir() / "app-ecdsa-p256-v1.2.3.bin");
  auto signer = make_signer(SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(signer);
  const std::vector<std::uint8_t> payload(reference.begin() + 0x200, reference.begin() + 0x200 + 20000);
  auto made = parse_image(make_image(payload, signer.get(), {1, 2, 3, 4}));
  auto ref = parse_image(reference);
  ASSERT_TRUE(made && ref);
  ASSERT_EQ(made->tlvs.size(), ref->tlvs.size());
  for (std::size_t i = 0; i < ref->tlvs.size(); ++i) EXPECT_EQ(made->tlvs[i].type, ref->tlvs[i].type);
  EXPECT_EQ(made->tlvs[0].value, ref->tlvs[0].value);  // same SHA-256: same header and payload bytes
  // And the key hash of the vector's key, computed our way, is what imgtool put in the vector.
  EXPECT_EQ(to_hex(sha256_of(crypto_, key_.key_hash_input)), to_hex(ref->tlvs[1].value));
}

class McuBootCreated : public ::testing::TestWithParam<SignatureAlgorithm> {
 protected:
  void SetUp() override {
    signer_ = make_signer(GetParam());
    ASSERT_TRUE(signer_);
    image_ = make_image(random_bytes(5000, 7), signer_.get());
    ASSERT_FALSE(image_.empty());
    policy_.key = signer_->public_key();
  }
  awsfota::Expected<VerifiedImage, ImageError> verify(const std::vector<std::uint8_t>& b) {
    return verify_image(b, policy_, crypto_);
  }
  std::size_t tlv_offset(std::uint16_t type) {
    auto img = parse_image(image_);
    for (const auto& t : img->tlvs)
      if (t.type == type) return static_cast<std::size_t>(t.offset);
    ADD_FAILURE() << "no TLV " << type;
    return 0;
  }
  openssl::OpenSslCrypto crypto_;
  std::unique_ptr<ImageSigner> signer_;
  std::vector<std::uint8_t> image_;
  VerifyPolicy policy_;
};

TEST_P(McuBootCreated, VerifiesWithItsKey) {
  auto v = verify(image_);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_TRUE(v->signature_checked);
}

TEST_P(McuBootCreated, CorruptedHeaderIsHashMismatch) {
  image_[20] ^= 0x01;  // version major: still a valid header, but hashed
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::HashMismatch);
}

TEST_P(McuBootCreated, CorruptedPayloadIsHashMismatch) {
  image_[0x200 + 1234] ^= 0x80;
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::HashMismatch);
}

TEST_P(McuBootCreated, CorruptedSha256TlvIsHashMismatch) {
  image_[tlv_offset(0x10) + 5] ^= 0x01;
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::HashMismatch);
}

TEST_P(McuBootCreated, CorruptedSignatureIsSignatureInvalid) {
  const std::uint16_t sig_type = static_cast<std::uint16_t>(signature_tlv_type(GetParam()));
  image_[tlv_offset(sig_type) + 10] ^= 0x04;
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::SignatureInvalid);
}

TEST_P(McuBootCreated, OtherKeyOfSameKindIsKeyMismatch) {
  auto other = make_signer(GetParam());
  ASSERT_TRUE(other);
  policy_.key = other->public_key();
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::KeyMismatch);
}

TEST_P(McuBootCreated, ForgedKeyHashStillFailsTheSignature) {
  // An attacker who copies the configured key's hash into the image still cannot sign.
  auto other = make_signer(GetParam());
  ASSERT_TRUE(other);
  const auto other_hash = sha256_of(crypto_, other->public_key().key_hash_input);
  std::copy(other_hash.begin(), other_hash.end(), image_.begin() + static_cast<std::ptrdiff_t>(tlv_offset(0x01)));
  policy_.key = other->public_key();
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::SignatureInvalid);
}

TEST_P(McuBootCreated, TruncatedImageIsRejected) {
  for (std::size_t keep : {std::size_t{10}, std::size_t{0x100}, std::size_t{3000}, image_.size() - 1}) {
    std::vector<std::uint8_t> cut(image_.begin(), image_.begin() + static_cast<std::ptrdiff_t>(keep));
    auto v = verify(cut);
    ASSERT_FALSE(v) << keep;
    EXPECT_TRUE(v.error().code == ImageErrorCode::TooShort || v.error().code == ImageErrorCode::ImageLargerThanFile ||
                v.error().code == ImageErrorCode::TlvAreaTruncated)
        << keep << ": " << to_string(v.error().code);
  }
}

TEST_P(McuBootCreated, MissingKeyHashIsRefused) {
  // Turn the key-hash TLV into an unknown type (0x7f): the signature no longer names its key.
  image_[tlv_offset(0x01) - 4] = 0x7f;
  auto v = verify(image_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::MissingKeyHash);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, McuBootCreated,
                         ::testing::Values(SignatureAlgorithm::EcdsaP256, SignatureAlgorithm::Ed25519,
                                           SignatureAlgorithm::Rsa2048Pss),
                         [](const ::testing::TestParamInfo<SignatureAlgorithm>& p) {
                           switch (p.param) {
                             case SignatureAlgorithm::EcdsaP256: return std::string("EcdsaP256");
                             case SignatureAlgorithm::Ed25519: return std::string("Ed25519");
                             case SignatureAlgorithm::Rsa2048Pss: return std::string("Rsa2048Pss");
                           }
                           return std::string("x");
                         });

TEST(McuBootVerify, MissingSha256TlvIsRefused) {
  auto b = make_image(random_bytes(64, 1), nullptr);
  b[0x200 + 64 + 4] = 0x7e;  // SHA-256 entry type -> unknown
  awsfota::openssl::OpenSslCrypto crypto;
  auto v = verify_image(b, VerifyPolicy{}, crypto);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::MissingSha256);
}

TEST(McuBootVerify, KeyOfOtherAlgorithmIsMissingSignature) {
  auto ecdsa = make_signer(SignatureAlgorithm::EcdsaP256);
  auto ed = make_signer(SignatureAlgorithm::Ed25519);
  ASSERT_TRUE(ecdsa && ed);
  const auto b = make_image(random_bytes(64, 1), ecdsa.get());
  awsfota::openssl::OpenSslCrypto crypto;
  auto v = verify_image(b, VerifyPolicy{ed->public_key()}, crypto);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::MissingSignature);
  EXPECT_NE(v.error().reason.find("type 34"), std::string::npos) << v.error().reason;
}

TEST(McuBootVerify, ReaderErrorsAreIo) {
  struct FailingReader : ByteReader {
    awsfota::Expected<void, std::string> read(std::uint64_t, std::span<std::uint8_t>) override {
      return awsfota::unexpected(std::string("EIO"));
    }
  } reader;
  awsfota::openssl::OpenSslCrypto crypto;
  auto v = verify_image(reader, 4096, VerifyPolicy{}, crypto);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::Io);
  EXPECT_NE(v.error().reason.find("EIO"), std::string::npos);
}

TEST(OpenSslKeys, RefusesNonPemAndUnsupportedCurves) {
  EXPECT_FALSE(awsfota::openssl::load_public_key_pem("hello"));
  EXPECT_FALSE(awsfota::openssl::load_private_key_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
}

TEST(OpenSslKeys, PublicKeyPemRoundTrips) {
  auto signer = make_signer(SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(signer);
  auto again = awsfota::openssl::load_public_key_pem(awsfota::openssl::public_key_pem(signer->public_key()));
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->spki_der, signer->public_key().spki_der);
  EXPECT_EQ(again->key_hash_input, signer->public_key().key_hash_input);
}
