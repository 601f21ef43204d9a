// SWUpdate end to end: the real awsfota-agent on a device whose updates SWUpdate installs. The local
// stack (Mosquitto, awsfota-jobsd), nginx over HTTPS, Debian's real `swupdate` daemon
// (SwupdateSystem: sockets in the test's folder, the raw handler writing a file that stands in for
// the partition), and jobs created by the operator's `awsfota job create --image FILE.swu`. The
// agent's reboot is its exit; the test's reboot is a new boot id (SWUpdate's ustate lives on in the
// daemon, as it would in the bootloader's environment).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "awsfota/adapters/swupdate/socket_swupdate.hpp"
#include "e2e/e2e_fixture.hpp"
#include "support/build_paths.hpp"
#include "support/swupdate_system.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;

class SwupdateAgentE2E : public E2ETest {
 protected:
  void SetUp() override {
    start_stack();
    start_nginx({.http = false, .https = true});
    auto started = awsfota::testing::SwupdateSystem::start(dir.path() / "swupdate");
    ASSERT_TRUE(started) << started.error();
    swu = std::move(*started);
    reboot();
  }

  void reboot() { std::ofstream(dir.path() / "boot_id") << "boot-" << ++boots << "\n"; }

  Bytes swu_bytes(std::size_t n, unsigned seed) {
    Bytes out(n);
    std::mt19937 rng(seed);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  }

  // `awsfota job create` as an operator runs it, against awsfota-jobsd's control plane.
  void create_swu_job(const std::string& id, const fs::path& file) {
    const std::string name = id + ".swu";
    fs::copy_file(file, dir.path() / "files" / name, fs::copy_options::overwrite_existing);
    auto run = awsfota::testing::run_program(
        {(awsfota::testing::bin_dir() / "awsfota").string(), "job", "create", id, "--thing", kThing, "--account",
         "000000000000", "--image", file.string(), "--url", nginx->https_url(name), "--endpoint-url",
         "http://127.0.0.1:" + std::to_string(stack->http_port())},
        {.env = stack->aws_env()});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }

  json config() {
    json c = E2ETest::config();
    c.erase("slots");
    c["running-version"] = "1.0.0";
    c["self-test"]["command"] = "test \"$AWSFOTA_SLOT\" = B";
    c["boot"]["boot-id-file"] = (dir.path() / "boot_id").string();
    c["swupdate"] = {{"ctrl-socket", swu->ctrl_socket().string()},
                     {"progress-socket", swu->progress_socket().string()},
                     {"staging", (dir.path() / "state" / "update.swu").string()},
                     {"staging-size", 8 << 20}};
    return c;
  }

  std::unique_ptr<awsfota::testing::SwupdateSystem> swu;
  int boots = 0;
};

