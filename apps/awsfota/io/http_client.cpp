#include "io/http_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <memory>

namespace awsfota::cli {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    const auto b = value.find_first_not_of(" \t");
    const auto e = value.find_last_not_of(" \t\r\n");
    (*headers)[name] = b == std::string::npos ? std::string() : value.substr(b, e - b + 1);
  }
  return size * count;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string hint_for(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return " (nothing answers there: is the server running and the port right?)";
    case CURLE_COULDNT_RESOLVE_HOST:
      return " (check the host name in the URL)";
    case CURLE_PEER_FAILED_VERIFICATION:
      return " (the server's certificate is not trusted: pass its CA with --ca)";
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return " (check the --ca/--cert/--key files)";
    default:
      return "";
  }
}

bool dropped(CURLcode code) {
  switch (code) {
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
      return true;
    default:
      return false;
  }
}

}  // namespace

Expected<HttpResult, std::string> perform(const HttpCall& call) {
  auto result = perform_call(call);
  if (!result) return unexpected(result.error().message);
  return *result;
}

Expected<HttpResult, HttpFailure> perform_call(const HttpCall& call) {
  static CurlGlobal global;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return unexpected(HttpFailure{"libcurl could not start", false});
  CURL* h = curl.get();
  HttpResult result;
  curl_slist* list = nullptr;
  for (const auto& [name, value] : call.headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, curl_slist_free_all);

  std::unique_ptr<std::FILE, FileCloser> file;
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, call.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (!call.tls.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, call.tls.ca_file.c_str());
  if (!call.tls.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, call.tls.cert_file.c_str());
  if (!call.tls.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, call.tls.key_file.c_str());

  if (call.upload_file) {
    file.reset(std::fopen(call.upload_file->c_str(), "rb"));
    if (!file) return unexpected(HttpFailure{"cannot open " + call.upload_file->string() + " for reading", false});
    std::error_code ec;
    const auto size = std::filesystem::file_size(*call.upload_file, ec);
    if (ec)
      return unexpected(HttpFailure{"cannot read the size of " + call.upload_file->string() + ": " + ec.message(), false});
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READDATA, file.get());
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    if (call.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  } else if (call.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK)
    return unexpected(HttpFailure{call.method + " " + call.url + ": " + curl_easy_strerror(rc) + hint_for(rc), dropped(rc)});
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace awsfota::cli
