// WorkflowRuntime: the commands workflow code issues (activities, timers, child workflows,
// external signals and cancels, patch markers, search attributes), their cancellation, and
// the events that record and resolve them.
#include "client/proto_options.h"
#include "common/time_util.h"
#include "worker/workflow/history_matching.h"
#include "worker/workflow/workflow_runtime.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
using temporal::api::failure::v1::Failure;
using workflow::detail::Operation;
using workflow::detail::OperationPtr;

struct WorkflowRuntime::ActivityState {
  OperationPtr op;
  std::string type, id;
  ActivityCancellationType cancellation_type = ActivityCancellationType::kTryCancel;
  int64_t scheduled_event_id = 0;  // 0 until the command is recorded
};

struct WorkflowRuntime::ChildState {
  OperationPtr started, result;
  std::string workflow_id, workflow_type, run_id;
  ChildWorkflowCancellationType cancellation_type = ChildWorkflowCancellationType::kWaitCancellationCompleted;
  int64_t initiated_event_id = 0;  // 0 until the command is recorded
  int64_t started_event_id = 0;    // 0 until the child started
  bool cancel_requested = false;
  bool cancel_when_started = false;
};

struct WorkflowRuntime::LocalActivityState {
  OperationPtr op;
  std::string type, id;
  LocalActivityOptions options;
  std::vector<Payload> input;  // encoded
  std::chrono::system_clock::time_point scheduled_time;
  bool done = false;  // ran, was read from the history, or was cancelled
};

namespace {

Failure canceled_failure(const std::string& message) {
  Failure f;
  f.set_message(message);
  f.mutable_canceled_failure_info();
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Issuing

void WorkflowRuntime::check_can_issue() const {
  if (in_query_) throw std::logic_error("stead: a query handler cannot start workflow operations");
}

OperationPtr WorkflowRuntime::new_operation() {
  auto op = std::make_shared<Operation>(*this, current_scope_);
  current_scope_->add(op);
  return op;
}

WorkflowRuntime::PendingCommand& WorkflowRuntime::issue(Command command, OperationPtr op) {
  commands_.push_back(PendingCommand{std::move(command), collecting_, std::move(op), nullptr});
  return commands_.back();
}

bool WorkflowRuntime::withdraw(const Operation* op) {
  for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
    if (it->op.get() != op) continue;
    if (it->activation != collecting_) return false;
    commands_.erase(std::next(it).base());
    return true;
  }
  return false;
}

void WorkflowRuntime::match_command(const HistoryEvent& event) {
  if (commands_.empty() || !records(event, commands_.front().command, converter_)) {
    if (skippable_without_command(event, converter_)) return;
    std::string next = commands_.empty() ? "no further command" : describe_command(commands_.front().command);
    throw NondeterminismError("[TMPRL1100] nondeterminism: history " + describe_event(event) +
                              " does not match the workflow's next command: " + next);
  }
  PendingCommand pending = std::move(commands_.front());
  commands_.pop_front();
  if (pending.on_recorded) pending.on_recorded(event);
}

// ---------------------------------------------------------------------------------------
// Activities

OperationPtr WorkflowRuntime::start_activity(std::string_view type, const ActivityOptions& options,
                                             std::vector<Payload> args) {
  check_can_issue();
  if (type.empty()) throw std::invalid_argument("stead: activity type is empty");
  if (options.start_to_close_timeout.count() <= 0 && options.schedule_to_close_timeout.count() <= 0)
    throw std::invalid_argument("stead::ActivityOptions for '" + std::string(type) +
                                "': start_to_close_timeout or schedule_to_close_timeout is required");
  auto activity = std::make_shared<ActivityState>();
  activity->op = new_operation();
  activity->type = type;
  activity->id = options.activity_id.empty() ? std::to_string(next_seq_++) : options.activity_id;
  activity->cancellation_type = options.cancellation_type;
  if (current_scope_->cancelled()) {
    activity->op->reject(activity_error(*activity, 0, "", enums::RETRY_STATE_CANCEL_REQUESTED,
                                        canceled_failure("Activity cancelled before it was scheduled")));
    return activity->op;
  }
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = command.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(activity->id);
  a->mutable_activity_type()->set_name(activity->type);
  a->mutable_task_queue()->set_name(options.task_queue.empty() ? info_.task_queue : options.task_queue);
  a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (!args.empty()) *a->mutable_input() = encode(std::move(args));
  if (options.schedule_to_close_timeout.count() > 0)
    *a->mutable_schedule_to_close_timeout() = to_proto_duration(options.schedule_to_close_timeout);
  if (options.schedule_to_start_timeout.count() > 0)
    *a->mutable_schedule_to_start_timeout() = to_proto_duration(options.schedule_to_start_timeout);
  if (options.start_to_close_timeout.count() > 0)
    *a->mutable_start_to_close_timeout() = to_proto_duration(options.start_to_close_timeout);
  if (options.heartbeat_timeout.count() > 0)
    *a->mutable_heartbeat_timeout() = to_proto_duration(options.heartbeat_timeout);
  if (options.retry_policy) stead::detail::set_retry_policy(*options.retry_policy, a->mutable_retry_policy());
  a->mutable_header()->mutable_fields()->insert(info_.headers.begin(), info_.headers.end());
  PendingCommand& pending = issue(std::move(command), activity->op);
  pending.on_recorded = [this, activity](const HistoryEvent& event) {
    activity->scheduled_event_id = event.event_id();
    activities_[event.event_id()] = activity;
  };
  std::weak_ptr<ActivityState> weak = activity;
  Operation* op = activity->op.get();
  activity->op->set_cancel_action([this, weak, op] {
    if (auto activity = weak.lock()) {
      cancel_activity(*activity);
    } else {
      op->reject(std::make_exception_ptr(CanceledError("activity canceled")));
    }
  });
  return activity->op;
}

void WorkflowRuntime::cancel_activity(ActivityState& activity) {
  auto canceled = [&] {
    return activity_error(activity, 0, "", enums::RETRY_STATE_CANCEL_REQUESTED, canceled_failure("Activity cancelled"));
  };
  if (withdraw(activity.op.get()) || activity.cancellation_type == ActivityCancellationType::kAbandon) {
    activity.op->reject(canceled());
    return;
  }
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK);
  command.mutable_request_cancel_activity_task_command_attributes()->set_scheduled_event_id(
      activity.scheduled_event_id);
  issue(std::move(command));
  // WAIT_CANCELLATION_COMPLETED resolves when ActivityTaskCanceled (or a result) arrives.
  if (activity.cancellation_type == ActivityCancellationType::kTryCancel) activity.op->reject(canceled());
}

