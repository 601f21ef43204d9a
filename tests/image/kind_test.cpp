#include <gtest/gtest.h>

#include "awsfota/image/delta.hpp"
#include "awsfota/image/kind.hpp"

using namespace awsfota::image;

namespace {
std::vector<std::uint8_t> head_with(std::initializer_list<std::pair<std::size_t, std::uint8_t>> bytes) {
  std::vector<std::uint8_t> h(32, 0);
  for (auto [at, v] : bytes) h[at] = v;
  return h;
}
// An MCUboot header's first 32 bytes with these flags.
std::vector<std::uint8_t> head_with_flags(std::uint32_t flags) {
  auto h = head_with({{0, 0x3d}, {1, 0xb8}, {2, 0xf3}, {3, 0x96}});
  for (int b = 0; b < 4; ++b) h[16 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(flags >> (8 * b));
  return h;
}

}  // namespace

TEST(ImageKind_Detect, RecognisesMcuBootMagicAtZero) {
  EXPECT_EQ(detect_kind(head_with({{0, 0x3d}, {1, 0xb8}, {2, 0xf3}, {3, 0x96}})), ImageKind::McuBoot);
}

TEST(ImageKind_Detect, RecognisesModemDeltaMagicAtFour) {
  EXPECT_EQ(detect_kind(head_with({{4, 0x6d}, {5, 0x65}, {6, 0x44}, {7, 0x75}})), ImageKind::ModemDelta);
}

TEST(ImageKind_Detect, RecognisesFullModemMagicAtZero) {
  EXPECT_EQ(detect_kind(head_with({{0, 0xd2}, {1, 0x84}})), ImageKind::FullModem);
}

TEST(ImageKind_Detect, RecognisesApplicationDeltaHeader) {
  DeltaHeader h;
  h.base_size = 10;
  const auto bytes = encode_delta_header(h);
  EXPECT_EQ(detect_kind(std::span(bytes).first(32)), ImageKind::AppDelta);
}

TEST(ImageKind_Detect, ForeignSkippableFrameIsUnknown) {
  auto h = head_with({{0, 0x5a}, {1, 0x2a}, {2, 0x4d}, {3, 0x18}, {8, 'X'}});
  EXPECT_EQ(detect_kind(h), ImageKind::Unknown);
}

// The signed modem envelope: an MCUboot header whose flags name the modem kind of its payload.
TEST(ImageKind_Detect, McuBootHeaderWithAModemEnvelopeFlagIsThatModemKind) {
  EXPECT_EQ(detect_kind(head_with_flags(kModemDeltaEnvelopeFlag)), ImageKind::ModemDelta);
  EXPECT_EQ(detect_kind(head_with_flags(kFullModemEnvelopeFlag | 0x10)), ImageKind::FullModem);
  EXPECT_EQ(detect_kind(head_with_flags(0x10)), ImageKind::McuBoot);  // MCUboot's own flags change nothing
  EXPECT_EQ(detect_kind(head_with_flags(kModemDeltaEnvelopeFlag | kFullModemEnvelopeFlag)), ImageKind::Unknown);
  EXPECT_TRUE(is_mcuboot_envelope(head_with_flags(kFullModemEnvelopeFlag)));
  EXPECT_FALSE(is_mcuboot_envelope(head_with({{0, 0xd2}, {1, 0x84}})));
  EXPECT_EQ(modem_envelope_flag(ImageKind::ModemDelta), kModemDeltaEnvelopeFlag);
  EXPECT_EQ(modem_envelope_flag(ImageKind::FullModem), kFullModemEnvelopeFlag);
  EXPECT_EQ(modem_envelope_flag(ImageKind::McuBoot), 0u);
  // A job that allows only application images refuses a modem envelope as TYPE_MISMATCH.
  auto r = check_kind(head_with_flags(kFullModemEnvelopeFlag), ImageKind::McuBoot | ImageKind::AppDelta);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, KindErrorCode::TypeMismatch);
}

// The partition image: an application image (kind McuBoot) with the partition flag; never a modem image.
TEST(ImageKind_Detect, PartitionFlagKeepsTheApplicationKindAndExcludesTheModemFlags) {
  EXPECT_EQ(detect_kind(head_with_flags(kPartitionPayloadFlag)), ImageKind::McuBoot);
  EXPECT_TRUE(is_partition_image(head_with_flags(kPartitionPayloadFlag | 0x10)));
  EXPECT_FALSE(is_partition_image(head_with_flags(0x10)));
  EXPECT_EQ(detect_kind(head_with_flags(kPartitionPayloadFlag | kFullModemEnvelopeFlag)), ImageKind::Unknown);
  EXPECT_FALSE(is_partition_image(head_with_flags(kPartitionPayloadFlag | kModemDeltaEnvelopeFlag)));
  // The flags word is cut off: not a partition image, and nothing read past the end.
  const auto flagged = head_with_flags(kPartitionPayloadFlag);
  EXPECT_FALSE(is_partition_image(std::span(flagged).first(18)));
  // A job that allows application images takes it.
  EXPECT_TRUE(check_kind(head_with_flags(kPartitionPayloadFlag), ImageKind::McuBoot | ImageKind::AppDelta));
}

