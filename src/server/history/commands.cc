#include "server/history/commands.h"

#include <initializer_list>
#include <set>
#include <string>

#include "common/client_duration.h"
#include "common/retry_policy.h"
#include "common/uuid.h"
#include "server/history/engine.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
using google::protobuf::Duration;
using temporal::api::history::v1::HistoryEvent;

namespace {

bool positive(const Duration& d) { return d.seconds() > 0 || (d.seconds() == 0 && d.nanos() > 0); }
Duration min_set(const Duration& a, const Duration& b) {  // the smaller of two, where 0 = unset
  if (!positive(a)) return b;
  if (!positive(b)) return a;
  return from_proto(a) <= from_proto(b) ? a : b;
}

CommandValidation invalid(enums::WorkflowTaskFailedCause cause, std::string message) {
  CommandValidation v;
  v.cause = cause;
  v.message = std::move(message);
  return v;
}

// The durations of a workflow-starting command (nullptr: unset, left unset) validated and
// capped, then its retry policy (nullptr: none) given defaults and validated.
struct DurationField {
  Duration* value;
  const char* name;
};
Status validate_durations(const char* command, std::initializer_list<DurationField> fields,
                          temporal::api::common::v1::RetryPolicy* policy) {
  for (const auto& field : fields) {
    if (field.value) STEAD_RETURN_IF_ERROR(validate_and_cap(field.value, std::string(field.name) + " on " + command));
  }
  if (!policy) return Status::Ok();
  apply_retry_policy_defaults(policy);
  return validate_retry_policy(policy);
}

bool is_closing(enums::CommandType type) {
  return type == enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION || type == enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION ||
         type == enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION;
}

void merge_payload_map(google::protobuf::Map<std::string, temporal::api::common::v1::Payload>* into,
                       const google::protobuf::Map<std::string, temporal::api::common::v1::Payload>& from) {
  for (const auto& [key, value] : from) {
    // An empty payload (or binary/null) removes the entry, as in Temporal.
    auto enc = value.metadata().find("encoding");
    bool is_null = value.data().empty() && (enc == value.metadata().end() || enc->second == "binary/null");
    if (is_null) into->erase(key);
    else (*into)[key] = value;
  }
}

}  // namespace

Successor successor_of(const v1::MutableState& ms, TimePoint now, std::string new_run_id) {
  const auto& info = ms.info();
  Successor next;
  auto& r = next.request;
  r.set_namespace_(info.namespace_());
  r.set_workflow_id(info.workflow_id());
  r.mutable_workflow_type()->set_name(info.workflow_type());
  r.mutable_task_queue()->set_name(info.task_queue());
  *r.mutable_input() = info.input();
  *r.mutable_workflow_execution_timeout() = info.execution_timeout();
  *r.mutable_workflow_run_timeout() = info.run_timeout();
  *r.mutable_workflow_task_timeout() = info.task_timeout();
  r.set_request_id(new_uuid());
  if (info.has_retry_policy()) *r.mutable_retry_policy() = info.retry_policy();
  r.set_cron_schedule(info.cron_schedule());
  *r.mutable_memo() = info.memo();
  *r.mutable_search_attributes() = info.search_attributes();
  *r.mutable_header() = info.header();
  next.params.run_id = std::move(new_run_id);
  next.params.first_execution_run_id = info.first_execution_run_id();
  next.params.continued_execution_run_id = info.run_id();
  if (info.has_execution_expiration_time()) next.params.execution_expiration = from_proto(info.execution_expiration_time());
  if (info.has_parent_execution()) {  // a child's chain still reports to its parent
    next.params.parent_namespace = info.parent_namespace();
    next.params.parent_execution = info.parent_execution();
    next.params.parent_initiated_event_id = info.parent_initiated_event_id();
  }
  (void)now;
  return next;
}

