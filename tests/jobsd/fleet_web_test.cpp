// The live fleet view in a real browser: awsfota-jobsd --web over the real Mosquitto, devices on the
// project's MQTT adapter taking a rate-limited job and reporting IN_PROGRESS, SUCCEEDED and FAILED
// with reasons, and headless Chromium (driven over the DevTools pipe) showing the page from the
// middle of the rollout to its end. What the page shows is checked against the REST API; the page's
// screenshot is left in <build>/test-output/jobsd_fleet_web/.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "jobsd/local_stack.hpp"
#include "support/build_paths.hpp"
#include "support/headless_chromium.hpp"
#include "support/process.hpp"

namespace awsfota::jobsd::testing {
namespace {

using awsfota::testing::HeadlessChromium;
using awsfota::testing::TempDir;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What the page shows, read from its DOM as text (the numbers a person sees).
constexpr const char* kReadPage = R"JS((() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; };
  const counts = {};
  document.querySelectorAll('#counts td[data-status]').forEach((td) => { counts[td.dataset.status] = Number(td.textContent); });
  const svg = document.querySelector('#chart svg');
  return {
    polls: Number(document.body.dataset.polls || 0),
    jobs: [...document.querySelectorAll('#jobs tbody tr')].map((r) => r.cells[0].textContent),
    job: text('#job-id'), status: text('#job-status'), counts,
    failed: [...document.querySelectorAll('#failed tbody tr')].map((r) => [r.cells[0].textContent, r.cells[1].textContent, r.cells[3].textContent]),
    rate: text('[data-fact="rate"]'), waiting: text('[data-fact="waiting"]'),
    abortRule: text('[data-fact="FAILED"]'), abort: text('[data-fact="state"]'),
    chart: [...document.querySelectorAll('#chart path')].map((p) => p.getAttribute('data-status')),
    points: svg ? Number(svg.getAttribute('data-points')) : 0,
  };
})())JS";

// The REST API's describe-job counts in the page's names.
std::map<std::string, std::int64_t> rest_counts(const json& details) {
  return {{"QUEUED", details["numberOfQueuedThings"]},       {"IN_PROGRESS", details["numberOfInProgressThings"]},
          {"SUCCEEDED", details["numberOfSucceededThings"]}, {"FAILED", details["numberOfFailedThings"]},
          {"TIMED_OUT", details["numberOfTimedOutThings"]},  {"REJECTED", details["numberOfRejectedThings"]},
          {"REMOVED", details["numberOfRemovedThings"]},     {"CANCELED", details["numberOfCanceledThings"]}};
}

std::map<std::string, std::int64_t> page_counts(const json& page) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& [status, n] : page["counts"].items()) {
    if (status != "targets" && status != "waiting") counts[status] = n.get<std::int64_t>();
  }
  return counts;
}

bool eventually(const std::function<bool()>& condition, milliseconds timeout) {
  const auto give_up = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return true;
}

class FleetWeb : public ::testing::Test {
 protected:
  static constexpr int kThings = 8;
  static constexpr int kPerMinute = 3;  // a "minute" is 1 s here: windows of 3, 3 and 2 things

  void SetUp() override {
    auto s = LocalStack::start(dir.path(), {.minute_ms = 1000, .extra_args = {"--web"}});
    ASSERT_TRUE(s) << s.error();
    stack = std::move(*s);
  }

  void add_devices() {
    for (int i = 0; i < kThings; ++i) {
      const std::string name = "dev-" + std::to_string(i);
      ASSERT_EQ(stack->rest("POST", "/things/" + name).status, 200);
      auto d = stack->device(name);
      ASSERT_TRUE(d) << d.error();
      devices.push_back(std::move(*d));
    }
  }

  json describe_job() { return stack->rest("GET", "/jobs/fw-2").body["job"]; }

  // The page's DOM as kReadPage reads it; while the page still loads that may fail, so the error is
  // kept as the page's state instead.
  json read_page() {
    auto page = browser->evaluate(kReadPage);
    return page ? *page : json{{"error", page.error()}};
  }

  // Waits until the page, polling on its own, shows the counts the REST API gives (read afresh each
  // time: the rollout's windows open meanwhile); the page as it was then.
  json page_matching_rest(const std::string& what) {
    json page, job;
    const bool same = eventually([&] {
      job = describe_job();
      page = read_page();
      return page["job"] == "fw-2" && page_counts(page) == rest_counts(job["jobProcessDetails"]) &&
             page["status"] == job["status"];
    }, milliseconds(5000));
    EXPECT_TRUE(same) << what << ": the page shows " << page.dump() << "\nthe REST API " << job.dump();
    return page;
  }

