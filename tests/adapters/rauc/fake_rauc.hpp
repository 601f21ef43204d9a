// A scripted RaucService for the unit tests of the target and the boot control: it answers from the
// fields below and records what was asked. The real service is exercised by rauc_integration_test.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "awsfota/adapters/rauc/rauc_service.hpp"

namespace awsfota::rauc {

class ScriptedRauc final : public RaucService {
 public:
  std::string booted = "A";
  std::string primary_name = "rootfs.0";
  std::optional<RaucError> unavailable;           // every call fails with this
  std::optional<RaucError> install_error;         // install() fails with this
  std::vector<RaucProgress> progress_to_send;     // sent during install()
  std::string primary_after_install = "rootfs.1";
  std::vector<std::string> installed;             // bundle paths
  std::vector<std::pair<std::string, std::string>> marks;

  Expected<void, RaucError> install(const std::string& bundle, const RaucProgressHandler& progress) override {
    if (unavailable) return unexpected(*unavailable);
    installed.push_back(bundle);
    for (const auto& p : progress_to_send) {
      if (progress) progress(p);
    }
    if (install_error) return unexpected(*install_error);
    primary_name = primary_after_install;
    return {};
  }
  Expected<std::string, RaucError> boot_slot() override {
    if (unavailable) return unexpected(*unavailable);
    return booted;
  }
  Expected<std::string, RaucError> primary() override {
    if (unavailable) return unexpected(*unavailable);
    return primary_name;
  }
  Expected<std::vector<RaucSlot>, RaucError> slots() override {
    if (unavailable) return unexpected(*unavailable);
    return std::vector<RaucSlot>{{.name = "rootfs.0", .bootname = "A"}, {.name = "rootfs.1", .bootname = "B"}};
  }
  Expected<std::string, RaucError> mark(std::string_view state, std::string_view slot) override {
    if (unavailable) return unexpected(*unavailable);
    marks.emplace_back(state, slot);
    if (state == "active") {
      const std::string b = slot == "booted" ? booted : (booted == "A" ? "B" : "A");
      primary_name = b == "A" ? "rootfs.0" : "rootfs.1";
    }
    return std::string("marked");
  }
};

}  // namespace awsfota::rauc
