#include <gtest/gtest.h>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/adapters/posix/simulated_modem.hpp"
#include "awsfota/dfu/modem_target.hpp"
#include "awsfota/image/create.hpp"
#include "dfu/fakes.hpp"
#include "image/image_test_util.hpp"

using namespace awsfota::dfu;
using namespace awsfota::testing;
using awsfota::image::ImageKind;

namespace {
std::vector<std::uint8_t> full_modem_image(std::size_t n) {
  auto b = random_bytes(n, 9);
  b[0] = 0xd2;
  b[1] = 0x84;
  return b;
}
std::vector<std::uint8_t> modem_delta(std::size_t n) {
  auto b = random_bytes(n, 10);
  b[0] = 0x00;
  b[4] = 0x6d;
  b[5] = 0x65;
  b[6] = 0x44;
  b[7] = 0x75;
  return b;
}
// The signed modem envelope, as `awsfota image create --payload MODEM.bin` makes it.
std::vector<std::uint8_t> envelope(const std::vector<std::uint8_t>& modem_image, ImageKind kind,
                                   const awsfota::image::ImageSigner* signer) {
  awsfota::openssl::OpenSslCrypto crypto;
  awsfota::image::CreateOptions options;
  options.version = {1, 3, 1, 0};
  options.flags = awsfota::image::modem_envelope_flag(kind);
  auto made = awsfota::image::create_image(modem_image, options, signer, crypto);
  return made ? *made : std::vector<std::uint8_t>{};
}
TransferSpec spec(std::size_t n, std::uint64_t resume = 0) {
  TransferSpec s;
  s.size = n;
  s.allowed = ImageKind::ModemDelta | ImageKind::FullModem;
  s.resume_from = resume;
  s.version_label = "mfw_1.3.1";
  return s;
}
}  // namespace

TEST(ModemTarget, StagesFullImageRaisesEraseEventsAndSimulatedModemAppliesAtInit) {
  TempDir dir;
  FakeDevice staging(100000, 0);
  awsfota::posix::SimulatedModem modem(dir.path() / "modem");
  std::vector<DfuEvent> events;
  ModemTarget t(staging, modem, [&](DfuEvent e) { events.push_back(e); });
  const auto image = full_modem_image(30000);
  ASSERT_TRUE(t.begin(spec(image.size())));
  EXPECT_EQ(events, (std::vector<DfuEvent>{DfuEvent::ErasePending, DfuEvent::EraseDone}));
  EXPECT_EQ(staging.erases, 1u);
  ASSERT_TRUE(t.write(0, image));
  auto done = t.finish();
  ASSERT_TRUE(done) << done.error().reason;
  EXPECT_EQ(done->kind, ImageKind::FullModem);
  ASSERT_TRUE(t.schedule());
  EXPECT_EQ(*modem.firmware_version(), "unknown");  // nothing applied before the modem's next init
  auto init = modem.init();
  ASSERT_TRUE(init) << init.error().reason;
  EXPECT_TRUE(init->applied);
  EXPECT_EQ(init->version, "mfw_1.3.1");
  EXPECT_EQ(read_file(dir.path() / "modem" / "firmware.bin"), image);
  auto again = modem.init();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->applied);
  EXPECT_EQ(again->version, "mfw_1.3.1");
}

TEST(ModemTarget, ModemDeltaResumesFromCommittedOffsetWithoutErasingAgain) {
  TempDir dir;
  FakeDevice staging(100000, 0);
  awsfota::posix::SimulatedModem modem(dir.path());
  const auto delta = modem_delta(20000);
  {
    ModemTarget t(staging, modem, nullptr);
    ASSERT_TRUE(t.begin(spec(delta.size())));
    ASSERT_TRUE(t.write(0, std::span(delta).first(8000)));
    EXPECT_EQ(*t.commit(), 8000u);
  }
  std::vector<DfuEvent> events;
  ModemTarget t(staging, modem, [&](DfuEvent e) { events.push_back(e); });
  ASSERT_TRUE(t.begin(spec(delta.size(), 8000)));
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(t.write(8000, std::span(delta).subspan(8000)));
  auto done = t.finish();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->kind, ImageKind::ModemDelta);
  ASSERT_TRUE(t.schedule());
  auto init = modem.init();
  ASSERT_TRUE(init);
  EXPECT_TRUE(init->applied);
  EXPECT_EQ(read_file(dir.path() / "last-delta.bin"), delta);
}

