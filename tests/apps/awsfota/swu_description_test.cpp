#include <gtest/gtest.h>

#include <cstdio>

#include "cli/swu_description.hpp"

namespace awsfota::cli {
namespace {

// A newc/crc cpio entry header and name, padded as cpio pads them, then the data.
std::vector<std::uint8_t> cpio_entry(const std::string& magic, const std::string& name, const std::string& data) {
  char header[111];
  std::snprintf(header, sizeof header, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic.c_str(), 1u,
                0100644u, 0u, 0u, 1u, 0u, static_cast<unsigned>(data.size()), 0u, 0u, 0u, 0u,
                static_cast<unsigned>(name.size() + 1), 0u);
  std::string out(header, 110);
  out += name;
  out += '\0';
  while (out.size() % 4 != 0) out += '\0';
  out += data;
  return {out.begin(), out.end()};
}

TEST(SwuDescription, ReadsTheFirstEntryAndTheSoftwareVersion) {
  const std::string text =
      "software =\n{\n\t# version = \"0.0\"; a comment\n\tversion = \"2.1.0\";\n\timages: ( {\n\t\tfilename = "
      "\"rootfs.img\";\n\t\tversion = \"9.9\";\n\t} );\n}\n";
  for (const char* magic : {"070701", "070702"}) {
    auto read = read_sw_description(cpio_entry(magic, "sw-description", text));
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(*read, text);
    EXPECT_EQ(sw_description_version(*read), "2.1.0");
  }
}

TEST(SwuDescription, JsonDescriptionsHaveAVersionToo) {
  EXPECT_EQ(sw_description_version(R"({"software": {"images": [{"version": "9"}], "version": "3.0"}})"), "3.0");
  EXPECT_EQ(sw_description_version("software = { hardware-compatibility: [\"1.0\"]; };"), std::nullopt);
  EXPECT_EQ(sw_description_version("software = { versions = \"1\"; };"), std::nullopt);
}

TEST(SwuDescription, RefusesWhatSwupdateWouldRefuseWithAReason) {
  auto other = read_sw_description(cpio_entry("070701", "rootfs.img", "x"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("sw-description first"), std::string::npos);
  auto old_cpio = read_sw_description(cpio_entry("070707", "sw-description", "x"));
  ASSERT_FALSE(old_cpio);
  EXPECT_NE(old_cpio.error().find("not a cpio archive"), std::string::npos);
  auto whole = cpio_entry("070701", "sw-description", "software = { version = \"1\"; };");
  auto cut = read_sw_description(std::span(whole).first(whole.size() - 5));
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().find("past the end"), std::string::npos);
  whole[60] = 'z';  // a digit of the file size
  EXPECT_FALSE(read_sw_description(whole));
}

}  // namespace
}  // namespace awsfota::cli