std::optional<Successor> retry_successor(const v1::MutableState& ms, const temporal::api::failure::v1::Failure& failure,
                                         TimePoint now, enums::RetryState* state) {
  const auto& info = ms.info();
  if (!info.has_retry_policy()) {
    *state = enums::RETRY_STATE_RETRY_POLICY_NOT_SET;
    return std::nullopt;
  }
  std::optional<TimePoint> expiration;
  if (info.has_execution_expiration_time()) expiration = from_proto(info.execution_expiration_time());
  RetryDecision decision = next_retry(info.retry_policy(), info.attempt(), failure, now, expiration);
  *state = decision.state;
  if (decision.state != enums::RETRY_STATE_IN_PROGRESS) return std::nullopt;
  Successor next = successor_of(ms, now, new_uuid());
  next.params.attempt = info.attempt() + 1;
  next.params.initiator = enums::CONTINUE_AS_NEW_INITIATOR_RETRY;
  *next.request.mutable_workflow_start_delay() = to_proto_duration(decision.backoff);
  *next.request.mutable_continued_failure() = failure;
  return next;
}

Status normalize_activity(const v1::MutableState& ms, command::ScheduleActivityTaskCommandAttributes* a) {
  if (a->has_schedule_to_close_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(a->mutable_schedule_to_close_timeout(), "ScheduleToCloseTimeout"));
  if (a->has_schedule_to_start_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(a->mutable_schedule_to_start_timeout(), "ScheduleToStartTimeout"));
  if (a->has_start_to_close_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(a->mutable_start_to_close_timeout(), "StartToCloseTimeout"));
  if (a->has_heartbeat_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(a->mutable_heartbeat_timeout(), "HeartbeatTimeout"));
  const Duration& run_timeout = ms.info().run_timeout();
  if (positive(a->schedule_to_close_timeout())) {
    *a->mutable_schedule_to_start_timeout() = min_set(a->schedule_to_start_timeout(), a->schedule_to_close_timeout());
    *a->mutable_start_to_close_timeout() = min_set(a->start_to_close_timeout(), a->schedule_to_close_timeout());
  } else if (positive(a->start_to_close_timeout())) {
    *a->mutable_schedule_to_close_timeout() = run_timeout;
    if (!positive(a->schedule_to_start_timeout())) *a->mutable_schedule_to_start_timeout() = run_timeout;
  } else {
    return Status::InvalidArgument("A valid StartToCloseTimeout or ScheduleToCloseTimeout must be set.");
  }
  if (positive(run_timeout)) {
    for (Duration* d : {a->mutable_schedule_to_close_timeout(), a->mutable_schedule_to_start_timeout(),
                        a->mutable_start_to_close_timeout(), a->mutable_heartbeat_timeout()}) {
      *d = min_set(*d, run_timeout);
    }
  }
  if (positive(a->heartbeat_timeout()))
    *a->mutable_heartbeat_timeout() = min_set(a->heartbeat_timeout(), a->start_to_close_timeout());
  apply_retry_policy_defaults(a->mutable_retry_policy());
  return validate_retry_policy(a->mutable_retry_policy());
}

