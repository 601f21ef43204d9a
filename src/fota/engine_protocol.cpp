// The engine's side of the AWS IoT Jobs protocol: subscriptions, the three request slots (next job,
// describe the job in hand, update its status), clientToken matching, resends, and the meaning of each
// rejection. Incoming messages are refined here into the input kinds of the transition table.
#include "awsfota/jobs/topics.hpp"
#include "fota/engine_impl.hpp"

namespace awsfota::fota {
namespace {

std::string describe_request(const std::string& token) {
  jobs::DescribeExecutionRequest req;
  req.include_job_document = true;
  req.client_token = token;
  return jobs::encode(req);
}

bool retryable(jobs::RejectedCode code) {
  return code == jobs::RejectedCode::InternalError || code == jobs::RejectedCode::RequestThrottled;
}

}  // namespace

std::string EngineImpl::new_token() {
  return config.client_token_prefix + "-" + std::to_string(++token_counter);
}

void EngineImpl::want_next() {
  if (reboot_back) return;  // no job before the reboot back to the previous image
  if (!next.wanted) next = NextSlot{true, {}};
}

void EngineImpl::want_describe(bool check, bool refresh, bool resync) {
  describe.wanted = true;
  describe.check = describe.check || check;
  describe.refresh = describe.refresh || refresh;
  describe.resync = describe.resync || resync;
}

void EngineImpl::enqueue_update(PendingUpdate u) {
  if (!update.current) {
    update.current = std::move(u);
    update.token.clear();
  } else if (update.token.empty() && update.current->purpose != UpdatePurpose::Final) {
    update.current = std::move(u);  // not sent yet: send the newest instead
  } else if (!update.next || update.next->purpose != UpdatePurpose::Final || u.purpose == UpdatePurpose::Final) {
    update.next = std::move(u);
  }
}

void EngineImpl::clear_requests() {
  update = UpdateSlot{};
  describe = DescribeSlot{};
  next = NextSlot{};
}

void EngineImpl::flush() {
  if (!connected) return;
  const std::string& thing = config.thing_name;
  bool sent = false;
  auto publish = [&](const jobs::Topic& topic, std::string payload) {
    auto name = jobs::build_topic(topic);
    if (!name) {
      log(LogLevel::Bug, "cannot build topic: " + name.error().message);
      return false;
    }
    out.emplace_back(Publish{*name, std::move(payload), 1});
    sent = true;
    return true;
  };
  if (next.wanted && next.token.empty()) {
    next.token = new_token();
    publish({jobs::TopicKind::DescribeExecution, jobs::Reply::None, thing, std::string(jobs::kNextJobId)},
            describe_request(next.token));
  }
  if (job && describe.wanted && describe.token.empty()) {
    describe.token = new_token();
    publish({jobs::TopicKind::DescribeExecution, jobs::Reply::None, thing, job->id},
            describe_request(describe.token));
  }
  if (!update.current && update.next) {
    update.current = std::move(update.next);
    update.next.reset();
    update.token.clear();
  }
  if (job && update.current && update.token.empty() && !update.held) {
    update.token = new_token();
    jobs::UpdateExecutionRequest req;
    req.status = update.current->status;
    req.status_details = update.current->details;
    if (job->version_known) req.expected_version = job->version;
    req.include_job_execution_state = true;
    req.client_token = update.token;
    publish({jobs::TopicKind::UpdateExecution, jobs::Reply::None, thing, job->id}, jobs::encode(req));
  }
  bool outstanding = !next.token.empty() || !describe.token.empty() || (!update.token.empty() && update.current);
  if (sent && outstanding) {
    out.emplace_back(StartTimer{TimerId::Response, now + config.response_timeout});
    response_timer_armed = true;
  } else if (!outstanding && response_timer_armed) {
    out.emplace_back(CancelTimer{TimerId::Response});
    response_timer_armed = false;
  }
}

void EngineImpl::on_connected() {
  connected = true;
  for (auto filter : {jobs::notify_next_filter(config.thing_name), jobs::get_replies_filter(config.thing_name),
                      jobs::update_replies_filter(config.thing_name)}) {
    out.emplace_back(Subscribe{std::move(filter), 1});
  }
  // Whatever was outstanding may have been lost with the old connection: send it again (new tokens).
  next.token.clear();
  describe.token.clear();
  update.token.clear();
}

void EngineImpl::on_disconnected() {
  connected = false;
  next.token.clear();
  describe.token.clear();
  update.token.clear();
  if (response_timer_armed) {
    out.emplace_back(CancelTimer{TimerId::Response});
    response_timer_armed = false;
  }
}

// A dropped reply is covered by the response timer; a dropped notify-next is not: it may have offered
// a job (when idle) or ended the one in hand. Ask again.
void EngineImpl::on_messages_lost() {
  if (state == State::Idle) {
    log(LogLevel::Warning, "Jobs messages were dropped: asking the service for the next job again");
    want_next();
  } else if (job && state != State::Reporting) {
    log(LogLevel::Warning, "Jobs messages were dropped: reading job " + job->id + " again");
    want_describe(false, false, false);
  }
}

void EngineImpl::on_response_timeout() {
  if (!response_timer_armed) {
    log(LogLevel::Debug, "response timer expired after it was canceled: ignored");
    return;
  }
  response_timer_armed = false;
  log(LogLevel::Warning, "no answer from the Jobs service in time: sending the request again");
  next.token.clear();
  describe.token.clear();
  update.token.clear();
}

void EngineImpl::on_message(const InputEvent& event, const MqttMessage& m) {
  auto topic = jobs::classify_topic(m.topic, config.thing_name);
  if (!topic) {
    log(LogLevel::Debug, "not a Jobs message of this thing: " + topic.error().message);
    return;
  }
  const bool accepted = topic->reply == jobs::Reply::Accepted;
  const bool rejected = topic->reply == jobs::Reply::Rejected;
  const jobs::DocumentOptions& options = config.document_options;

  if (topic->kind == jobs::TopicKind::NotifyNext && topic->reply == jobs::Reply::None) {
    jobs::JobParseResult r = jobs::parse_job_execution_message(m.payload, options);
    Dispatch d(InputKind::JobNotice, &event);
    d.notice = &r;
    d.notice_from_notify = true;
    dispatch(d);
    return;
  }
  if (topic->kind == jobs::TopicKind::DescribeExecution && topic->job_id == jobs::kNextJobId && (accepted || rejected)) {
    if (accepted) {
      auto a = jobs::decode_execution_accepted(m.payload);
      if (!a) return log(LogLevel::Warning, "$next/get/accepted: " + a.error().message);
      if (next.token.empty() || a->client_token != next.token) return log(LogLevel::Debug, "stale $next/get answer");
      next = NextSlot{};
      jobs::JobParseResult r = jobs::parse_job_execution_message(m.payload, options);
      Dispatch d(InputKind::JobNotice, &event);
      d.notice = &r;
      dispatch(d);
    } else {
      auto r = jobs::decode_rejected(m.payload);
      if (!r) return log(LogLevel::Warning, "$next/get/rejected: " + r.error().message);
      if (next.token.empty() || r->client_token != next.token) return log(LogLevel::Debug, "stale $next/get rejection");
      on_rejected(event, Request::Next, *r);
    }
    return;
  }
  const bool about_job = job && topic->job_id == job->id;
  if (topic->kind == jobs::TopicKind::DescribeExecution && (accepted || rejected)) {
    if (accepted) {
      auto a = jobs::decode_execution_accepted(m.payload);
      if (!a) return log(LogLevel::Warning, "get/accepted: " + a.error().message);
      if (!about_job || describe.token.empty() || a->client_token != describe.token) {
        return log(LogLevel::Debug, "stale J/get answer for " + topic->job_id);
      }
      on_describe_accepted(event, *a);
    } else {
      auto r = jobs::decode_rejected(m.payload);
      if (!r) return log(LogLevel::Warning, "get/rejected: " + r.error().message);
      if (!about_job || describe.token.empty() || r->client_token != describe.token) {
        return log(LogLevel::Debug, "stale J/get rejection for " + topic->job_id);
      }
      on_rejected(event, Request::Describe, *r);
    }
    return;
  }
  if (topic->kind == jobs::TopicKind::UpdateExecution && (accepted || rejected)) {
    if (accepted) {
      auto a = jobs::decode_update_execution_accepted(m.payload);
      if (!a) return log(LogLevel::Warning, "update/accepted: " + a.error().message);
      if (!about_job || update.token.empty() || !update.current || a->client_token != update.token) {
        return log(LogLevel::Debug, "stale update answer for " + topic->job_id);
      }
      on_update_accepted(event, *a);
    } else {
      auto r = jobs::decode_rejected(m.payload);
      if (!r) return log(LogLevel::Warning, "update/rejected: " + r.error().message);
      if (!about_job || update.token.empty() || !update.current || r->client_token != update.token) {
        return log(LogLevel::Debug, "stale update rejection for " + topic->job_id);
      }
      on_rejected(event, Request::Update, *r);
    }
    return;
  }
  log(LogLevel::Debug, "Jobs message needs nothing: " + m.topic);
}

void EngineImpl::on_update_accepted(const InputEvent& event, const jobs::UpdateExecutionAccepted& a) {
  PendingUpdate done = std::move(*update.current);
  update.current.reset();
  update.token.clear();
  job->version = a.execution_state ? a.execution_state->version_number : job->version + 1;
  job->version_known = true;
  if (state == State::Trial && done.status == jobs::JobStatus::InProgress &&
      (!a.execution_state || a.execution_state->status == jobs::JobStatus::InProgress)) {
    trial_checked_in = true;
    log(LogLevel::Info, "trial: the service has this boot's report on job " + job->id + " (IN_PROGRESS)");
  }
  Dispatch d(InputKind::UpdateAccepted, &event);
  d.accepted = &done;
  dispatch(d);
}

void EngineImpl::on_describe_accepted(const InputEvent& event, const jobs::ExecutionAccepted& a) {
  const DescribeSlot asked = describe;
  describe = DescribeSlot{};
  if (!a.execution || jobs::is_terminal(a.execution->status)) {
    // Our own final report may have been applied while its answer was lost.
    if (a.execution && update.current && update.current->purpose == UpdatePurpose::Final &&
        update.current->status == a.execution->status) {
      jobs::UpdateExecutionAccepted same;
      same.execution_state = jobs::JobExecutionState{a.execution->status, {}, a.execution->version_number};
      on_update_accepted(event, same);
      return;
    }
    ended(event, a.execution ? "the service lists the job as " + std::string(jobs::to_string(a.execution->status))
                             : "the service no longer lists the job");
    return;
  }
  job->version = a.execution->version_number;
  job->version_known = true;
  job->execution_number = a.execution->execution_number;
  if (asked.resync) {
    update.held = false;
    update.token.clear();  // flush() sends it again with the version just read
  }
  if ((asked.check && state == State::Checking) || (asked.refresh && state == State::RefreshingUrl)) {
    DescribeResult result;
    if (a.execution->job_document) {
      auto doc = jobs::parse_job_document(*a.execution->job_document, config.document_options);
      if (doc) result.document = std::move(*doc);
      else result.document_error = doc.error().reason;
    } else {
      result.document_error = "the answer holds no job document";
    }
    Dispatch d(InputKind::DescribeAccepted, &event);
    d.described = &result;
    dispatch(d);
  }
}

void EngineImpl::ended(const InputEvent& event, const std::string& reason) {
  Dispatch d(InputKind::JobEnded, &event);
  d.ended_reason = reason;
  dispatch(d);
}

void EngineImpl::on_rejected(const InputEvent& event, Request request, const jobs::RejectedMessage& r) {
  const std::string what = request == Request::Next ? "$next/get" : request == Request::Describe ? "get" : "update";
  const std::string code_text = r.code_text.empty() ? std::string(jobs::to_string(r.code)) : r.code_text;
  const std::string said = code_text + ": " + r.message;
  if (retryable(r.code)) {
    // Keep the token: the response timer resends, so a throttled service is not hammered.
    log(LogLevel::Warning, what + " rejected (" + said + "); retrying after the response timeout");
    return;
  }
  if (request == Request::Next) {
    next = NextSlot{};
    emit(make_event(EventKind::Error, {}, ErrorCause::Internal, what + " rejected: " + said));
    return;
  }
  const bool terminal = r.execution_state && jobs::is_terminal(r.execution_state->status);
  if (request == Request::Update) {
    if (r.code == jobs::RejectedCode::TerminalStateReached ||
        (r.code == jobs::RejectedCode::InvalidStateTransition && terminal)) {
      if (r.execution_state && update.current->purpose == UpdatePurpose::Final &&
          r.execution_state->status == update.current->status) {
        jobs::UpdateExecutionAccepted same;
        same.execution_state = r.execution_state;
        on_update_accepted(event, same);
        return;
      }
      ended(event, "the job ended in the cloud (" + said + ")");
      return;
    }
    if (r.code == jobs::RejectedCode::VersionMismatch) {
      log(LogLevel::Info, "update rejected as VersionMismatch: reading the execution again");
      update.held = true;
      update.token.clear();
      want_describe(false, false, true);
      return;
    }
  }
  if (r.code == jobs::RejectedCode::ResourceNotFound) {
    ended(event, "the service no longer lists the job (" + said + ")");
    return;
  }
  // AWS answers a get of an ended execution so, without its executionState: the job ended in the cloud.
  if (request == Request::Describe && r.code == jobs::RejectedCode::TerminalStateReached) {
    ended(event, "the job ended in the cloud (" + said + ")");
    return;
  }
  emit(make_event(EventKind::Error, job ? job->id : "", ErrorCause::Internal, what + " rejected: " + said));
  abandon("the service rejected " + what + " (" + said + "); job given up");
}

}  // namespace awsfota::fota
