// The RAUC adapter against the real `rauc service` (Debian's rauc 1.8) on a private D-Bus bus:
// bundles made and signed by the test, raw slots in files, the custom bootloader backend.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include "awsfota/adapters/rauc/rauc_target.hpp"
#include "awsfota/adapters/rauc/sd_bus_rauc.hpp"
#include "support/dfu_transfer.hpp"
#include "support/rauc_system.hpp"

namespace awsfota::rauc {
namespace {

using testing::BundleSpec;
using testing::RaucSystem;
using testing::TempDir;

std::vector<std::uint8_t> random_image(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> out(n);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

bool all_zero(const std::vector<std::uint8_t>& bytes) {
  for (auto b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

class RaucReal : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RaucSystem::start(dir_.path());
    ASSERT_TRUE(started) << started.error();
    system_ = std::move(*started);
    service_ = std::make_unique<SdBusRauc>(SdBusRaucOptions{.bus = system_->bus_address()});
    boot_ = std::make_unique<RaucBootControl>(*service_, RaucBootOptions{.record = dir_.path() / "awsfota.rauc"});
  }

  // The bundle's bytes through the target as a download would deliver them, in pieces, then finish().
  Expected<dfu::FinishedImage, dfu::DfuError> stage_and_install(const std::filesystem::path& bundle,
                                                                std::vector<RaucProgress>* progress = nullptr) {
    auto target = RaucTarget::create(*service_, *boot_, {.staging = dir_.path() / "staged.raucb", .capacity = 4 << 20},
                                     [progress](const RaucProgress& p) {
                                       if (progress) progress->push_back(p);
                                     });
    EXPECT_TRUE(target) << (target ? "" : target.error());
    if (!target) return unexpected(dfu::DfuError{dfu::DfuCause::Io, "no target"});
    target_ = std::move(*target);
    const auto bytes = file_bytes(bundle, 16 << 20);
    return awsfota::testing::transfer_whole_file(*target_, bytes);
  }

  TempDir dir_{"rauc"};
  std::unique_ptr<RaucSystem> system_;
  std::unique_ptr<SdBusRauc> service_;
  std::unique_ptr<RaucBootControl> boot_;
  std::unique_ptr<RaucTarget> target_;
};

TEST_F(RaucReal, GoodBundleLandsInTheOtherSlotAndIsConfirmedOnlyByMarkGood) {
  const auto image = random_image(200 * 1024, 1);
  auto bundle = system_->make_bundle("good", image, {});
  ASSERT_TRUE(bundle) << bundle.error();
  const auto slot_a_before = file_bytes(system_->slot_file("A"), RaucSystem::kSlotSize);

  std::vector<RaucProgress> progress;
  auto finished = stage_and_install(*bundle, &progress);
  ASSERT_TRUE(finished) << finished.error().reason << "\n" << system_->service_log();
  EXPECT_EQ(finished->kind, image::ImageKind::RaucBundle);
  EXPECT_EQ(file_bytes(system_->slot_file("B"), image.size()), image);
  EXPECT_EQ(file_bytes(system_->slot_file("A"), RaucSystem::kSlotSize), slot_a_before);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().percent, 100);

  ASSERT_TRUE(target_->schedule());
  auto pending = boot_->status();
  ASSERT_TRUE(pending) << pending.error().reason;
  EXPECT_EQ(pending->state, dfu::BootState::TrialPending);
  EXPECT_EQ(pending->active, dfu::Slot::A);
  EXPECT_EQ(system_->primary(), "B");

  ASSERT_TRUE(system_->reboot());
  auto trial = boot_->status();
  ASSERT_TRUE(trial) << trial.error().reason;
  EXPECT_EQ(trial->state, dfu::BootState::Trial);
  EXPECT_EQ(trial->active, dfu::Slot::B);
  EXPECT_EQ(trial->confirmed, dfu::Slot::A);

  ASSERT_TRUE(boot_->confirm());
  EXPECT_EQ(system_->slot_state("B"), "good");
  auto confirmed = boot_->status();
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->state, dfu::BootState::Confirmed);
  EXPECT_EQ(confirmed->active, dfu::Slot::B);
  EXPECT_FALSE(confirmed->reverted_from);
  // RAUC's own view agrees: slot B booted, good, holding the bundle's version.
  auto slots = service_->slots();
  ASSERT_TRUE(slots);
  bool seen = false;
  for (const auto& s : *slots) {
    if (s.bootname != "B") continue;
    seen = true;
    EXPECT_EQ(s.state, "booted");
    EXPECT_EQ(s.boot_status, "good");
    EXPECT_EQ(s.bundle_version, "2.0.0");
  }
  EXPECT_TRUE(seen);
}

TEST_F(RaucReal, BundleSignedByAnotherCaIsRefusedWithRaucsReason) {
  TempDir other_dir("rauc-other-ca");
  auto other = testing::Pki::create(other_dir.path(), "some other CA");
  ASSERT_TRUE(other) << other.error();
  auto bundle = system_->make_bundle("foreign", random_image(64 * 1024, 2), BundleSpec{.signer = &*other});
  ASSERT_TRUE(bundle) << bundle.error();

  auto finished = stage_and_install(*bundle);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::SignatureInvalid);
  EXPECT_NE(finished.error().reason.find("signature verification failed"), std::string::npos) << finished.error().reason;
  EXPECT_TRUE(all_zero(file_bytes(system_->slot_file("B"), RaucSystem::kSlotSize)));
  EXPECT_EQ(system_->primary(), "A");
}

