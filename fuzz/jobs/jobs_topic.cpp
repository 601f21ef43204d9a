// Fuzzes classify_topic. Input: the topic, optionally followed by '\n' and the expected thing name.
// Invariants: a classified topic builds back to the same text, and a built topic classifies back to the
// same parts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "awsfota/jobs/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::jobs;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view expected_thing;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    expected_thing = input.substr(newline + 1);
    input = input.substr(0, newline);
  }
  const auto classified = classify_topic(input, expected_thing);
  if (!classified) {
    if (classified.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (!expected_thing.empty() && classified->thing != expected_thing) {
    __builtin_trap();
  }
  const auto built = build_topic(*classified);
  if (!built || *built != input) {
    __builtin_trap();
  }
  const auto again = classify_topic(*built, classified->thing);
  if (!again || !(*again == *classified)) {
    __builtin_trap();
  }
  return 0;
}
