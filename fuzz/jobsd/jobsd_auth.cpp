// Fuzzes what the control plane reads before it answers anything: the SigV4 Authorization header, the
// X-Amz-Date, the request target and body (apps/common/sigv4/verify), and the credentials file parser.
// Any input gives a verdict, never a crash. Input: "AUTHORIZATION\nX-AMZ-DATE\nTARGET\nBODY"; the
// whole input is also read as a credentials file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "jobsd/control_auth.hpp"
#include "sigv4/verify.hpp"

namespace {

// Cheap stand-ins: the fuzzer explores parsing and canonicalization, not the hash.
awsfota::sigv4::SigV4Primitives fake_primitives() {
  awsfota::sigv4::SigV4Primitives p;
  p.sha256 = [](std::string_view data) {
    awsfota::sigv4::Digest32 d{};
    for (std::size_t i = 0; i < data.size(); ++i)
      d[i % 32] = static_cast<std::uint8_t>(d[i % 32] * 31 + static_cast<std::uint8_t>(data[i]));
    return d;
  };
  p.hmac_sha256 = [h = p.sha256](std::string_view key, std::string_view data) {
    return h(std::string(key) + std::string(data));
  };
  return p;
}

std::string take_line(std::string& rest) {
  const auto end = rest.find('\n');
  std::string line = rest.substr(0, end);
  rest = end == std::string::npos ? std::string() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota;
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)jobsd::parse_credentials_file(input);

  std::string rest = input;
  sigv4::ReceivedRequest request;
  request.method = "PUT";
  request.headers.emplace_back("Authorization", take_line(rest));
  request.headers.emplace_back("X-Amz-Date", take_line(rest));
  request.headers.emplace_back("Host", "127.0.0.1:8080");
  request.target = take_line(rest);
  request.body = rest;
  (void)sigv4::parse_authorization(request.headers.front().second);
  const sigv4::VerifyPolicy policy{"us-east-1", {"iot", "execute-api"}, 300};
  auto lookup = [](std::string_view id) -> std::optional<std::string> {
    return id == "AKIDEXAMPLE" ? std::optional<std::string>("secret") : std::nullopt;
  };
  (void)sigv4::verify_request(request, policy, lookup, 1440938160, fake_primitives());
  return 0;
}