TEST_F(RaucReal, BundleForAnotherBoardIsRefusedWithRaucsReason) {
  auto bundle = system_->make_bundle("other-board", random_image(64 * 1024, 3), BundleSpec{.compatible = "other-board"});
  ASSERT_TRUE(bundle) << bundle.error();
  auto finished = stage_and_install(*bundle);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::InvalidUpdate);
  EXPECT_NE(finished.error().reason.find("Compatible mismatch"), std::string::npos) << finished.error().reason;
  EXPECT_EQ(system_->primary(), "A");
}

// A slot in a file would just grow; a partition cannot. Slot B on a loop device stands in for one.
TEST_F(RaucReal, BundleTooBigForTheSlotIsRefusedWithRaucsReasonAndLeavesTheRunningSlotPrimary) {
  if (auto loop = system_->put_slot_b_on_a_loop_device(); !loop) GTEST_SKIP() << "no loop device here: " << loop.error();
  auto bundle = system_->make_bundle("too-big", random_image(RaucSystem::kSlotSize + 512 * 1024, 9), {});
  ASSERT_TRUE(bundle) << bundle.error();
  auto finished = stage_and_install(*bundle);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::TooLarge);
  EXPECT_NE(finished.error().reason.find("No space left on device"), std::string::npos) << finished.error().reason;
  EXPECT_EQ(system_->primary(), "A");
  auto status = boot_->status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, dfu::BootState::Confirmed);
  EXPECT_EQ(status->active, dfu::Slot::A);
}

TEST_F(RaucReal, ServiceNotRunningIsUnavailableWithAClearReason) {
  system_->stop_service();
  auto booted = service_->boot_slot();
  ASSERT_FALSE(booted);
  EXPECT_EQ(booted.error().code, RaucErrorCode::Unavailable);
  EXPECT_NE(booted.error().reason.find("not running"), std::string::npos) << booted.error().reason;

  auto bundle = system_->make_bundle("unheard", random_image(4096, 4), {});
  ASSERT_TRUE(bundle) << bundle.error();
  auto finished = stage_and_install(*bundle);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::BackendFailed);
  EXPECT_NE(finished.error().reason.find("de.pengutronix.rauc"), std::string::npos) << finished.error().reason;
}

