// bench_jobsd: how many job executions per second awsfota-jobsd carries, and how long a thing waits
// from create-job until its start-next is accepted (IN_PROGRESS).
//
// A throwaway stack (tests/jobsd/local_stack: Mosquitto with TLS, client certificates and the per-thing
// ACL, and awsfota-jobsd) on free 127.0.0.1 ports; N things (default 1,000), each a libmosquitto
// client with its own certificate, in a thing group. Not a thread per thing: a few worker processes
// each pump a share of the clients on one thread with the adapter's non-blocking run_once(0).
// (Processes, not threads: libmosquitto's loop uses select(), so one process can hold only the
// clients whose descriptors, three each, stay below FD_SETSIZE = 1024.) One create-job targets the
// group; each thing then does what a device does: notify-next -> start-next -> J/update SUCCEEDED.
//
//   build/bin/bench_jobsd [--things 1000] [--per-worker 250] [--subscription requests|all]
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "command_line.hpp"
#include "jobsd/local_stack.hpp"
#include "support/process.hpp"

namespace {

namespace mqtt = awsfota::adapters::mosquitto;
using awsfota::jobsd::testing::LocalStack;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  int things = 1000;
  int per_worker = 250;
  std::string subscription = "requests";
};

struct SimThing {
  std::string name;
  std::unique_ptr<mqtt::Client> client;
  bool started = false;
  std::optional<Clock::time_point> in_progress_at;
  std::optional<Clock::time_point> done_at;
};

