// Drives an Engine with an arbitrary sequence of inputs chosen by a byte source, and checks the
// engine's promises after every input:
//  - it never publishes SUCCEEDED for a job unless that job's new image was confirmed (a
//    DfuImageConfirmed answered its confirm, or a checkpoint/boot outcome says so) or the job was
//    offered with the running version (already installed);
//  - it never publishes a status update for a job other than the one it holds.
// Shared by the seeded property test (tests/fota) and the libFuzzer target (fuzz/fota).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "awsfota/fota/engine.hpp"

namespace awsfota::fota::fuzzing {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // A value in [0, bound); bound > 0.
  virtual std::uint32_t next(std::uint32_t bound) = 0;
  [[nodiscard]] virtual bool exhausted() const = 0;
};

class EngineDriver {
 public:
  std::vector<std::string> violations;
  int inputs = 0;
  std::set<State> states_seen;  // so a test can tell the sequences reach deep into the flow
  int succeeded_published = 0;

  void run(ByteSource& bytes, int max_inputs) {
    restart(bytes);
    while (inputs < max_inputs && !bytes.exhausted()) step(bytes);
  }

 private:
  static constexpr const char* kPrefix = "$aws/things/dev-1/jobs/";
  std::optional<Engine> engine_;
  Millis now_{0};
  std::optional<store::Checkpoint> saved_;
  std::set<std::string> may_succeed_;
  std::string update_token_, update_job_, describe_token_, describe_job_, next_token_;

  static EngineConfig config() {
    EngineConfig c;
    c.thing_name = "dev-1";
    c.running_version = "v1.0.0";
    c.progress_min_interval = Millis(0);
    return c;
  }

  std::string pick(ByteSource& b, std::initializer_list<const char*> options) {
    std::uint32_t i = b.next(static_cast<std::uint32_t>(options.size()));
    return *(options.begin() + i);
  }

  std::string execution(ByteSource& b, const std::string& job, const std::string& status) {
    std::string fw = pick(b, {"v1.0.0", "v2.0.0", "v3.0.0"});
    std::string doc = pick(b, {R"({"fwversion":"FW","size":1000,"location":{"url":"https://h/f.bin"}})",
                               R"({"fwversion":"FW","location":{"protocol":"https:","host":"h","path":"p"}})",
                               R"({"fwversion":"FW","location":{}})", R"("not an object")"});
    doc.replace(doc.find("FW") == std::string::npos ? 0 : doc.find("FW"), doc.find("FW") == std::string::npos ? 0 : 2, fw);
    return R"({"jobId":")" + job + R"(","status":")" + status + R"(","versionNumber":)" +
           std::to_string(b.next(6)) + R"(,"executionNumber":1,"jobDocument":)" + doc + "}";
  }

  void restart(ByteSource& b) {
    auto e = Engine::create(config());
    if (!e) {
      violations.push_back("config refused: " + e.error().message);
      return;
    }
    engine_.emplace(std::move(*e));
    Started s;
    s.boot = static_cast<BootOutcome>(b.next(5));
    if (saved_ && b.next(4) != 0) s.checkpoint = saved_;
    else if (b.next(8) == 0) s.checkpoint_error = "checkpoint: crc32 mismatch (file damaged)";
    if (s.checkpoint) {
      if ((s.checkpoint->phase == store::CheckpointPhase::Confirming && s.boot == BootOutcome::Normal) ||
          (s.checkpoint->phase == store::CheckpointPhase::Reporting && s.checkpoint->report_status == "SUCCEEDED")) {
        may_succeed_.insert(s.checkpoint->job_id);
      }
    }
    update_token_.clear();
    describe_token_.clear();
    next_token_.clear();
    feed(std::move(s));
  }

