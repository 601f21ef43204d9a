// libFuzzer target: the FOTA engine driven by an input sequence chosen from the fuzz bytes. Crashes,
// sanitizer reports and broken promises (see engine_driver.hpp) abort.
#include <cstdio>
#include <cstdlib>

#include "engine_driver.hpp"

namespace {

class FuzzBytes final : public awsfota::fota::fuzzing::ByteSource {
 public:
  FuzzBytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint32_t next(std::uint32_t bound) override {
    if (pos_ >= size_) {
      done_ = true;
      return 0;
    }
    return data_[pos_++] % bound;
  }
  [[nodiscard]] bool exhausted() const override { return done_ || pos_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzBytes bytes(data, size);
  awsfota::fota::fuzzing::EngineDriver driver;
  driver.run(bytes, 400);
  if (!driver.violations.empty()) {
    std::fprintf(stderr, "engine promise broken: %s\n", driver.violations.front().c_str());
    std::abort();
  }
  return 0;
}
