// Malformed MCUboot images built byte by byte: each malformation gets its own error.
#include <gtest/gtest.h>

#include "awsfota/image/mcuboot.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::image;
using awsfota::testing::make_image;

namespace {

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

// A hash-only image: 0x200 header, 100-byte payload, TLV area at 612.
std::vector<std::uint8_t> hash_only() { return make_image(std::vector<std::uint8_t>(100, 0xab), nullptr); }
constexpr std::size_t kTlvAt = 0x200 + 100;

ImageErrorCode parse_error(const std::vector<std::uint8_t>& image) {
  auto r = parse_image(image);
  EXPECT_FALSE(r) << "expected a parse error";
  return r ? ImageErrorCode::Io : r.error().code;
}

}  // namespace

TEST(McuBootParse, ReadsHeaderFieldsAndTlvs) {
  auto img = parse_image(hash_only());
  ASSERT_TRUE(img) << img.error().reason;
  EXPECT_EQ(img->header.header_size, 0x200);
  EXPECT_EQ(img->header.image_size, 100u);
  EXPECT_EQ(img->header.version, (ImageVersion{1, 2, 3, 4}));
  EXPECT_EQ(img->layout.signed_size, kTlvAt);
  EXPECT_EQ(img->layout.total_size, kTlvAt + 4 + 36);
  ASSERT_EQ(img->tlvs.size(), 1u);
  EXPECT_EQ(img->tlvs[0].type, 0x10);
  EXPECT_EQ(img->tlvs[0].offset, kTlvAt + 8);
}

TEST(McuBootParse, RejectsFewerThan32Bytes) {
  EXPECT_EQ(parse_error(std::vector<std::uint8_t>(31, 0)), ImageErrorCode::TooShort);
}

TEST(McuBootParse, RejectsBadMagic) {
  auto b = hash_only();
  b[3] ^= 0x01;
  EXPECT_EQ(parse_error(b), ImageErrorCode::BadMagic);
}

TEST(McuBootParse, RejectsHeaderSizeUnder32) {
  auto b = hash_only();
  put16(b, 8, 16);
  EXPECT_EQ(parse_error(b), ImageErrorCode::HeaderSizeTooSmall);
}

TEST(McuBootParse, RejectsImageSizeBeyondTheFile) {
  auto b = hash_only();
  b[14] = 0x01;  // image size += 64 KiB
  EXPECT_EQ(parse_error(b), ImageErrorCode::ImageLargerThanFile);
}

TEST(McuBootParse, RejectsFileEndingAtTheSignedRegion) {
  auto b = hash_only();
  b.resize(kTlvAt + 2);
  EXPECT_EQ(parse_error(b), ImageErrorCode::TlvInfoMissing);
}

TEST(McuBootParse, RejectsBadTlvInfoMagic) {
  auto b = hash_only();
  put16(b, kTlvAt, 0x6906);
  EXPECT_EQ(parse_error(b), ImageErrorCode::BadTlvMagic);
}

TEST(McuBootParse, RejectsTlvAreaLongerThanTheFile) {
  auto b = hash_only();
  b.resize(b.size() - 1);
  EXPECT_EQ(parse_error(b), ImageErrorCode::TlvAreaTruncated);
}

TEST(McuBootParse, RejectsTlvEntryRunningPastTheArea) {
  auto b = hash_only();
  put16(b, kTlvAt + 6, 33);  // SHA-256 entry length 33 > what is left
  EXPECT_EQ(parse_error(b), ImageErrorCode::TlvLengthOverflow);
}

TEST(McuBootParse, RejectsTruncatedTlvEntryHeader) {
  auto b = hash_only();
  put16(b, kTlvAt + 2, 4 + 36 + 2);  // area claims 2 stray bytes after the entry
  b.push_back(0x10);
  b.push_back(0x00);
  EXPECT_EQ(parse_error(b), ImageErrorCode::TlvLengthOverflow);
}

TEST(McuBootParse, RejectsSha256TlvOfWrongLength) {
  auto b = hash_only();
  put16(b, kTlvAt + 6, 31);
  put16(b, kTlvAt + 2, 4 + 4 + 31);
  b.pop_back();
  EXPECT_EQ(parse_error(b), ImageErrorCode::TlvBadLength);
}

TEST(McuBootParse, RejectsProtectedAreaWithBadMagic) {
  auto b = hash_only();
  put16(b, 10, 8);  // claims 8 bytes of protected TLVs: the first 8 bytes of the TLV area
  EXPECT_EQ(parse_error(b), ImageErrorCode::BadProtectedTlvMagic);
}

TEST(McuBootParse, RejectsProtectedAreaWhoseSizeDisagreesWithTheHeader) {
  auto b = hash_only();
  // Insert a protected area of 4+8 bytes but record 4+4 in its info header.
  std::vector<std::uint8_t> prot = {0x08, 0x69, 0x08, 0x00, 0x50, 0x00, 0x04, 0x00, 1, 0, 0, 0};
  b.insert(b.begin() + kTlvAt, prot.begin(), prot.end());
  put16(b, 10, static_cast<std::uint16_t>(prot.size()));
  EXPECT_EQ(parse_error(b), ImageErrorCode::ProtectedTlvSizeMismatch);
}

TEST(McuBootParse, ReadsProtectedTlvsBeforeUnprotectedOnes) {
  auto b = hash_only();
  std::vector<std::uint8_t> prot = {0x08, 0x69, 0x0c, 0x00, 0x50, 0x00, 0x04, 0x00, 7, 0, 0, 0};
  b.insert(b.begin() + kTlvAt, prot.begin(), prot.end());
  put16(b, 10, static_cast<std::uint16_t>(prot.size()));
  auto img = parse_image(b);
  ASSERT_TRUE(img) << img.error().reason;
  ASSERT_EQ(img->tlvs.size(), 2u);
  EXPECT_TRUE(img->tlvs[0].is_protected);
  EXPECT_EQ(img->tlvs[0].type, 0x50);
  EXPECT_FALSE(img->tlvs[1].is_protected);
  EXPECT_EQ(img->layout.signed_size, kTlvAt + prot.size());
}

TEST(McuBootParse, EncodeHeaderIsTheInverseOfParse) {
  ImageHeader h;
  h.load_address = 0x12345678;
  h.header_size = 0x400;
  h.protected_tlv_size = 12;
  h.image_size = 777;
  h.flags = 0x10;
  h.version = {9, 8, 700, 123456};
  auto bytes = encode_header(h);
  auto back = parse_header(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->load_address, h.load_address);
  EXPECT_EQ(back->header_size, h.header_size);
  EXPECT_EQ(back->protected_tlv_size, h.protected_tlv_size);
  EXPECT_EQ(back->image_size, h.image_size);
  EXPECT_EQ(back->flags, h.flags);
  EXPECT_EQ(back->version, h.version);
}
