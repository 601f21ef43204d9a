// A fake AWS IoT Jobs service for one thing, answering the device's MQTT requests the way AWS does
// (versionNumber + 1 on each accepted update, VersionMismatch, InvalidStateTransition with the
// executionState for an update of an ended execution, TerminalStateReached without it for a get of one,
// notify-next when the next pending execution changes). Written with nlohmann::json directly, independent of the jobs
// codec under test, so the engine's messages are checked against an independent reading.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace awsfota::fota::testing {

struct ServiceJob {
  std::string id;
  std::string status = "QUEUED";
  std::int64_t version = 1;
  std::string document;  // "${SIG}" is replaced by a fresh signature each time the document is handed out
  std::map<std::string, std::string> details;
};

struct UpdateRecord {
  std::string job_id;
  std::string status;
  std::map<std::string, std::string> details;
  std::optional<std::int64_t> expected_version;
  std::string outcome;  // "accepted" or the rejection code
};

using Message = std::pair<std::string, std::string>;  // topic, payload

inline bool is_terminal_status(const std::string& s) {
  return s == "SUCCEEDED" || s == "FAILED" || s == "TIMED_OUT" || s == "REJECTED" || s == "REMOVED" ||
         s == "CANCELED";
}

class FakeService {
 public:
  explicit FakeService(std::string thing) : thing_(std::move(thing)) {}

  std::vector<ServiceJob> jobs;
  std::vector<UpdateRecord> updates;
  int signatures = 0;
  // Knobs for scenarios.
  int bump_version_before_next_update = 0;       // someone else updates first: VersionMismatch
  std::optional<std::string> reject_next_update;  // reject the next update with this code
  bool include_execution_state_on_reject = true;

  std::string prefix() const { return "$aws/things/" + thing_ + "/jobs/"; }

  ServiceJob* find(const std::string& id) {
    for (auto& j : jobs)
      if (j.id == id) return &j;
    return nullptr;
  }
  const ServiceJob* next_pending() const {
    for (const auto& j : jobs)
      if (j.status == "IN_PROGRESS") return &j;
    for (const auto& j : jobs)
      if (j.status == "QUEUED") return &j;
    return nullptr;
  }

  // Adds a job; returns the notify-next to publish when the next pending job changed.
  std::vector<Message> add_job(ServiceJob job) {
    std::string before = next_id();
    jobs.push_back(std::move(job));
    return notify_if_changed(before);
  }
  // cancel-job --force (or delete): the execution ends in the cloud.
  std::vector<Message> force_cancel(const std::string& id, const std::string& status = "CANCELED") {
    std::string before = next_id();
    if (auto* j = find(id)) {
      j->status = status;
      ++j->version;
    }
    return notify_if_changed(before);
  }

  std::vector<Message> handle(const std::string& topic, const std::string& payload) {
    if (topic.rfind(prefix(), 0) != 0) return {};
    std::string rest = topic.substr(prefix().size());
    auto slash = rest.find('/');
    if (slash == std::string::npos) return {};
    std::string job_id = rest.substr(0, slash);
    std::string op = rest.substr(slash + 1);
    nlohmann::json body = payload.empty() ? nlohmann::json::object() : nlohmann::json::parse(payload, nullptr, false);
    std::string token = body.is_object() ? body.value("clientToken", "") : "";
    if (op == "get") return describe(job_id, token);
    if (op == "update") return update(job_id, body, token);
    return {};
  }

  nlohmann::json execution_json(const ServiceJob& j) {
    nlohmann::json e{{"jobId", j.id},         {"thingName", thing_}, {"status", j.status},
                     {"versionNumber", j.version}, {"executionNumber", 1}, {"queuedAt", 1700000000}};
    if (!j.details.empty()) e["statusDetails"] = j.details;
    std::string doc = j.document;
    if (auto p = doc.find("${SIG}"); p != std::string::npos) doc.replace(p, 6, std::to_string(++signatures));
    e["jobDocument"] = nlohmann::json::parse(doc);
    return e;
  }

