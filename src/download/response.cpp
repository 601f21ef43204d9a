#include "awsfota/download/response.hpp"

#include <algorithm>
#include <string>

#include "awsfota/download/range.hpp"

namespace awsfota::download {
namespace {

using std::to_string;

Unexpected<Error> fail(Cause cause, std::string message) { return unexpected(Error{cause, std::move(message)}); }

// What an S3 error document says: <Error><Code>ExpiredToken</Code><Message>...</Message>...</Error>.
struct ServerSays {
  std::string code;
  std::string message;
};

// The text of the first <tag>...</tag>, cut to 200 characters with anything but printable ASCII
// replaced, so that a hostile body cannot flood or garble the job's error message. Empty if absent.
std::string element(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto begin = body.find(open);
  if (begin == std::string_view::npos) return {};
  const auto start = begin + open.size();
  const auto end = body.find(close, start);
  if (end == std::string_view::npos) return {};
  std::string text;
  for (const char c : body.substr(start, std::min<std::size_t>(end - start, 200))) text.push_back(c >= ' ' && c <= '~' ? c : '?');
  return text;
}

ServerSays parse_error_body(std::string_view body) {
  body = body.substr(0, std::min(body.size(), kErrorBodyLimit));
  return ServerSays{element(body, "Code"), element(body, "Message")};
}

// The codes with which S3 (and STS-signed URLs) refuse a link whose time is up.
bool says_expired(const ServerSays& said) {
  if (said.code == "ExpiredToken" || said.code == "TokenRefreshRequired" || said.code == "RequestExpired") return true;
  return said.code == "AccessDenied" && said.message.find("expired") != std::string::npos;  // "Request has expired"
}

// "; the server says: Code: Message", or nothing when the body is not an error document.
std::string quote(const ServerSays& said) {
  if (said.code.empty() && said.message.empty()) return {};
  if (said.message.empty()) return "; the server says: " + said.code;
  if (said.code.empty()) return "; the server says: " + said.message;
  return "; the server says: " + said.code + ": " + said.message;
}

// 400 and 403: an expired link (refresh it), or a refusal to fail the job with.
Expected<AcceptedResponse, Error> on_refused(const RangeRequest& req, int status, const ServerSays& said) {
  const std::string why = quote(said);
  const bool link_can_expire = req.presigned_url || req.url_delivered_before;
  // S3 refuses an expired presigned URL with 403 AccessDenied, or with 400 ExpiredToken when temporary
  // credentials (AWS IoT's role) signed it; a 400 for another reason is not cured by a fresh URL.
  if (link_can_expire && (status == 403 || says_expired(said))) {
    return fail(Cause::UrlExpired, "the server refused the URL (" + to_string(status) +
                                       "): the presigned link has expired or was revoked; a fresh job document "
                                       "carries a new one" + why);
  }
  if (status == 403) {
    return fail(Cause::Forbidden, "the server refused access to the file (403 Forbidden): check the URL in the job "
                                  "document and the server's permissions" + why);
  }
  return fail(Cause::HttpError, "the server rejected the request (400 Bad Request): check the URL in the job document" + why);
}

Expected<AcceptedResponse, Error> on_unsatisfiable(const RangeRequest& req, const ResponseHead& head) {
  std::optional<std::uint64_t> total;
  if (head.content_range) {
    auto cr = parse_content_range(*head.content_range);
    if (cr && !cr->satisfied()) total = cr->total;
  }
  if (!total) total = req.expected_total;
  if (!total) {
    return fail(Cause::HttpError, "the server answered 416 (Range Not Satisfiable) to a request for bytes from " +
                                      to_string(req.offset) + " and did not say the file's size");
  }
  if (req.expected_total && *total != *req.expected_total) {
    return fail(Cause::SizeMismatch, "the file on the server has " + to_string(*total) + " bytes, the job says " +
                                         to_string(*req.expected_total));
  }
  if (req.offset == *total) return AcceptedResponse{.complete = true, .first = *total, .end = *total, .total = total};
  if (req.offset > *total) {
    return fail(Cause::SizeMismatch, "already " + to_string(req.offset) + " bytes received, but the file on the server has only " +
                                         to_string(*total));
  }
  return fail(Cause::ContentRangeInvalid, "the server refused (416) the range from " + to_string(req.offset) +
                                              " of a file it says has " + to_string(*total) + " bytes");
}

Expected<AcceptedResponse, Error> on_whole_file(const RangeRequest& req, const ResponseHead& head) {
  if (req.offset > 0) {
    return fail(Cause::RangeIgnored, "the server answered 200 with the whole file to a request for bytes from " +
                                         to_string(req.offset) +
                                         ": it does not answer Range requests as S3 does, so the download cannot resume");
  }
  if (req.expected_total && head.content_length && *head.content_length != *req.expected_total) {
    return fail(Cause::SizeMismatch, "the file on the server has " + to_string(*head.content_length) +
                                         " bytes (Content-Length), the job says " + to_string(*req.expected_total));
  }
  const auto total = head.content_length ? head.content_length : req.expected_total;
  return AcceptedResponse{.complete = false, .first = 0, .end = total, .total = total};
}

Expected<AcceptedResponse, Error> on_partial(const RangeRequest& req, const ResponseHead& head) {
  if (!head.content_range) {
    return fail(Cause::RangeNotSupported,
                "the server answered 206 without a Content-Range header: it does not answer Range requests as S3 "
                "does; serve the file from S3 or a server with Range support");
  }
  auto cr = parse_content_range(*head.content_range);
  if (!cr) return fail(Cause::ContentRangeInvalid, "Content-Range \"" + *head.content_range + "\" is invalid: " + cr.error());
  if (!cr->satisfied()) {
    return fail(Cause::ContentRangeInvalid, "the server answered 206 with the unsatisfied Content-Range \"" +
                                                *head.content_range + "\"");
  }
  const std::uint64_t first = *cr->first;
  const std::uint64_t last = *cr->last;
  if (first != req.offset) {
    return fail(Cause::ContentRangeInvalid, "the server sent bytes from " + to_string(first) + " (Content-Range \"" +
                                                *head.content_range + "\") for a request from " + to_string(req.offset));
  }
  if (req.last && last > *req.last) {
    return fail(Cause::ContentRangeInvalid, "the server sent bytes up to " + to_string(last) + " for a request up to " +
                                                to_string(*req.last));
  }
  if (req.expected_total && cr->total && *cr->total != *req.expected_total) {
    return fail(Cause::SizeMismatch, "the file on the server has " + to_string(*cr->total) + " bytes (Content-Range), the job says " +
                                         to_string(*req.expected_total));
  }
  const auto total = cr->total ? cr->total : req.expected_total;
  if (total && last >= *total) {
    return fail(Cause::ContentRangeInvalid, "Content-Range \"" + *head.content_range + "\" goes past the file's " +
                                                to_string(*total) + " bytes");
  }
  if (head.content_length && *head.content_length != last - first + 1) {
    return fail(Cause::ContentRangeInvalid, "Content-Length " + to_string(*head.content_length) +
                                                " does not match Content-Range \"" + *head.content_range + "\"");
  }
  return AcceptedResponse{.complete = false, .first = first, .end = last + 1, .total = total};
}

}  // namespace

bool wants_error_body(int status) noexcept { return status >= 400 && status <= 499 && status != 416; }

Expected<AcceptedResponse, Error> validate_response(const RangeRequest& req, const ResponseHead& head,
                                                    std::string_view error_body) {
  const int status = head.status;
  const std::string status_text = "HTTP status " + to_string(status);
  if (status == 416) return on_unsatisfiable(req, head);
  const ServerSays said = wants_error_body(status) ? parse_error_body(error_body) : ServerSays{};
  if (status == 400 || status == 403) return on_refused(req, status, said);
  if (status == 404 || status == 410) {
    return fail(Cause::NotFound, "the file was not found on the server (" + status_text +
                                     "): check the URL in the job document" + quote(said));
  }
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
    return fail(Cause::ServerError, "the server is failing or busy (" + status_text + ")" + quote(said));
  }
  if (status != 200 && status != 206) {
    if (status >= 300 && status <= 399) {
      return fail(Cause::HttpError, "the server answered with a redirect (" + status_text + ") that could not be followed");
    }
    return fail(Cause::HttpError, "the server answered with unexpected " + status_text + quote(said));
  }
  if (req.expected_etag && head.etag && *head.etag != *req.expected_etag) {
    return fail(Cause::FileChanged, "the file on the server changed during the download (ETag " + *req.expected_etag +
                                        " became " + *head.etag + ")");
  }
  return status == 200 ? on_whole_file(req, head) : on_partial(req, head);
}

}  // namespace awsfota::download