CommandValidation validate_commands(const Config& config, const v1::MutableState& ms, Commands* commands,
                                    const Messages& messages) {
  CommandValidation result;
  std::set<std::string> activity_ids;
  for (const auto& [id, activity] : ms.activities()) activity_ids.insert(activity.activity_id());
  std::set<std::string> timer_ids;
  for (const auto& [id, timer] : ms.timers()) timer_ids.insert(id);
  // Ids in commands have the same limit as in requests (Temporal's limit.maxIDLength).
  auto too_long = [&](const std::string& id) { return id.size() > config.max_id_length; };

  for (auto& c : *commands) {
    if (is_closing(c.command_type())) result.closes_workflow = true;
    switch (c.command_type()) {
      case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        auto bad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES;
        // A copy: apply_commands normalizes the command again, the same way.
        auto attrs = c.schedule_activity_task_command_attributes();
        if (attrs.activity_id().empty()) return invalid(bad, "ActivityId is not set.");
        if (attrs.activity_type().name().empty()) return invalid(bad, "ActivityType is not set.");
        if (too_long(attrs.activity_id())) return invalid(bad, "ActivityId exceeds length limit.");
        if (too_long(attrs.activity_type().name())) return invalid(bad, "ActivityType exceeds length limit.");
        if (too_long(attrs.task_queue().name())) return invalid(bad, "TaskQueue exceeds length limit.");
        if (!activity_ids.insert(attrs.activity_id()).second)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
                         "Activity ID already in use: " + attrs.activity_id());
        if (Status s = normalize_activity(ms, &attrs); !s.ok()) return invalid(bad, s.message());
        if (blob_size(attrs.input()) > config.blob_size_limit_error)
          return invalid(bad, "ScheduleActivityTaskCommandAttributes.Input exceeds size limit.");
        break;
      }
      case enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
        if (c.request_cancel_activity_task_command_attributes().scheduled_event_id() <= 0)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
                         "ScheduledEventId is not set.");
        break;
      case enums::COMMAND_TYPE_START_TIMER: {
        auto& attrs = *c.mutable_start_timer_command_attributes();
        auto bad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES;
        if (attrs.timer_id().empty()) return invalid(bad, "TimerId is not set.");
        if (too_long(attrs.timer_id())) return invalid(bad, "TimerId exceeds length limit.");
        if (attrs.has_start_to_fire_timeout()) {
          Status s = validate_and_cap(attrs.mutable_start_to_fire_timeout(), "StartToFireTimeout on StartTimerCommand");
          if (!s.ok()) return invalid(bad, s.message());
        }
        if (!positive(attrs.start_to_fire_timeout())) return invalid(bad, "A valid StartToFireTimeout is not set.");
        if (!timer_ids.insert(attrs.timer_id()).second)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
                         "Timer ID already in use: " + attrs.timer_id());
        break;
      }
      case enums::COMMAND_TYPE_CANCEL_TIMER:
        if (c.cancel_timer_command_attributes().timer_id().empty())
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES, "TimerId is not set.");
        break;
      case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        if (blob_size(c.complete_workflow_execution_command_attributes().result()) > config.blob_size_limit_error)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
                         "CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.");
        break;
      case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        if (!c.fail_workflow_execution_command_attributes().has_failure())
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
                         "Failure is not set on command.");
        break;
      case enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        auto& attrs = *c.mutable_continue_as_new_workflow_execution_command_attributes();
        auto bad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
        if (blob_size(attrs.input()) > config.blob_size_limit_error)
          return invalid(bad, "ContinueAsNewWorkflowExecutionCommandAttributes.Input exceeds size limit.");
        Status s = validate_durations(
            "ContinueAsNewWorkflowExecutionCommand",
            {{attrs.has_workflow_run_timeout() ? attrs.mutable_workflow_run_timeout() : nullptr, "WorkflowRunTimeout"},
             {attrs.has_workflow_task_timeout() ? attrs.mutable_workflow_task_timeout() : nullptr, "WorkflowTaskTimeout"},
             {attrs.has_backoff_start_interval() ? attrs.mutable_backoff_start_interval() : nullptr,
              "BackoffStartInterval"}},
            attrs.has_retry_policy() ? attrs.mutable_retry_policy() : nullptr);
        if (!s.ok()) return invalid(bad, s.message());
        break;
      }
      case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        auto& attrs = *c.mutable_start_child_workflow_execution_command_attributes();
        auto bad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
        if (attrs.workflow_id().empty()) return invalid(bad, "Required field WorkflowId is not set.");
        if (attrs.workflow_type().name().empty()) return invalid(bad, "Required field WorkflowType is not set.");
        if (too_long(attrs.workflow_id())) return invalid(bad, "WorkflowId exceeds length limit.");
        if (too_long(attrs.workflow_type().name())) return invalid(bad, "WorkflowType exceeds length limit.");
        if (too_long(attrs.task_queue().name())) return invalid(bad, "TaskQueue exceeds length limit.");
        if (blob_size(attrs.input()) > config.blob_size_limit_error)
          return invalid(bad, "StartChildWorkflowExecutionCommandAttributes.Input exceeds size limit.");
        Status s = validate_durations(
            "StartChildWorkflowExecutionCommand",
            {{attrs.has_workflow_execution_timeout() ? attrs.mutable_workflow_execution_timeout() : nullptr,
              "WorkflowExecutionTimeout"},
             {attrs.has_workflow_run_timeout() ? attrs.mutable_workflow_run_timeout() : nullptr, "WorkflowRunTimeout"},
             {attrs.has_workflow_task_timeout() ? attrs.mutable_workflow_task_timeout() : nullptr, "WorkflowTaskTimeout"}},
            attrs.has_retry_policy() ? attrs.mutable_retry_policy() : nullptr);
        if (!s.ok()) return invalid(bad, s.message());
        break;
      }
      case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const auto& attrs = c.signal_external_workflow_execution_command_attributes();
        auto bad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
        if (attrs.execution().workflow_id().empty()) return invalid(bad, "WorkflowId is not set.");
        if (attrs.signal_name().empty()) return invalid(bad, "SignalName is not set.");
        if (too_long(attrs.execution().workflow_id())) return invalid(bad, "WorkflowId exceeds length limit.");
        if (too_long(attrs.signal_name())) return invalid(bad, "SignalName exceeds length limit.");
        if (blob_size(attrs.input()) > config.blob_size_limit_error)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_INPUT_SIZE, "Signal input exceeds size limit.");
        break;
      }
      case enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        if (c.request_cancel_external_workflow_execution_command_attributes().workflow_id().empty())
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
                         "WorkflowId is not set.");
        break;
      case enums::COMMAND_TYPE_PROTOCOL_MESSAGE: {
        const std::string& id = c.protocol_message_command_attributes().message_id();
        bool found = false;
        for (const auto& message : messages) found = found || message.id() == id;
        if (!found)
          return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE,
                         "ProtocolMessageCommand refers to unknown message " + id);
        break;
      }
      case enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      case enums::COMMAND_TYPE_RECORD_MARKER:
      case enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        break;
      default:
        return invalid(enums::WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED,
                       "Command " + enums::CommandType_Name(c.command_type()) + " is not supported by this Stead server yet.");
    }
  }
  return result;
}