struct Shared {
  std::atomic<int> ready{0};
  std::atomic<int> in_progress{0};
  std::atomic<int> done{0};
  std::atomic<int> rejected{0};
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// What a device does with each message: start the next job, report it SUCCEEDED, note the times.
void on_message(SimThing& t, Shared& shared, const std::string& topic, const std::string& payload) {
  const std::string prefix = "$aws/things/" + t.name + "/jobs/";
  if (topic == prefix + "get/accepted") {
    ++shared.ready;
  } else if (topic == prefix + "notify-next") {
    auto m = json::parse(payload, nullptr, false);
    if (!t.started && m.is_object() && m.contains("execution") && m["execution"]["status"] == "QUEUED") {
      t.started = true;
      (void)t.client->publish(prefix + "start-next", R"({"clientToken":"s"})", 1);
    }
  } else if (topic == prefix + "start-next/accepted") {
    auto m = json::parse(payload, nullptr, false);
    if (!m.is_object() || !m.contains("execution")) return;
    t.in_progress_at = Clock::now();
    ++shared.in_progress;
    const json& e = m["execution"];
    const json update = {{"status", "SUCCEEDED"}, {"expectedVersion", e["versionNumber"]}, {"clientToken", "u"}};
    (void)t.client->publish(prefix + e["jobId"].get<std::string>() + "/update", update.dump(), 1);
  } else if (ends_with(topic, "/update/accepted")) {
    t.done_at = Clock::now();
    ++shared.done;
  } else if (ends_with(topic, "/rejected")) {
    if (shared.rejected++ < 5) std::fprintf(stderr, "rejected on %s: %s\n", topic.c_str(), payload.c_str());
  }
}

std::int64_t ticks(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// One worker process: connects its share of things, asks `get` (its answer proves the subscription is
// in place), says "ready" on `ready_fd`, then drives all of them with non-blocking run_once until each
// has finished its job; writes "in_progress_ns done_ns" per thing to `results` (steady_clock is
// system-wide, so the parent can compare). Never returns: _exit keeps the parent's stack alive.
[[noreturn]] void worker(std::vector<SimThing*> mine, LocalStack& stack, const std::filesystem::path& pki,
                         int ready_fd, const std::filesystem::path& results) {
  Shared shared;
  for (SimThing* t : mine) {
    auto client = mqtt::Client::create({.host = "127.0.0.1",
                                        .port = stack.mqtt_port(),
                                        .client_id = t->name,
                                        .tls = mqtt::TlsFiles{stack.pki().ca_cert().string(),
                                                              (pki / (t->name + ".pem")).string(),
                                                              (pki / "thing.key").string()},
                                        .keepalive_s = 300});
    if (!client) {
      std::fprintf(stderr, "%s: %s\n", t->name.c_str(), client.error().message.c_str());
      _exit(1);
    }
    t->client = std::move(*client);
    t->client->on_message(
        [t, &shared](const std::string& topic, const std::string& payload) { on_message(*t, shared, topic, payload); });
    if (auto c = t->client->connect(std::chrono::seconds(20)); !c) {
      std::fprintf(stderr, "%s: %s\n", t->name.c_str(), c.error().message.c_str());
      _exit(1);
    }
    (void)t->client->subscribe("$aws/things/" + t->name + "/jobs/#", 1);
    (void)t->client->publish("$aws/things/" + t->name + "/jobs/get", "{}", 1);
  }
  const int n = static_cast<int>(mine.size());
  bool said_ready = false;
  const auto give_up = Clock::now() + std::chrono::minutes(10);
  while (shared.done < n && Clock::now() < give_up) {
    for (SimThing* t : mine) (void)t->client->run_once(std::chrono::milliseconds(0));
    if (!said_ready && shared.ready >= n) {
      said_ready = true;
      if (write(ready_fd, "r", 1) != 1) _exit(1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  {
    std::ofstream out(results);
    for (SimThing* t : mine) {
      out << (t->in_progress_at ? ticks(*t->in_progress_at) : 0) << " " << (t->done_at ? ticks(*t->done_at) : 0) << "\n";
    }
  }
  for (SimThing* t : mine) t->client->disconnect(std::chrono::milliseconds(50));
  if (shared.rejected > 0) std::fprintf(stderr, "%d rejections in a worker\n", shared.rejected.load());
  _exit(shared.done == n ? 0 : 1);
}

// Each thing's certificate (CN = its name) from the stack's CA; one shared key, several openssl at once.
bool issue_certificates(const LocalStack& stack, const std::filesystem::path& pki, int things) {
  std::filesystem::create_directories(pki);
  std::ofstream(pki / "ext.cnf") << "extendedKeyUsage=clientAuth\n";
  {
    std::ofstream list(pki / "things.txt");
    for (int i = 0; i < things; ++i) list << "thing-" << i << " " << 100000 + i << "\n";
  }
  const std::string p = pki.string();
  // xargs hands each "name serial" line to sh as $0 and $1; the CA paths come through the environment.
  const std::string wrapper = "set -e; cd '" + p + "'; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                              "-out thing.key 2>/dev/null; openssl pkey -in thing.key -pubout -out thing.pub; "
                              "export CA='" + stack.pki().ca_cert().string() + "' CAKEY='" +
                              stack.pki().ca_key().string() + "'; "
                              "xargs -P 8 -n 2 sh -c 'openssl x509 -new -subj /CN=$0 -force_pubkey thing.pub "
                              "-CA \"$CA\" -CAkey \"$CAKEY\" -set_serial $1 -days 2 -extfile ext.cnf -out $0.pem' "
                              "< things.txt";
  auto r = awsfota::testing::run_command({"sh", "-c", wrapper});
  if (!r) std::fprintf(stderr, "issuing certificates failed: %s\n", r.error().c_str());
  return static_cast<bool>(r);
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The broker (started from here, so it inherits the limit) holds a descriptor per thing.
int raise_fd_limit(int things) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  const auto room = static_cast<long long>(limit.rlim_cur) - 200;
  if (room < things) {
    std::fprintf(stderr, "descriptor limit %llu allows %lld things only\n",
                 static_cast<unsigned long long>(limit.rlim_cur), room);
    return static_cast<int>(std::max(room, 1LL));
  }
  return things;
}

int run(Options o) {
  o.things = raise_fd_limit(o.things);
  awsfota::testing::TempDir dir("bench-jobsd");
  // No control-plane rate limit: registering 1,000 things is setup, not what is measured.
  auto started = LocalStack::start(dir.path(),
                                   {.extra_args = {"--subscription", o.subscription}, .api_requests_per_second = 0});
  if (!started) {
    std::fprintf(stderr, "stack: %s\n", started.error().c_str());
    return 1;
  }
  LocalStack& stack = **started;
  const auto pki = dir.path() / "things";
  auto t_setup = Clock::now();
  if (!issue_certificates(stack, pki, o.things)) return 1;
  std::printf("certificates for %d things: %.1f s\n", o.things, ms_between(t_setup, Clock::now()) / 1000);

  t_setup = Clock::now();
  if (stack.rest("POST", "/thing-groups/fleet", "{}").status != 200) return 1;
  std::vector<std::unique_ptr<SimThing>> things;
  for (int i = 0; i < o.things; ++i) {
    auto t = std::make_unique<SimThing>();
    t->name = "thing-" + std::to_string(i);
    if (stack.rest("POST", "/things/" + t->name, "{}").status != 200 ||
        stack.rest("PUT", "/thing-groups/addThingToThingGroup",
                   json{{"thingGroupName", "fleet"}, {"thingName", t->name}}.dump())
                .status != 200) {
      std::fprintf(stderr, "registering %s failed\n", t->name.c_str());
      return 1;
    }
    things.push_back(std::move(t));
  }
  std::printf("registered %d things in group fleet: %.1f s\n", o.things, ms_between(t_setup, Clock::now()) / 1000);

  std::vector<std::vector<SimThing*>> shards;
  for (std::size_t i = 0; i < things.size(); ++i) {
    if (i % static_cast<std::size_t>(o.per_worker) == 0) shards.emplace_back();
    shards.back().push_back(things[i].get());
  }
  int ready_pipe[2];
  if (pipe(ready_pipe) != 0) return 1;
  t_setup = Clock::now();
  std::vector<pid_t> workers;
  std::fflush(stdout);
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const pid_t pid = fork();
    if (pid == 0) worker(shards[k], stack, pki, ready_pipe[1], dir.path() / ("results-" + std::to_string(k)));
    if (pid < 0) return 1;
    workers.push_back(pid);
  }
  std::size_t ready = 0;
  char byte = 0;
  while (ready < shards.size() && read(ready_pipe[0], &byte, 1) == 1) ++ready;
  std::printf("connected and subscribed %d things in %zu worker processes: %.1f s\n", o.things, shards.size(),
              ms_between(t_setup, Clock::now()) / 1000);

  const json job = {{"targets", {"arn:aws:iot:us-east-1:000000000000:thinggroup/fleet"}},
                    {"document", R"({"operation":"app_fw_update","fwversion":"v1.0.2","size":181124,)"
                                 R"("location":{"url":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/app.bin}"}})"},
                    // A placeholder needs the role AWS would assume to presign it, as on AWS.
                    {"presignedUrlConfig", {{"roleArn", "arn:aws:iam::000000000000:role/presign"}}}};
  const auto t0 = Clock::now();
  const auto created = stack.rest("PUT", "/jobs/bench", job.dump());
  const auto t_created = Clock::now();
  int code = created.status == 200 ? 0 : 1;
  if (code != 0) std::fprintf(stderr, "create-job: %d %s\n", created.status, created.body.dump().c_str());
  for (pid_t pid : workers) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) code = 1;
  }
  if (code != 0) {
    std::fprintf(stderr, "a worker failed (see above)\n");
    return code;
  }
  std::vector<double> to_in_progress;
  std::int64_t last = ticks(t0);
  for (std::size_t k = 0; k < shards.size(); ++k) {
    std::ifstream in(dir.path() / ("results-" + std::to_string(k)));
    for (std::int64_t started_ns = 0, done_ns = 0; in >> started_ns >> done_ns;) {
      to_in_progress.push_back(static_cast<double>(started_ns - ticks(t0)) / 1e6);
      last = std::max(last, done_ns);
    }
  }
  const double total_s = static_cast<double>(last - ticks(t0)) / 1e9;
  std::printf("\nsubscription=%s things=%d workers=%zu\n", o.subscription.c_str(), o.things, shards.size());
  std::printf("create-job (queues %d executions, answers over REST): %.1f ms\n", o.things, ms_between(t0, t_created));
  std::printf("all %zu executions SUCCEEDED after %.2f s: %.0f executions/s\n", to_in_progress.size(), total_s,
              static_cast<double>(to_in_progress.size()) / total_s);
  std::printf("create-job -> IN_PROGRESS accepted: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              percentile(to_in_progress, 0.5), percentile(to_in_progress, 0.99), percentile(to_in_progress, 1.0));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Job executions per second through awsfota-jobsd, with N simulated things on a throwaway stack.",
               "bench_jobsd"};
  Options o;
  app.add_option("--things", o.things, "simulated things, each its own MQTT client and certificate")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  // A worker process pumps its clients with select(), which sees descriptors below FD_SETSIZE only.
  app.add_option("--per-worker", o.per_worker, "things per worker process")
      ->check(CLI::Range(1, 300))->capture_default_str();
  app.add_option("--subscription", o.subscription, "what awsfota-jobsd subscribes to (its --subscription)")
      ->check(CLI::IsMember({"requests", "all"}))->capture_default_str();
  app.footer("Exit codes: 0 done, 1 a step failed (see stderr), 2 bad command line. Figures: docs/performance.md.");
  if (auto done = awsfota::program::parse(app, argc, argv)) return *done;
  return run(o);
}