void WorkflowRuntime::resolve_activity(const HistoryEvent& event) {
  int64_t scheduled = 0;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      scheduled = event.activity_task_completed_event_attributes().scheduled_event_id();
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
      scheduled = event.activity_task_failed_event_attributes().scheduled_event_id();
      break;
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      scheduled = event.activity_task_timed_out_event_attributes().scheduled_event_id();
      break;
    default:
      scheduled = event.activity_task_canceled_event_attributes().scheduled_event_id();
      break;
  }
  auto it = activities_.find(scheduled);
  if (it == activities_.end())
    throw NondeterminismError("[TMPRL1100] history " + describe_event(event) +
                              " resolves an activity the workflow did not schedule");
  std::shared_ptr<ActivityState> activity = std::move(it->second);
  activities_.erase(it);
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
      auto result = decode(event.activity_task_completed_event_attributes().result());
      activity->op->resolve(result.empty() ? std::nullopt : std::optional<Payload>(std::move(result.front())));
      return;
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED: {
      const auto& a = event.activity_task_failed_event_attributes();
      activity->op->reject(activity_error(*activity, a.started_event_id(), a.identity(), a.retry_state(), a.failure()));
      return;
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
      const auto& a = event.activity_task_timed_out_event_attributes();
      activity->op->reject(activity_error(*activity, a.started_event_id(), "", a.retry_state(), a.failure()));
      return;
    }
    default: {
      const auto& a = event.activity_task_canceled_event_attributes();
      Failure cause = canceled_failure("Activity cancelled");
      *cause.mutable_canceled_failure_info()->mutable_details() = a.details();
      activity->op->reject(
          activity_error(*activity, a.started_event_id(), a.identity(), enums::RETRY_STATE_CANCEL_REQUESTED, cause));
      return;
    }
  }
}

std::exception_ptr WorkflowRuntime::activity_error(const ActivityState& activity, int64_t started_event_id,
                                                   const std::string& identity, int retry_state, Failure cause) const {
  Failure failure;
  failure.set_message("Activity task failed");
  auto* info = failure.mutable_activity_failure_info();
  info->set_scheduled_event_id(activity.scheduled_event_id);
  info->set_started_event_id(started_event_id);
  info->set_identity(identity);
  info->mutable_activity_type()->set_name(activity.type);
  info->set_activity_id(activity.id);
  info->set_retry_state(static_cast<enums::RetryState>(retry_state));
  *failure.mutable_cause() = std::move(cause);
  return error_from(failure);
}

