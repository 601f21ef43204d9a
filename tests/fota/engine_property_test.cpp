// Property test: thousands of seeded random input sequences never crash the engine, never make it
// publish SUCCEEDED without a confirmed new image, and never make it report on a job it does not hold.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "../fuzz/fota/engine_driver.hpp"

namespace awsfota::fota {
namespace {

class SeededBytes final : public fuzzing::ByteSource {
 public:
  explicit SeededBytes(std::uint32_t seed) : rng_(seed) {}
  std::uint32_t next(std::uint32_t bound) override {
    return std::uniform_int_distribution<std::uint32_t>(0, bound - 1)(rng_);
  }
  [[nodiscard]] bool exhausted() const override { return false; }

 private:
  std::mt19937 rng_;
};

TEST(EngineProperty, RandomInputSequences_KeepTheEnginesPromises) {
  int total_inputs = 0;
  int succeeded = 0;
  std::set<State> seen;
  for (std::uint32_t seed = 1; seed <= 2000; ++seed) {
    SeededBytes bytes(seed);
    fuzzing::EngineDriver driver;
    driver.run(bytes, 40);
    total_inputs += driver.inputs;
    succeeded += driver.succeeded_published;
    seen.insert(driver.states_seen.begin(), driver.states_seen.end());
    ASSERT_TRUE(driver.violations.empty()) << "seed " << seed << ": " << driver.violations.front();
  }
  EXPECT_GE(total_inputs, 2000 * 40);
  // The sequences must reach every state and sometimes succeed, or the promises were never at stake.
  EXPECT_EQ(seen.size(), 12u) << "states reached: " << seen.size();
  EXPECT_GT(succeeded, 0);
}

}  // namespace
}  // namespace awsfota::fota
