#include "awsfota/runtime/dfu_staging.hpp"

#include <gtest/gtest.h>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/runtime/boot_seam.hpp"
#include "dfu/fakes.hpp"
#include "support/process.hpp"

namespace awsfota::runtime {
namespace {

using fota::ErrorCause;

// A scripted dfu::DfuTarget writing into a FakeDevice (so the staged file can be hashed back).
class ScriptedTarget final : public dfu::DfuTarget {
 public:
  explicit ScriptedTarget(image::ImageKind kind) : kind_(kind) {}
  Expected<std::uint64_t, dfu::DfuError> prepare_fresh(std::optional<std::uint64_t> size) override {
    prepares.push_back(size);
    if (prepare_error) return unexpected(*prepare_error);
    return size.value_or(device.size());
  }
  Expected<void, dfu::DfuError> begin(const dfu::TransferSpec& spec) override {
    begins.push_back(spec);
    next = spec.resume_from;
    return {};
  }
  Expected<void, dfu::DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override {
    if (offset != next) return unexpected(dfu::DfuError{dfu::DfuCause::BadState, "gap"});
    if (write_error) return unexpected(*write_error);
    (void)device.write(offset, bytes);
    next += bytes.size();
    return {};
  }
  Expected<std::uint64_t, dfu::DfuError> commit() override {
    ++commits;
    (void)device.sync();
    return next;
  }
  Expected<dfu::FinishedImage, dfu::DfuError> finish() override {
    ++finishes;
    if (finish_error) return unexpected(*finish_error);
    return dfu::FinishedImage{.kind = kind_, .size = next};
  }
  Expected<void, dfu::DfuError> schedule() override {
    ++schedules;
    return {};
  }
  void abort() override { ++aborts; }
  std::optional<image::Sha256Digest> staged_sha256() const override { return staged; }
  std::uint64_t durable_offset() const override { return synced_behind; }

  testing::FakeDevice device{4096};
  std::uint64_t synced_behind = 0;  // what a background sync made durable since the last commit
  std::optional<image::Sha256Digest> staged;  // what the target says it read back
  std::vector<dfu::TransferSpec> begins;
  std::vector<std::optional<std::uint64_t>> prepares;
  std::optional<dfu::DfuError> prepare_error;
  std::uint64_t next = 0;
  int commits = 0, finishes = 0, schedules = 0, aborts = 0;
  std::optional<dfu::DfuError> write_error, finish_error;

