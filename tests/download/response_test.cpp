#include <gtest/gtest.h>

#include "awsfota/download/response.hpp"

namespace awsfota::download {
namespace {

ResponseHead head(int status, std::optional<std::string> content_range = std::nullopt,
                  std::optional<std::uint64_t> length = std::nullopt) {
  return ResponseHead{.status = status, .content_range = std::move(content_range), .content_length = length, .etag = {}};
}

Cause cause_of(const RangeRequest& req, const ResponseHead& h) {
  auto v = validate_response(req, h);
  EXPECT_FALSE(v) << "accepted status " << h.status;
  return v ? Cause::Internal : v.error().cause;
}

TEST(ValidateResponse, Accepts206FromTheOffset) {
  auto v = validate_response({.offset = 100, .expected_total = 1000}, head(206, "bytes 100-999/1000", 900));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->complete);
  EXPECT_EQ(v->first, 100u);
  EXPECT_EQ(v->end, 1000u);
  EXPECT_EQ(v->total, 1000u);
}

TEST(ValidateResponse, Accepts200AtOffsetZero) {
  auto v = validate_response({.offset = 0, .expected_total = 10}, head(200, std::nullopt, 10));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->end, 10u);
}

TEST(ValidateResponse, Accepts200WithoutLengthAsEndUnknown) {
  auto v = validate_response({.offset = 0}, head(200));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->end.has_value());
}

TEST(ValidateResponse, Rejects200ToAResumeAsRangeIgnored) {
  auto v = validate_response({.offset = 5}, head(200, std::nullopt, 10));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().cause, Cause::RangeIgnored);
  EXPECT_NE(v.error().message.find("does not answer Range requests"), std::string::npos);
}

TEST(ValidateResponse, Rejects206WithoutContentRangeSayingServerLacksRangeSupport) {
  auto v = validate_response({.offset = 0}, head(206));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().cause, Cause::RangeNotSupported);
  EXPECT_NE(v.error().message.find("does not answer Range requests as S3 does"), std::string::npos);
}

TEST(ValidateResponse, RejectsInconsistentContentRange) {
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "bytes 0-999/1000")), Cause::ContentRangeInvalid);     // start != offset
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "bytes 100-99/1000")), Cause::ContentRangeInvalid);    // end < start
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "bytes 100-1000/1000")), Cause::ContentRangeInvalid);  // end >= total
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "bytes */1000")), Cause::ContentRangeInvalid);
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "garbage")), Cause::ContentRangeInvalid);
  EXPECT_EQ(cause_of({.offset = 100}, head(206, "bytes 100-199/1000", 50)), Cause::ContentRangeInvalid);
  EXPECT_EQ(cause_of({.offset = 0, .last = 9}, head(206, "bytes 0-19/1000")), Cause::ContentRangeInvalid);
  // "/*" with a known size still cannot go past it
  EXPECT_EQ(cause_of({.offset = 0, .expected_total = 10}, head(206, "bytes 0-10/*")), Cause::ContentRangeInvalid);
}

TEST(ValidateResponse, NamesTheOffendingHeaderValue) {
  auto v = validate_response({.offset = 100}, head(206, "bytes 0-999/1000"));
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("bytes 0-999/1000"), std::string::npos) << v.error().message;
}

TEST(ValidateResponse, RejectsTotalOtherThanJobSize) {
  EXPECT_EQ(cause_of({.offset = 0, .expected_total = 999}, head(206, "bytes 0-99/1000")), Cause::SizeMismatch);
  EXPECT_EQ(cause_of({.offset = 0, .expected_total = 999}, head(200, std::nullopt, 1000)), Cause::SizeMismatch);
  EXPECT_EQ(cause_of({.offset = 999, .expected_total = 999}, head(416, "bytes */1000")), Cause::SizeMismatch);
}

TEST(ValidateResponse, Treats416AtSizeAsComplete) {
  auto v = validate_response({.offset = 1000}, head(416, "bytes */1000"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->complete);
  auto w = validate_response({.offset = 1000, .expected_total = 1000}, head(416));
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->complete);
}

TEST(ValidateResponse, Rejects416BeforeOrPastTheEnd) {
  EXPECT_EQ(cause_of({.offset = 500}, head(416, "bytes */1000")), Cause::ContentRangeInvalid);
  EXPECT_EQ(cause_of({.offset = 1500}, head(416, "bytes */1000")), Cause::SizeMismatch);
  EXPECT_EQ(cause_of({.offset = 500}, head(416)), Cause::HttpError);
}

TEST(ValidateResponse, Classifies403ByUrlHistory) {
  EXPECT_EQ(cause_of({.offset = 0}, head(403)), Cause::Forbidden);
  EXPECT_EQ(cause_of({.offset = 0, .presigned_url = true}, head(403)), Cause::UrlExpired);
  EXPECT_EQ(cause_of({.offset = 10, .url_delivered_before = true}, head(403)), Cause::UrlExpired);
}

constexpr const char* kExpiredToken =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ExpiredToken</Code>"
    "<Message>The provided token has expired.</Message><RequestId>R</RequestId></Error>";

Error error_of(const RangeRequest& req, int status, std::string_view body) {
  auto v = validate_response(req, head(status), body);
  EXPECT_FALSE(v) << "accepted status " << status;
  return v ? Error{} : v.error();
}

TEST(ValidateResponse, ExpiredToken400OnAPresignedUrlIsUrlExpiredQuotingS3) {
  const Error e = error_of({.offset = 0, .presigned_url = true}, 400, kExpiredToken);
  EXPECT_EQ(e.cause, Cause::UrlExpired);
  EXPECT_NE(e.message.find("ExpiredToken: The provided token has expired."), std::string::npos) << e.message;
  EXPECT_EQ(error_of({.offset = 10, .url_delivered_before = true}, 400, kExpiredToken).cause, Cause::UrlExpired);
}