TEST(ModemTarget, ApplicationImageIsTypeMismatchAndTooLargeIsRefusedBeforeErase) {
  TempDir dir;
  FakeDevice staging(1000, 0);
  awsfota::posix::SimulatedModem modem(dir.path());
  ModemTarget t(staging, modem, nullptr);
  auto big = t.begin(spec(5000));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().cause, DfuCause::TooLarge);
  EXPECT_EQ(staging.erases, 0u);

  ASSERT_TRUE(t.begin(spec(500)));
  std::vector<std::uint8_t> app(500, 0);
  app[0] = 0x3d;
  app[1] = 0xb8;
  app[2] = 0xf3;
  app[3] = 0x96;
  auto r = t.write(0, app);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
}

TEST(ModemTarget, JobNotAllowingModemImagesIsTypeMismatch) {
  TempDir dir;
  FakeDevice staging(1000, 0);
  awsfota::posix::SimulatedModem modem(dir.path());
  ModemTarget t(staging, modem, nullptr);
  auto s = spec(100);
  s.allowed = static_cast<awsfota::image::ImageKindMask>(ImageKind::McuBoot);
  auto r = t.begin(s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::TypeMismatch);
}

// ---- signatures: a configured key is enforced for both modem kinds -------------------------------

namespace {
struct ModemKindCase {
  ImageKind kind;
  std::vector<std::uint8_t> (*make)(std::size_t);
  const char* applied_file;  // where the simulated modem keeps what it applied
};
const ModemKindCase kModemKinds[] = {{ImageKind::FullModem, full_modem_image, "firmware.bin"},
                                     {ImageKind::ModemDelta, modem_delta, "last-delta.bin"}};

class ModemSigned : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = make_signer(awsfota::image::SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(signer_);
    verify_.policy.key = signer_->public_key();
    verify_.crypto = &crypto_;
  }
  // Begins, writes `file` in 4 KiB pieces and finishes; the first failure, if any.
  awsfota::Expected<FinishedImage, DfuError> stage(ModemTarget& t, const std::vector<std::uint8_t>& file) {
    if (auto r = t.begin(spec(file.size())); !r) return awsfota::unexpected(r.error());
    for (std::size_t at = 0; at < file.size(); at += 4096) {
      auto r = t.write(at, std::span(file).subspan(at, std::min<std::size_t>(4096, file.size() - at)));
      if (!r) return awsfota::unexpected(r.error());
    }
    return t.finish();
  }
  awsfota::openssl::OpenSslCrypto crypto_;
  std::unique_ptr<awsfota::image::ImageSigner> signer_;
  ModemVerify verify_;
  TempDir dir_;
  FakeDevice staging_{100000, 0};
};
}  // namespace

TEST_F(ModemSigned, EnvelopeSignedByTheKeyIsVerifiedAndTheModemGetsTheBareImage) {
  for (const auto& c : kModemKinds) {
    SCOPED_TRACE(awsfota::image::to_string(c.kind));
    awsfota::posix::SimulatedModem modem(dir_.path() / awsfota::image::to_string(c.kind));
    const auto image = c.make(30000);
    const auto file = envelope(image, c.kind, signer_.get());
    ModemTarget t(staging_, modem, nullptr, verify_);
    auto done = stage(t, file);
    ASSERT_TRUE(done) << done.error().reason;
    EXPECT_EQ(done->kind, c.kind);
    ASSERT_TRUE(t.schedule());
    ASSERT_TRUE(modem.init());
    EXPECT_EQ(read_file(dir_.path() / awsfota::image::to_string(c.kind) / c.applied_file), image);
  }
}

