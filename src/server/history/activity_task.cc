// Activity tasks: started (poll), heartbeats, completed, failed, retried, timed out
// (temporal-protocol.md §1.4, §1.7, §3.1, §3.2). As in Temporal, ActivityTaskStarted is
// written only when the attempt that ends the activity finishes; retries write no events.
#include "common/retry_policy.h"
#include "common/uuid.h"
#include "server/history/engine.h"
#include "server/history/mutation.h"
#include "server/history/task_token.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
using stead::server::v1::TaskToken;
using temporal::api::failure::v1::Failure;
using temporal::api::history::v1::HistoryEvent;

namespace {

Status stale_activity() { return Status::NotFound("Activity task not found."); }

const char* timeout_type_name(enums::TimeoutType type) {
  switch (type) {
    case enums::TIMEOUT_TYPE_START_TO_CLOSE: return "StartToClose";
    case enums::TIMEOUT_TYPE_SCHEDULE_TO_START: return "ScheduleToStart";
    case enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: return "ScheduleToClose";
    case enums::TIMEOUT_TYPE_HEARTBEAT: return "Heartbeat";
    default: return "Unspecified";
  }
}

Failure timeout_failure(enums::TimeoutType type, const v1::ActivityInfo& activity) {
  Failure failure;
  failure.set_message(std::string("activity ") + timeout_type_name(type) + " timeout");
  failure.set_source("Server");
  auto* info = failure.mutable_timeout_failure_info();
  info->set_timeout_type(type);
  if (activity.has_last_heartbeat_details()) *info->mutable_last_heartbeat_details() = activity.last_heartbeat_details();
  return failure;
}

// Appends ActivityTaskStarted for the activity's current attempt; returns its id (0 if buffered).
int64_t add_started_event(Mutation& m, const v1::ActivityInfo& activity) {
  auto* event = m.add_external_event(enums::EVENT_TYPE_ACTIVITY_TASK_STARTED);
  auto* a = event->mutable_activity_task_started_event_attributes();
  a->set_scheduled_event_id(activity.scheduled_event_id());
  a->set_identity(activity.started_identity());
  a->set_request_id(activity.request_id());
  a->set_attempt(activity.attempt());
  if (activity.has_last_failure()) *a->mutable_last_failure() = activity.last_failure();
  return event->event_id();
}

// Ends the activity: ActivityTaskStarted of its current attempt (when it started), then the
// closing event of `type`, whose attributes `fill(started_event_id, event)` sets; the
// activity leaves the run and a workflow task will see the outcome.
template <class Fill>
void close_activity(Mutation& m, int64_t scheduled_id, enums::EventType type, Fill fill) {
  auto& activities = *m.ms().mutable_activities();
  const v1::ActivityInfo& activity = activities.at(scheduled_id);
  int64_t started_id = activity.has_started_time() ? add_started_event(m, activity) : 0;
  fill(started_id, m.add_external_event(type));
  activities.erase(scheduled_id);
  m.schedule_workflow_task();
}

std::optional<TimePoint> retry_expiration(const v1::ActivityInfo& activity) {
  Duration s2c = from_proto(activity.schedule_to_close_timeout());
  if (s2c <= Duration::zero()) return std::nullopt;
  return add_saturating(from_proto(activity.first_scheduled_time()), s2c);
}

// The current attempt failed (or timed out retryably): schedule the next attempt or close the
// activity with the failure. `timeout` is set for timeouts.
void end_attempt(Mutation& m, int64_t scheduled_id, Failure failure, std::optional<enums::TimeoutType> timeout,
                 const std::string& identity) {
  auto& activities = *m.ms().mutable_activities();
  v1::ActivityInfo& activity = activities[scheduled_id];
  RetryDecision decision{enums::RETRY_STATE_TIMEOUT};
  if (activity.cancel_requested()) {
    decision.state = enums::RETRY_STATE_CANCEL_REQUESTED;
  } else {
    decision = next_retry(activity.retry_policy(), activity.attempt(), failure, m.now(), retry_expiration(activity));
  }
  if (decision.state == enums::RETRY_STATE_IN_PROGRESS) {
    activity.set_attempt(activity.attempt() + 1);
    *activity.mutable_last_failure() = failure;
    *activity.mutable_scheduled_time() = to_proto(add_saturating(m.now(), decision.backoff));
    activity.clear_started_time();
    activity.clear_started_identity();
    activity.clear_request_id();
    m.add_timer(TimerKind::kActivityRetry, add_saturating(m.now(), decision.backoff), scheduled_id, activity.attempt());
    return;
  }
  if (timeout && decision.state == enums::RETRY_STATE_TIMEOUT &&
      (*timeout == enums::TIMEOUT_TYPE_START_TO_CLOSE || *timeout == enums::TIMEOUT_TYPE_HEARTBEAT)) {
    // No time left for another attempt: report it as the schedule-to-close timeout it is.
    failure = timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, activity);
    failure.set_message("Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying");
  }
  if (timeout) {
    close_activity(m, scheduled_id, enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, [&](int64_t started_id, HistoryEvent* e) {
      auto* a = e->mutable_activity_task_timed_out_event_attributes();
      *a->mutable_failure() = std::move(failure);
      a->set_scheduled_event_id(scheduled_id);
      a->set_started_event_id(started_id);
      a->set_retry_state(decision.state);
    });
  } else {
    close_activity(m, scheduled_id, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED, [&](int64_t started_id, HistoryEvent* e) {
      auto* a = e->mutable_activity_task_failed_event_attributes();
      *a->mutable_failure() = std::move(failure);
      a->set_scheduled_event_id(scheduled_id);
      a->set_started_event_id(started_id);
      a->set_identity(identity);
      a->set_retry_state(decision.state);
    });
  }
}

}  // namespace

