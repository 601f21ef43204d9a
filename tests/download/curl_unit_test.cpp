// The pure parts of the libcurl backend: header collection across redirects, and error mapping.
#include <gtest/gtest.h>

#include "adapters/curl/curl_errors.hpp"
#include "adapters/curl/header_collector.hpp"

namespace awsfota::curl {
namespace {

using download::Cause;
using Line = HeaderCollector::Line;

TEST(HeaderCollector, SkipsRedirectsAndInterimResponses) {
  HeaderCollector c(true);
  EXPECT_EQ(c.feed("HTTP/1.1 100 Continue\r\n"), Line::Header);
  EXPECT_EQ(c.feed("\r\n"), Line::InterimHeadComplete);
  EXPECT_EQ(c.feed("HTTP/1.1 302 Found\r\n"), Line::Header);
  EXPECT_EQ(c.feed("Location: https://cdn.example/fw.bin\r\n"), Line::Header);
  EXPECT_EQ(c.feed("\r\n"), Line::InterimHeadComplete);
  EXPECT_EQ(c.feed("HTTP/2 206\r\n"), Line::Header);
  EXPECT_EQ(c.feed("content-range: bytes 10-19/20\r\n"), Line::Header);
  EXPECT_EQ(c.feed("Content-Length:  10 \r\n"), Line::Header);
  EXPECT_EQ(c.feed("ETag: \"abc\"\r\n"), Line::Header);
  EXPECT_EQ(c.feed("\r\n"), Line::FinalHeadComplete);
  EXPECT_EQ(c.head().status, 206);
  EXPECT_EQ(c.head().content_range, "bytes 10-19/20");
  EXPECT_EQ(c.head().content_length, 10u);
  EXPECT_EQ(c.head().etag, "\"abc\"");
}

TEST(HeaderCollector, RedirectHeadersDoNotLeakIntoTheFinalHead) {
  HeaderCollector c(true);
  (void)c.feed("HTTP/1.1 301 Moved\r\n");
  (void)c.feed("Content-Range: bytes 0-0/1\r\n");
  (void)c.feed("Location: /x\r\n");
  (void)c.feed("\r\n");
  (void)c.feed("HTTP/1.1 206 Partial Content\r\n");
  EXPECT_EQ(c.feed("\r\n"), Line::FinalHeadComplete);
  EXPECT_FALSE(c.head().content_range.has_value());
}

TEST(HeaderCollector, ARedirectWithoutLocationIsFinal) {
  HeaderCollector c(true);
  (void)c.feed("HTTP/1.1 302 Found\r\n");
  EXPECT_EQ(c.feed("\r\n"), Line::FinalHeadComplete);
  EXPECT_EQ(c.head().status, 302);
}

TEST(HeaderCollector, GarbageStatusLineGivesStatusZero) {
  HeaderCollector c(true);
  (void)c.feed("HTTP/1.1 2x6 Odd\r\n");
  (void)c.feed("Content-Length: -5\r\n");
  EXPECT_EQ(c.feed("\r\n"), Line::FinalHeadComplete);
  EXPECT_EQ(c.head().status, 0);
  EXPECT_FALSE(c.head().content_length.has_value());
}

TransferFacts facts() {
  TransferFacts f;
  f.host = "files.example:443";
  f.ca_description = "the CA file /etc/awsfota/ca.pem";
  f.stall_seconds = 30;
  f.connect_timeout_ms = 10000;
  f.max_redirects = 10;
  return f;
}

TEST(CurlErrors, MapsEachFailureToItsCause) {
  EXPECT_EQ(map_curl_error(CURLE_COULDNT_RESOLVE_HOST, facts()).cause, Cause::HostUnreachable);
  EXPECT_EQ(map_curl_error(CURLE_COULDNT_CONNECT, facts()).cause, Cause::ConnectFailed);
  EXPECT_EQ(map_curl_error(CURLE_PEER_FAILED_VERIFICATION, facts()).cause, Cause::TlsFailed);
  EXPECT_EQ(map_curl_error(CURLE_SSL_CACERT_BADFILE, facts()).cause, Cause::TlsFailed);
  EXPECT_EQ(map_curl_error(CURLE_RECV_ERROR, facts()).cause, Cause::ConnectionLost);
  EXPECT_EQ(map_curl_error(CURLE_PARTIAL_FILE, facts()).cause, Cause::ConnectionLost);
  EXPECT_EQ(map_curl_error(CURLE_ABORTED_BY_CALLBACK, facts()).cause, Cause::Canceled);
  EXPECT_EQ(map_curl_error(CURLE_TOO_MANY_REDIRECTS, facts()).cause, Cause::HttpError);
  EXPECT_EQ(map_curl_error(CURLE_URL_MALFORMAT, facts()).cause, Cause::InvalidRequest);
  EXPECT_EQ(map_curl_error(CURLE_OUT_OF_MEMORY, facts()).cause, Cause::Internal);
  EXPECT_EQ(map_curl_error(CURLE_UNSUPPORTED_PROTOCOL, facts()).cause, Cause::InsecureUrl);
}

TEST(CurlErrors, TimeoutBeforeConnectingIsAConnectFailureAfterwardsAStall) {
  auto f = facts();
  EXPECT_EQ(map_curl_error(CURLE_OPERATION_TIMEDOUT, f).cause, Cause::ConnectFailed);
  f.connected = true;
  const auto e = map_curl_error(CURLE_OPERATION_TIMEDOUT, f);
  EXPECT_EQ(e.cause, Cause::Stalled);
  EXPECT_NE(e.message.find("30 s"), std::string::npos) << e.message;
}

TEST(CurlErrors, WriteErrorIsACancelOnlyWhenTheHandlerStopped) {
  auto f = facts();
  EXPECT_EQ(map_curl_error(CURLE_WRITE_ERROR, f).cause, Cause::Internal);
  f.aborted_by_handler = true;
  EXPECT_EQ(map_curl_error(CURLE_WRITE_ERROR, f).cause, Cause::Canceled);
}

TEST(CurlErrors, MessagesSayWhatToCheck) {
  EXPECT_NE(map_curl_error(CURLE_COULDNT_RESOLVE_HOST, facts()).message.find("check the URL in the job document"),
            std::string::npos);
  EXPECT_NE(map_curl_error(CURLE_PEER_FAILED_VERIFICATION, facts()).message.find("/etc/awsfota/ca.pem"),
            std::string::npos);
}

}  // namespace
}  // namespace awsfota::curl
