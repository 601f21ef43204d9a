#include "cli/rauc_manifest.hpp"

#include <gtest/gtest.h>

namespace awsfota::cli {
namespace {

TEST(RaucManifest, ReadsTheUpdateSectionOfWhatRaucBundleWrites) {
  auto m = parse_rauc_manifest(
      "[update]\ncompatible=awsfota-test-board\nversion=2.0.0\n\n[bundle]\nformat=plain\n\n"
      "[image.rootfs]\nsha256=00\nsize=65536\nfilename=rootfs.img\n");
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->compatible, "awsfota-test-board");
  EXPECT_EQ(m->version, "2.0.0");
}

TEST(RaucManifest, SpacesCommentsAndOtherSectionsDoNotMatter) {
  auto m = parse_rauc_manifest("# made by CI\r\n[image.rootfs]\nversion=9\n[update]\n compatible = board \r\n");
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->compatible, "board");
  EXPECT_EQ(m->version, "");
}

TEST(RaucManifest, RefusesTextThatIsNoManifestNamingTheLine) {
  EXPECT_EQ(parse_rauc_manifest("version=1\n").error(), "line 1: a key before any [section]");
  EXPECT_EQ(parse_rauc_manifest("[update\n").error(), "line 1: a section header without its ']'");
  EXPECT_EQ(parse_rauc_manifest("[update]\njunk\n").error(), "line 2: neither a [section] nor key=value");
  EXPECT_EQ(parse_rauc_manifest("[bundle]\nformat=plain\n").error(), "the manifest has no [update] section");
  EXPECT_EQ(parse_rauc_manifest("[update]\nversion=1\n").error(), "the manifest's [update] section has no compatible");
  EXPECT_EQ(parse_rauc_manifest(std::string("[update]\ncompatible=a\x01\n")).error(), "line 2: a control character");
  EXPECT_FALSE(parse_rauc_manifest(std::string(70000, '#')));
}

}  // namespace
}  // namespace awsfota::cli
