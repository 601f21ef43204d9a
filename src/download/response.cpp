#include "awsfota/download/response.hpp"

#include <string>

#include "awsfota/download/range.hpp"

namespace awsfota::download {
namespace {

using std::to_string;

Unexpected<Error> fail(Cause cause, std::string message) { return unexpected(Error{cause, std::move(message)}); }

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

Expected<AcceptedResponse, Error> validate_response(const RangeRequest& req, const ResponseHead& head) {
  const int status = head.status;
  const std::string status_text = "HTTP status " + to_string(status);
  if (status == 416) return on_unsatisfiable(req, head);
  if (status == 403) {
    if (req.presigned_url || req.url_delivered_before) {
      return fail(Cause::UrlExpired, "the server refused the URL (403): the presigned link has expired or was revoked; "
                                     "a fresh job document carries a new one");
    }
    return fail(Cause::Forbidden, "the server refused access to the file (403 Forbidden): check the URL in the job "
                                  "document and the server's permissions");
  }
  if (status == 404 || status == 410) {
    return fail(Cause::NotFound, "the file was not found on the server (" + status_text + "): check the URL in the job document");
  }
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
    return fail(Cause::ServerError, "the server is failing or busy (" + status_text + ")");
  }
  if (status != 200 && status != 206) {
    if (status >= 300 && status <= 399) {
      return fail(Cause::HttpError, "the server answered with a redirect (" + status_text + ") that could not be followed");
    }
    return fail(Cause::HttpError, "the server answered with unexpected " + status_text);
  }
  if (req.expected_etag && head.etag && *head.etag != *req.expected_etag) {
    return fail(Cause::FileChanged, "the file on the server changed during the download (ETag " + *req.expected_etag +
                                        " became " + *head.etag + ")");
  }
  return status == 200 ? on_whole_file(req, head) : on_partial(req, head);
}

}  // namespace awsfota::download