TEST_F(SwupdateAgentE2E, SwuIsInstalledBySwupdateAndSucceedsAfterTheSelfTestSetsUstateOk) {
  const Bytes image = swu_bytes(300 * 1024, 21);
  auto file = swu->make_swu("v2", image, {.version = "2.0.0"});
  ASSERT_TRUE(file) << file.error();
  create_swu_job("swu-1", *file);
  auto doc = stack->rest("GET", "/jobs/swu-1/job-document");
  const json document = json::parse(doc.body["document"].get<std::string>());
  EXPECT_EQ(document["operation"], "swupdate_image") << document.dump();
  EXPECT_EQ(document["fwversion"], "2.0.0") << document.dump();
  const auto cfg = write_config(config());

  const std::string first = run_to_exit(cfg, "agent-1.log", {});
  EXPECT_NE(first.find("boot: running slot A"), std::string::npos) << first;
  EXPECT_NE(first.find("job swu-1: INSTALL_PROGRESS 100%"), std::string::npos) << first;
  EXPECT_NE(first.find("job swu-1: REBOOT_REQUESTED"), std::string::npos) << first;
  EXPECT_EQ(execution_status("swu-1"), "IN_PROGRESS");
  EXPECT_EQ(read_text(swu->partition()), std::string(reinterpret_cast<const char*>(image.data()), image.size()));

  reboot();
  const std::string second = run_to_exit(cfg, "agent-2.log", {"--once"});
  EXPECT_NE(second.find("boot: running slot B on trial"), std::string::npos) << second;
  EXPECT_NE(second.find("job swu-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("swu-1"), "SUCCEEDED");
  swupdate::SocketSwupdate client({.ctrl_socket = swu->ctrl_socket(), .progress_socket = swu->progress_socket()});
  auto state = client.update_state();
  ASSERT_TRUE(state) << state.error().reason;
  EXPECT_EQ(*state, swupdate::UpdateState::Ok);
}

TEST_F(SwupdateAgentE2E, SwuForAnotherBoardIsRefusedInSwupdatesWordsAndTheNextJobIsTaken) {
  auto other = swu->make_swu("other-board", swu_bytes(64 * 1024, 22), {.hardware = "9.9"});
  ASSERT_TRUE(other) << other.error();
  create_swu_job("swu-bad", *other);
  const auto cfg = write_config(config());

  const std::string log = run_to_exit(cfg, "agent-1.log", {"--once"});
  EXPECT_NE(log.find("job swu-bad: ERROR INVALID_UPDATE"), std::string::npos) << log;
  auto e = execution("swu-bad");
  EXPECT_EQ(e["status"], "FAILED") << e.dump();
  const std::string reason = e["statusDetails"]["detailsMap"]["reason"].get<std::string>();
  EXPECT_NE(reason.find("SWUpdate: ERROR : SW not compatible with hardware"), std::string::npos) << reason;
  EXPECT_TRUE(read_text(swu->partition()).empty());

  const Bytes image = swu_bytes(32 * 1024, 23);
  auto good = swu->make_swu("next", image, {.version = "2.0.1"});
  ASSERT_TRUE(good) << good.error();
  create_swu_job("swu-next", *good);
  const std::string next = run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(next.find("job swu-next: REBOOT_REQUESTED"), std::string::npos) << next;
  EXPECT_EQ(read_text(swu->partition()), std::string(reinterpret_cast<const char*>(image.data()), image.size()));
}

TEST_F(SwupdateAgentE2E, SwupdateNotRunningFailsTheJobWithASentenceAndTheNextJobIsTaken) {
  swu->stop();
  auto first = swu->make_swu("unheard", swu_bytes(32 * 1024, 24), {.version = "2.0.0"});
  ASSERT_TRUE(first) << first.error();
  create_swu_job("swu-down", *first);
  const auto cfg = write_config(config());

  const std::string log = run_to_exit(cfg, "agent-1.log", {"--once"});
  EXPECT_NE(log.find("job swu-down: ERROR DFU"), std::string::npos) << log;
  auto e = execution("swu-down");
  EXPECT_EQ(e["status"], "FAILED") << e.dump();
  const std::string reason = e["statusDetails"]["detailsMap"]["reason"].get<std::string>();
  EXPECT_NE(reason.find("SWUpdate is not running: nothing answers on its control socket"), std::string::npos) << reason;

  ASSERT_TRUE(swu->restart());
  const Bytes image = swu_bytes(32 * 1024, 25);
  auto next = swu->make_swu("back", image, {.version = "2.0.1"});
  ASSERT_TRUE(next) << next.error();
  create_swu_job("swu-back", *next);
  const std::string again = run_to_exit(cfg, "agent-2.log", {});
  EXPECT_NE(again.find("job swu-back: REBOOT_REQUESTED"), std::string::npos) << again;
  EXPECT_EQ(read_text(swu->partition()), std::string(reinterpret_cast<const char*>(image.data()), image.size()));
}

}  // namespace
}  // namespace awsfota::e2e
