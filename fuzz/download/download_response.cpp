// Fuzzes the response validator. The input is
// "STATUS\nCONTENT_RANGE\nOFFSET\nEXPECTED_TOTAL\nFLAGS\nCONTENT_LENGTH\nERROR_BODY..." (missing lines mean
// absent values; the error body is all that follows, newlines included); an accepted answer must be
// consistent with the request, and a refusal's message must stay short and printable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awsfota/download/response.hpp"

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::download;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::string_view rest = input;
  while (lines.size() < 6) {
    const auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(nl + 1);
  }
  auto line = [&](std::size_t i) { return i < lines.size() ? lines[i] : std::string_view{}; };
  const std::string_view error_body = rest;

  ResponseHead head;
  head.status = static_cast<int>(number(line(0)).value_or(0) % 1000);
  if (!line(1).empty()) head.content_range = std::string(line(1));
  RangeRequest req;
  req.offset = number(line(2)).value_or(0);
  req.expected_total = number(line(3));
  const std::string_view flags = line(4);
  req.presigned_url = flags.find('p') != std::string_view::npos;
  req.url_delivered_before = flags.find('d') != std::string_view::npos;
  if (flags.find('l') != std::string_view::npos) head.content_length = number(line(5));
  if (flags.find('f') != std::string_view::npos) req.last = req.offset + 2047;

  auto v = validate_response(req, head, error_body);
  if (!v) {
    const std::string& m = v.error().message;
    if (m.empty()) std::abort();
    // What a 4xx body says is quoted cut short and printable: it must not flood or garble the message.
    if (wants_error_body(head.status)) {
      if (m.size() > 800) std::abort();
      for (const char c : m) {
        if (c < ' ' || c > '~') std::abort();
      }
    }
    return 0;
  }
  if (wants_error_body(head.status)) std::abort();  // every 4xx but 416 is a refusal
  if (v->complete) {
    if (head.status != 416 || !v->total || *v->total != req.offset) std::abort();
    return 0;
  }
  if (v->first != req.offset) std::abort();
  if (v->end && *v->end < v->first) std::abort();
  if (req.expected_total && v->total && *v->total != *req.expected_total) std::abort();
  if (v->end && v->total && *v->end > *v->total) std::abort();
  // A 200 at offset 0 carries the whole file even in fragment mode; a 206 stays within the fragment.
  if (head.status == 206 && req.last && v->end && *v->end > *req.last + 1) std::abort();
  return 0;
}
