// Helpers shared by the image and dfu tests: files, keys, payloads, the shared imgtool vectors.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/create.hpp"
#include "support/build_paths.hpp"

namespace awsfota::testing {

inline std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::filesystem::path vectors_dir() { return shared_dir() / "vectors" / "mcuboot"; }

// Deterministic pseudo-random bytes.
inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// A fresh signer of `algorithm` (keys are generated per test run, never stored in the repo).
inline std::unique_ptr<image::ImageSigner> make_signer(image::SignatureAlgorithm algorithm) {
  auto pem = openssl::generate_private_key_pem(algorithm);
  if (!pem) return nullptr;
  auto signer = openssl::load_private_key_pem(*pem);
  return signer ? std::move(*signer) : nullptr;
}

inline std::vector<std::uint8_t> make_image(const std::vector<std::uint8_t>& payload, const image::ImageSigner* signer,
                                            image::ImageVersion version = {1, 2, 3, 4}) {
  openssl::OpenSslCrypto crypto;
  image::CreateOptions options;
  options.version = version;
  auto img = image::create_image(payload, options, signer, crypto);
  return img ? *img : std::vector<std::uint8_t>{};
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "awsfota-image-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? std::filesystem::path(tmpl) : std::filesystem::path();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace awsfota::testing