 private:
  image::ImageKind kind_;
};

struct Results final : DfuListener {
  std::vector<std::string> seen;
  std::optional<ErrorCause> cause;
  std::string detail;
  fota::ImageKind verified = fota::ImageKind::Unknown;
  void on_erase_pending() override { seen.push_back("erase_pending"); }
  std::optional<std::uint64_t> kept;
  void on_staging_ready(bool erased, std::uint64_t k) override {
    seen.push_back(erased ? "ready(erased)" : "ready");
    kept = k;
  }
  void on_verified(fota::ImageKind k) override {
    seen.push_back("verified");
    verified = k;
  }
  void on_trial_scheduled() override { seen.push_back("scheduled"); }
  void on_confirmed() override { seen.push_back("confirmed"); }
  void on_failed(ErrorCause c, std::string_view d) override {
    seen.push_back("failed");
    cause = c;
    detail = std::string(d);
  }
};

std::vector<std::uint8_t> file_of(image::ImageKind kind, std::size_t n) {
  std::vector<std::uint8_t> f(n);
  for (std::size_t i = 0; i < n; ++i) f[i] = static_cast<std::uint8_t>(i * 7 + 3);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int b = 0; b < 4; ++b) f[at + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(v >> (8 * b));
  };
  if (kind == image::ImageKind::McuBoot) {
    put32(0, 0x96f3b83d);
    put32(16, 0);  // header flags: none (the modem envelope flags would make it a modem image)
  }
  if (kind == image::ImageKind::ModemDelta) {
    put32(0, 0);
    put32(4, 0x7544656d);
  }
  if (kind == image::ImageKind::Unknown) put32(0, 0x01020304);
  return f;
}

std::span<const std::byte> as_bytes(std::span<const std::uint8_t> s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string sha256_hex(const std::vector<std::uint8_t>& bytes) {
  openssl::OpenSslCrypto crypto;
  auto h = crypto.sha256();
  h->update(bytes);
  return image::to_hex(h->finish());
}

struct StagingRig {
  StagingRig() { make(); }
  void make() {
    staging.reset();
    Routes routes;
    routes.app = {&app, [this] { return static_cast<dfu::BlockDevice*>(&app.device); }};
    routes.modem = {&modem, [this] { return static_cast<dfu::BlockDevice*>(&modem.device); }};
    staging = std::make_unique<DfuStaging>(
        routes, crypto,
        StagingOptions{.allowed = allowed, .commit_interval = 40, .record_path = dir.path() / "staging.record",
                       .version_label = [] { return std::string("v9"); }, .boot = &boot});
    staging->set_listener(&results);
  }
  // Feeds `file` in chunks of `chunk` bytes from the sink's offset.
  Expected<void, std::string> feed(const std::vector<std::uint8_t>& file, std::size_t chunk = 10) {
    for (std::size_t at = staging->offset(); at < file.size(); at += chunk) {
      const std::size_t n = std::min(chunk, file.size() - at);
      if (auto r = staging->write(as_bytes(std::span(file).subspan(at, n))); !r) return r;
    }
    return {};
  }
  testing::TempDir dir{"staging"};
  openssl::OpenSslCrypto crypto;
  testing::MemoryBootStore boot_store;
  dfu::RecordBootControl boot{boot_store};
  ScriptedTarget app{image::ImageKind::McuBoot};
  ScriptedTarget modem{image::ImageKind::ModemDelta};
  image::ImageKindMask allowed = image::kAllImageKinds;
  Results results;
  std::unique_ptr<DfuStaging> staging;
};

TEST(DfuStaging, PicksTheAppTargetFromTheFirst32BytesAndWritesEverythingInOrder) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  // A fresh download: every target prepared its area for 100 bytes, between the two erase events.
  EXPECT_EQ(rig.results.seen, (std::vector<std::string>{"erase_pending", "ready(erased)"}));
  EXPECT_EQ(rig.app.prepares, (std::vector<std::optional<std::uint64_t>>{100}));
  EXPECT_EQ(rig.modem.prepares, (std::vector<std::optional<std::uint64_t>>{100}));
  ASSERT_TRUE(rig.staging->write(as_bytes(std::span(file).first(20))));
  EXPECT_TRUE(rig.app.begins.empty());  // 20 bytes cannot tell the kind yet
  EXPECT_EQ(rig.staging->offset(), 20u);
  ASSERT_TRUE(rig.feed(file));
  ASSERT_EQ(rig.app.begins.size(), 1u);
  EXPECT_EQ(rig.app.begins[0].size, 100u);
  EXPECT_EQ(rig.app.begins[0].resume_from, 0u);
  EXPECT_TRUE(rig.modem.begins.empty());
  EXPECT_EQ(rig.staging->kind(), image::ImageKind::McuBoot);
  std::vector<std::uint8_t> written(100);
  ASSERT_TRUE(rig.app.device.read(0, written));
  EXPECT_EQ(written, file);
  EXPECT_TRUE(std::filesystem::exists(rig.dir.path() / "staging.record"));
}

TEST(DfuStaging, ModemDeltaGoesToTheModemTargetWithTheJobsVersionLabel) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::ModemDelta, 64);
  rig.staging->prepare({.job_id = "j1", .expected_size = 64});
  ASSERT_TRUE(rig.feed(file, 64));
  ASSERT_EQ(rig.modem.begins.size(), 1u);
  EXPECT_EQ(rig.modem.begins[0].version_label, "v9");
  EXPECT_TRUE(rig.app.begins.empty());
}