TEST(ImageKind_Filesystem, ExtAndSquashfsAreRecognisedByTheirSuperblockMagic) {
  std::vector<std::uint8_t> fs(kFilesystemDetectBytes, 0);
  EXPECT_EQ(filesystem_name(fs), "");
  fs[1080] = 0x53;
  fs[1081] = 0xef;
  EXPECT_EQ(filesystem_name(fs), "ext2/3/4");
  EXPECT_EQ(filesystem_name(std::span(fs).first(1081)), "");  // magic cut off
  const std::uint8_t squashfs[] = {'h', 's', 'q', 's', 4, 0};
  EXPECT_EQ(filesystem_name(squashfs), "squashfs");
  EXPECT_EQ(filesystem_name(std::span(squashfs).first(3)), "");
}

TEST(ImageKind_Detect, EmptyAndTinyInputsAreUnknownWithoutReadingPastTheEnd) {
  EXPECT_EQ(detect_kind({}), ImageKind::Unknown);
  const std::uint8_t three[] = {0x3d, 0xb8, 0xf3};
  EXPECT_EQ(detect_kind(three), ImageKind::Unknown);
}

TEST(ImageKind_Check, UnknownBytesAreInvalidUpdate) {
  auto r = check_kind(head_with({{0, 1}}), kAllImageKinds);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, KindErrorCode::InvalidUpdate);
  EXPECT_NE(r.error().reason.find("no known kind"), std::string::npos);
}

TEST(ImageKind_Check, KindNotAllowedIsTypeMismatch) {
  auto r = check_kind(head_with({{0, 0xd2}, {1, 0x84}}), ImageKind::McuBoot | ImageKind::AppDelta);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, KindErrorCode::TypeMismatch);
  EXPECT_EQ(r.error().detected, ImageKind::FullModem);
}

TEST(ImageKind_Check, AllowedKindPasses) {
  auto r = check_kind(head_with({{0, 0x3d}, {1, 0xb8}, {2, 0xf3}, {3, 0x96}}), ImageKind::McuBoot | ImageKind::AppDelta);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ImageKind::McuBoot);
}

TEST(ImageKind_Detect, BareSquashfsIsARaucBundleAndAWrappedOneIsNot) {
  std::vector<std::uint8_t> bundle(kDetectBytes, 0);
  bundle[0] = 'h';
  bundle[1] = 's';
  bundle[2] = 'q';
  bundle[3] = 's';
  EXPECT_EQ(detect_kind(bundle), ImageKind::RaucBundle);
  EXPECT_EQ(detect_kind(std::span(bundle).first(3)), ImageKind::Unknown);
  auto refused = check_kind(bundle, ImageKind::McuBoot | ImageKind::AppDelta);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, KindErrorCode::TypeMismatch);
  EXPECT_NE(refused.error().reason.find("RAUC bundle"), std::string::npos);
  // A partition image of a squashfs is an MCUboot envelope: still the application kind.
  EXPECT_EQ(detect_kind(head_with_flags(kPartitionPayloadFlag)), ImageKind::McuBoot);
}

TEST(ImageKind_Detect, CpioInSwupdatesFormatsIsASwuAndOtherTextIsNot) {
  const std::string crc = "07070200A94052000081A40000000000";   // cpio -H crc, as a .swu starts
  const std::string newc = "07070100A94052000081A40000000000";  // cpio -H newc
  auto bytes = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
  EXPECT_EQ(detect_kind(bytes(crc)), ImageKind::SwupdateImage);
  EXPECT_EQ(detect_kind(bytes(newc)), ImageKind::SwupdateImage);
  EXPECT_EQ(detect_kind(bytes("070707" + crc.substr(6))), ImageKind::Unknown);  // old portable cpio: not SWUpdate's
  EXPECT_EQ(detect_kind(bytes("070701zz" + crc.substr(8))), ImageKind::Unknown);
  EXPECT_EQ(detect_kind(bytes(crc.substr(0, 20))), ImageKind::Unknown);
  auto refused = check_kind(bytes(crc), ImageKind::McuBoot | ImageKind::RaucBundle);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, KindErrorCode::TypeMismatch);
  EXPECT_NE(refused.error().reason.find("SWUpdate image"), std::string::npos);
}
