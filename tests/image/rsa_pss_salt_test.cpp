// RSA-2048 PSS salt length: MCUboot's bootloader accepts only a 32-byte salt (its PSS_SLEN), and
// imgtool signs so. Images made here must use it, and the verifier must refuse what the bootloader
// would refuse. The openssl CLI makes and checks signatures independently of the adapter.
#include <gtest/gtest.h>

#include <cstdlib>

#include "awsfota/image/mcuboot.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::image;
using namespace awsfota::testing;

namespace {

int sh_quiet(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

class RsaPssSalt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sh_quiet("openssl version") != 0) GTEST_SKIP() << "openssl CLI absent";
    auto pem = awsfota::openssl::generate_private_key_pem(SignatureAlgorithm::Rsa2048Pss);
    ASSERT_TRUE(pem);
    std::ofstream(dir_.path() / "key.pem") << *pem;
    auto signer = awsfota::openssl::load_private_key_pem(*pem);
    ASSERT_TRUE(signer);
    key_ = (*signer)->public_key();
    image_ = make_image(random_bytes(5000, 3), signer->get());
    auto v = verify_image(image_, VerifyPolicy{key_}, crypto_);
    ASSERT_TRUE(v) << v.error().reason;
    digest_ = v->sha256;
    write_file(dir_.path() / "digest.bin", std::vector<std::uint8_t>(digest_.begin(), digest_.end()));
    // The signature TLV is the last one imgtool's layout writes: its 256 bytes end the image.
    signature_.assign(image_.end() - 256, image_.end());
  }
  std::string pkeyutl(const std::string& op, const std::string& salt) const {
    return "openssl pkeyutl " + op + " -inkey " + (dir_.path() / "key.pem").string() + " -in " +
           (dir_.path() / "digest.bin").string() +
           " -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_mgf1_md:sha256 -pkeyopt rsa_pss_saltlen:" +
           salt;
  }
  std::vector<std::uint8_t> with_signature(const std::vector<std::uint8_t>& sig) const {
    auto out = image_;
    std::copy(sig.begin(), sig.end(), out.end() - 256);
    return out;
  }

  TempDir dir_;
  awsfota::openssl::OpenSslCrypto crypto_;
  PublicKey key_;
  std::vector<std::uint8_t> image_, signature_;
  Sha256Digest digest_{};
};

}  // namespace

TEST_F(RsaPssSalt, CreatedImagesUseThe32ByteSalt) {
  write_file(dir_.path() / "sig.bin", signature_);
  EXPECT_EQ(sh_quiet(pkeyutl("-verify", "32") + " -sigfile " + (dir_.path() / "sig.bin").string()), 0);
  EXPECT_NE(sh_quiet(pkeyutl("-verify", "64") + " -sigfile " + (dir_.path() / "sig.bin").string()), 0)
      << "the CLI check must be able to fail";
}

TEST_F(RsaPssSalt, SignatureWith32ByteSaltFromTheCliVerifies) {
  ASSERT_EQ(sh_quiet(pkeyutl("-sign", "32") + " -out " + (dir_.path() / "cli.sig").string()), 0);
  auto v = verify_image(with_signature(read_file(dir_.path() / "cli.sig")), VerifyPolicy{key_}, crypto_);
  EXPECT_TRUE(v) << v.error().reason;
}

TEST_F(RsaPssSalt, SignatureWithTheLongestSaltIsRefusedAsTheBootloaderWould) {
  ASSERT_EQ(sh_quiet(pkeyutl("-sign", "max") + " -out " + (dir_.path() / "cli.sig").string()), 0);
  auto v = verify_image(with_signature(read_file(dir_.path() / "cli.sig")), VerifyPolicy{key_}, crypto_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ImageErrorCode::SignatureInvalid);
}