TEST(ValidateResponse, OtherExpiryCodesIn400AreUrlExpired) {
  const RangeRequest presigned{.offset = 0, .presigned_url = true};
  EXPECT_EQ(error_of(presigned, 400, "<Error><Code>TokenRefreshRequired</Code></Error>").cause, Cause::UrlExpired);
  EXPECT_EQ(error_of(presigned, 400, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>").cause,
            Cause::UrlExpired);
}

TEST(ValidateResponse, A400ThatIsNotAnExpiryStaysANamedErrorQuotingTheServer) {
  const Error e = error_of({.offset = 0, .presigned_url = true}, 400,
                           "<Error><Code>InvalidArgument</Code><Message>Invalid Argument</Message></Error>");
  EXPECT_EQ(e.cause, Cause::HttpError);
  EXPECT_NE(e.message.find("400 Bad Request"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("InvalidArgument: Invalid Argument"), std::string::npos) << e.message;
  EXPECT_EQ(error_of({.offset = 0, .presigned_url = true}, 400, "bad request").cause, Cause::HttpError);
}

TEST(ValidateResponse, ExpiredTokenOnAFreshPlainUrlIsNotRefreshed) {
  EXPECT_EQ(error_of({.offset = 0}, 400, kExpiredToken).cause, Cause::HttpError);
}

TEST(ValidateResponse, Quotes4xxBodiesInEveryRefusal) {
  const std::string_view denied = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
  const Error forbidden = error_of({.offset = 0}, 403, denied);
  EXPECT_EQ(forbidden.cause, Cause::Forbidden);
  EXPECT_NE(forbidden.message.find("AccessDenied: Access Denied"), std::string::npos) << forbidden.message;
  const Error missing = error_of({.offset = 0}, 404, "<Error><Code>NoSuchKey</Code></Error>");
  EXPECT_EQ(missing.cause, Cause::NotFound);
  EXPECT_NE(missing.message.find("NoSuchKey"), std::string::npos) << missing.message;
}

TEST(ValidateResponse, LooksOnlyAtTheFirstKilobyteOfAnErrorBody) {
  // Appended, not `std::string(n, ' ') + ...`: g++ 12 -O2 warns a false -Warray-bounds on that form
  // once the inlining changes (as it did with the tests' precompiled header).
  std::string late(kErrorBodyLimit, ' ');
  late += kExpiredToken;
  EXPECT_EQ(error_of({.offset = 0, .presigned_url = true}, 400, late).cause, Cause::HttpError);
}

TEST(ValidateResponse, QuotesOnlyPrintableTextAndAtMost200Characters) {
  const std::string body = "<Code>Bad\x01\nCode</Code><Message>" + std::string(500, 'm') + "</Message>";
  const Error e = error_of({.offset = 0}, 400, body);
  EXPECT_NE(e.message.find("Bad??Code: " + std::string(200, 'm')), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find(std::string(201, 'm')), std::string::npos);
  EXPECT_EQ(e.message.find('\x01'), std::string::npos);
}

TEST(ValidateResponse, WantsTheBodyOf4xxOtherThan416) {
  EXPECT_TRUE(wants_error_body(400));
  EXPECT_TRUE(wants_error_body(403));
  EXPECT_TRUE(wants_error_body(404));
  EXPECT_FALSE(wants_error_body(416));
  EXPECT_FALSE(wants_error_body(206));
  EXPECT_FALSE(wants_error_body(503));
}

TEST(ValidateResponse, ClassifiesOtherStatuses) {
  EXPECT_EQ(cause_of({}, head(404)), Cause::NotFound);
  EXPECT_EQ(cause_of({}, head(410)), Cause::NotFound);
  EXPECT_EQ(cause_of({}, head(500)), Cause::ServerError);
  EXPECT_EQ(cause_of({}, head(503)), Cause::ServerError);
  EXPECT_EQ(cause_of({}, head(429)), Cause::ServerError);
  EXPECT_EQ(cause_of({}, head(400)), Cause::HttpError);
  EXPECT_EQ(cause_of({}, head(302)), Cause::HttpError);
  EXPECT_EQ(cause_of({}, head(204)), Cause::HttpError);
  EXPECT_EQ(cause_of({}, head(0)), Cause::HttpError);
}

TEST(ValidateResponse, DetectsAReplacedFileByEtag) {
  ResponseHead h = head(206, "bytes 10-19/20");
  h.etag = "\"b\"";
  EXPECT_EQ(cause_of({.offset = 10, .expected_etag = "\"a\""}, h), Cause::FileChanged);
  EXPECT_TRUE(validate_response({.offset = 10, .expected_etag = "\"b\""}, h));
}

TEST(NextStep, SaysWhatTheCallerDoes) {
  EXPECT_EQ(next_step(Cause::ConnectionLost), NextStep::Retry);
  EXPECT_EQ(next_step(Cause::Stalled), NextStep::Retry);
  EXPECT_EQ(next_step(Cause::ServerError), NextStep::Retry);
  EXPECT_EQ(next_step(Cause::UrlExpired), NextStep::RefreshUrl);
  EXPECT_EQ(next_step(Cause::Canceled), NextStep::Stop);
  EXPECT_EQ(next_step(Cause::RangeNotSupported), NextStep::Fail);
  EXPECT_EQ(next_step(Cause::RetriesExhausted), NextStep::Fail);
  EXPECT_EQ(to_string(Cause::RangeNotSupported), "RangeNotSupported");
}

}  // namespace
}  // namespace awsfota::download
