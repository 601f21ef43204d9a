// The SWUpdate adapter against Debian's real `swupdate` daemon (2022.12): .swu files made and signed
// by the test, the raw handler writing a file that stands in for a partition, sockets in the test's
// folder, no bootloader (`-B none`).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "awsfota/adapters/swupdate/socket_swupdate.hpp"
#include "awsfota/adapters/swupdate/swupdate_target.hpp"
#include "support/dfu_transfer.hpp"
#include "support/swupdate_system.hpp"

namespace awsfota::swupdate {
namespace {

using testing::SwupdateSystem;
using testing::SwuSpec;
using testing::TempDir;

std::vector<std::uint8_t> swu_random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

std::vector<std::uint8_t> whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SwupdateReal : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = SwupdateSystem::start(dir_.path());
    ASSERT_TRUE(started) << started.error();
    system_ = std::move(*started);
    client_ = std::make_unique<SocketSwupdate>(SocketSwupdateOptions{.ctrl_socket = system_->ctrl_socket(),
                                                                     .progress_socket = system_->progress_socket(),
                                                                     .install_timeout = std::chrono::seconds(60)});
    std::ofstream(dir_.path() / "boot_id") << "boot-1\n";
    boot_ = std::make_unique<SwupdateBootControl>(
        *client_, SwupdateBootOptions{.record = dir_.path() / "swupdate.boot", .boot_id = dir_.path() / "boot_id"});
  }

  // The .swu through the target as a download would deliver it, in pieces, then finish().
  Expected<dfu::FinishedImage, dfu::DfuError> stage_and_install(const std::filesystem::path& swu,
                                                                std::vector<SwupdateProgress>* progress = nullptr) {
    auto target = SwupdateTarget::create(*client_, *boot_, {.staging = dir_.path() / "staged.swu", .capacity = 8 << 20},
                                         [progress](const SwupdateProgress& p) {
                                           if (progress) progress->push_back(p);
                                         });
    EXPECT_TRUE(target) << (target ? "" : target.error());
    if (!target) return unexpected(dfu::DfuError{dfu::DfuCause::Io, "no target"});
    target_ = std::move(*target);
    const auto bytes = whole_file(swu);
    return awsfota::testing::transfer_whole_file(*target_, bytes);
  }

  TempDir dir_{"swupdate"};
  std::unique_ptr<SwupdateSystem> system_;
  std::unique_ptr<SocketSwupdate> client_;
  std::unique_ptr<SwupdateBootControl> boot_;
  std::unique_ptr<SwupdateTarget> target_;
};

TEST_F(SwupdateReal, GoodSwuLandsByteForByteInThePartitionWithProgress) {
  const auto image = swu_random_bytes(600 * 1024, 1);
  auto swu = system_->make_swu("good", image, {});
  ASSERT_TRUE(swu) << swu.error();

  std::vector<SwupdateProgress> progress;
  auto finished = stage_and_install(*swu, &progress);
  ASSERT_TRUE(finished) << finished.error().reason << "\n" << system_->log();
  EXPECT_EQ(finished->kind, image::ImageKind::SwupdateImage);
  EXPECT_EQ(whole_file(system_->partition()), image);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().percent, 100);
  EXPECT_NE(progress.front().percent, 100) << "the progress moved only at the end";
  bool named = false;
  for (const auto& p : progress) named = named || p.step.find("rootfs.img (raw)") != std::string::npos;
  EXPECT_TRUE(named);

  // SWUpdate recorded the install in the bootloader's update state; schedule() accepts it.
  auto state = client_->update_state();
  ASSERT_TRUE(state) << state.error().reason;
  EXPECT_EQ(*state, UpdateState::Installed);
  ASSERT_TRUE(target_->schedule());
  auto pending = boot_->status();
  ASSERT_TRUE(pending) << pending.error().reason;
  EXPECT_EQ(pending->state, dfu::BootState::TrialPending);

  // The reboot (a new boot id): SWUpdate's ustate 1 makes it the trial; confirming sets ustate 0.
  std::ofstream(dir_.path() / "boot_id") << "boot-2\n";
  auto trial = boot_->status();
  ASSERT_TRUE(trial) << trial.error().reason;
  EXPECT_EQ(trial->state, dfu::BootState::Trial);
  EXPECT_EQ(trial->active, dfu::Slot::B);
  ASSERT_TRUE(boot_->confirm());
  EXPECT_EQ(*client_->update_state(), UpdateState::Ok);
}