// ---------------------------------------------------------------------------------------
// Local activities

OperationPtr WorkflowRuntime::start_local_activity(std::string_view type, const LocalActivityOptions& options,
                                                   std::vector<Payload> args) {
  check_can_issue();
  if (type.empty()) throw std::invalid_argument("stead: local activity type is empty");
  if (options.start_to_close_timeout.count() <= 0 && options.schedule_to_close_timeout.count() <= 0)
    throw std::invalid_argument("stead::LocalActivityOptions for '" + std::string(type) +
                                "': start_to_close_timeout or schedule_to_close_timeout is required");
  auto la = std::make_shared<LocalActivityState>();
  la->op = new_operation();
  la->type = type;
  la->id = options.activity_id.empty() ? std::to_string(next_seq_++) : options.activity_id;
  la->options = options;
  la->scheduled_time = now_;
  ActivityState identity{nullptr, la->type, la->id};
  if (current_scope_->cancelled()) {
    la->op->reject(activity_error(identity, 0, "", enums::RETRY_STATE_CANCEL_REQUESTED,
                                  canceled_failure("Local activity cancelled before it ran")));
    return la->op;
  }
  la->input = converter_.encode(std::move(args));
  local_requests_.push_back(la);
  std::weak_ptr<LocalActivityState> weak = la;
  la->op->set_cancel_action([this, weak] {
    auto la = weak.lock();
    if (!la || la->done) return;
    la->done = true;  // not run yet: it never will be, and nothing is recorded
    ActivityState identity{nullptr, la->type, la->id};
    la->op->reject(activity_error(identity, 0, "", enums::RETRY_STATE_CANCEL_REQUESTED,
                                  canceled_failure("Local activity cancelled")));
  });
  return la->op;
}

