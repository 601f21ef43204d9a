#include <gtest/gtest.h>

#include "awsfota/download/range.hpp"

namespace awsfota::download {
namespace {

TEST(RangeHeader, OpenEndedFromOffset) { EXPECT_EQ(range_header_value(1000), "bytes=1000-"); }
TEST(RangeHeader, FixedFragmentWithInclusiveLast) { EXPECT_EQ(range_header_value(0, 2047), "bytes=0-2047"); }

TEST(ContentRange_Parses, SatisfiedRange) {
  auto cr = parse_content_range("bytes 1000-1999/5000");
  ASSERT_TRUE(cr) << cr.error();
  EXPECT_EQ(*cr, (ContentRange{1000, 1999, 5000}));
  EXPECT_TRUE(cr->satisfied());
}

TEST(ContentRange_Parses, UnsatisfiedForm) {
  auto cr = parse_content_range("bytes */5000");
  ASSERT_TRUE(cr);
  EXPECT_FALSE(cr->satisfied());
  EXPECT_EQ(cr->total, 5000u);
}

TEST(ContentRange_Parses, UnknownTotal) {
  auto cr = parse_content_range("bytes 0-9/*");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->last, 9u);
  EXPECT_FALSE(cr->total.has_value());
}

TEST(ContentRange_Parses, CaseInsensitiveUnitAndWhitespace) {
  auto cr = parse_content_range("  Bytes   0-0/1 ");
  ASSERT_TRUE(cr) << cr.error();
  EXPECT_EQ(*cr, (ContentRange{0, 0, 1}));
}

TEST(ContentRange_Parses, LargestSignedOffset) {
  auto cr = parse_content_range("bytes 0-9223372036854775806/9223372036854775807");
  ASSERT_TRUE(cr) << cr.error();
  EXPECT_EQ(cr->total, 9223372036854775807u);
}

struct BadCase {
  const char* value;
  const char* reason_part;
};

class ContentRange_Rejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(ContentRange_Rejects, WithSpecificReason) {
  auto cr = parse_content_range(GetParam().value);
  ASSERT_FALSE(cr) << GetParam().value;
  EXPECT_NE(cr.error().find(GetParam().reason_part), std::string::npos) << cr.error();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ContentRange_Rejects,
    ::testing::Values(BadCase{"", "form"}, BadCase{"bytes", "form"}, BadCase{"items 0-1/2", "unit"},
                      BadCase{"bytes 0-1", "/TOTAL"}, BadCase{"bytes 0-1/", "total is missing"},
                      BadCase{"bytes 0-1/x", "total is not"}, BadCase{"bytes 01/2", "no '-'"},
                      BadCase{"bytes -1/2", "first byte position is missing"},
                      BadCase{"bytes 0-/2", "last byte position is missing"},
                      BadCase{"bytes +0-1/2", "first byte position is not"}, BadCase{"bytes 5-4/10", "before"},
                      BadCase{"bytes 0-10/10", "beyond"}, BadCase{"bytes */*", "says nothing"},
                      BadCase{"bytes 0-1/99999999999999999999", "too large"},
                      BadCase{"bytes 0-1/9223372036854775808", "too large"}, BadCase{"bytes 0 - 1/2", "not"}));

}  // namespace
}  // namespace awsfota::download