TEST_F(SwupdateReal, NewcArchiveIsInstalledToo) {
  const auto image = swu_random_bytes(64 * 1024, 2);
  auto swu = system_->make_swu("newc", image, SwuSpec{.swu_format = "newc"});
  ASSERT_TRUE(swu) << swu.error();
  auto finished = stage_and_install(*swu);
  ASSERT_TRUE(finished) << finished.error().reason;
  EXPECT_EQ(whole_file(system_->partition()), image);
}

TEST_F(SwupdateReal, WrongHardwareIsRefusedInSwupdatesWordsAndNothingIsWritten) {
  auto swu = system_->make_swu("other-board", swu_random_bytes(64 * 1024, 3), SwuSpec{.hardware = "9.9"});
  ASSERT_TRUE(swu) << swu.error();
  auto finished = stage_and_install(*swu);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::InvalidUpdate) << finished.error().reason;
  EXPECT_NE(finished.error().reason.find("SW not compatible with hardware"), std::string::npos)
      << finished.error().reason;
  EXPECT_TRUE(whole_file(system_->partition()).empty());
  // The daemon takes the next .swu.
  const auto image = swu_random_bytes(32 * 1024, 4);
  auto good = system_->make_swu("next", image, {});
  ASSERT_TRUE(good) << good.error();
  ASSERT_TRUE(stage_and_install(*good));
  EXPECT_EQ(whole_file(system_->partition()), image);
}

TEST_F(SwupdateReal, SwuSignedByAnUntrustedCertificateIsRefused) {
  auto swu = system_->make_swu("stranger", swu_random_bytes(64 * 1024, 5), SwuSpec{.foreign_signer = true});
  ASSERT_TRUE(swu) << swu.error();
  auto finished = stage_and_install(*swu);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::SignatureInvalid) << finished.error().reason;
  EXPECT_NE(finished.error().reason.find("Authentication of all signatures failed"), std::string::npos)
      << finished.error().reason;
  EXPECT_TRUE(whole_file(system_->partition()).empty());
}

TEST_F(SwupdateReal, ImageTooBigForThePartitionIsRefusedInSwupdatesWords) {
  auto device = system_->block_partition(256 * 1024);
  if (!device) GTEST_SKIP() << "no loop device here: " << device.error();
  auto swu = system_->make_swu("too-big", swu_random_bytes(600 * 1024, 8), SwuSpec{.device = *device});
  ASSERT_TRUE(swu) << swu.error();
  auto finished = stage_and_install(*swu);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::TooLarge) << finished.error().reason;
  EXPECT_NE(finished.error().reason.find("No space left on device"), std::string::npos) << finished.error().reason;
  auto state = client_->update_state();
  ASSERT_TRUE(state);
  EXPECT_NE(*state, UpdateState::Installed);  // nothing to boot into
}

TEST_F(SwupdateReal, BrokenSwDescriptionIsRefusedWithSwupdatesReason) {
  auto swu = system_->make_swu("broken", swu_random_bytes(1024, 6),
                               SwuSpec{.description = "software =\n{\n\tversion = \"3.0\"\n\timages: ( {\n"});
  ASSERT_TRUE(swu) << swu.error();
  auto finished = stage_and_install(*swu);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().reason.rfind("SWUpdate: ", 0), 0u) << finished.error().reason;
  EXPECT_GT(finished.error().reason.size(), std::string("SWUpdate: ").size() + 10) << finished.error().reason;
  EXPECT_TRUE(whole_file(system_->partition()).empty());
}