  // The device takes its next execution (false when its window has not opened yet) and says it downloads.
  bool take(TestDevice& device) {
    auto r = device.request("start-next", R"({"statusDetails":{"phase":"downloading"}})");
    return r && r->body.contains("execution");
  }
  void finish(TestDevice& device, const std::string& status, const std::string& details,
              const std::string& job = "fw-2") {
    auto r = device.request(job + "/update", R"({"status":")" + status + R"(","statusDetails":)" + details + "}");
    ASSERT_TRUE(r && r->topic.ends_with("/accepted")) << device.thing() << " " << (r ? r->body.dump() : "no answer");
  }

  TempDir dir{"fleet-web"};
  std::unique_ptr<LocalStack> stack;
  std::vector<std::unique_ptr<TestDevice>> devices;
  std::unique_ptr<HeadlessChromium> browser;
};

TEST_F(FleetWeb, PageFollowsARolloutFromItsMiddleToItsEndAsTheRestApiSeesIt) {
  if (!HeadlessChromium::find()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  add_devices();
  if (HasFatalFailure()) return;
  json targets = json::array();
  for (const auto& d : devices) targets.push_back(kThingArn + d->thing());
  ASSERT_EQ(stack->rest("PUT", "/jobs/fw-1", json{{"targets", {kThingArn + "dev-0"}}, {"document", "{}"}}.dump()).status, 200);
  ASSERT_EQ(stack->rest("PUT", "/jobs/fw-2",
                        json{{"targets", targets},
                             {"document", R"({"operation":"app_fw_update"})"},
                             {"jobExecutionsRolloutConfig", {{"maximumPerMinute", kPerMinute}}},
                             // Shown, never tripped: 3 of 8 fail in the end.
                             {"abortConfig", {{"criteriaList", {{{"failureType", "FAILED"}, {"action", "CANCEL"},
                                                                  {"thresholdPercentage", 50},
                                                                  {"minNumberOfExecutedThings", kThings}}}}}}}
                            .dump()).status, 200);

  // The first window: dev-0 (its fw-1 first) .. dev-2 take fw-2; one succeeds, one fails, one runs.
  ASSERT_TRUE(take(*devices[0]));
  finish(*devices[0], "SUCCEEDED", "{}", "fw-1");
  ASSERT_TRUE(take(*devices[0]));
  ASSERT_TRUE(take(*devices[1]));
  ASSERT_TRUE(take(*devices[2]));
  finish(*devices[0], "SUCCEEDED", R"({"phase":"confirmed"})");
  finish(*devices[1], "FAILED", R"({"reason":"self-test failed","cause":"DFU"})");

  // Opened mid-rollout on fw-2 (#fw-2): the history so far, and then the page follows on its own.
  const auto chromium_start = Clock::now();
  auto started = HeadlessChromium::start(
      "http://127.0.0.1:" + std::to_string(stack->http_port()) + "/ui/?interval=250#fw-2", dir.path() / "chromium");
  ASSERT_TRUE(started) << started.error();
  browser = std::move(*started);
  const json mid = page_matching_rest("mid-rollout");
  std::cout << "chromium up and the page drawn in "
            << std::chrono::duration_cast<milliseconds>(Clock::now() - chromium_start).count() << " ms\n";
  EXPECT_EQ(mid["jobs"], (json{"fw-2", "fw-1"})) << "every job, the newest first";
  EXPECT_EQ(mid["rate"], "3 / minute");
  EXPECT_EQ(mid["abortRule"], "CANCEL at 50 % of at least 8 things");
  EXPECT_EQ(mid["abort"], "not tripped");
  EXPECT_EQ(mid["failed"], (json{{"dev-1", "FAILED", "cause=DFU, reason=self-test failed"}}));
  EXPECT_GE(mid["points"].get<int>(), 2) << "a series, not only the present";
  for (const char* s : {"SUCCEEDED", "FAILED", "IN_PROGRESS"}) {
    EXPECT_NE(std::find(mid["chart"].begin(), mid["chart"].end(), s), mid["chart"].end()) << s << " drawn";
  }
  const int polls_mid = mid["polls"];

  // The rest of the fleet as the windows open: dev-5 fails its download, dev-7 rejects the job.
  std::set<std::size_t> waiting{3, 4, 5, 6, 7};
  ASSERT_TRUE(eventually([&] {
    for (auto it = waiting.begin(); it != waiting.end();) {
      it = take(*devices[*it]) ? waiting.erase(it) : std::next(it);
    }
    return waiting.empty();
  }, milliseconds(6000))) << waiting.size() << " things never got their execution";
  finish(*devices[2], "SUCCEEDED", "{}");
  for (std::size_t i : {3u, 4u, 6u}) finish(*devices[i], "SUCCEEDED", "{}");
  finish(*devices[5], "FAILED", R"({"reason":"download gave up after 5 attempts"})");
  finish(*devices[7], "REJECTED", R"({"reason":"image is for another board"})");

  const json end = page_matching_rest("after the rollout");
  EXPECT_EQ(end["status"], "COMPLETED");
  EXPECT_GT(end["polls"].get<int>(), polls_mid) << "the same page updated itself, without a reload";
  EXPECT_EQ(end["counts"]["targets"], kThings);
  EXPECT_EQ(end["counts"]["waiting"], 0);
  EXPECT_EQ(end["abort"], "not tripped") << "2 of 8 FAILED is under the rule's 50 %";
  // The failed things as the REST API lists them, with the reasons describe-job-execution gives.
  std::set<std::string> rest_failed;
  for (const char* status : {"FAILED", "REJECTED"}) {
    const auto list = stack->rest("GET", std::string("/jobs/fw-2/things?status=") + status);
    ASSERT_EQ(list.status, 200) << list.body.dump();
    for (const auto& e : list.body["executionSummaries"]) {
      rest_failed.insert(e["thingArn"].get<std::string>().substr(kThingArn.size()));
    }
  }
  std::set<std::string> page_failed;
  for (const auto& row : end["failed"]) {
    const std::string thing = row[0];
    page_failed.insert(thing);
    const json e = stack->rest("GET", "/things/" + thing + "/jobs/fw-2").body["execution"];
    EXPECT_EQ(row[1], e["status"]) << thing;
    std::string reason;
    for (const auto& [k, v] : e["statusDetails"]["detailsMap"].items()) {
      reason += (reason.empty() ? "" : ", ") + k + "=" + v.get<std::string>();
    }
    EXPECT_EQ(row[2], reason) << thing;
  }
  EXPECT_EQ(page_failed, rest_failed);
  EXPECT_EQ(page_failed, (std::set<std::string>{"dev-1", "dev-5", "dev-7"}));

  const auto png = awsfota::testing::test_output_dir() / "jobsd_fleet_web" / "fleet-view.png";
  ASSERT_TRUE(browser->screenshot(png));
  const auto bytes = awsfota::testing::read_file(png);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 1, 3), "PNG") << png;
  std::cout << "screenshot: " << png.string() << " (" << bytes.size() << " bytes)\n";
}

