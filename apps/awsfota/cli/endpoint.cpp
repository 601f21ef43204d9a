#include "cli/endpoint.hpp"

#include <cctype>

#include "cli/sigv4.hpp"

namespace awsfota::cli {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Expected<UrlParts, std::string> split_url(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) return unexpected("'" + url + "' is not a URL: expected http://HOST[:PORT]/...");
  UrlParts p;
  p.scheme = url.substr(0, sep);
  for (auto& c : p.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (p.scheme != "http" && p.scheme != "https")
    return unexpected("'" + url + "' is not an http:// or https:// URL");
  const auto rest = url.substr(sep + 3);
  const auto path_start = rest.find_first_of("/?#");
  p.authority = rest.substr(0, path_start);
  if (p.authority.empty() || p.authority.find('@') != std::string::npos)
    return unexpected("'" + url + "' has no usable host");
  std::string tail = path_start == std::string::npos ? std::string() : rest.substr(path_start);
  if (auto hash = tail.find('#'); hash != std::string::npos) tail.resize(hash);
  const auto q = tail.find('?');
  p.path = tail.substr(0, q);
  if (p.path.empty()) p.path = "/";
  if (q != std::string::npos) {
    std::string_view query(tail);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      if (!item.empty()) {
        const auto eq = item.find('=');
        p.query.emplace_back(percent_decode(item.substr(0, eq)),
                             eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return p;
}

Expected<UrlParts, std::string> iot_endpoint(const std::string& region, const std::string& endpoint_url) {
  if (!endpoint_url.empty()) {
    std::string u = endpoint_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    auto parts = split_url(u);
    if (!parts) return unexpected("--endpoint-url: " + parts.error());
    if (parts->path == "/") parts->path.clear();
    return parts;
  }
  if (region.empty())
    return unexpected(std::string("no region: give --region or set AWS_DEFAULT_REGION (or --endpoint-url for a local service)"));
  return UrlParts{"https", "iot." + region + ".amazonaws.com", "", {}};
}

Expected<std::pair<std::string, std::string>, std::string> split_s3_uri(const std::string& s3_uri) {
  if (s3_uri.rfind("s3://", 0) != 0) return unexpected("'" + s3_uri + "': expected s3://BUCKET/KEY");
  const auto rest = s3_uri.substr(5);
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size())
    return unexpected("'" + s3_uri + "': expected s3://BUCKET/KEY with both a bucket and a key");
  return std::make_pair(rest.substr(0, slash), rest.substr(slash + 1));
}

bool s3_virtual_host_ok(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  for (char c : bucket)
    if (!alnum(c) && c != '-') return false;  // a dot, an upper-case letter, '_': path-style
  return true;
}

Expected<S3Target, std::string> s3_object_target(const std::string& s3_uri, const std::string& region,
                                                 const std::string& endpoint_url) {
  auto split = split_s3_uri(s3_uri);
  if (!split) return unexpected("--s3 " + split.error());
  S3Target t;
  t.bucket = split->first;
  t.key = split->second;
  const std::string encoded_key = uri_encode(t.key, true);
  if (!endpoint_url.empty()) {
    auto base = iot_endpoint(region, endpoint_url);  // same URL rules
    if (!base) return unexpected(base.error());
    t.url = *base;
    t.url.path += "/" + uri_encode(t.bucket) + "/" + encoded_key;
  } else {
    if (region.empty()) return unexpected(std::string("no region: give --region or set AWS_DEFAULT_REGION"));
    if (s3_virtual_host_ok(t.bucket))
      t.url = UrlParts{"https", t.bucket + ".s3." + region + ".amazonaws.com", "/" + encoded_key, {}};
    else
      t.url = UrlParts{"https", "s3." + region + ".amazonaws.com", "/" + uri_encode(t.bucket) + "/" + encoded_key, {}};
  }
  t.object_url = join_url(t.url);
  return t;
}

std::string join_url(const UrlParts& p) {
  std::string out = p.scheme + "://" + p.authority + (p.path.empty() ? std::string("/") : p.path);
  for (std::size_t i = 0; i < p.query.size(); ++i)
    out += (i ? "&" : "?") + uri_encode(p.query[i].first) + "=" + uri_encode(p.query[i].second);
  return out;
}

}  // namespace awsfota::cli