TEST(DfuStaging, KindTheDeviceDoesNotAllowFailsWithTypeMismatchBeforeAnyTargetBegins) {
  StagingRig rig;
  rig.allowed = static_cast<image::ImageKindMask>(image::ImageKind::McuBoot);
  rig.make();
  rig.staging->prepare({.job_id = "j1", .expected_size = 64});
  auto r = rig.feed(file_of(image::ImageKind::ModemDelta, 64));
  ASSERT_FALSE(r);
  EXPECT_EQ(rig.staging->failure_cause(), ErrorCause::TypeMismatch);
  EXPECT_TRUE(rig.modem.begins.empty());
  EXPECT_TRUE(rig.app.begins.empty());
}

TEST(DfuStaging, UnknownFileIsAnInvalidUpdate) {
  StagingRig rig;
  rig.staging->prepare({.job_id = "j1", .expected_size = 64});
  ASSERT_FALSE(rig.feed(file_of(image::ImageKind::Unknown, 64)));
  EXPECT_EQ(rig.staging->failure_cause(), ErrorCause::InvalidUpdate);
}

TEST(DfuStaging, AKindWithoutATargetOnThisDeviceIsATypeMismatch) {
  StagingRig rig;  // no app_delta route
  rig.staging->prepare({.job_id = "j1", .expected_size = 64});
  std::vector<std::uint8_t> delta(64, 0);
  const std::uint8_t skippable[] = {0x50, 0x2a, 0x4d, 0x18, 92, 0, 0, 0, 'A', 'W', 'S', 'F', 'O', 'T', 'A', 'D'};
  std::copy(std::begin(skippable), std::end(skippable), delta.begin());
  ASSERT_FALSE(rig.feed(delta));
  EXPECT_EQ(rig.staging->failure_cause(), ErrorCause::TypeMismatch);
}

// A target that cannot prepare its area (a full disk, an I/O error) fails the preparation with its
// cause, after ERASE_PENDING and without a staging-ready report.
TEST(DfuStaging, AFailedEraseFailsThePreparationWithItsCause) {
  StagingRig rig;
  rig.modem.prepare_error = dfu::DfuError{dfu::DfuCause::NoSpace, "erasing the staging area: no space"};
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  EXPECT_EQ(rig.results.seen, (std::vector<std::string>{"erase_pending", "failed"}));
  EXPECT_EQ(rig.results.cause, ErrorCause::NoSpace);
  EXPECT_EQ(rig.results.detail, "erasing the staging area: no space");
}

TEST(DfuStaging, AreasOfKindsTheDeviceDoesNotTakeAreNotPrepared) {
  StagingRig rig;
  rig.allowed = static_cast<image::ImageKindMask>(image::ImageKind::McuBoot);
  rig.make();
  rig.staging->prepare({.job_id = "j1"});  // no size in the document: the whole area
  EXPECT_EQ(rig.results.seen, (std::vector<std::string>{"erase_pending", "ready(erased)"}));
  EXPECT_EQ(rig.app.prepares, (std::vector<std::optional<std::uint64_t>>{std::nullopt}));
  EXPECT_TRUE(rig.modem.prepares.empty());
}

TEST(DfuStaging, CommitsAtTheIntervalAndReportsOnlyCommittedBytesAsDurable) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(std::vector<std::uint8_t>(file.begin(), file.begin() + 50)));
  EXPECT_EQ(rig.staging->offset(), 50u);
  EXPECT_EQ(rig.staging->durable_offset(), 40u);
  ASSERT_TRUE(rig.feed(file));
  EXPECT_EQ(rig.staging->durable_offset(), 80u);
  auto flushed = rig.staging->flush();
  ASSERT_TRUE(flushed);
  EXPECT_EQ(*flushed, 100u);
  EXPECT_EQ(rig.staging->durable_offset(), 100u);
}