// The token of the activity's current attempt.
static TaskToken activity_token(const v1::ExecutionInfo& info, const v1::ActivityInfo& activity) {
  TaskToken token;
  token.set_kind(TaskToken::KIND_ACTIVITY_TASK);
  token.set_namespace_(info.namespace_());
  token.set_workflow_id(info.workflow_id());
  token.set_run_id(info.run_id());
  token.set_scheduled_event_id(activity.scheduled_event_id());
  token.set_attempt(activity.attempt());
  token.set_activity_id(activity.activity_id());
  return token;
}

Status Engine::lock_activity(const std::string& task_token, LockedRun* out, TaskToken* token,
                             v1::ActivityInfo** activity) {
  STEAD_RETURN_IF_ERROR(decode_task_token(task_token, TaskToken::KIND_ACTIVITY_TASK, token));
  STEAD_RETURN_IF_ERROR(lock_run(token->namespace_(), token->workflow_id(), token->run_id(), out));
  if (!out->run->open()) return Status::NotFound("workflow execution already completed");
  auto it = out->run->ms.mutable_activities()->find(token->scheduled_event_id());
  if (it == out->run->ms.mutable_activities()->end() || it->second.attempt() != token->attempt() ||
      !it->second.has_started_time()) {
    return stale_activity();
  }
  *activity = &it->second;
  return Status::Ok();
}

void Engine::record_activity_task_started(const matching::TaskRef& task, const wsv1::PollActivityTaskQueueRequest& poll,
                                          Reply<wsv1::PollActivityTaskQueueResponse> reply) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open())
    return reply(stale_activity(), {});
  auto it = run->ms.mutable_activities()->find(task.scheduled_event_id);
  if (it == run->ms.mutable_activities()->end() || it->second.attempt() != task.attempt ||
      it->second.has_started_time()) {
    return reply(stale_activity(), {});
  }
  Mutation m(*this, entry, *run);
  v1::ActivityInfo& activity = it->second;
  *activity.mutable_started_time() = to_proto(m.now());
  activity.set_started_identity(poll.identity());
  activity.set_request_id(new_uuid());
  m.add_timer(TimerKind::kActivityStartToClose, add_saturating(m.now(), activity.start_to_close_timeout()),
              activity.scheduled_event_id(), activity.attempt());
  if (from_proto(activity.heartbeat_timeout()) > Duration::zero()) {
    m.add_timer(TimerKind::kActivityHeartbeat, add_saturating(m.now(), activity.heartbeat_timeout()),
                activity.scheduled_event_id(), activity.attempt());
  }

  const auto& info = run->ms.info();
  wsv1::PollActivityTaskQueueResponse resp;
  resp.set_task_token(encode_task_token(activity_token(info, activity)));
  resp.set_workflow_namespace(info.namespace_());
  resp.mutable_workflow_type()->set_name(info.workflow_type());
  resp.mutable_workflow_execution()->set_workflow_id(info.workflow_id());
  resp.mutable_workflow_execution()->set_run_id(info.run_id());
  resp.mutable_activity_type()->set_name(activity.activity_type());
  resp.set_activity_id(activity.activity_id());
  *resp.mutable_header() = activity.header();
  *resp.mutable_input() = activity.input();
  if (activity.has_last_heartbeat_details()) *resp.mutable_heartbeat_details() = activity.last_heartbeat_details();
  *resp.mutable_scheduled_time() = activity.first_scheduled_time();
  *resp.mutable_current_attempt_scheduled_time() = activity.scheduled_time();
  *resp.mutable_started_time() = activity.started_time();
  resp.set_attempt(activity.attempt());
  // Always present, even when zero: the TypeScript SDK expects them.
  *resp.mutable_schedule_to_close_timeout() = activity.schedule_to_close_timeout();
  *resp.mutable_start_to_close_timeout() = activity.start_to_close_timeout();
  *resp.mutable_heartbeat_timeout() = activity.heartbeat_timeout();
  *resp.mutable_retry_policy() = activity.retry_policy();
  if (activity.has_priority()) *resp.mutable_priority() = activity.priority();
  commit(m, [reply, resp = std::move(resp)](Status s) mutable { reply(s, s.ok() ? std::move(resp) : wsv1::PollActivityTaskQueueResponse{}); });
}

