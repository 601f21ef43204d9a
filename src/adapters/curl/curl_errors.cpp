#include "adapters/curl/curl_errors.hpp"

namespace awsfota::curl {
namespace {

using download::Cause;
using download::Error;

std::string with_detail(std::string message, const TransferFacts& f) {
  if (!f.detail.empty()) message += " (" + f.detail + ")";
  return message;
}

}  // namespace

Error map_curl_error(CURLcode code, const TransferFacts& f) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return {Cause::HostUnreachable, with_detail("host unreachable: the name \"" + f.host +
                                                      "\" does not resolve; check the URL in the job document", f)};
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return {Cause::ConnectFailed, with_detail("could not connect to " + f.host +
                                                    ": the server refused or did not answer; check that it runs and "
                                                    "that the URL's host and port are right",
                                                f)};
    case CURLE_OPERATION_TIMEDOUT:
      if (!f.connected && !f.got_response) {
        return {Cause::ConnectFailed, with_detail("could not connect to " + f.host + " within " +
                                                      std::to_string(f.connect_timeout_ms) + " ms", f)};
      }
      return {Cause::Stalled, with_detail("the transfer stalled: no bytes for " + std::to_string(f.stall_seconds) + " s", f)};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      if (code == CURLE_SSL_CACERT_BADFILE) {
        return {Cause::TlsFailed, with_detail("cannot use " + f.ca_description + " to verify " + f.host, f)};
      }
      return {Cause::TlsFailed, with_detail("TLS verification of " + f.host + " failed against " + f.ca_description +
                                                ": the server's certificate is not signed by a trusted CA or is not "
                                                "issued for this host name",
                                            f)};
    case CURLE_SSL_CONNECT_ERROR:
      return {Cause::ConnectionLost, with_detail("the TLS handshake with " + f.host + " failed", f)};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return {Cause::ConnectionLost, with_detail("the connection to " + f.host + " was lost", f)};
    case CURLE_WRITE_ERROR:
      if (f.aborted_by_handler) return {Cause::Canceled, "the receiver stopped the transfer"};
      return {Cause::Internal, with_detail("libcurl could not deliver the received bytes", f)};
    case CURLE_ABORTED_BY_CALLBACK:
      return {Cause::Canceled, "the download was canceled"};
    case CURLE_TOO_MANY_REDIRECTS:
      return {Cause::HttpError, "more than " + std::to_string(f.max_redirects) + " redirects from " + f.host};
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (f.https && !f.plain_http_allowed) {
        return {Cause::InsecureUrl, with_detail("the server redirected to a URL that is not https://, which is refused", f)};
      }
      return {Cause::InvalidRequest, with_detail("the URL's scheme is not supported", f)};
    case CURLE_URL_MALFORMAT:
      return {Cause::InvalidRequest, with_detail("the download URL is malformed", f)};
    case CURLE_RANGE_ERROR:
      return {Cause::RangeNotSupported, "the server does not answer Range requests as S3 does"};
    case CURLE_BAD_CONTENT_ENCODING:
      return {Cause::HttpError, with_detail("the server sent an undecodable content encoding", f)};
    default:
      return {Cause::Internal, with_detail(std::string("libcurl failed: ") + curl_easy_strerror(code), f)};
  }
}

}  // namespace awsfota::curl