// A raw modem image carries no signature: with a key it is refused at its first bytes, before any of
// it is staged, and nothing reaches the modem.
TEST_F(ModemSigned, RawModemImageIsMissingSignatureBeforeAnythingIsStaged) {
  for (const auto& c : kModemKinds) {
    SCOPED_TRACE(awsfota::image::to_string(c.kind));
    awsfota::posix::SimulatedModem modem(dir_.path());
    ModemTarget t(staging_, modem, nullptr, verify_);
    const auto writes = staging_.writes;
    auto done = stage(t, c.make(30000));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().cause, DfuCause::MissingSignature);
    EXPECT_NE(done.error().reason.find("awsfota image create"), std::string::npos) << done.error().reason;
    EXPECT_EQ(staging_.writes, writes);
    EXPECT_FALSE(t.schedule());
    EXPECT_FALSE(modem.init()->applied);
  }
}

TEST_F(ModemSigned, EnvelopeSignedByAnotherKeyIsKeyMismatchAndNeverScheduled) {
  auto other = make_signer(awsfota::image::SignatureAlgorithm::EcdsaP256);
  for (const auto& c : kModemKinds) {
    SCOPED_TRACE(awsfota::image::to_string(c.kind));
    awsfota::posix::SimulatedModem modem(dir_.path());
    ModemTarget t(staging_, modem, nullptr, verify_);
    auto done = stage(t, envelope(c.make(30000), c.kind, other.get()));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().cause, DfuCause::KeyMismatch);
    EXPECT_FALSE(t.schedule());
    EXPECT_FALSE(modem.init()->applied);
  }
}

TEST_F(ModemSigned, HashOnlyEnvelopeIsMissingSignatureWithAKeyAndAcceptedWithout) {
  const auto file = envelope(full_modem_image(30000), ImageKind::FullModem, nullptr);
  awsfota::posix::SimulatedModem modem(dir_.path());
  ModemTarget keyed(staging_, modem, nullptr, verify_);
  auto refused = stage(keyed, file);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().cause, DfuCause::MissingSignature);

  ModemTarget unkeyed(staging_, modem, nullptr, {.crypto = &crypto_});
  ASSERT_TRUE(stage(unkeyed, file));
  auto damaged = file;
  damaged[0x200 + 100] ^= 1;  // a payload byte: the envelope's SHA-256 still catches it without a key
  auto r = stage(unkeyed, damaged);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().cause, DfuCause::HashMismatch);
}

TEST_F(ModemSigned, EnvelopeWhoseFlagNamesAnotherModemKindThanItsPayloadIsInvalidUpdate) {
  awsfota::posix::SimulatedModem modem(dir_.path());
  ModemTarget t(staging_, modem, nullptr, verify_);
  auto done = stage(t, envelope(full_modem_image(30000), ImageKind::ModemDelta, signer_.get()));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().cause, DfuCause::InvalidUpdate);
  EXPECT_NE(done.error().reason.find("full modem image"), std::string::npos) << done.error().reason;
  EXPECT_FALSE(t.schedule());
}

// The runtime prepares the staging area before the download (ERASE_PENDING / ERASE_DONE then); the
// begin() at offset 0 that follows does not erase it a second time.
TEST(ModemTarget, PrepareFreshErasesOnceAndTheFreshBeginDoesNotEraseAgain) {
  TempDir dir;
  FakeDevice staging(100000, 0);
  awsfota::posix::SimulatedModem modem(dir.path());
  std::vector<DfuEvent> events;
  ModemTarget t(staging, modem, [&](DfuEvent e) { events.push_back(e); });
  const auto image = full_modem_image(30000);
  auto n = t.prepare_fresh(image.size());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, image.size());
  EXPECT_EQ(events, (std::vector<DfuEvent>{DfuEvent::ErasePending, DfuEvent::EraseDone}));
  ASSERT_TRUE(t.begin(spec(image.size())));
  EXPECT_EQ(staging.erases, 1u);
  EXPECT_EQ(events.size(), 2u);
  ASSERT_TRUE(t.write(0, image));
  ASSERT_TRUE(t.finish());
  // A second fresh begin without a new preparation erases again.
  ASSERT_TRUE(t.begin(spec(image.size())));
  EXPECT_EQ(staging.erases, 2u);
  EXPECT_EQ(*t.prepare_fresh(200000), 0u);  // larger than the area: begin() refuses it, nothing erased
  EXPECT_EQ(staging.erases, 2u);
}