void Engine::complete_activity_task(wsv1::RespondActivityTaskCompletedRequest request,
                                    Reply<wsv1::RespondActivityTaskCompletedResponse> reply) {
  if (blob_size(request.result()) > config_.blob_size_limit_error)
    return reply(Status::InvalidArgument("Blob data size exceeds limit."), {});
  LockedRun locked;
  TaskToken token;
  v1::ActivityInfo* activity = nullptr;
  if (Status s = lock_activity(request.task_token(), &locked, &token, &activity); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  Mutation m(*this, locked.entry, *run);
  if (!request.identity().empty()) activity->set_started_identity(request.identity());
  close_activity(m, token.scheduled_event_id(), enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                 [&](int64_t started_id, HistoryEvent* e) {
                   auto* a = e->mutable_activity_task_completed_event_attributes();
                   *a->mutable_result() = request.result();
                   a->set_scheduled_event_id(token.scheduled_event_id());
                   a->set_started_event_id(started_id);
                   a->set_identity(request.identity());
                 });
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::fail_activity_task(wsv1::RespondActivityTaskFailedRequest request,
                                Reply<wsv1::RespondActivityTaskFailedResponse> reply) {
  LockedRun locked;
  TaskToken token;
  v1::ActivityInfo* activity = nullptr;
  if (Status s = lock_activity(request.task_token(), &locked, &token, &activity); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  Mutation m(*this, locked.entry, *run);
  if (!request.identity().empty()) activity->set_started_identity(request.identity());
  if (request.has_last_heartbeat_details()) *activity->mutable_last_heartbeat_details() = request.last_heartbeat_details();
  end_attempt(m, token.scheduled_event_id(), request.failure(), std::nullopt, request.identity());
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::cancel_activity_task(wsv1::RespondActivityTaskCanceledRequest request,
                                  Reply<wsv1::RespondActivityTaskCanceledResponse> reply) {
  LockedRun locked;
  TaskToken token;
  v1::ActivityInfo* activity = nullptr;
  if (Status s = lock_activity(request.task_token(), &locked, &token, &activity); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  Mutation m(*this, locked.entry, *run);
  if (!request.identity().empty()) activity->set_started_identity(request.identity());
  close_activity(m, token.scheduled_event_id(), enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED,
                 [&](int64_t started_id, HistoryEvent* e) {
                   auto* a = e->mutable_activity_task_canceled_event_attributes();
                   *a->mutable_details() = request.details();
                   a->set_latest_cancel_requested_event_id(activity->cancel_requested_event_id());
                   a->set_scheduled_event_id(token.scheduled_event_id());
                   a->set_started_event_id(started_id);
                   a->set_identity(request.identity());
                 });
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::heartbeat_activity_task(wsv1::RecordActivityTaskHeartbeatRequest request,
                                     Reply<wsv1::RecordActivityTaskHeartbeatResponse> reply) {
  if (blob_size(request.details()) > config_.blob_size_limit_error)
    return reply(Status::InvalidArgument("Blob data size exceeds limit."), {});
  LockedRun locked;
  TaskToken token;
  v1::ActivityInfo* activity = nullptr;
  if (Status s = lock_activity(request.task_token(), &locked, &token, &activity); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  Mutation m(*this, locked.entry, *run);
  if (request.has_details()) *activity->mutable_last_heartbeat_details() = request.details();
  *activity->mutable_last_heartbeat_time() = to_proto(m.now());
  bool cancel_requested = activity->cancel_requested();
  commit(m, [reply, cancel_requested](Status s) {
    wsv1::RecordActivityTaskHeartbeatResponse resp;
    resp.set_cancel_requested(cancel_requested);
    reply(s, std::move(resp));
  });
}

Status Engine::activity_task_token(const std::string& ns, const std::string& workflow_id, const std::string& run_id,
                                   const std::string& activity_id, std::string* out) {
  if (activity_id.empty()) return Status::InvalidArgument("ActivityId is not set on request.");
  LockedRun locked;
  STEAD_RETURN_IF_ERROR(lock_run(ns, workflow_id, run_id, &locked));
  if (!locked.run->open()) return Status::NotFound("workflow execution already completed");
  for (const auto& [id, activity] : locked.run->ms.activities()) {
    if (activity.activity_id() != activity_id) continue;
    if (!activity.has_started_time()) return Status::NotFound("Activity task not started.");
    *out = encode_task_token(activity_token(locked.run->ms.info(), activity));
    return Status::Ok();
  }
  return stale_activity();
}

void Engine::handle_activity_timer(const TimerTask& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  auto it = run->ms.mutable_activities()->find(task.event_id);
  if (it == run->ms.mutable_activities()->end()) return;
  v1::ActivityInfo& activity = it->second;
  // Every timer but schedule-to-close belongs to one attempt.
  if (task.kind != TimerKind::kActivityScheduleToClose && activity.attempt() != task.attempt) return;
  const bool started = activity.has_started_time();
  Mutation m(*this, entry, *run);
  switch (task.kind) {
    case TimerKind::kActivityRetry: {
      if (started) return;
      // The attempt is already durable; only its dispatch was waiting for the backoff.
      // Dispatch outside the entry lock: matching may call straight back into the engine.
      m.dispatch_activity(activity);
      update_clock_hold(*run, m.now());
      Effects effects = std::move(m.effects());
      effects.entry = nullptr;
      effects.runs.clear();
      executor_.post([this, effects = std::move(effects)] { apply_effects(effects); });
      return;
    }
    case TimerKind::kActivityScheduleToStart:
      if (started) return;
      end_attempt(m, task.event_id, timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_START, activity),
                  enums::TIMEOUT_TYPE_SCHEDULE_TO_START, "");
      break;
    case TimerKind::kActivityStartToClose:
      if (!started) return;
      end_attempt(m, task.event_id, timeout_failure(enums::TIMEOUT_TYPE_START_TO_CLOSE, activity),
                  enums::TIMEOUT_TYPE_START_TO_CLOSE, "");
      break;
    case TimerKind::kActivityHeartbeat: {
      if (!started) return;
      TimePoint last = activity.has_last_heartbeat_time() ? from_proto(activity.last_heartbeat_time())
                                                          : from_proto(activity.started_time());
      TimePoint deadline = add_saturating(last, activity.heartbeat_timeout());
      if (deadline > m.now()) {  // a heartbeat arrived meanwhile: wait for the new deadline
        arm_timer(task, deadline);
        return;
      }
      end_attempt(m, task.event_id, timeout_failure(enums::TIMEOUT_TYPE_HEARTBEAT, activity),
                  enums::TIMEOUT_TYPE_HEARTBEAT, "");
      break;
    }
    case TimerKind::kActivityScheduleToClose: {
      // Not retryable: close the activity whatever attempt it is in.
      close_activity(m, task.event_id, enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, [&](int64_t started_id, HistoryEvent* e) {
        auto* a = e->mutable_activity_task_timed_out_event_attributes();
        *a->mutable_failure() = timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, activity);
        if (activity.has_last_failure()) *a->mutable_failure()->mutable_cause() = activity.last_failure();
        a->set_scheduled_event_id(task.event_id);
        a->set_started_event_id(started_id);
        // As in Go, the timeout itself is judged by the retry policy: it is not retryable.
        a->set_retry_state(enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
      });
      break;
    }
    default:
      return;
  }
  commit(m, nullptr);
}

}  // namespace stead::server::history