TEST(DfuStaging, ABackgroundSyncThatCompletedBetweenMarksCountsAsDurableAtOnce) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(std::vector<std::uint8_t>(file.begin(), file.begin() + 70)));
  EXPECT_EQ(rig.staging->durable_offset(), 40u);
  rig.app.synced_behind = 60;  // the target's syncer got there before the next mark (80)
  EXPECT_EQ(rig.staging->durable_offset(), 60u) << "the checkpoint need not wait for the next mark";
  rig.app.synced_behind = 10;  // a target that knows less never moves it back
  EXPECT_EQ(rig.staging->durable_offset(), 40u);
}

TEST(DfuStaging, AfterARestartPrepareReopensTheRecordedTargetAtTheKeptOffset) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(std::vector<std::uint8_t>(file.begin(), file.begin() + 60)));
  const std::uint64_t kept = rig.staging->durable_offset();
  ASSERT_EQ(kept, 40u);
  rig.make();  // the process restarts
  rig.results.seen.clear();
  rig.app.prepares.clear();
  rig.modem.prepares.clear();
  rig.staging->prepare({.job_id = "j1", .expected_size = 100, .keep_bytes = kept});
  EXPECT_EQ(rig.results.seen, std::vector<std::string>{"ready"});  // kept bytes: no erase
  EXPECT_TRUE(rig.app.prepares.empty());
  EXPECT_TRUE(rig.modem.prepares.empty());
  EXPECT_EQ(rig.results.kept, kept);
  ASSERT_EQ(rig.app.begins.size(), 2u);
  EXPECT_EQ(rig.app.begins[1].resume_from, kept);
  EXPECT_EQ(rig.staging->offset(), kept);
  ASSERT_TRUE(rig.feed(file));
  std::vector<std::uint8_t> written(100);
  ASSERT_TRUE(rig.app.device.read(0, written));
  EXPECT_EQ(written, file);
}

// Nothing is kept, and the engine hears that the download resumes at 0, when the staged bytes are
// another job's, or when the staging record is gone (deleted, a damaged disk) although the checkpoint
// says 80 bytes are staged.
TEST(DfuStaging, WithoutAUsableRecordNothingIsKeptAndTheEngineHearsIt) {
  for (bool record_lost : {false, true}) {
    SCOPED_TRACE(record_lost ? "record lost" : "record of another job");
    StagingRig rig;
    auto file = file_of(image::ImageKind::McuBoot, 100);
    rig.staging->prepare({.job_id = record_lost ? "j1" : "old", .expected_size = 100});
    ASSERT_TRUE(rig.feed(file));
    rig.make();  // the process restarts
    if (record_lost) std::filesystem::remove(rig.dir.path() / "staging.record");
    rig.results.seen.clear();
    rig.staging->prepare({.job_id = "j1", .expected_size = 100, .keep_bytes = 80});
    // Starting over at 0 writes the areas afresh: they are prepared again.
    EXPECT_EQ(rig.results.seen, (std::vector<std::string>{"erase_pending", "ready(erased)"}));
    EXPECT_EQ(rig.app.prepares.size(), 2u);  // the first run's and this one
    EXPECT_EQ(rig.results.kept, 0u);
    EXPECT_EQ(rig.staging->offset(), 0u);  // the download starts over
    EXPECT_EQ(rig.app.begins.size(), 1u);  // only the first run's
  }
}

TEST(DfuStaging, VerifyChecksTheDocumentsSha256AndThenFinishes) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  ASSERT_TRUE(rig.staging->flush());
  rig.staging->verify({.job_id = "j1", .expected_size = 100, .sha256 = sha256_hex(file)});
  EXPECT_EQ(rig.results.seen.back(), "verified");
  EXPECT_EQ(rig.results.verified, fota::ImageKind::Mcuboot);
  EXPECT_EQ(rig.app.finishes, 1);
}

TEST(DfuStaging, VerifyTakesTheTargetsOwnDigestOfTheStagedFileInsteadOfReadingItAgain) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  ASSERT_TRUE(rig.staging->flush());
  auto other = file;
  other[50] ^= 1;
  rig.app.staged = image::sha256_of(rig.crypto, other);  // differs from the device's bytes on purpose
  rig.staging->verify({.job_id = "j1", .expected_size = 100, .sha256 = sha256_hex(file)});
  EXPECT_EQ(rig.results.cause, ErrorCause::HashMismatch);  // so the target's digest is what was compared
  rig.staging->verify({.job_id = "j1", .expected_size = 100, .sha256 = sha256_hex(other)});
  EXPECT_EQ(rig.results.seen.back(), "verified");
}