TEST_F(FleetWeb, ViewIsReadOnlyAndAnswersLoopbackNamesOnly) {
  httplib::Client client("127.0.0.1", stack->http_port());
  auto page = client.Get("/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("fleet.js"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  auto post = client.Post("/ui/api/jobs", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405) << post->body;
  auto unknown = client.Get("/ui/api/jobs/nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  // A web site whose name resolves to 127.0.0.1 (DNS rebinding) is refused.
  auto foreign = client.Get("/ui/api/jobs", httplib::Headers{{"Host", "attacker.example:" + std::to_string(stack->http_port())}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  auto local = client.Get("/ui/api/jobs", httplib::Headers{{"Host", "localhost:" + std::to_string(stack->http_port())}});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

TEST(FleetWebFlag, WithoutWebThePagesAreNotServed) {
  TempDir dir{"fleet-web-off"};
  auto stack = LocalStack::start(dir.path(), {.minute_ms = 1000});
  ASSERT_TRUE(stack) << stack.error();
  httplib::Client client("127.0.0.1", (*stack)->http_port());
  for (const char* path : {"/ui/", "/ui/api/jobs"}) {
    auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->status, 200) << path << ": " << r->body;
    EXPECT_EQ(r->body.find("<html"), std::string::npos) << path;
  }
}

TEST(FleetWebFlag, AWebRootWithoutThePageIsABadOptionNamedAtStart) {
  TempDir dir{"fleet-web-root"};
  const auto r = awsfota::testing::run_program({awsfota::testing::program("awsfota-jobsd").string(), "--db",
                                                (dir.path() / "jobsd.db").string(), "--anonymous", "--web", "--web-root",
                                                dir.path().string()},
                                               {.timeout = std::chrono::seconds(10)});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot read the fleet view's " + (dir.path() / "index.html").string()), std::string::npos) << r.err;
}

}  // namespace
}  // namespace awsfota::jobsd::testing
