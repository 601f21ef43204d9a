// A simulated device and cloud around one Engine: every seam is a scripted fake, the MQTT broker
// delivers only what the device subscribed to, and the Jobs service is FakeService. Each step runs one
// pending task (a message delivery, a download chunk, a DFU result...), so a test can stop the world
// after any step, power-cycle the device, and let it run on.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/fota/engine.hpp"
#include "awsfota/store/checkpoint_store.hpp"
#include "fota/fake_service.hpp"

namespace awsfota::fota::testing {

inline constexpr const char* kThing = "sensor-7";

inline std::string firmware_doc(const std::string& fw = "v2.0.0", std::uint64_t size = 1000,
                                const std::string& extra = "") {
  return R"({"operation":"app_fw_update","fwversion":")" + fw + R"(","size":)" + std::to_string(size) + extra +
         R"(,"location":{"url":"https://files.example.com/fw.bin?sig=${SIG}"}})";
}

inline bool topic_matches(const std::string& filter, const std::string& topic) {
  std::size_t f = 0, t = 0;
  while (true) {
    auto fe = filter.find('/', f), te = topic.find('/', t);
    std::string fl = filter.substr(f, fe == std::string::npos ? std::string::npos : fe - f);
    std::string tl = topic.substr(t, te == std::string::npos ? std::string::npos : te - t);
    if (fl == "#") return true;
    if (fl != "+" && fl != tl) return false;
    if (fe == std::string::npos || te == std::string::npos) return fe == te;
    f = fe + 1;
    t = te + 1;
  }
}

struct World {
  EngineConfig config;
  std::optional<Engine> engine;
  FakeService service{kThing};
  store::MemoryCheckpointStore store;
  Millis now{0};
  std::deque<std::function<void()>> tasks;
  std::map<TimerId, Millis> timers;

  // device state
  bool connected = false;
  std::vector<std::string> subscriptions;
  std::uint64_t staged = 0;          // durably staged bytes
  bool trial_scheduled = false;
  bool running_trial = false;        // the new image runs, unconfirmed
  bool running_new_confirmed = false;
  bool running_rejected = false;     // RejectRunningImage of the running trial: reverts at the next boot
  // Like dfu::BootRecord::reverted_from: set by the boot that left an unconfirmed trial, kept through
  // later boots and restarts until AcknowledgeRevert or the next trial request.
  bool revert_on_record = false;
  BootOutcome last_outcome = BootOutcome::Normal;
  bool download_active = false;
  std::vector<DfuInstallProgress> install_steps;  // reported during verify, as RAUC's install does
  std::uint64_t download_pos = 0;
  int reboots = 0;

  // knobs
  std::uint64_t file_size = 1000;
  std::uint64_t chunk = 250;
  std::uint64_t commit_every = 0;             // 0: each chunk is durable; else only multiples of it and the end
  int url_expiries = 0;                       // the next N download starts report UrlExpired
  std::optional<DownloadFailed> download_failure;  // reported at the first chunk
  std::optional<DfuFailed> prepare_failure, verify_failure, schedule_failure, confirm_failure;
  bool auto_confirm = true;                   // the application's self-test passes after a trial boot
  std::optional<std::string> self_test_failure;
  std::uint64_t served_total = 0;             // 0: file_size
  bool lose_staged_record = false;            // the next prepare cannot keep what was staged

  // observations
  std::vector<Event> events;
  std::vector<std::string> bugs;
  std::vector<std::string> warnings;
  std::vector<std::string> download_urls;
  std::vector<std::uint64_t> download_offsets;
  std::vector<std::string> invariant_violations;
  int published_updates = 0;

  explicit World(EngineConfig c = default_config()) : config(std::move(c)) { boot(BootOutcome::Normal); }

  static EngineConfig default_config() {
    EngineConfig c;
    c.thing_name = kThing;
    c.running_version = "v1.0.0";
    c.client_token_prefix = "t";
    return c;
  }

