// AWS IoT Jobs MQTT topics: build them, and classify an incoming topic.
//
// Pure: no I/O. The device side uses it to subscribe and publish for its own thing; the local service
// (awsfota-jobsd) uses it to route requests of every thing.
//
//   using namespace awsfota::jobs;
//   auto t = build_topic({TopicKind::UpdateExecution, Reply::Accepted, "sensor-7", "job-42"});
//   // *t == "$aws/things/sensor-7/jobs/job-42/update/accepted"
//   auto c = classify_topic("$aws/things/sensor-7/jobs/notify-next", "sensor-7");
//   // c->kind == TopicKind::NotifyNext
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "awsfota/expected.hpp"

namespace awsfota::jobs {

// AWS IoT: a thing name is 1..128 of [a-zA-Z0-9:_-]; it is also the MQTT client id and appears in topics.
inline constexpr std::size_t kMaxThingNameLength = 128;
// AWS IoT Jobs: a job id is 1..64 of [a-zA-Z0-9_-].
inline constexpr std::size_t kMaxJobIdLength = 64;
// The job id that names "the next pending execution" in J/get topics.
inline constexpr std::string_view kNextJobId = "$next";

[[nodiscard]] bool is_valid_thing_name(std::string_view name) noexcept;
[[nodiscard]] bool is_valid_job_id(std::string_view job_id) noexcept;

enum class TopicKind {
  GetPending,          // $aws/things/T/jobs/get
  StartNext,           // $aws/things/T/jobs/start-next
  DescribeExecution,   // $aws/things/T/jobs/J/get        (J may be $next)
  UpdateExecution,     // $aws/things/T/jobs/J/update
  Notify,              // $aws/things/T/jobs/notify       (service to device, no reply suffix)
  NotifyNext,          // $aws/things/T/jobs/notify-next  (service to device, no reply suffix)
};

enum class Reply {
  None,      // the request itself, or a notification
  Accepted,  // .../accepted
  Rejected,  // .../rejected
};

struct Topic {
  TopicKind kind = TopicKind::GetPending;
  Reply reply = Reply::None;
  std::string thing;
  std::string job_id;  // set for DescribeExecution (may be "$next") and UpdateExecution, else empty

  friend bool operator==(const Topic&, const Topic&) = default;
};

enum class TopicErrorCode {
  NotJobsTopic,     // not under $aws/things/T/jobs/
  OtherThing,       // a jobs topic, but of another thing than the one asked for
  InvalidThingName, // thing name empty, too long or with characters AWS does not allow
  InvalidJobId,     // job id empty, too long or with characters AWS does not allow
  Malformed,        // a jobs topic of the right thing with an unknown operation or suffix
};

struct TopicError {
  TopicErrorCode code = TopicErrorCode::Malformed;
  std::string message;  // says what is wrong with which part, for a log line
};

[[nodiscard]] std::string_view to_string(TopicKind kind) noexcept;
[[nodiscard]] std::string_view to_string(TopicErrorCode code) noexcept;
[[nodiscard]] std::string_view to_string(Reply reply) noexcept;  // "None", "Accepted", "Rejected"

// The topic string for `topic`. Fails when the thing name or job id breaks AWS's rules, when a job id
// is given for a kind that has none (or missing for one that needs it), when "$next" is used with
// UpdateExecution, or when a reply suffix is asked of Notify/NotifyNext.
[[nodiscard]] Expected<std::string, TopicError> build_topic(const Topic& topic);

// Classifies `topic`. When `expected_thing` is not empty, a jobs topic of any other thing is
// OtherThing. Accepts request topics, /accepted and /rejected replies and notifications.
[[nodiscard]] Expected<Topic, TopicError> classify_topic(std::string_view topic,
                                                         std::string_view expected_thing = {});

// Subscription filters (MQTT wildcards) a device or the service needs.
// "$aws/things/T/jobs/notify-next"
[[nodiscard]] std::string notify_next_filter(std::string_view thing);
// "$aws/things/T/jobs/notify"
[[nodiscard]] std::string notify_filter(std::string_view thing);
// "$aws/things/T/jobs/$next/get/+"  (accepted and rejected of "describe the next execution")
[[nodiscard]] std::string next_get_replies_filter(std::string_view thing);
// "$aws/things/T/jobs/+/update/+"  (accepted and rejected of every update of this thing)
[[nodiscard]] std::string update_replies_filter(std::string_view thing);
// "$aws/things/T/jobs/+/get/+"
[[nodiscard]] std::string get_replies_filter(std::string_view thing);
// "$aws/things/+/jobs/#"  (what the service subscribes to; it ignores its own replies)
[[nodiscard]] std::string all_things_jobs_filter();

}  // namespace awsfota::jobs
