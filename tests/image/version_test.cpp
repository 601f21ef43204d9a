#include <gtest/gtest.h>

#include "awsfota/image/version.hpp"

using namespace awsfota::image;

TEST(ImageVersion_Parse, AcceptsReferenceStyleAndFullForms) {
  EXPECT_EQ(parse_version("v1.0.2"), (ImageVersion{1, 0, 2, 0}));
  EXPECT_EQ(parse_version("1.2.3+4"), (ImageVersion{1, 2, 3, 4}));
  EXPECT_EQ(parse_version("2"), (ImageVersion{2, 0, 0, 0}));
  EXPECT_EQ(parse_version("2.1+9"), (ImageVersion{2, 1, 0, 9}));
}

TEST(ImageVersion_Parse, RejectsGarbageAndOutOfRangeFields) {
  for (const char* bad : {"", "v", "1.", "1..2", "256.0.0", "1.2.65536", "1.2.3.4", "1.2.3+", "1.2.3+x", "a.b"}) {
    EXPECT_FALSE(parse_version(bad)) << bad;
  }
}

TEST(ImageVersion_Compare, IgnoresBuildUnlessAsked) {
  EXPECT_EQ(compare_versions({1, 2, 3, 9}, {1, 2, 3, 1}), std::strong_ordering::equal);
  EXPECT_EQ(compare_versions({1, 2, 3, 9}, {1, 2, 3, 1}, true), std::strong_ordering::greater);
  EXPECT_EQ(compare_versions({1, 2, 3, 0}, {1, 10, 0, 0}), std::strong_ordering::less);
  EXPECT_EQ(compare_versions({0, 0, 300, 0}, {0, 0, 299, 0}), std::strong_ordering::greater);
}

TEST(ImageVersion_Downgrade, RefusesOlderAllowsNewerAndConfigurableSame) {
  DowngradePolicy policy;
  EXPECT_TRUE(is_allowed_upgrade({1, 1, 0, 0}, {1, 0, 9, 0}, policy));
  EXPECT_FALSE(is_allowed_upgrade({1, 0, 8, 0}, {1, 0, 9, 0}, policy));
  EXPECT_TRUE(is_allowed_upgrade({1, 0, 9, 0}, {1, 0, 9, 0}, policy));
  policy.allow_same = false;
  EXPECT_FALSE(is_allowed_upgrade({1, 0, 9, 0}, {1, 0, 9, 0}, policy));
  policy.allow_downgrade = true;
  EXPECT_TRUE(is_allowed_upgrade({0, 1, 0, 0}, {1, 0, 9, 0}, policy));
}
