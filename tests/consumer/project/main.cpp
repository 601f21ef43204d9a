// A program outside the tree, built against the installed awsfota package. It touches one piece of
// each kind of library (pure layer, engine, OpenSSL and libcurl adapters) so that a missing header,
// library or link dependency in the package shows up here.
#include <awsfota/adapters/curl/curl_fetcher.hpp>
#include <awsfota/adapters/openssl/crypto.hpp>
#include <awsfota/fota/engine.hpp>
#include <awsfota/image/crypto.hpp>
#include <awsfota/image/kind.hpp>
#include <awsfota/jobs/job_document.hpp>
#include <awsfota/jobs/topics.hpp>

#include <array>
#include <cstdint>
#include <iostream>

int main() {
  const auto topic = awsfota::jobs::build_topic(
      {awsfota::jobs::TopicKind::NotifyNext, awsfota::jobs::Reply::None, "consumer-thing", ""});
  const auto document = awsfota::jobs::parse_job_document(
      R"({"operation":"app_fw_update","location":{"protocol":"https:","host":"example.com","path":"fw.bin"}})");

  awsfota::fota::EngineConfig config;
  config.thing_name = "consumer-thing";
  config.running_version = "1.0.0";
  const auto engine = awsfota::fota::Engine::create(config);

  const std::array<std::uint8_t, 32> head{0x3d, 0xb8, 0xf3, 0x96};  // MCUboot magic, little-endian
  const auto kind = awsfota::image::detect_kind(head);

  const awsfota::openssl::OpenSslCrypto crypto;
  const auto digest = awsfota::image::to_hex(awsfota::image::sha256_of(crypto, {}));

  const awsfota::curl::CurlFetcher fetcher;

  if (!topic || !document || !engine || kind != awsfota::image::ImageKind::McuBoot ||
      digest != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
    std::cout << "consumer failed\n";
    return 1;
  }
  std::cout << "consumer ok: " << *topic << " " << document->location.url() << "\n";
  return 0;
}