 private:
  std::string next_id() const {
    const ServiceJob* n = next_pending();
    return n ? n->id : "";
  }
  std::vector<Message> notify_if_changed(const std::string& before) {
    if (next_id() == before) return {};
    nlohmann::json body{{"timestamp", 1700000001}};
    if (const ServiceJob* n = next_pending()) body["execution"] = execution_json(*n);
    return {{prefix() + "notify-next", body.dump()}};
  }
  Message reply(const std::string& request_topic, bool accepted, nlohmann::json body) {
    body["timestamp"] = 1700000002;
    return {request_topic + (accepted ? "/accepted" : "/rejected"), body.dump()};
  }
  nlohmann::json rejection(const std::string& code, const std::string& token, const ServiceJob* j) {
    nlohmann::json r{{"code", code}, {"message", "fake service: " + code}, {"clientToken", token}};
    // AWS attaches executionState to these two codes only.
    if (j && include_execution_state_on_reject && (code == "InvalidStateTransition" || code == "VersionMismatch")) {
      r["executionState"] = {{"status", j->status}, {"statusDetails", j->details}, {"versionNumber", j->version}};
    }
    return r;
  }
  std::vector<Message> describe(const std::string& job_id, const std::string& token) {
    std::string topic = prefix() + job_id + "/get";
    const ServiceJob* j = job_id == "$next" ? next_pending() : find(job_id);
    if (!j) {
      if (job_id == "$next") return {reply(topic, true, {{"clientToken", token}})};
      return {reply(topic, false, rejection("ResourceNotFound", token, nullptr))};
    }
    if (is_terminal_status(j->status)) return {reply(topic, false, rejection("TerminalStateReached", token, j))};
    return {reply(topic, true, {{"clientToken", token}, {"execution", execution_json(*j)}})};
  }
  std::vector<Message> update(const std::string& job_id, const nlohmann::json& body, const std::string& token) {
    std::string topic = prefix() + job_id + "/update";
    UpdateRecord rec{job_id, body.value("status", ""), {}, std::nullopt, "accepted"};
    if (body.contains("statusDetails") && body["statusDetails"].is_object()) {
      rec.details = body["statusDetails"].get<std::map<std::string, std::string>>();
    }
    if (body.contains("expectedVersion")) {
      const auto& v = body["expectedVersion"];
      rec.expected_version = v.is_string() ? std::stoll(v.get<std::string>()) : v.get<std::int64_t>();
    }
    ServiceJob* j = find(job_id);
    if (j && bump_version_before_next_update > 0) {
      --bump_version_before_next_update;
      ++j->version;
    }
    std::string code;
    if (!j) code = "ResourceNotFound";
    else if (reject_next_update) code = *std::exchange(reject_next_update, std::nullopt);
    else if (is_terminal_status(j->status)) code = "InvalidStateTransition";
    else if (rec.expected_version && *rec.expected_version != j->version) code = "VersionMismatch";
    else if (rec.status != "IN_PROGRESS" && rec.status != "SUCCEEDED" && rec.status != "FAILED" && rec.status != "REJECTED")
      code = "InvalidStateTransition";
    if (!code.empty()) {
      rec.outcome = code;
      updates.push_back(rec);
      return {reply(topic, false, rejection(code, token, j))};
    }
    std::string before = next_id();
    j->status = rec.status;
    j->details = rec.details;
    ++j->version;
    updates.push_back(rec);
    std::vector<Message> out{reply(topic, true,
                                   {{"clientToken", token},
                                    {"executionState",
                                     {{"status", j->status}, {"statusDetails", j->details}, {"versionNumber", j->version}}}})};
    for (auto& m : notify_if_changed(before)) out.push_back(std::move(m));
    return out;
  }

  std::string thing_;
};

}  // namespace awsfota::fota::testing
