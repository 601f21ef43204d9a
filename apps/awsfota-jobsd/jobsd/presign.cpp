#include "jobsd/presign.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <utility>

namespace awsfota::jobsd {
namespace {

constexpr std::array<std::uint32_t, 64> kSines = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr std::array<std::uint32_t, 64> kShifts = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                                   5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                                   4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                                   6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

std::uint32_t rotl(std::uint32_t x, std::uint32_t n) { return (x << n) | (x >> (32U - n)); }

void md5_block(std::array<std::uint32_t, 4>& h, const std::uint8_t* block) {
  std::array<std::uint32_t, 16> m{};
  for (std::size_t i = 0; i < 16; ++i) {
    m[i] = static_cast<std::uint32_t>(block[i * 4]) | (static_cast<std::uint32_t>(block[i * 4 + 1]) << 8U) |
           (static_cast<std::uint32_t>(block[i * 4 + 2]) << 16U) | (static_cast<std::uint32_t>(block[i * 4 + 3]) << 24U);
  }
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (std::size_t i = 0; i < 64; ++i) {
    std::uint32_t f = 0;
    std::size_t g = 0;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    const std::uint32_t next_b = b + rotl(a + f + kSines[i] + m[g], kShifts[i]);
    a = d;
    d = c;
    c = b;
    b = next_b;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

// Hex of `bytes`, repeated from `digest` to `length` characters: deterministic filler.
std::string filler_hex(const std::array<std::uint8_t, 16>& digest, std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; out.size() < length; ++i) {
    const std::uint8_t b = digest[i % digest.size()] ^ static_cast<std::uint8_t>(i / digest.size());
    out += kHex[b >> 4U];
    out += kHex[b & 15U];
  }
  out.resize(length);
  return out;
}

// YYYYMMDDTHHMMSSZ of seconds since the epoch (civil-from-days, proleptic Gregorian).
std::string amz_date(std::int64_t epoch_s) {
  const std::int64_t days = (epoch_s >= 0 ? epoch_s : epoch_s - 86399) / 86400;
  const std::int64_t secs = epoch_s - days * 86400;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char text[128];
  std::snprintf(text, sizeof text, "%04lld%02lld%02lldT%02lld%02lld%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return text;
}

// The query parameters of an S3 presigned URL made with a role's temporary credentials, in the order
// and at the sizes AWS's have: a session token of about 1.9 KB once percent-encoded.
std::string aws_length_query(const std::array<std::uint8_t, 16>& digest, std::int64_t expires_epoch_s,
                             std::int64_t lifetime_s) {
  const std::string date = amz_date(expires_epoch_s - lifetime_s);
  std::string key_id = "ASIA" + filler_hex(digest, 16);
  std::string token;
  const std::string hex = filler_hex(digest, 1800);
  // A base64 token percent-encoded: '/', '+' and '=' turn into %2F, %2B and %3D.
  for (std::size_t i = 0; i < hex.size(); ++i) {
    token += hex[i];
    if (i % 40 == 39) token += (i / 40) % 2 == 0 ? "%2F" : "%2B";
  }
  token += "%3D%3D";
  for (auto& c : key_id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + key_id + "%2F" + date.substr(0, 8) +
         "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=" + date + "&X-Amz-Expires=" + std::to_string(lifetime_s) +
         "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=" + token + "&X-Amz-Signature=" + filler_hex(digest, 64);
}

}  // namespace

std::array<std::uint8_t, 16> md5(std::string_view data) noexcept {
  std::array<std::uint32_t, 4> h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t whole = data.size() / 64 * 64;
  for (std::size_t off = 0; off < whole; off += 64) md5_block(h, bytes + off);

  // The tail, the 0x80 marker and the bit length fill one or two more blocks.
  std::array<std::uint8_t, 128> tail{};
  const std::size_t rest = data.size() - whole;
  if (rest > 0) std::memcpy(tail.data(), bytes + whole, rest);
  tail[rest] = 0x80;
  const std::size_t tail_size = rest < 56 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8U;
  for (std::size_t i = 0; i < 8; ++i) tail[tail_size - 8 + i] = static_cast<std::uint8_t>(bits >> (8U * i));
  for (std::size_t off = 0; off < tail_size; off += 64) md5_block(h, tail.data() + off);

  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<std::uint8_t>(h[i / 4] >> (8U * (i % 4)));
  return out;
}

std::string base64url(const std::uint8_t* data, std::size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    const std::size_t n = size - i < 3 ? size - i : 3;
    std::uint32_t v = static_cast<std::uint32_t>(data[i]) << 16U;
    if (n > 1) v |= static_cast<std::uint32_t>(data[i + 1]) << 8U;
    if (n > 2) v |= data[i + 2];
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    if (n > 1) out += kAlphabet[(v >> 6U) & 63U];
    if (n > 2) out += kAlphabet[v & 63U];
  }
  return out;
}

LinkSigner::LinkSigner(std::string base_url, std::string secret, LinkStyle style)
    : base_url_(std::move(base_url)), secret_(std::move(secret)), style_(style) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string LinkSigner::sign(std::string_view uri, std::int64_t expires_epoch_s, std::int64_t lifetime_s) const {
  const std::string expires = std::to_string(expires_epoch_s);
  std::string material = expires;
  material += uri;
  material += ' ';
  material += secret_;
  const auto digest = md5(material);
  std::string link = base_url_;
  link += uri;
  link += "?md5=";
  link += base64url(digest.data(), digest.size());
  link += "&expires=";
  link += expires;
  if (style_ == LinkStyle::AwsLength) link += aws_length_query(digest, expires_epoch_s, lifetime_s);
  return link;
}

std::string s3_object_path(std::string_view url) {
  std::string path = url_path(url);
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return path;
  std::string_view host = url.substr(scheme_end + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  host = host.substr(0, host.find(':'));
  const bool path_style = (host.starts_with("s3.") || host.starts_with("s3-")) && host.ends_with(".amazonaws.com");
  if (path_style) path = path.substr(std::min(path.find('/', 1), path.size()));
  return path.empty() ? std::string("/") : path;
}

std::string url_path(std::string_view url) {
  std::size_t start = 0;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string_view::npos) return "/";
  }
  std::string_view path = url.substr(start);
  if (const auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  if (path.empty() || path.front() != '/') return "/" + std::string(path);
  return std::string(path);
}

std::string replace_presigned_placeholders(std::string_view document, const LinkSigner& signer,
                                           std::int64_t expires_epoch_s, std::int64_t lifetime_s) {
  std::string out;
  out.reserve(document.size());
  std::size_t pos = 0;
  while (pos < document.size()) {
    const std::size_t start = document.find(kPresignedPrefix, pos);
    if (start == std::string_view::npos) break;
    const std::size_t url_start = start + kPresignedPrefix.size();
    const std::size_t end = document.find('}', url_start);
    if (end == std::string_view::npos) break;
    out.append(document.substr(pos, start - pos));
    out += signer.sign(s3_object_path(document.substr(url_start, end - url_start)), expires_epoch_s, lifetime_s);
    pos = end + 1;
  }
  out.append(document.substr(pos));
  return out;
}

}  // namespace awsfota::jobsd
