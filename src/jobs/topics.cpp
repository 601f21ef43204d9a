#include "awsfota/jobs/topics.hpp"

#include <array>
#include <optional>
#include <utility>

namespace awsfota::jobs {

namespace {

constexpr std::string_view kThingsPrefix = "$aws/things/";
constexpr std::string_view kJobsInfix = "/jobs";

bool is_id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Topic parts end up in log lines: keep them short and printable.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 80;
  std::string out = "\"";
  for (const char c : text.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte >= 0x7f) ? '?' : c;
  }
  out += text.size() > kShown ? "...\"" : "\"";
  return out;
}

TopicError error(TopicErrorCode code, std::string message) { return TopicError{code, std::move(message)}; }

std::string thing_name_problem(std::string_view thing) {
  return "thing name " + quoted(thing) + " is not 1 to " + std::to_string(kMaxThingNameLength) +
         " of letters, digits, ':', '_' and '-'";
}

std::string job_id_problem(std::string_view job_id) {
  return "job id " + quoted(job_id) + " is not 1 to " + std::to_string(kMaxJobIdLength) +
         " of letters, digits, '_' and '-'";
}

bool kind_has_job_id(TopicKind kind) noexcept {
  return kind == TopicKind::DescribeExecution || kind == TopicKind::UpdateExecution;
}

bool kind_has_reply(TopicKind kind) noexcept {
  return kind != TopicKind::Notify && kind != TopicKind::NotifyNext;
}

std::string_view operation_name(TopicKind kind) noexcept {
  switch (kind) {
    case TopicKind::GetPending:
    case TopicKind::DescribeExecution: return "get";
    case TopicKind::StartNext: return "start-next";
    case TopicKind::UpdateExecution: return "update";
    case TopicKind::Notify: return "notify";
    case TopicKind::NotifyNext: return "notify-next";
  }
  return "get";
}

std::optional<Reply> parse_reply(std::string_view text) noexcept {
  if (text == "accepted") {
    return Reply::Accepted;
  }
  if (text == "rejected") {
    return Reply::Rejected;
  }
  return std::nullopt;
}

// Splits the part after "$aws/things/T/jobs/" at '/'. More than three segments is never a jobs topic.
struct Segments {
  std::array<std::string_view, 3> part{};
  std::size_t count = 0;
  bool too_many = false;
};

Segments split(std::string_view rest) {
  Segments s;
  while (true) {
    const auto slash = rest.find('/');
    if (s.count == s.part.size()) {
      s.too_many = true;
      return s;
    }
    s.part[s.count++] = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
      return s;
    }
    rest.remove_prefix(slash + 1);
  }
}

// The topic without "$aws/things/T/jobs/": its kind, job id and reply. `topic` is for messages only.
Expected<Topic, TopicError> classify_operation(const Segments& s, std::string_view topic) {
  const auto malformed = [&](const std::string& why) {
    return unexpected(error(TopicErrorCode::Malformed, "jobs topic " + quoted(topic) + ": " + why));
  };
  for (std::size_t i = 0; i < s.count; ++i) {
    if (s.part[i].empty()) {
      return malformed("has an empty level");
    }
  }
  if (s.too_many) {
    return malformed("has more levels than any AWS IoT Jobs topic");
  }
  Topic t;
  const std::string_view first = s.part[0];
  if (s.count == 1 || (s.count == 2 && parse_reply(s.part[1]))) {
    if (first == "get") {
      t.kind = TopicKind::GetPending;
    } else if (first == "start-next") {
      t.kind = TopicKind::StartNext;
    } else if (s.count == 1 && first == "notify") {
      t.kind = TopicKind::Notify;
      return t;
    } else if (s.count == 1 && first == "notify-next") {
      t.kind = TopicKind::NotifyNext;
      return t;
    } else if (first == "notify" || first == "notify-next") {
      return malformed(quoted(first) + " is a notification and has no accepted or rejected reply");
    } else {
      return malformed("unknown operation " + quoted(first));
    }
    t.reply = s.count == 2 ? *parse_reply(s.part[1]) : Reply::None;
    return t;
  }
  // $aws/things/T/jobs/J/(get|update)[/(accepted|rejected)]
  const std::string_view operation = s.part[1];
  if (operation == "get") {
    t.kind = TopicKind::DescribeExecution;
  } else if (operation == "update") {
    t.kind = TopicKind::UpdateExecution;
  } else {
    return malformed("unknown operation " + quoted(operation) + " (expected get or update after the job id)");
  }
  if (s.count == 3) {
    const auto reply = parse_reply(s.part[2]);
    if (!reply) {
      return malformed("unknown reply " + quoted(s.part[2]) + " (expected accepted or rejected)");
    }
    t.reply = *reply;
  }
  const bool next_allowed = t.kind == TopicKind::DescribeExecution;
  if (!(is_valid_job_id(first) || (next_allowed && first == kNextJobId))) {
    std::string why = job_id_problem(first);
    if (first == kNextJobId) {
      why = "\"$next\" names the next execution only in J/get topics, not in J/update";
    }
    return unexpected(error(TopicErrorCode::InvalidJobId, "jobs topic " + quoted(topic) + ": " + why));
  }
  t.job_id = std::string(first);
  return t;
}

std::string jobs_prefix(std::string_view thing) {
  std::string topic;
  topic.reserve(kThingsPrefix.size() + thing.size() + kJobsInfix.size() + 1);
  topic += kThingsPrefix;
  topic += thing;
  topic += kJobsInfix;
  topic += '/';
  return topic;
}

}  // namespace

bool is_valid_thing_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxThingNameLength) {
    return false;
  }
  for (const char c : name) {
    if (!is_id_char(c) && c != ':') {
      return false;
    }
  }
  return true;
}