TEST_F(SwupdateReal, SwupdateNotRunningFailsWithASentence) {
  system_->stop();
  auto swu = dir_.path() / "any.swu";
  std::ofstream(swu) << "070701";
  auto finished = stage_and_install(swu);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::BackendFailed);
  EXPECT_NE(finished.error().reason.find("SWUpdate is not running"), std::string::npos) << finished.error().reason;
}

TEST_F(SwupdateReal, SwupdateDyingMidInstallFailsTheInstallInsteadOfWaiting) {
  // More than a pipe holds (64 KiB): the raw handler opens the FIFO read-write and blocks in its writes.
  auto swu = system_->make_swu("hang", swu_random_bytes(512 * 1024, 7), SwuSpec{.blocking_partition = true});
  ASSERT_TRUE(swu) << swu.error();
  auto running = std::async(std::launch::async, [&] { return stage_and_install(*swu); });
  // The raw handler now waits on the FIFO standing in for the partition: kill SWUpdate there.
  for (int i = 0; i < 100 && system_->log().find("Found installer for stream") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(system_->log().find("Found installer for stream"), std::string::npos) << system_->log();
  system_->stop();
  ASSERT_EQ(running.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto finished = running.get();
  ASSERT_FALSE(finished) << system_->log();
  EXPECT_EQ(finished.error().cause, dfu::DfuCause::BackendFailed);
  EXPECT_NE(finished.error().reason.find("SWUpdate went away during the install"), std::string::npos)
      << finished.error().reason;
}

TEST_F(SwupdateReal, AnInstallStillRunningIsAwaitedAndThenTheFileIsInstalled) {
  // An install from an earlier life (the agent restarted while SWUpdate wrote): held in the FIFO.
  auto earlier = system_->make_swu("earlier", swu_random_bytes(512 * 1024, 9), SwuSpec{.blocking_partition = true});
  ASSERT_TRUE(earlier) << earlier.error();
  SocketSwupdate other({.ctrl_socket = system_->ctrl_socket(), .progress_socket = system_->progress_socket()});
  auto first = std::async(std::launch::async, [&] { return other.install(earlier->string(), {}); });
  for (int i = 0; i < 100 && system_->log().find("Found installer for stream") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(system_->log().find("Found installer for stream"), std::string::npos) << system_->log();

  const auto image = swu_random_bytes(48 * 1024, 10);
  auto now = system_->make_swu("now", image, {});
  ASSERT_TRUE(now) << now.error();
  auto second = std::async(std::launch::async, [&] { return stage_and_install(*now); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(700)), std::future_status::timeout) << "not waited for";
  // The earlier install goes on: its partition is read, so SWUpdate finishes writing it.
  auto drained = std::async(std::launch::async, [&] {
    return testing::run_program({"sh", "-c", "cat '" + system_->fifo().string() + "' > /dev/null"});
  });
  ASSERT_EQ(first.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(first.get());
  ASSERT_EQ(second.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto finished = second.get();
  ASSERT_TRUE(finished) << finished.error().reason;
  EXPECT_EQ(whole_file(system_->partition()), image);
  EXPECT_EQ(drained.wait_for(std::chrono::seconds(20)), std::future_status::ready);
}

TEST_F(SwupdateReal, UpdateStateIsReadAndSetThroughSwupdate) {
  ASSERT_TRUE(client_->set_update_state(UpdateState::Testing));
  auto state = client_->update_state();
  ASSERT_TRUE(state) << state.error().reason;
  EXPECT_EQ(*state, UpdateState::Testing);
  ASSERT_TRUE(client_->set_update_state(UpdateState::Ok));
  EXPECT_EQ(*client_->update_state(), UpdateState::Ok);
}

}  // namespace
}  // namespace awsfota::swupdate