  // ---- driving ----
  void feed(InputEvent e) {
    now += std::chrono::seconds(1);
    auto actions = engine->handle(Input{now, std::move(e)});
    for (auto& a : actions) {
      if (const auto* p = std::get_if<Publish>(&a); p && p->topic.find("/update") != std::string::npos) {
        ++published_updates;
        std::string job = p->topic.substr(service.prefix().size());
        job = job.substr(0, job.find('/'));
        if (job != engine->job_id()) invariant_violations.push_back("update for " + job + " while holding '" + engine->job_id() + "'");
        if (p->payload.find("\"SUCCEEDED\"") != std::string::npos && !running_new_confirmed &&
            !already_installed(job)) {
          invariant_violations.push_back("SUCCEEDED for " + job + " without a confirmed new image");
        }
      }
    }
    for (auto& a : actions) execute(a);
  }
  bool already_installed(const std::string& job) {
    const ServiceJob* j = service.find(job);
    if (!j) return false;
    auto doc = nlohmann::json::parse(j->document, nullptr, false);
    return doc.is_object() && doc.contains("fwversion") && doc["fwversion"].is_string() &&
           same_fw_version(doc["fwversion"].get<std::string>(), config.running_version);
  }
  bool step() {
    if (tasks.empty()) return false;
    auto t = std::move(tasks.front());
    tasks.pop_front();
    t();
    return true;
  }
  // Runs until nothing is pending; fires timers when idle. Returns the steps taken.
  int run(int max_steps = 2000) {
    int steps = 0;
    for (; steps < max_steps; ++steps) {
      if (step()) continue;
      if (timers.empty()) break;
      auto it = std::min_element(timers.begin(), timers.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
      TimerId id = it->first;
      if (now < it->second) now = it->second;
      timers.erase(it);
      feed(TimerExpired{id});
    }
    return steps;
  }
  // Connects, takes a new job and stops once 500 bytes of it are staged (half of the default file).
  void run_into_download(const std::string& id) {
    run();
    add_job(id);
    while (staged < 500 && step()) {
    }
  }
  // Takes `id` until the device has rebooted into its trial, with the application's self-test held back
  // (auto_confirm off) and this boot's MQTT session not yet up.
  void run_into_trial(const std::string& id) {
    auto_confirm = false;
    run();
    add_job(id);
    while (!running_trial && step()) {
    }
  }
  void add_job(const std::string& id, const std::string& doc = firmware_doc()) {
    deliver_all(service.add_job(ServiceJob{id, "QUEUED", 1, doc, {}}));
  }
  void cloud_cancel(const std::string& id, const std::string& status = "CANCELED") {
    deliver_all(service.force_cancel(id, status));
  }

  // ---- power ----
  void boot_from_record() { boot(revert_on_record ? BootOutcome::Reverted : BootOutcome::Normal); }
  void boot(BootOutcome outcome) {
    tasks.clear();
    timers.clear();
    connected = false;
    download_active = false;
    last_outcome = outcome;
    auto e = Engine::create(config);
    ASSERT_TRUE(e) << e.error().message;
    engine.emplace(std::move(*e));
    Started s;
    s.boot = outcome;
    auto loaded = store.load();
    if (loaded) s.checkpoint = *loaded;
    else s.checkpoint_error = loaded.error().message;
    feed(std::move(s));
    if (outcome == BootOutcome::Trial) {
      tasks.emplace_back([this] {
        if (self_test_failure && engine->accepts(InputKind::AppSelfTestFailed)) feed(AppSelfTestFailed{*self_test_failure});
        else if (auto_confirm && engine->accepts(InputKind::AppConfirm)) feed(AppConfirm{});
      });
    }
    tasks.emplace_back([this] { connect(); });
  }
  // The agent process restarts; the device does not reboot.
  void restart_process() {
    if (running_rejected) return boot(BootOutcome::RevertPending);
    if (running_trial) return boot(BootOutcome::Trial);
    if (trial_scheduled) return boot(BootOutcome::TrialPending);
    boot_from_record();
  }
  // The device reboots (or loses power): the bootloader decides what runs.
  void reboot() {
    ++reboots;
    running_rejected = false;
    if (running_trial) {
      running_trial = false;
      revert_on_record = true;
    } else if (trial_scheduled) {
      trial_scheduled = false;
      running_trial = true;
      return boot(BootOutcome::Trial);
    }
    boot_from_record();
  }
  void connect() {
    connected = true;
    subscriptions.clear();
    feed(MqttConnected{});
  }
  void disconnect() {
    connected = false;
    feed(MqttDisconnected{});
  }

  // ---- the seams ----
  void deliver_all(const std::vector<Message>& messages) {
    for (const auto& m : messages) {
      tasks.emplace_back([this, m] {
        if (!connected) return;  // lost with the connection
        for (const auto& f : subscriptions) {
          if (topic_matches(f, m.first)) {
            feed(MqttMessage{m.first, m.second});
            return;
          }
        }
      });
    }
  }
  void execute(const Action& action) {
    std::visit([this](const auto& a) { run_action(a); }, action);
  }
  void run_action(const Subscribe& a) {
    if (connected) subscriptions.push_back(a.filter);
  }
  void run_action(const Publish& a) {
    if (!connected) return;
    tasks.emplace_back([this, a] { deliver_all(service.handle(a.topic, a.payload)); });
  }
  void run_action(const StartDownload& a) {
    download_urls.push_back(a.url);
    download_offsets.push_back(a.offset);
    download_active = true;
    download_pos = a.offset;
    if (staged < a.offset) invariant_violations.push_back("download resumes past the staged bytes");
    if (running_rejected) invariant_violations.push_back("download while a rejected image runs");
    tasks.emplace_back([this] { download_tick(); });
  }
  void download_tick() {
    if (!download_active) return;
    if (url_expiries > 0) {
      --url_expiries;
      download_active = false;
      return feed(DownloadUrlExpired{});
    }
    if (download_failure) {
      download_active = false;
      return feed(*std::exchange(download_failure, std::nullopt));
    }
    const std::uint64_t total = served_total != 0 ? served_total : file_size;
    download_pos = std::min(total, download_pos + chunk);
    const bool durable = commit_every == 0 || download_pos == total || download_pos / commit_every > staged / commit_every;
    if (durable) staged = commit_every == 0 || download_pos == total ? download_pos : download_pos / commit_every * commit_every;
    feed(DownloadProgress{staged, total, download_pos});
    if (!download_active) return;
    if (download_pos == total) {
      tasks.emplace_back([this, total] {
        if (!download_active) return;
        download_active = false;
        feed(DownloadFinished{total});
      });
    } else {
      tasks.emplace_back([this] { download_tick(); });
    }
  }
  void run_action(const StopDownload&) { download_active = false; }
  void run_action(const PrepareStaging& a) {
    if (running_rejected) invariant_violations.push_back("staging while a rejected image runs");
    staged = std::min(staged, lose_staged_record ? 0 : a.keep_bytes);
    lose_staged_record = false;
    if (a.keep_bytes == 0) tasks.emplace_back([this] { feed(DfuErasePending{}); });
    tasks.emplace_back([this, erased = a.keep_bytes == 0] {
      if (prepare_failure) return feed(*std::exchange(prepare_failure, std::nullopt));
      feed(DfuStagingReady{erased, staged});
    });
  }
  void run_action(const VerifyStaged& a) {
    tasks.emplace_back([this, a] {
      if (verify_failure) return feed(*std::exchange(verify_failure, std::nullopt));
      if (a.expected_size && staged != *a.expected_size) return feed(DfuFailed{ErrorCause::SizeMismatch, "short"});
      for (const auto& step : install_steps) feed(step);
      feed(DfuImageVerified{ImageKind::Mcuboot});
    });
  }
  void run_action(const ScheduleTrialBoot&) {
    tasks.emplace_back([this] {
      if (schedule_failure) return feed(*std::exchange(schedule_failure, std::nullopt));
      trial_scheduled = true;
      revert_on_record = false;
      feed(DfuTrialScheduled{});
    });
  }
  void run_action(const DropStaged&) {
    staged = 0;
    trial_scheduled = false;
  }
  void run_action(const ConfirmRunningImage&) {
    tasks.emplace_back([this] {
      if (confirm_failure) return feed(*std::exchange(confirm_failure, std::nullopt));
      if (running_trial) {
        running_trial = false;
        running_new_confirmed = true;
      }
      feed(DfuImageConfirmed{});
    });
  }
  void run_action(const RejectRunningImage&) {
    if (!running_trial) return;
    running_trial = false;
    running_rejected = true;
    revert_on_record = true;
  }
  void run_action(const AcknowledgeRevert&) { revert_on_record = false; }
  void run_action(const PersistCheckpoint& a) { ASSERT_TRUE(store.save(a.checkpoint)); }
  void run_action(const ClearCheckpoint&) { ASSERT_TRUE(store.clear()); }
  void run_action(const StartTimer& a) { timers[a.id] = a.deadline; }
  void run_action(const CancelTimer& a) { timers.erase(a.id); }
  void run_action(const RequestReboot&) {
    tasks.emplace_back([this] { reboot(); });
  }
  void run_action(const EmitEvent& a) { events.push_back(a.event); }
  void run_action(const Log& a) {
    if (a.level == LogLevel::Bug) bugs.push_back(a.message);
    if (a.level == LogLevel::Warning) warnings.push_back(a.message);
  }

  // ---- observations in a compact form ----
  // "IN_PROGRESS@1 downloading", "FAILED@4 downloading HASH_MISMATCH", "... -> VersionMismatch"
  std::vector<std::string> statuses() const {
    std::vector<std::string> out;
    for (const auto& u : service.updates) {
      std::string s = u.status + "@" + (u.expected_version ? std::to_string(*u.expected_version) : "-");
      if (auto p = u.details.find("phase"); p != u.details.end()) s += " " + p->second;
      if (auto c = u.details.find("cause"); c != u.details.end()) s += " " + c->second;
      if (u.outcome != "accepted") s += " -> " + u.outcome;
      out.push_back(s);
    }
    return out;
  }
  // "START", "DL_PROGRESS 50", "ERROR HASH_MISMATCH", "DONE mcuboot"
  std::vector<std::string> event_names() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      std::string s(to_string(e.kind));
      if (e.kind == EventKind::DlProgress) s += " " + std::to_string(e.percent);
      if (e.kind == EventKind::InstallProgress) s += " " + std::to_string(e.percent) + " " + e.message;
      if (e.kind == EventKind::Error || e.kind == EventKind::RolledBack) s += " " + std::string(to_string(e.cause));
      if (e.kind == EventKind::Done) s += " " + std::string(to_string(e.image));
      if (e.kind == EventKind::RebootRequested && e.deferred) s += " deferred";
      out.push_back(s);
    }
    return out;
  }
  std::string job_status(const std::string& id) {
    const ServiceJob* j = service.find(id);
    return j ? j->status : "";
  }
};

}  // namespace awsfota::fota::testing