bool is_valid_job_id(std::string_view job_id) noexcept {
  if (job_id.empty() || job_id.size() > kMaxJobIdLength) {
    return false;
  }
  for (const char c : job_id) {
    if (!is_id_char(c)) {
      return false;
    }
  }
  return true;
}

std::string_view to_string(TopicKind kind) noexcept {
  switch (kind) {
    case TopicKind::GetPending: return "GetPending";
    case TopicKind::StartNext: return "StartNext";
    case TopicKind::DescribeExecution: return "DescribeExecution";
    case TopicKind::UpdateExecution: return "UpdateExecution";
    case TopicKind::Notify: return "Notify";
    case TopicKind::NotifyNext: return "NotifyNext";
  }
  return "Unknown";
}

std::string_view to_string(TopicErrorCode code) noexcept {
  switch (code) {
    case TopicErrorCode::NotJobsTopic: return "NotJobsTopic";
    case TopicErrorCode::OtherThing: return "OtherThing";
    case TopicErrorCode::InvalidThingName: return "InvalidThingName";
    case TopicErrorCode::InvalidJobId: return "InvalidJobId";
    case TopicErrorCode::Malformed: return "Malformed";
  }
  return "Unknown";
}

std::string_view to_string(Reply reply) noexcept {
  switch (reply) {
    case Reply::None: return "None";
    case Reply::Accepted: return "Accepted";
    case Reply::Rejected: return "Rejected";
  }
  return "Unknown";
}

Expected<std::string, TopicError> build_topic(const Topic& topic) {
  if (!is_valid_thing_name(topic.thing)) {
    return unexpected(error(TopicErrorCode::InvalidThingName, thing_name_problem(topic.thing)));
  }
  if (kind_has_job_id(topic.kind)) {
    const bool next_allowed = topic.kind == TopicKind::DescribeExecution;
    if (topic.job_id == kNextJobId && !next_allowed) {
      return unexpected(error(TopicErrorCode::InvalidJobId,
                              "\"$next\" names the next execution only in J/get topics, not in J/update"));
    }
    if (!is_valid_job_id(topic.job_id) && topic.job_id != kNextJobId) {
      return unexpected(error(TopicErrorCode::InvalidJobId, job_id_problem(topic.job_id)));
    }
  } else if (!topic.job_id.empty()) {
    return unexpected(error(TopicErrorCode::Malformed,
                            std::string(to_string(topic.kind)) + " topics have no job id, but " +
                                quoted(topic.job_id) + " was given"));
  }
  if (!kind_has_reply(topic.kind) && topic.reply != Reply::None) {
    return unexpected(error(TopicErrorCode::Malformed, std::string(to_string(topic.kind)) +
                                                           " is a notification and has no accepted or rejected reply"));
  }
  std::string out = jobs_prefix(topic.thing);
  if (kind_has_job_id(topic.kind)) {
    out += topic.job_id;
    out += '/';
  }
  out += operation_name(topic.kind);
  if (topic.reply == Reply::Accepted) {
    out += "/accepted";
  } else if (topic.reply == Reply::Rejected) {
    out += "/rejected";
  }
  return out;
}

Expected<Topic, TopicError> classify_topic(std::string_view topic, std::string_view expected_thing) {
  if (!topic.starts_with(kThingsPrefix)) {
    return unexpected(error(TopicErrorCode::NotJobsTopic, "topic " + quoted(topic) + " is not under $aws/things/"));
  }
  std::string_view rest = topic.substr(kThingsPrefix.size());
  const auto thing_end = rest.find('/');
  const std::string_view thing = rest.substr(0, thing_end);
  rest = thing_end == std::string_view::npos ? std::string_view{} : rest.substr(thing_end);
  // rest is now "/jobs/..." for a jobs topic
  if (!rest.starts_with(kJobsInfix) || (rest.size() > kJobsInfix.size() && rest[kJobsInfix.size()] != '/')) {
    return unexpected(error(TopicErrorCode::NotJobsTopic, "topic " + quoted(topic) + " is not a jobs topic"));
  }
  if (!expected_thing.empty() && thing != expected_thing) {
    return unexpected(error(TopicErrorCode::OtherThing, "topic " + quoted(topic) + " belongs to thing " +
                                                            quoted(thing) + ", not " + quoted(expected_thing)));
  }
  if (!is_valid_thing_name(thing)) {
    return unexpected(
        error(TopicErrorCode::InvalidThingName, "topic " + quoted(topic) + ": " + thing_name_problem(thing)));
  }
  if (rest.size() <= kJobsInfix.size() + 1) {
    return unexpected(error(TopicErrorCode::Malformed, "jobs topic " + quoted(topic) + " names no operation"));
  }
  auto classified = classify_operation(split(rest.substr(kJobsInfix.size() + 1)), topic);
  if (classified) {
    classified->thing = std::string(thing);
  }
  return classified;
}

std::string notify_next_filter(std::string_view thing) { return jobs_prefix(thing) + "notify-next"; }

std::string notify_filter(std::string_view thing) { return jobs_prefix(thing) + "notify"; }

std::string next_get_replies_filter(std::string_view thing) {
  return jobs_prefix(thing) + std::string(kNextJobId) + "/get/+";
}

std::string update_replies_filter(std::string_view thing) { return jobs_prefix(thing) + "+/update/+"; }

std::string get_replies_filter(std::string_view thing) { return jobs_prefix(thing) + "+/get/+"; }

std::string all_things_jobs_filter() { return std::string(kThingsPrefix) + "+/jobs/#"; }

}  // namespace awsfota::jobs