TEST(DfuStaging, WrongSha256FailsWithHashMismatchWithoutFinishing) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  rig.staging->verify({.job_id = "j1", .expected_size = 100, .sha256 = std::string(64, 'a')});
  EXPECT_EQ(rig.results.cause, ErrorCause::HashMismatch);
  EXPECT_NE(rig.results.detail.find("SHA-256"), std::string::npos) << rig.results.detail;
  EXPECT_EQ(rig.app.finishes, 0);
}

TEST(DfuStaging, StagedSizeOtherThanTheJobsIsASizeMismatch) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(std::vector<std::uint8_t>(file.begin(), file.begin() + 90)));
  rig.staging->verify({.job_id = "j1", .expected_size = 100});
  EXPECT_EQ(rig.results.cause, ErrorCause::SizeMismatch);
}

TEST(DfuStaging, TargetVerificationFailuresMapToTheEngineCauses) {
  const std::pair<dfu::DfuCause, ErrorCause> rows[] = {
      {dfu::DfuCause::SignatureInvalid, ErrorCause::SignatureInvalid},
      {dfu::DfuCause::KeyMismatch, ErrorCause::SignatureInvalid},
      {dfu::DfuCause::MissingSignature, ErrorCause::SignatureInvalid},
      {dfu::DfuCause::HashMismatch, ErrorCause::HashMismatch},
      {dfu::DfuCause::TooLarge, ErrorCause::NoSpace},
      {dfu::DfuCause::WrongDeltaBase, ErrorCause::InvalidUpdate},
      {dfu::DfuCause::Io, ErrorCause::Dfu},
  };
  for (auto [dfu_cause, expected] : rows) {
    StagingRig rig;
    rig.app.finish_error = dfu::DfuError{dfu_cause, "reason"};
    auto file = file_of(image::ImageKind::McuBoot, 100);
    rig.staging->prepare({.job_id = "j1", .expected_size = 100});
    ASSERT_TRUE(rig.feed(file));
    rig.staging->verify({.job_id = "j1", .expected_size = 100});
    EXPECT_EQ(rig.results.cause, expected) << dfu::to_string(dfu_cause);
    EXPECT_EQ(rig.results.detail, "reason");
  }
}

TEST(DfuStaging, VerifyAfterARestartReopensTheTargetAtTheEnd) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  ASSERT_TRUE(rig.staging->flush());
  rig.make();
  rig.staging->verify({.job_id = "j1", .expected_size = 100, .sha256 = sha256_hex(file)});
  EXPECT_EQ(rig.results.seen.back(), "verified");
  ASSERT_EQ(rig.app.begins.size(), 2u);
  EXPECT_EQ(rig.app.begins[1].resume_from, 100u);
}

TEST(DfuStaging, VerifyWithNothingStagedFailsClearly) {
  StagingRig rig;
  rig.staging->verify({.job_id = "j1", .expected_size = 100});
  EXPECT_EQ(rig.results.cause, ErrorCause::Dfu);
  EXPECT_NE(rig.results.detail.find("nothing is staged"), std::string::npos);
}