bool apply_commands(Mutation& m, const Commands& commands, const Messages& messages, int64_t completed_event_id,
                    const std::string& identity) {
  auto& ms = m.ms();
  std::set<std::string> applied_messages;
  bool new_task_needed = false;
  bool closed = false;
  for (const auto& c : commands) {
    if (closed) break;  // only the first closing command counts
    switch (c.command_type()) {
      case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        auto attrs = c.schedule_activity_task_command_attributes();
        normalize_activity(ms, &attrs);
        if (attrs.task_queue().name().empty()) attrs.mutable_task_queue()->set_name(ms.info().task_queue());
        auto* event = m.add_event(enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
        auto* a = event->mutable_activity_task_scheduled_event_attributes();
        a->set_activity_id(attrs.activity_id());
        *a->mutable_activity_type() = attrs.activity_type();
        a->mutable_task_queue()->set_name(attrs.task_queue().name());
        a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
        *a->mutable_header() = attrs.header();
        *a->mutable_input() = attrs.input();
        *a->mutable_schedule_to_close_timeout() = attrs.schedule_to_close_timeout();
        *a->mutable_schedule_to_start_timeout() = attrs.schedule_to_start_timeout();
        *a->mutable_start_to_close_timeout() = attrs.start_to_close_timeout();
        *a->mutable_heartbeat_timeout() = attrs.heartbeat_timeout();
        a->set_workflow_task_completed_event_id(completed_event_id);
        *a->mutable_retry_policy() = attrs.retry_policy();
        if (attrs.has_priority()) *a->mutable_priority() = attrs.priority();
        if (c.has_user_metadata()) *event->mutable_user_metadata() = c.user_metadata();

        v1::ActivityInfo info;
        info.set_scheduled_event_id(event->event_id());
        info.set_activity_id(attrs.activity_id());
        info.set_activity_type(attrs.activity_type().name());
        info.set_task_queue(attrs.task_queue().name());
        *info.mutable_input() = attrs.input();
        *info.mutable_header() = attrs.header();
        *info.mutable_schedule_to_close_timeout() = attrs.schedule_to_close_timeout();
        *info.mutable_schedule_to_start_timeout() = attrs.schedule_to_start_timeout();
        *info.mutable_start_to_close_timeout() = attrs.start_to_close_timeout();
        *info.mutable_heartbeat_timeout() = attrs.heartbeat_timeout();
        *info.mutable_retry_policy() = attrs.retry_policy();
        info.set_attempt(1);
        *info.mutable_first_scheduled_time() = to_proto(m.now());
        *info.mutable_scheduled_time() = to_proto(m.now());
        info.set_workflow_task_completed_event_id(completed_event_id);
        if (attrs.has_priority()) *info.mutable_priority() = attrs.priority();
        m.dispatch_activity(info);
        if (positive(info.schedule_to_close_timeout())) {
          m.add_timer(TimerKind::kActivityScheduleToClose, add_saturating(m.now(), info.schedule_to_close_timeout()),
                      info.scheduled_event_id());
        }
        (*ms.mutable_activities())[info.scheduled_event_id()] = std::move(info);
        break;
      }
      case enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        int64_t scheduled_id = c.request_cancel_activity_task_command_attributes().scheduled_event_id();
        auto* event = m.add_event(enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
        auto* a = event->mutable_activity_task_cancel_requested_event_attributes();
        a->set_scheduled_event_id(scheduled_id);
        a->set_workflow_task_completed_event_id(completed_event_id);
        auto it = ms.mutable_activities()->find(scheduled_id);
        if (it == ms.mutable_activities()->end()) break;
        if (!it->second.has_started_time()) {
          // Never handed to a worker: cancelled at once.
          auto* canceled = m.add_event(enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED);
          auto* ca = canceled->mutable_activity_task_canceled_event_attributes();
          ca->set_scheduled_event_id(scheduled_id);
          ca->set_latest_cancel_requested_event_id(event->event_id());
          ca->set_identity(identity);
          ms.mutable_activities()->erase(it);
          new_task_needed = true;
        } else {
          it->second.set_cancel_requested(true);
          it->second.set_cancel_requested_event_id(event->event_id());
        }
        break;
      }
      case enums::COMMAND_TYPE_START_TIMER: {
        const auto& attrs = c.start_timer_command_attributes();
        auto* event = m.add_event(enums::EVENT_TYPE_TIMER_STARTED);
        auto* a = event->mutable_timer_started_event_attributes();
        a->set_timer_id(attrs.timer_id());
        *a->mutable_start_to_fire_timeout() = attrs.start_to_fire_timeout();
        a->set_workflow_task_completed_event_id(completed_event_id);
        if (c.has_user_metadata()) *event->mutable_user_metadata() = c.user_metadata();
        v1::TimerInfo timer;
        timer.set_timer_id(attrs.timer_id());
        timer.set_started_event_id(event->event_id());
        TimePoint fire = add_saturating(m.now(), attrs.start_to_fire_timeout());
        *timer.mutable_fire_time() = to_proto(fire);
        m.add_timer(TimerKind::kUserTimer, fire, event->event_id(), 0, 0, attrs.timer_id());
        (*ms.mutable_timers())[attrs.timer_id()] = std::move(timer);
        break;
      }
      case enums::COMMAND_TYPE_CANCEL_TIMER: {
        const std::string& timer_id = c.cancel_timer_command_attributes().timer_id();
        auto it = ms.mutable_timers()->find(timer_id);
        int64_t started_id = it != ms.mutable_timers()->end() ? it->second.started_event_id() : 0;
        if (it != ms.mutable_timers()->end()) ms.mutable_timers()->erase(it);
        // A TimerFired still waiting in the buffer never happened, as far as the workflow knows.
        auto* buffered = ms.mutable_buffered_events();
        for (int i = buffered->size() - 1; i >= 0; --i) {
          const auto& e = buffered->Get(i);
          if (e.event_type() == enums::EVENT_TYPE_TIMER_FIRED && e.timer_fired_event_attributes().timer_id() == timer_id) {
            started_id = e.timer_fired_event_attributes().started_event_id();
            buffered->DeleteSubrange(i, 1);
          }
        }
        auto* event = m.add_event(enums::EVENT_TYPE_TIMER_CANCELED);
        auto* a = event->mutable_timer_canceled_event_attributes();
        a->set_timer_id(timer_id);
        a->set_started_event_id(started_id);
        a->set_workflow_task_completed_event_id(completed_event_id);
        a->set_identity(identity);
        break;
      }
      case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        auto attrs = c.start_child_workflow_execution_command_attributes();
        const auto& info = ms.info();
        if (attrs.namespace_().empty()) attrs.set_namespace_(info.namespace_());
        if (attrs.task_queue().name().empty()) attrs.mutable_task_queue()->set_name(info.task_queue());
        attrs.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
        if (attrs.parent_close_policy() == enums::PARENT_CLOSE_POLICY_UNSPECIFIED)
          attrs.set_parent_close_policy(enums::PARENT_CLOSE_POLICY_TERMINATE);
        auto* event = m.add_event(enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED);
        auto* a = event->mutable_start_child_workflow_execution_initiated_event_attributes();
        a->set_namespace_(attrs.namespace_());
        a->set_workflow_id(attrs.workflow_id());
        *a->mutable_workflow_type() = attrs.workflow_type();
        *a->mutable_task_queue() = attrs.task_queue();
        *a->mutable_input() = attrs.input();
        *a->mutable_workflow_execution_timeout() = attrs.workflow_execution_timeout();
        *a->mutable_workflow_run_timeout() = attrs.workflow_run_timeout();
        *a->mutable_workflow_task_timeout() = attrs.workflow_task_timeout();
        a->set_parent_close_policy(attrs.parent_close_policy());
        a->set_control(attrs.control());
        a->set_workflow_task_completed_event_id(completed_event_id);
        a->set_workflow_id_reuse_policy(attrs.workflow_id_reuse_policy());
        if (attrs.has_retry_policy()) *a->mutable_retry_policy() = attrs.retry_policy();
        a->set_cron_schedule(attrs.cron_schedule());
        *a->mutable_header() = attrs.header();
        *a->mutable_memo() = attrs.memo();
        *a->mutable_search_attributes() = attrs.search_attributes();
        if (attrs.has_priority()) *a->mutable_priority() = attrs.priority();
        if (c.has_user_metadata()) *event->mutable_user_metadata() = c.user_metadata();
        v1::ChildInfo child;
        child.set_initiated_event_id(event->event_id());
        child.set_namespace_(attrs.namespace_());
        child.set_workflow_id(attrs.workflow_id());
        child.set_workflow_type(attrs.workflow_type().name());
        child.set_parent_close_policy(attrs.parent_close_policy());
        *child.mutable_attributes() = std::move(attrs);
        (*ms.mutable_children())[event->event_id()] = std::move(child);
        persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};
        int64_t id = event->event_id();
        Engine& engine = m.engine();
        m.after_commit([&engine, key, id] { engine.start_child(key, id); });
        break;
      }
      case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      case enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
        const bool cancel = c.command_type() == enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION;
        const auto& info = ms.info();
        v1::ExternalRequest request;
        request.set_cancel(cancel);
        HistoryEvent* event;
        if (cancel) {
          const auto& attrs = c.request_cancel_external_workflow_execution_command_attributes();
          request.set_namespace_(attrs.namespace_().empty() ? info.namespace_() : attrs.namespace_());
          request.mutable_execution()->set_workflow_id(attrs.workflow_id());
          request.mutable_execution()->set_run_id(attrs.run_id());
          request.set_control(attrs.control());
          request.set_child_workflow_only(attrs.child_workflow_only());
          request.set_reason(attrs.reason());
          event = m.add_event(enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
          auto* a = event->mutable_request_cancel_external_workflow_execution_initiated_event_attributes();
          a->set_workflow_task_completed_event_id(completed_event_id);
          a->set_namespace_(request.namespace_());
          *a->mutable_workflow_execution() = request.execution();
          a->set_control(attrs.control());
          a->set_child_workflow_only(attrs.child_workflow_only());
          a->set_reason(attrs.reason());
        } else {
          const auto& attrs = c.signal_external_workflow_execution_command_attributes();
          request.set_namespace_(attrs.namespace_().empty() ? info.namespace_() : attrs.namespace_());
          *request.mutable_execution() = attrs.execution();
          request.set_signal_name(attrs.signal_name());
          *request.mutable_input() = attrs.input();
          *request.mutable_header() = attrs.header();
          request.set_control(attrs.control());
          request.set_child_workflow_only(attrs.child_workflow_only());
          event = m.add_event(enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
          auto* a = event->mutable_signal_external_workflow_execution_initiated_event_attributes();
          a->set_workflow_task_completed_event_id(completed_event_id);
          a->set_namespace_(request.namespace_());
          *a->mutable_workflow_execution() = attrs.execution();
          a->set_signal_name(attrs.signal_name());
          *a->mutable_input() = attrs.input();
          a->set_control(attrs.control());
          a->set_child_workflow_only(attrs.child_workflow_only());
          *a->mutable_header() = attrs.header();
        }
        request.set_initiated_event_id(event->event_id());
        (*ms.mutable_external_requests())[event->event_id()] = std::move(request);
        persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};
        int64_t id = event->event_id();
        Engine& engine = m.engine();
        m.after_commit([&engine, key, id] { engine.deliver_external(key, id); });
        break;
      }
      case enums::COMMAND_TYPE_PROTOCOL_MESSAGE: {
        const std::string& id = c.protocol_message_command_attributes().message_id();
        for (const auto& message : messages) {
          if (message.id() != id || !applied_messages.insert(id).second) continue;
          m.engine().apply_update_message(m, message, completed_event_id);
        }
        break;
      }
      case enums::COMMAND_TYPE_RECORD_MARKER: {
        const auto& attrs = c.record_marker_command_attributes();
        auto* event = m.add_event(enums::EVENT_TYPE_MARKER_RECORDED);
        auto* a = event->mutable_marker_recorded_event_attributes();
        a->set_marker_name(attrs.marker_name());
        *a->mutable_details() = attrs.details();
        a->set_workflow_task_completed_event_id(completed_event_id);
        *a->mutable_header() = attrs.header();
        if (attrs.has_failure()) *a->mutable_failure() = attrs.failure();
        break;
      }
      case enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const auto& attrs = c.upsert_workflow_search_attributes_command_attributes();
        auto* event = m.add_event(enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
        auto* a = event->mutable_upsert_workflow_search_attributes_event_attributes();
        a->set_workflow_task_completed_event_id(completed_event_id);
        *a->mutable_search_attributes() = attrs.search_attributes();
        merge_payload_map(ms.mutable_info()->mutable_search_attributes()->mutable_indexed_fields(),
                          attrs.search_attributes().indexed_fields());
        m.touch_visibility();
        break;
      }
      case enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const auto& attrs = c.modify_workflow_properties_command_attributes();
        auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED);
        auto* a = event->mutable_workflow_properties_modified_event_attributes();
        a->set_workflow_task_completed_event_id(completed_event_id);
        *a->mutable_upserted_memo() = attrs.upserted_memo();
        merge_payload_map(ms.mutable_info()->mutable_memo()->mutable_fields(), attrs.upserted_memo().fields());
        m.touch_visibility();
        break;
      }
      case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: {
        auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
        auto* a = event->mutable_workflow_execution_completed_event_attributes();
        *a->mutable_result() = c.complete_workflow_execution_command_attributes().result();
        a->set_workflow_task_completed_event_id(completed_event_id);
        m.close_run(enums::WORKFLOW_EXECUTION_STATUS_COMPLETED, event->event_id());
        closed = true;
        break;
      }
      case enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: {
        const auto& failure = c.fail_workflow_execution_command_attributes().failure();
        enums::RetryState retry_state;
        m.successor() = retry_successor(ms, failure, m.now(), &retry_state);
        auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
        auto* a = event->mutable_workflow_execution_failed_event_attributes();
        *a->mutable_failure() = failure;
        a->set_workflow_task_completed_event_id(completed_event_id);
        a->set_retry_state(retry_state);
        if (m.successor()) {
          a->set_new_execution_run_id(m.successor()->params.run_id);
          ms.mutable_info()->set_new_execution_run_id(m.successor()->params.run_id);
        }
        m.close_run(enums::WORKFLOW_EXECUTION_STATUS_FAILED, event->event_id());
        closed = true;
        break;
      }
      case enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
        const auto& attrs = c.continue_as_new_workflow_execution_command_attributes();
        Successor next = successor_of(ms, m.now(), new_uuid());
        auto& r = next.request;
        if (!attrs.workflow_type().name().empty()) *r.mutable_workflow_type() = attrs.workflow_type();
        if (!attrs.task_queue().name().empty()) r.mutable_task_queue()->set_name(attrs.task_queue().name());
        *r.mutable_input() = attrs.input();
        if (positive(attrs.workflow_run_timeout())) *r.mutable_workflow_run_timeout() = attrs.workflow_run_timeout();
        if (positive(attrs.workflow_task_timeout())) *r.mutable_workflow_task_timeout() = attrs.workflow_task_timeout();
        if (attrs.has_retry_policy()) *r.mutable_retry_policy() = attrs.retry_policy();
        if (attrs.has_memo()) *r.mutable_memo() = attrs.memo();
        if (attrs.has_search_attributes()) *r.mutable_search_attributes() = attrs.search_attributes();
        if (attrs.has_header()) *r.mutable_header() = attrs.header();
        if (!attrs.cron_schedule().empty()) r.set_cron_schedule(attrs.cron_schedule());
        *r.mutable_workflow_start_delay() = attrs.backoff_start_interval();
        if (attrs.has_failure()) *r.mutable_continued_failure() = attrs.failure();
        if (attrs.has_last_completion_result()) *r.mutable_last_completion_result() = attrs.last_completion_result();
        next.params.initiator = attrs.initiator() == enums::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED
                                    ? enums::CONTINUE_AS_NEW_INITIATOR_WORKFLOW
                                    : attrs.initiator();

        auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
        auto* a = event->mutable_workflow_execution_continued_as_new_event_attributes();
        a->set_new_execution_run_id(next.params.run_id);
        *a->mutable_workflow_type() = r.workflow_type();
        a->mutable_task_queue()->set_name(r.task_queue().name());
        a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
        *a->mutable_input() = r.input();
        *a->mutable_workflow_run_timeout() = r.workflow_run_timeout();
        *a->mutable_workflow_task_timeout() = r.workflow_task_timeout();
        a->set_workflow_task_completed_event_id(completed_event_id);
        *a->mutable_backoff_start_interval() = attrs.backoff_start_interval();
        a->set_initiator(next.params.initiator);
        if (attrs.has_failure()) *a->mutable_failure() = attrs.failure();
        if (attrs.has_last_completion_result()) *a->mutable_last_completion_result() = attrs.last_completion_result();
        *a->mutable_header() = r.header();
        *a->mutable_memo() = r.memo();
        *a->mutable_search_attributes() = r.search_attributes();
        m.close_run(enums::WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, event->event_id());
        ms.mutable_info()->set_new_execution_run_id(next.params.run_id);
        m.successor() = std::move(next);
        closed = true;
        break;
      }
      case enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION: {
        auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
        auto* a = event->mutable_workflow_execution_canceled_event_attributes();
        *a->mutable_details() = c.cancel_workflow_execution_command_attributes().details();
        a->set_workflow_task_completed_event_id(completed_event_id);
        m.close_run(enums::WORKFLOW_EXECUTION_STATUS_CANCELED, event->event_id());
        closed = true;
        break;
      }
      default:
        break;  // rejected by validate_commands
    }
  }
  // Messages without a command of their own (rejections carry no event).
  for (const auto& message : messages) {
    if (closed && !message.body().Is<temporal::api::update::v1::Rejection>()) continue;
    if (applied_messages.insert(message.id()).second) m.engine().apply_update_message(m, message, completed_event_id);
  }
  return new_task_needed;
}

}  // namespace stead::server::history