TEST_F(RaucReal, RejectedTrialBootsBackAndReadsAsReverted) {
  const auto image = random_image(32 * 1024, 5);
  auto bundle = system_->make_bundle("rejected", image, {});
  ASSERT_TRUE(bundle) << bundle.error();
  ASSERT_TRUE(stage_and_install(*bundle));
  ASSERT_TRUE(target_->schedule());
  ASSERT_TRUE(system_->reboot());
  ASSERT_EQ(system_->booted(), "B");

  ASSERT_TRUE(boot_->revert());  // the self-test failed: Mark bad on the booted slot
  EXPECT_EQ(system_->slot_state("B"), "bad");
  auto pending = boot_->status();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->state, dfu::BootState::RevertPending);

  ASSERT_TRUE(system_->reboot());
  EXPECT_EQ(system_->booted(), "A");
  auto back = boot_->status();
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(back->active, dfu::Slot::A);
  EXPECT_EQ(back->state, dfu::BootState::Confirmed);
  ASSERT_TRUE(back->reverted_from);
  EXPECT_EQ(*back->reverted_from, dfu::Slot::B);
  ASSERT_TRUE(boot_->acknowledge_revert());
  auto later = boot_->status();
  ASSERT_TRUE(later);
  EXPECT_FALSE(later->reverted_from);
}

TEST_F(RaucReal, BootloaderFallbackWithoutAnyMarkReadsAsReverted) {
  auto bundle = system_->make_bundle("fallback", random_image(16 * 1024, 6), {});
  ASSERT_TRUE(bundle) << bundle.error();
  ASSERT_TRUE(stage_and_install(*bundle));
  ASSERT_TRUE(target_->schedule());
  // The bootloader gave up on B (its tries ran out) and went back to A, as RAUC's backends do.
  std::ofstream(system_->dir() / "boot-state" / "state.B") << "bad\n";
  ASSERT_TRUE(system_->reboot());
  ASSERT_EQ(system_->booted(), "A");
  auto status = boot_->status();
  ASSERT_TRUE(status) << status.error().reason;
  ASSERT_TRUE(status->reverted_from);
  EXPECT_EQ(*status->reverted_from, dfu::Slot::B);
  EXPECT_TRUE(status->reverted_this_boot);
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds budget) {
  const auto end = std::chrono::steady_clock::now() + budget;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_F(RaucReal, ServiceGoneMidInstallIsLostAndTheRunningSlotStaysPrimary) {
  ASSERT_TRUE(system_->hold_installs());
  auto bundle = system_->make_bundle("cut", random_image(64 * 1024, 7), {});
  ASSERT_TRUE(bundle) << bundle.error();
  Expected<void, RaucError> result;
  std::thread installer([&] { result = service_->install(bundle->string(), {}); });
  ASSERT_TRUE(wait_until([&] { return system_->install_held(); }, std::chrono::seconds(20))) << system_->service_log();
  system_->stop_service();  // RAUC dies in the middle of the install
  installer.join();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, RaucErrorCode::Lost);
  EXPECT_NE(result.error().reason.find("went away during the install"), std::string::npos) << result.error().reason;
  EXPECT_EQ(system_->primary(), "A");
}

// A restart of awsfota while RAUC installs (a cut of the agent, not of the device): the next install
// of the same staged bundle waits for the running one, then installs again, and succeeds.
TEST_F(RaucReal, InstallStillRunningFromAnEarlierLifeIsAwaitedThenDoneAgain) {
  ASSERT_TRUE(system_->hold_installs());
  const auto image = random_image(48 * 1024, 8);
  auto bundle = system_->make_bundle("again", image, {});
  ASSERT_TRUE(bundle) << bundle.error();
  std::thread earlier([&] {
    SdBusRauc first({.bus = system_->bus_address()});
    (void)first.install(bundle->string(), {});  // its waiter "dies" with this thread's connection
  });
  ASSERT_TRUE(wait_until([&] { return system_->install_held(); }, std::chrono::seconds(20))) << system_->service_log();
  std::vector<RaucProgress> progress;
  Expected<void, RaucError> result;
  std::thread again([&] { result = service_->install(bundle->string(), [&](const RaucProgress& p) { progress.push_back(p); }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  system_->release_installs();
  earlier.join();
  again.join();
  ASSERT_TRUE(result) << result.error().reason << "\n" << system_->service_log();
  EXPECT_EQ(file_bytes(system_->slot_file("B"), image.size()), image);
  EXPECT_EQ(system_->primary(), "B");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().message, "Installing");  // its own install's progress, from the start
  EXPECT_NE(system_->service_log().find("installing `" + bundle->string() + "` succeeded"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::rauc