TEST(DfuStaging, DropStagedAbortsForgetsThePickAndCancelsAPendingTrial) {
  StagingRig rig;
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  rig.staging->verify({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.staging->schedule());
  ASSERT_TRUE(rig.boot.request_trial(dfu::Slot::B));
  rig.staging->drop_staged();
  EXPECT_GE(rig.app.aborts, 1);
  EXPECT_FALSE(std::filesystem::exists(rig.dir.path() / "staging.record"));
  EXPECT_EQ(rig.boot.status()->state, dfu::BootState::Confirmed);
  EXPECT_EQ(rig.staging->offset(), 0u);
  EXPECT_FALSE(rig.staging->schedule());  // nothing verified any more
}

// ---- BootSeam -------------------------------------------------------------------------------------

TEST(BootOutcomeOf, FollowsTheBootStatus) {
  EXPECT_EQ(boot_outcome_of({}), fota::BootOutcome::Normal);
  EXPECT_EQ(boot_outcome_of({.state = dfu::BootState::TrialPending}), fota::BootOutcome::TrialPending);
  EXPECT_EQ(boot_outcome_of({.active = dfu::Slot::B, .state = dfu::BootState::Trial}), fota::BootOutcome::Trial);
  EXPECT_EQ(boot_outcome_of({.reverted_from = dfu::Slot::B}), fota::BootOutcome::Reverted);
  // A rejected trial that still runs also has reverted_from set; the revert is yet to happen.
  EXPECT_EQ(boot_outcome_of({.active = dfu::Slot::B, .state = dfu::BootState::RevertPending, .reverted_from = dfu::Slot::B}),
            fota::BootOutcome::RevertPending);
}

TEST(BootSeam, SchedulesTheVerifiedTargetAndReportsIt) {
  StagingRig rig;
  int reboots = 0;
  BootSeam seam(rig.boot, *rig.staging, [&] { ++reboots; });
  seam.set_listener(&rig.results);
  seam.schedule_trial(fota::ImageKind::Mcuboot);
  EXPECT_EQ(rig.results.cause, ErrorCause::Dfu);  // nothing verified yet
  auto file = file_of(image::ImageKind::McuBoot, 100);
  rig.staging->prepare({.job_id = "j1", .expected_size = 100});
  ASSERT_TRUE(rig.feed(file));
  rig.staging->verify({.job_id = "j1", .expected_size = 100});
  seam.schedule_trial(fota::ImageKind::Mcuboot);
  EXPECT_EQ(rig.results.seen.back(), "scheduled");
  EXPECT_EQ(rig.app.schedules, 1);
  seam.request_reboot();
  EXPECT_EQ(reboots, 1);
}

TEST(BootSeam, ConfirmAndRejectGoToTheBootControl) {
  StagingRig rig;
  ASSERT_TRUE(rig.boot.request_trial(dfu::Slot::B));
  rig.boot_store.record = dfu::boot_step(rig.boot_store.record);  // the reboot into B
  BootSeam seam(rig.boot, *rig.staging, {});
  seam.set_listener(&rig.results);
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::Trial);
  seam.confirm_running_image();
  EXPECT_EQ(rig.results.seen.back(), "confirmed");
  EXPECT_EQ(rig.boot.status()->confirmed, dfu::Slot::B);

  ASSERT_TRUE(rig.boot.request_trial(dfu::Slot::A));
  rig.boot_store.record = dfu::boot_step(rig.boot_store.record);  // trial of A
  seam.reject_running_image();
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::RevertPending);  // a restart before the reboot
  rig.boot_store.record = dfu::boot_step(rig.boot_store.record);  // the next boot goes back
  EXPECT_EQ(rig.boot.status()->active, dfu::Slot::B);
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::Reverted);
  rig.boot_store.record = dfu::boot_step(rig.boot_store.record);  // still on record a boot later
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::Reverted);
  seam.acknowledge_revert();
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::Normal);
}

TEST(BootSeam, AppliedModemUpdateRunsOnTrialAndConfirmLeavesTheSlotsAlone) {
  StagingRig rig;
  BootSeam seam(rig.boot, *rig.staging, {}, /*modem_update_applied=*/true);
  seam.set_listener(&rig.results);
  EXPECT_EQ(seam.boot_outcome(), fota::BootOutcome::Trial);
  const auto saves = rig.boot_store.saves;
  seam.confirm_running_image();
  EXPECT_EQ(rig.results.seen.back(), "confirmed");
  EXPECT_EQ(rig.boot_store.saves, saves);
}

}  // namespace
}  // namespace awsfota::runtime