  void step(ByteSource& b) {
    const std::string job = pick(b, {"job-1", "job-2", "job-3"});
    // Half of the time, the input the current state waits for: random sequences then reach every state.
    std::uint32_t choice = b.next(2) == 0 ? expected_by_state(b) : b.next(28);
    switch (choice) {
      case 0: return feed(MqttConnected{});
      case 1: return feed(MqttDisconnected{});
      case 2: {
        std::string body = b.next(4) == 0 ? R"({"timestamp":1})"
                                          : R"({"timestamp":1,"execution":)" + execution(b, job, "QUEUED") + "}";
        if (body.find("v1.0.0") != std::string::npos) may_succeed_.insert(job);
        return feed(MqttMessage{std::string(kPrefix) + "notify-next", body});
      }
      case 3: {
        std::string token = b.next(4) == 0 ? "stale" : next_token_;
        std::string body = b.next(3) == 0 ? R"({"clientToken":")" + token + R"("})"
                                          : R"({"clientToken":")" + token + R"(","execution":)" +
                                                execution(b, job, pick(b, {"QUEUED", "IN_PROGRESS"})) + "}";
        if (body.find("v1.0.0") != std::string::npos) may_succeed_.insert(job);
        return feed(MqttMessage{std::string(kPrefix) + "$next/get/accepted", body});
      }
      case 4:
        return feed(MqttMessage{std::string(kPrefix) + update_job_ + "/update/accepted",
                                R"({"clientToken":")" + update_token_ + R"(","executionState":{"status":")" +
                                    pick(b, {"IN_PROGRESS", "SUCCEEDED", "FAILED"}) + R"(","versionNumber":)" +
                                    std::to_string(b.next(9)) + "}}"});
      case 5:
        return feed(MqttMessage{
            std::string(kPrefix) + update_job_ + "/update/rejected",
            R"({"clientToken":")" + update_token_ + R"(","code":")" +
                pick(b, {"VersionMismatch", "TerminalStateReached", "InvalidStateTransition", "ResourceNotFound",
                         "RequestThrottled", "InvalidRequest", "Weird"}) +
                R"(","message":"m","executionState":{"status":")" +
                pick(b, {"IN_PROGRESS", "CANCELED", "SUCCEEDED", "FAILED"}) + R"(","versionNumber":3}})"});
      case 6:
        return feed(MqttMessage{std::string(kPrefix) + describe_job_ + "/get/accepted",
                                R"({"clientToken":")" + describe_token_ + R"(","execution":)" +
                                    execution(b, describe_job_, pick(b, {"IN_PROGRESS", "QUEUED", "CANCELED", "SUCCEEDED"})) +
                                    "}"});
      case 7:
        return feed(MqttMessage{std::string(kPrefix) + describe_job_ + "/get/rejected",
                                R"({"clientToken":")" + describe_token_ + R"(","code":")" +
                                    pick(b, {"ResourceNotFound", "InternalError", "InvalidRequest"}) + R"("})"});
      case 8: return feed(DownloadProgress{b.next(1300), pick(b, {"0", "1000", "1200"}) == "0" ? 0u : 1000u});
      case 9: return feed(DownloadFinished{b.next(2) == 0 ? 1000u : b.next(1300)});
      case 10: return feed(DownloadFailed{static_cast<ErrorCause>(b.next(17)), "x"});
      case 11: return feed(DownloadUrlExpired{});
      case 12: return feed(DfuErasePending{});
      case 13: return feed(DfuStagingReady{b.next(2) == 0, b.next(1300)});
      case 14: return feed(DfuImageVerified{static_cast<ImageKind>(1U << b.next(4))});
      case 15: return feed(DfuTrialScheduled{});
      case 16: {
        if (engine_->state() == State::Confirming) may_succeed_.insert(engine_->job_id());
        return feed(DfuImageConfirmed{});
      }
      case 17: return feed(DfuFailed{static_cast<ErrorCause>(b.next(17)), "y"});
      case 18:
        now_ += Millis(static_cast<std::int64_t>(b.next(4)) * 200000);
        return feed(TimerExpired{b.next(2) == 0 ? TimerId::Response : TimerId::Confirm});
      case 19: return feed(AppConfirm{});
      case 20: return feed(AppSelfTestFailed{"bad"});
      case 21: return feed(AppCancel{});
      case 22: return feed(AppDeferReboot{});
      case 23: return feed(AppAllowReboot{});
      case 24: return feed(CheckpointSaveFailed{"disk full"});
      case 25: return feed(MqttMessage{pick(b, {"$aws/things/dev-1/jobs/notify-next", "$aws/things/dev-1/jobs/job-1/update/accepted", "other/topic"}),
                                       pick(b, {"", "{", "[]", "null", R"({"execution":{"jobId":7}})"})});
      case 26: return feed(MessagesLost{});
      default: return restart(b);
    }
  }

  std::uint32_t expected_by_state(ByteSource& b) {
    switch (engine_->state()) {
      case State::Idle: return 2 + b.next(2);
      case State::Checking:
      case State::RefreshingUrl: return 6;
      case State::Preparing: return 13;
      case State::Downloading: return 8 + b.next(2);
      case State::Verifying: return 14;
      case State::Scheduling: return 15;
      case State::AwaitingReboot: return b.next(2) == 0 ? 4 : 27;
      case State::Trial: return 19;
      case State::Confirming: return 16;
      default: return 4;
    }
  }

  void feed(InputEvent event) {
    ++inputs;
    now_ += Millis(1000);
    auto actions = engine_->handle(Input{now_, std::move(event)});
    states_seen.insert(engine_->state());
    for (const auto& a : actions) {
      if (const auto* p = std::get_if<Publish>(&a)) observe(*p);
      if (const auto* c = std::get_if<PersistCheckpoint>(&a)) saved_ = c->checkpoint;
      if (std::holds_alternative<ClearCheckpoint>(a)) saved_.reset();
    }
  }

  static std::string token_of(const std::string& payload) {
    auto at = payload.find("\"clientToken\":\"");
    if (at == std::string::npos) return "";
    at += 15;
    return payload.substr(at, payload.find('"', at) - at);
  }

  void observe(const Publish& p) {
    std::string rest = p.topic.substr(std::string(kPrefix).size());
    std::string job = rest.substr(0, rest.find('/'));
    if (rest.find("/update") != std::string::npos) {
      if (job != engine_->job_id()) violations.push_back("update for " + job + " while holding '" + engine_->job_id() + "'");
      if (p.payload.find("\"SUCCEEDED\"") != std::string::npos) {
        ++succeeded_published;
        if (may_succeed_.count(job) == 0) violations.push_back("SUCCEEDED for " + job + " without a confirmed new image");
      }
      update_token_ = token_of(p.payload);
      update_job_ = job;
    } else if (job == "$next") {
      next_token_ = token_of(p.payload);
    } else {
      describe_token_ = token_of(p.payload);
      describe_job_ = job;
    }
  }
};

}  // namespace awsfota::fota::fuzzing
