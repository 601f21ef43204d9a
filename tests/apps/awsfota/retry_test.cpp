// Which answers the CLI retries and how long it waits (botocore's full-jitter rule, Retry-After).
#include <gtest/gtest.h>

#include "cli/retry.hpp"

namespace awsfota::cli {
namespace {

TEST(Retry, ThrottlingAnd5xx_AreRetried_OtherErrorsAreNot) {
  EXPECT_TRUE(retryable_answer(429, "", ""));
  EXPECT_TRUE(retryable_answer(400, "ThrottlingException:http://internal.amazon.com/coral/", "{}"));
  EXPECT_TRUE(retryable_answer(400, "", R"({"__type":"com.amazonaws#TooManyRequestsException"})"));
  EXPECT_TRUE(retryable_answer(400, "", R"({"code":"ThrottlingException","message":"Rate exceeded"})"));
  for (long s : {500L, 502L, 503L, 504L}) EXPECT_TRUE(retryable_answer(s, "", "")) << s;
  EXPECT_FALSE(retryable_answer(200, "", ""));
  EXPECT_FALSE(retryable_answer(404, "ResourceNotFoundException", "{}"));
  EXPECT_FALSE(retryable_answer(400, "InvalidRequestException", "{}"));
  EXPECT_FALSE(retryable_answer(403, "", R"({"__type":"InvalidSignatureException"})"));
  // IoT's LimitExceededException is a quota (too many active jobs), not a rate: asking again does not help.
  EXPECT_FALSE(retryable_answer(410, "LimitExceededException", "{}"));
}

TEST(Retry, NotImplemented501_IsNotRetried) {
  // An operation or field the service lacks answers the same on every attempt.
  EXPECT_FALSE(retryable_answer(501, "NotImplementedException", R"({"message":"not implemented"})"));
  EXPECT_FALSE(retryable_answer(501, "", R"({"__type":"NotImplementedException"})"));
  EXPECT_FALSE(retryable_answer(501, "", ""));
}

TEST(Retry, Backoff_IsFullJitterUnderADoublingCappedCeiling) {
  const RetryPolicy p;  // base 1 s, cap 20 s
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 1, "", 1.0), 1.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 2, "", 1.0), 2.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 3, "", 0.5), 2.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 6, "", 1.0), 20.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 60, "", 1.0), 20.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 4, "", 0.0), 0.0);
}

TEST(Retry, RetryAfter_IsHonoredAsAFloorAndCapped) {
  const RetryPolicy p;
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 1, "3", 0.5), 3.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 1, " 1.5 ", 0.0), 1.5);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 5, "1", 1.0), 16.0);   // the backoff is already longer
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 1, "3600", 0.0), 60.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(p, 1, "Wed, 21 Oct 2015 07:28:00 GMT", 0.25), 0.25);  // a date: ignored
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_EQ(parse_retry_after("2"), 2.0);
}

}  // namespace
}  // namespace awsfota::cli
