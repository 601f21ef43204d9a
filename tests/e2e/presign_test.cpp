// A presigned link that expires in the middle of a download: the file server refuses it with 403
// "Request has expired" (as S3 does), the agent asks the service for the execution again, gets a
// freshly signed link and goes on from the very offset it had reached.
//
// awsfota-jobsd signs the link (nginx's secure_link scheme, with the stack's secret) for at least 60 s,
// as AWS does. The file server is the project's FaultServer: it checks those signatures with the same
// secret and judges expiry by a clock the test holds. Once the download is under way, the test sets
// that clock past the first link's `expires`: that link is refused from its next request on, while a
// link the service signs later (a later `expires`) is good. Each request is one 64 KiB fragment (as the
// reference fetches), and the server paces its answers so that the download is still running then.
#include <ctime>
#include <regex>
#include <thread>

#include "e2e_fixture.hpp"
#include "support/fault_server.hpp"

namespace awsfota::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using awsfota::testing::FaultServer;

constexpr const char* kSpec = "signed,rate=131072";  // about 8 s for 1 MiB

// One request as the file server saw it: the answer, the first byte asked for, and the link's expiry.
struct Fetch {
  int status = 0;
  std::uint64_t start = 0;
  std::string expires;
};

std::vector<Fetch> fetches_of(const FaultServer& server) {
  auto wire = server.requests(kSpec);
  EXPECT_TRUE(wire) << wire.error();
  std::vector<Fetch> out;
  static const std::regex range(R"(bytes=([0-9]+)-)");
  static const std::regex expires(R"([?&]expires=([0-9]+))");
  for (const auto& r : wire ? *wire : std::vector<awsfota::testing::WireRecord>{}) {
    Fetch f{.status = r.status};
    std::smatch m;
    if (r.range && std::regex_search(*r.range, m, range)) f.start = std::stoull(m[1]);
    if (std::regex_search(r.path, m, expires)) f.expires = m[1];
    out.push_back(std::move(f));
  }
  return out;
}

std::string describe(const std::vector<Fetch>& fetches) {
  std::string s;
  for (const auto& f : fetches) {
    s += std::to_string(f.status) + " from " + std::to_string(f.start) + " expires=" + f.expires + "\n";
  }
  return s;
}

TEST_F(E2ETest, PresignedLinkExpiringMidDownloadIsRefreshedAndTheDownloadResumesAtTheSameOffset) {
  fs::create_directories(dir.path() / "files");
  auto server = FaultServer::start(dir.path() / "files", dir.path() / "fault", "test-secret");  // LocalStack's secret
  ASSERT_TRUE(server) << server.error();
  start_stack({.files_url = "http://127.0.0.1:" + std::to_string((*server)->port())});

  const Bytes image = make_image({1, 0, 1, 0}, 1 << 20, 13);
  const std::string placeholder =
      "${aws:iot:s3-presigned-url:https://bucket.s3.us-east-1.amazonaws.com/" + std::string(kSpec) + "/signed.bin}";
  create_job("presign-1", document_at(image, "signed.bin", "v1.0.1", placeholder),
             {{"presignedUrlConfig", {{"roleArn", "arn:aws:iam::000000000000:role/local"}, {"expiresInSec", 60}}}});
  json c = config();
  c["download"]["fragment-size"] = 65536;
  const auto cfg = write_config(c);

  const fs::path log = dir.path() / "presign-1.log";
  std::string first_expires;
  {
    Agent agent(cfg, log);
    // Under way on the first link: two fragments asked for. (The server's own record, not the agent's
    // progress lines: those follow durable offsets and lag on a busy machine, which once let the whole
    // download finish before the clock moved.)
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (first_expires.empty() && std::chrono::steady_clock::now() < deadline && !agent.ended()) {
      const auto seen = fetches_of(**server);
      if (seen.size() >= 2 && seen.front().status == 206) first_expires = seen.front().expires;
      if (first_expires.empty()) std::this_thread::sleep_for(20ms);
    }
    ASSERT_FALSE(first_expires.empty()) << read_text(log) << describe(fetches_of(**server));
    // The service signed that link at first_expires - 60. A link it signs in a later second expires
    // later, and stays good at the clock set below.
    while (std::time(nullptr) <= std::stoll(first_expires) - 60) std::this_thread::sleep_for(20ms);
    auto moved = (*server)->set_clock(std::stoll(first_expires) + 1);
    ASSERT_TRUE(moved) << moved.error();
    EXPECT_EQ(agent.wait(60s), std::optional<int>(0)) << read_text(log);
  }

  // The old link was refused at a byte N > 0, and the next answer served the fresh link from N on.
  const auto fetches = fetches_of(**server);
  const auto refused = std::find_if(fetches.begin(), fetches.end(), [](const Fetch& f) { return f.status == 403; });
  ASSERT_NE(refused, fetches.end()) << "the link never expired during the download:\n" << describe(fetches);
  EXPECT_GT(refused->start, 0U) << describe(fetches);
  EXPECT_EQ(refused->expires, first_expires) << describe(fetches);
  auto served_with = [](const std::string& expires) {
    return [expires](const Fetch& f) { return f.status == 206 && f.expires == expires; };
  };
  EXPECT_TRUE(std::all_of(fetches.begin(), refused, served_with(first_expires))) << describe(fetches);
  const auto resumed = std::next(refused);
  ASSERT_NE(resumed, fetches.end()) << describe(fetches);
  EXPECT_EQ(resumed->status, 206) << describe(fetches);
  EXPECT_EQ(resumed->start, refused->start) << describe(fetches);
  EXPECT_GT(std::stoll(resumed->expires), std::stoll(first_expires)) << describe(fetches);
  EXPECT_TRUE(std::all_of(resumed, fetches.end(), served_with(resumed->expires))) << describe(fetches);

  // The agent says what happened (the offset is the wire's business, checked above).
  const std::string first = read_text(log);
  const auto expired = first.find("job presign-1: the download link expired; asking the service for a fresh job "
                                  "document (refresh 1 of 3)");
  const auto fresh = first.find("job presign-1: fresh download link received; the download goes on where it stopped");
  EXPECT_NE(expired, std::string::npos) << first;
  EXPECT_NE(fresh, std::string::npos) << first;
  EXPECT_LT(expired, fresh) << first;
  EXPECT_EQ(first.find("refresh 2 of 3"), std::string::npos) << "one expiry, one refresh\n" << first;
  EXPECT_NE(first.find("job presign-1: REBOOT_REQUESTED"), std::string::npos) << first;

  const std::string second = run_to_exit(cfg, "presign-2.log", {"--once"});
  EXPECT_NE(second.find("job presign-1: DONE SUCCEEDED"), std::string::npos) << second;
  EXPECT_EQ(execution_status("presign-1"), "SUCCEEDED");
  EXPECT_TRUE(slot_holds(dfu::Slot::B, image));
}

}  // namespace
}  // namespace awsfota::e2e
