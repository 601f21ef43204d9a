#include <gtest/gtest.h>

#include "awsfota/adapters/posix/simulated_modem.hpp"
#include "awsfota/dfu/modem_target.hpp"
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