bool WorkflowRuntime::resolve_local_activities() {
  if (local_requests_.empty()) return false;
  std::deque<std::shared_ptr<LocalActivityState>> batch;
  batch.swap(local_requests_);
  for (auto& la : batch) {
    if (la->done) continue;
    la->done = true;
    LocalActivityOutcome outcome;
    if (replaying_) {
      auto it = local_markers_.find(la->id);
      if (it == local_markers_.end())
        throw NondeterminismError("[TMPRL1100] the workflow ran local activity '" + la->type + "' (activity_id '" +
                                  la->id + "') but the history records no marker for it");
      const auto& a = it->second->marker_recorded_event_attributes();
      if (a.has_failure()) {
        outcome.failure = a.failure();
        outcome.retry_state = enums::RETRY_STATE_NON_RETRYABLE_FAILURE;
      } else if (auto r = a.details().find("result"); r != a.details().end() && r->second.payloads_size() > 0) {
        outcome.result = r->second.payloads(0);
      }
    } else {
      if (!local_executor_)
        throw WorkflowTaskError("local activity '" + la->type + "': this worker cannot run local activities");
      outcome = local_executor_(LocalActivityRequest{la->type, la->id, la->input, la->options, &info_, la->scheduled_time});
    }
    Command command = local_activity_marker_command(la->type, la->id, outcome.attempt, outcome.result, outcome.failure);
    issue(std::move(command));
    if (outcome.failure) {
      ActivityState identity{nullptr, la->type, la->id};
      la->op->reject(activity_error(identity, 0, "", outcome.retry_state, *outcome.failure));
    } else {
      std::optional<Payload> result;
      if (outcome.result) result = converter_.decode({*outcome.result}).front();
      la->op->resolve(std::move(result));
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Timers

OperationPtr WorkflowRuntime::start_timer(std::chrono::nanoseconds duration) {
  check_can_issue();
  OperationPtr op = new_operation();
  if (duration.count() <= 0) {
    op->resolve(std::nullopt);
    return op;
  }
  if (current_scope_->cancelled()) {
    op->reject(std::make_exception_ptr(CanceledError("timer canceled before it started")));
    return op;
  }
  std::string id = std::to_string(next_seq_++);
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_START_TIMER);
  command.mutable_start_timer_command_attributes()->set_timer_id(id);
  *command.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout() = to_proto_duration(duration);
  PendingCommand& pending = issue(std::move(command), op);
  pending.on_recorded = [this, op, id](const HistoryEvent&) { timers_[id] = op; };
  Operation* raw = op.get();
  op->set_cancel_action([this, raw, id] {
    timers_.erase(id);
    if (!withdraw(raw)) {
      Command cancel;
      cancel.set_command_type(enums::COMMAND_TYPE_CANCEL_TIMER);
      cancel.mutable_cancel_timer_command_attributes()->set_timer_id(id);
      issue(std::move(cancel));
    }
    raw->reject(std::make_exception_ptr(CanceledError("timer canceled")));
  });
  return op;
}

// ---------------------------------------------------------------------------------------
// Child workflows

workflow::detail::ChildOperations WorkflowRuntime::start_child(std::string_view type,
                                                               const ChildWorkflowOptions& options,
                                                               std::vector<Payload> args) {
  check_can_issue();
  if (type.empty()) throw std::invalid_argument("stead: child workflow type is empty");
  auto child = std::make_shared<ChildState>();
  child->workflow_type = type;
  child->workflow_id = options.id.empty() ? workflow::uuid4() : options.id;
  child->cancellation_type = options.cancellation_type;
  child->started = new_operation();
  child->result = new_operation();
  workflow::detail::ChildOperations ops{child->workflow_id, child->started, child->result};
  if (current_scope_->cancelled()) {
    auto error = child_error(*child, 0, enums::RETRY_STATE_CANCEL_REQUESTED, canceled_failure("Child workflow cancelled"));
    child->started->reject(error);
    child->result->reject(error);
    return ops;
  }
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION);
  auto* a = command.mutable_start_child_workflow_execution_command_attributes();
  a->set_namespace_(namespace_);
  a->set_workflow_id(child->workflow_id);
  a->mutable_workflow_type()->set_name(child->workflow_type);
  a->mutable_task_queue()->set_name(options.task_queue.empty() ? info_.task_queue : options.task_queue);
  a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (!args.empty()) *a->mutable_input() = encode(std::move(args));
  if (options.execution_timeout.count() > 0)
    *a->mutable_workflow_execution_timeout() = to_proto_duration(options.execution_timeout);
  if (options.run_timeout.count() > 0) *a->mutable_workflow_run_timeout() = to_proto_duration(options.run_timeout);
  if (options.task_timeout.count() > 0) *a->mutable_workflow_task_timeout() = to_proto_duration(options.task_timeout);
  a->set_parent_close_policy(static_cast<enums::ParentClosePolicy>(options.parent_close_policy));
  a->set_workflow_id_reuse_policy(static_cast<enums::WorkflowIdReusePolicy>(options.id_reuse_policy));
  if (options.retry_policy) stead::detail::set_retry_policy(*options.retry_policy, a->mutable_retry_policy());
  a->set_cron_schedule(options.cron_schedule);
  if (!options.memo.empty()) stead::detail::set_memo(converter_, options.memo, a->mutable_memo());
  if (!options.search_attributes.empty())
    stead::detail::set_search_attributes(options.search_attributes, a->mutable_search_attributes());
  a->mutable_header()->mutable_fields()->insert(info_.headers.begin(), info_.headers.end());
  PendingCommand& pending = issue(std::move(command), child->result);
  pending.on_recorded = [this, child](const HistoryEvent& event) {
    child->initiated_event_id = event.event_id();
    children_[event.event_id()] = child;
  };
  std::weak_ptr<ChildState> weak = child;
  auto cancel = [this, weak] {
    if (auto child = weak.lock()) cancel_child(child);
  };
  child->started->set_cancel_action(cancel);
  child->result->set_cancel_action(cancel);
  return ops;
}

void WorkflowRuntime::cancel_child(const std::shared_ptr<ChildState>& child) {
  if (child->cancel_requested) return;
  child->cancel_requested = true;
  auto canceled = [&] {
    return child_error(*child, child->started_event_id, enums::RETRY_STATE_CANCEL_REQUESTED,
                       canceled_failure("Child workflow cancelled"));
  };
  bool withdrawn = child->initiated_event_id == 0 && withdraw(child->result.get());
  if (withdrawn || child->cancellation_type == ChildWorkflowCancellationType::kAbandon) {
    child->started->reject(canceled());
    child->result->reject(canceled());
    return;
  }
  if (child->started_event_id != 0) {
    request_child_cancel(child);
  } else {
    child->cancel_when_started = true;
  }
  if (child->cancellation_type == ChildWorkflowCancellationType::kTryCancel) {
    child->started->reject(canceled());
    child->result->reject(canceled());
  }
}

void WorkflowRuntime::request_child_cancel(const std::shared_ptr<ChildState>& child) {
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = command.mutable_request_cancel_external_workflow_execution_command_attributes();
  a->set_namespace_(namespace_);
  a->set_workflow_id(child->workflow_id);
  a->set_run_id(child->run_id);
  a->set_child_workflow_only(true);
  PendingCommand& pending = issue(std::move(command));
  pending.on_recorded = [this, child](const HistoryEvent& event) {
    externals_[event.event_id()] = [this, child](const HistoryEvent& resolution) {
      if (child->cancellation_type != ChildWorkflowCancellationType::kWaitCancellationRequested) return;
      if (resolution.event_type() == enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
        child->result->reject(child_error(*child, child->started_event_id, enums::RETRY_STATE_CANCEL_REQUESTED,
                                          canceled_failure("Child workflow cancelled")));
    };
  };
}

void WorkflowRuntime::resolve_child(const HistoryEvent& event) {
  int64_t initiated = 0;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
      initiated = event.child_workflow_execution_started_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      initiated = event.start_child_workflow_execution_failed_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      initiated = event.child_workflow_execution_completed_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      initiated = event.child_workflow_execution_failed_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      initiated = event.child_workflow_execution_canceled_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      initiated = event.child_workflow_execution_timed_out_event_attributes().initiated_event_id();
      break;
    default:
      initiated = event.child_workflow_execution_terminated_event_attributes().initiated_event_id();
      break;
  }
  auto it = children_.find(initiated);
  if (it == children_.end())
    throw NondeterminismError("[TMPRL1100] history " + describe_event(event) +
                              " resolves a child workflow the workflow did not start");
  std::shared_ptr<ChildState> child = it->second;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
      child->run_id = event.child_workflow_execution_started_event_attributes().workflow_execution().run_id();
      child->started_event_id = event.event_id();
      child->started->resolve(to_payload(child->run_id));
      if (child->cancel_when_started) request_child_cancel(child);
      return;
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: {
      children_.erase(it);
      auto error = std::make_exception_ptr(WorkflowAlreadyStartedError(
          "child workflow '" + child->workflow_id + "' could not start: a workflow with this id is already running",
          child->workflow_id, child->workflow_type, ""));
      child->started->reject(error);
      child->result->reject(error);
      return;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: {
      children_.erase(it);
      auto result = decode(event.child_workflow_execution_completed_event_attributes().result());
      child->result->resolve(result.empty() ? std::nullopt : std::optional<Payload>(std::move(result.front())));
      return;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: {
      children_.erase(it);
      const auto& a = event.child_workflow_execution_failed_event_attributes();
      child->result->reject(child_error(*child, a.started_event_id(), a.retry_state(), a.failure()));
      return;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: {
      children_.erase(it);
      const auto& a = event.child_workflow_execution_canceled_event_attributes();
      Failure cause = canceled_failure("Child workflow cancelled");
      *cause.mutable_canceled_failure_info()->mutable_details() = a.details();
      child->result->reject(child_error(*child, a.started_event_id(), enums::RETRY_STATE_CANCEL_REQUESTED, cause));
      return;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: {
      children_.erase(it);
      const auto& a = event.child_workflow_execution_timed_out_event_attributes();
      Failure cause;
      cause.set_message("Child workflow timed out");
      cause.mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
      child->result->reject(child_error(*child, a.started_event_id(), a.retry_state(), cause));
      return;
    }
    default: {
      children_.erase(it);
      const auto& a = event.child_workflow_execution_terminated_event_attributes();
      Failure cause;
      cause.set_message("Terminated");
      cause.mutable_terminated_failure_info();
      child->result->reject(child_error(*child, a.started_event_id(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE, cause));
      return;
    }
  }
}

std::exception_ptr WorkflowRuntime::child_error(const ChildState& child, int64_t started_event_id, int retry_state,
                                                Failure cause) const {
  Failure failure;
  failure.set_message("Child Workflow execution failed");
  auto* info = failure.mutable_child_workflow_execution_failure_info();
  info->set_namespace_(namespace_);
  info->mutable_workflow_execution()->set_workflow_id(child.workflow_id);
  info->mutable_workflow_execution()->set_run_id(child.run_id);
  info->mutable_workflow_type()->set_name(child.workflow_type);
  info->set_initiated_event_id(child.initiated_event_id);
  info->set_started_event_id(started_event_id);
  info->set_retry_state(static_cast<enums::RetryState>(retry_state));
  *failure.mutable_cause() = std::move(cause);
  return error_from(failure);
}

// ---------------------------------------------------------------------------------------
// Signals and cancellation requests to other workflows

OperationPtr WorkflowRuntime::signal_external(std::string workflow_id, std::string run_id, std::string signal,
                                              std::vector<Payload> args, bool child_only) {
  check_can_issue();
  OperationPtr op = new_operation();
  if (current_scope_->cancelled()) {
    op->reject(std::make_exception_ptr(CanceledError("signal canceled before it was sent")));
    return op;
  }
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = command.mutable_signal_external_workflow_execution_command_attributes();
  a->set_namespace_(namespace_);
  a->mutable_execution()->set_workflow_id(std::move(workflow_id));
  a->mutable_execution()->set_run_id(std::move(run_id));
  a->set_signal_name(std::move(signal));
  if (!args.empty()) *a->mutable_input() = encode(std::move(args));
  a->set_child_workflow_only(child_only);
  PendingCommand& pending = issue(std::move(command), op);
  pending.on_recorded = [this, op](const HistoryEvent& event) {
    externals_[event.event_id()] = [this, op](const HistoryEvent& resolution) {
      if (resolution.event_type() == enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED) {
        op->resolve(std::nullopt);
      } else {
        op->reject(std::make_exception_ptr(
            ApplicationError("unable to signal external workflow: it was not found",
                             {.type = "SignalExternalWorkflowExecutionFailed", .non_retryable = true})));
      }
    };
  };
  // A signal can only be called back before it is sent.
  Operation* raw = op.get();
  op->set_cancel_action([this, raw] {
    if (withdraw(raw)) raw->reject(std::make_exception_ptr(CanceledError("signal canceled before it was sent")));
  });
  return op;
}

OperationPtr WorkflowRuntime::cancel_external(std::string workflow_id, std::string run_id) {
  check_can_issue();
  OperationPtr op = new_operation();
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = command.mutable_request_cancel_external_workflow_execution_command_attributes();
  a->set_namespace_(namespace_);
  a->set_workflow_id(std::move(workflow_id));
  a->set_run_id(std::move(run_id));
  PendingCommand& pending = issue(std::move(command), op);
  pending.on_recorded = [this, op](const HistoryEvent& event) {
    externals_[event.event_id()] = [op](const HistoryEvent& resolution) {
      if (resolution.event_type() == enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED) {
        op->resolve(std::nullopt);
      } else {
        op->reject(std::make_exception_ptr(
            ApplicationError("unable to cancel external workflow: it was not found",
                             {.type = "CancelExternalWorkflowExecutionFailed", .non_retryable = true})));
      }
    };
  };
  Operation* raw = op.get();
  op->set_cancel_action([this, raw] {
    if (withdraw(raw)) raw->reject(std::make_exception_ptr(CanceledError("cancel request withdrawn")));
  });
  return op;
}

void WorkflowRuntime::resolve_external(const HistoryEvent& event) {
  int64_t initiated = 0;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
      initiated = event.external_workflow_execution_signaled_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
      initiated = event.signal_external_workflow_execution_failed_event_attributes().initiated_event_id();
      break;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      initiated = event.external_workflow_execution_cancel_requested_event_attributes().initiated_event_id();
      break;
    default:
      initiated = event.request_cancel_external_workflow_execution_failed_event_attributes().initiated_event_id();
      break;
  }
  auto it = externals_.find(initiated);
  if (it == externals_.end())
    throw NondeterminismError("[TMPRL1100] history " + describe_event(event) +
                              " resolves a request the workflow did not make");
  ExternalCallback callback = std::move(it->second);
  externals_.erase(it);
  callback(event);
}

// ---------------------------------------------------------------------------------------
// Patches and search attributes

bool WorkflowRuntime::patched(std::string_view patch_id, bool deprecated) {
  check_can_issue();
  if (auto it = patches_.find(patch_id); it != patches_.end()) return it->second;
  bool present = !replaying_ || patches_in_history_.count(std::string(patch_id)) > 0;
  if (present) issue(patch_marker_command(std::string(patch_id), deprecated));
  patches_.emplace(std::string(patch_id), present);
  return present;
}

void WorkflowRuntime::upsert_search_attributes(const SearchAttributes& attributes) {
  check_can_issue();
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
  stead::detail::set_search_attributes(
      attributes, command.mutable_upsert_workflow_search_attributes_command_attributes()->mutable_search_attributes());
  issue(std::move(command));
  for (const auto& [name, value] : attributes) info_.search_attributes[name] = value;
}

}  // namespace stead::worker
