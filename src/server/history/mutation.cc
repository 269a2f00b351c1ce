#include "server/history/mutation.h"

#include <map>

#include "server/history/engine.h"
#include "server/visibility/search_attributes_json.h"

namespace stead::server::history {

using temporal::api::enums::v1::EventType;
using temporal::api::history::v1::HistoryEvent;
namespace enums = temporal::api::enums::v1;

Mutation::Mutation(Engine& engine, std::shared_ptr<WorkflowEntry> entry, Run& run)
    : engine_(engine), entry_(std::move(entry)), run_(run), effects_{.clock_hold = engine.clock().hold()},
      now_(engine.clock().now()) {
  effects_.entry = entry_;
}

void Mutation::absorb(Mutation& other) {
  other.finish();
  auto move_rows = [](auto& into, auto& from) {
    for (auto& row : from) into.push_back(std::move(row));
    from.clear();
  };
  move_rows(batch_.namespaces, other.batch_.namespaces);
  move_rows(batch_.executions, other.batch_.executions);
  move_rows(batch_.current_runs, other.batch_.current_runs);
  move_rows(batch_.events, other.batch_.events);
  move_rows(batch_.visibility, other.batch_.visibility);
  move_rows(effects_.tasks, other.effects_.tasks);
  move_rows(effects_.timers, other.effects_.timers);
  move_rows(effects_.runs, other.effects_.runs);
  move_rows(effects_.followups, other.effects_.followups);
}

HistoryEvent* Mutation::add_event(EventType type) {
  HistoryEvent& event = new_events_.emplace_back();
  event.set_event_id(run_.ms.next_event_id());
  run_.ms.set_next_event_id(run_.ms.next_event_id() + 1);
  event.set_event_type(type);
  *event.mutable_event_time() = to_proto(now_);
  event.set_task_id(event.event_id());
  return &event;
}

HistoryEvent* Mutation::add_external_event(EventType type) {
  const bool task_started = run_.ms.has_workflow_task() && run_.ms.workflow_task().started_event_id() != 0;
  if (task_started) {
    HistoryEvent* event = run_.ms.add_buffered_events();
    event->set_event_type(type);
    *event->mutable_event_time() = to_proto(now_);
    return event;  // the workflow task's completion flushes it and schedules the next task
  }
  return add_event(type);
}

bool Mutation::flush_buffered_events() {
  if (run_.ms.buffered_events_size() == 0) return false;
  // Activity close events reference their ActivityTaskStarted, which gets its id only now.
  std::map<int64_t, int64_t> started_by_scheduled;
  // Likewise child close events and their ChildWorkflowExecutionStarted.
  std::map<int64_t, int64_t> child_started_by_initiated;
  auto fix_child = [&](auto* attrs) {
    auto it = child_started_by_initiated.find(attrs->initiated_event_id());
    if (it != child_started_by_initiated.end()) attrs->set_started_event_id(it->second);
  };
  for (auto& buffered : *run_.ms.mutable_buffered_events()) {
    HistoryEvent* event = add_event(buffered.event_type());
    int64_t id = event->event_id();
    *event = std::move(buffered);
    event->set_event_id(id);
    event->set_task_id(id);
    switch (event->event_type()) {
      case enums::EVENT_TYPE_ACTIVITY_TASK_STARTED:
        started_by_scheduled[event->activity_task_started_event_attributes().scheduled_event_id()] = id;
        break;
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
        int64_t initiated = event->child_workflow_execution_started_event_attributes().initiated_event_id();
        child_started_by_initiated[initiated] = id;
        auto it = run_.ms.mutable_children()->find(initiated);
        if (it != run_.ms.mutable_children()->end()) it->second.set_started_event_id(id);
        break;
      }
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
        fix_child(event->mutable_child_workflow_execution_completed_event_attributes());
        break;
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
        fix_child(event->mutable_child_workflow_execution_failed_event_attributes());
        break;
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
        fix_child(event->mutable_child_workflow_execution_canceled_event_attributes());
        break;
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
        fix_child(event->mutable_child_workflow_execution_timed_out_event_attributes());
        break;
      case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
        fix_child(event->mutable_child_workflow_execution_terminated_event_attributes());
        break;
      case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        auto* a = event->mutable_activity_task_completed_event_attributes();
        if (auto it = started_by_scheduled.find(a->scheduled_event_id()); it != started_by_scheduled.end())
          a->set_started_event_id(it->second);
        break;
      }
      case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED: {
        auto* a = event->mutable_activity_task_failed_event_attributes();
        if (auto it = started_by_scheduled.find(a->scheduled_event_id()); it != started_by_scheduled.end())
          a->set_started_event_id(it->second);
        break;
      }
      case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
        auto* a = event->mutable_activity_task_timed_out_event_attributes();
        if (auto it = started_by_scheduled.find(a->scheduled_event_id()); it != started_by_scheduled.end())
          a->set_started_event_id(it->second);
        break;
      }
      case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        auto* a = event->mutable_activity_task_canceled_event_attributes();
        if (auto it = started_by_scheduled.find(a->scheduled_event_id()); it != started_by_scheduled.end())
          a->set_started_event_id(it->second);
        break;
      }
      default:
        break;
    }
  }
  run_.ms.clear_buffered_events();
  return true;
}

void Mutation::schedule_workflow_task() {
  auto& ms = run_.ms;
  if (ms.has_workflow_task() || !run_.open()) return;
  const auto& info = ms.info();
  const bool sticky = ms.has_sticky() && !engine_.sticky_released(info.namespace_(), ms.sticky().task_queue());
  if (ms.has_sticky() && !sticky) ms.clear_sticky();

  HistoryEvent* event = add_event(enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  auto* attrs = event->mutable_workflow_task_scheduled_event_attributes();
  attrs->mutable_task_queue()->set_name(sticky ? ms.sticky().task_queue() : info.task_queue());
  attrs->mutable_task_queue()->set_kind(sticky ? enums::TASK_QUEUE_KIND_STICKY : enums::TASK_QUEUE_KIND_NORMAL);
  if (sticky) attrs->mutable_task_queue()->set_normal_name(info.task_queue());
  *attrs->mutable_start_to_close_timeout() = info.task_timeout();
  int32_t attempt = ms.next_workflow_task_attempt() > 0 ? ms.next_workflow_task_attempt() : 1;
  attrs->set_attempt(attempt);

  auto* task = ms.mutable_workflow_task();
  task->set_scheduled_event_id(event->event_id());
  task->set_attempt(attempt);
  *task->mutable_scheduled_time() = to_proto(now_);
  *task->mutable_task_queue() = attrs->task_queue();
  *task->mutable_start_to_close_timeout() = info.task_timeout();
  ms.set_next_workflow_task_attempt(0);

  engine_.dispatch_workflow_task(run_, effects_);
}

void Mutation::end_for_forced_close(const std::string& identity) {
  auto& ms = run_.ms;
  if (ms.has_workflow_task() && ms.workflow_task().started_event_id() != 0) {
    auto* failed = add_event(enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);
    auto* a = failed->mutable_workflow_task_failed_event_attributes();
    a->set_scheduled_event_id(ms.workflow_task().scheduled_event_id());
    a->set_started_event_id(ms.workflow_task().started_event_id());
    a->set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND);
    a->set_identity(identity);
    ms.clear_workflow_task();
  }
  flush_buffered_events();
}

void Mutation::close_run(enums::WorkflowExecutionStatus status, int64_t close_event_id) {
  auto& ms = run_.ms;
  auto* info = ms.mutable_info();
  info->set_status(status);
  info->set_close_event_id(close_event_id);
  *info->mutable_close_time() = to_proto(now_);
  // Children follow their parent's close policy once this close is durable.
  for (const auto& [id, child] : ms.children()) {
    if (child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_ABANDON || child.run_id().empty()) continue;
    Engine& engine = engine_;
    after_commit([&engine, ns = info->namespace_(), child = child, parent = info->workflow_id()] {
      engine.apply_parent_close_policy(ns, child, parent);
    });
  }
  ms.clear_children();
  ms.clear_workflow_task();
  ms.clear_sticky();
  ms.clear_activities();
  ms.clear_timers();
  ms.clear_buffered_events();
  touch_visibility();
}

void Mutation::add_timer(TimerKind kind, TimePoint deadline, int64_t event_id, int32_t attempt,
                         int64_t started_event_id, std::string timer_id) {
  const auto& info = run_.ms.info();
  TimerTask task{kind, info.namespace_(), info.workflow_id(), info.run_id(), event_id, started_event_id, attempt,
                 std::move(timer_id)};
  effects_.timers.emplace_back(std::move(task), deadline);
}

void Mutation::dispatch_activity(const v1::ActivityInfo& activity) {
  const auto& info = run_.ms.info();
  matching::QueueKey key{info.namespace_(), activity.task_queue(), matching::TaskKind::kActivity};
  matching::TaskRef ref{info.namespace_(), info.workflow_id(), info.run_id(), activity.scheduled_event_id(),
                        activity.attempt(), {}};
  effects_.tasks.emplace_back(std::move(key), std::move(ref));
  Duration schedule_to_start = from_proto(activity.schedule_to_start_timeout());
  if (schedule_to_start > Duration::zero()) {
    add_timer(TimerKind::kActivityScheduleToStart, add_saturating(from_proto(activity.scheduled_time()), schedule_to_start),
              activity.scheduled_event_id(), activity.attempt());
  }
}

void Mutation::finish() {
  auto& ms = run_.ms;
  const auto& info = ms.info();
  persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};
  for (auto& event : new_events_) {
    std::string bytes = event.SerializeAsString();
    ms.set_history_size_bytes(ms.history_size_bytes() + static_cast<int64_t>(bytes.size()));
    batch_.events.push_back({key, event.event_id(), std::move(bytes)});
  }
  batch_.executions.push_back({key, ms.SerializeAsString(), run_.open()});
  // A child's chain that ends here reports to its parent.
  if (!run_.open() && info.has_parent_execution() && !successor_) {
    for (const auto& event : new_events_) {
      if (event.event_id() != info.close_event_id()) continue;
      Engine& engine = engine_;
      after_commit([&engine, info = info, event = event] { engine.notify_parent(info, event); });
    }
  }
  if (make_current_) batch_.current_runs.push_back({key.ns, key.workflow_id, key.run_id});
  if (visibility_dirty_) {
    batch_.visibility.push_back(visibility_row(ms));
    // Filterable copy of the search attributes; a malformed one is stored without the rest.
    visibility::search_attributes_to_json(info.search_attributes(), engine_.search_attribute_types(info.namespace_()),
                                          &batch_.visibility.back().search_attributes_json);
  }
  effects_.runs.push_back({&run_, ms.next_event_id(), info.close_event_id()});
  engine_.update_clock_hold(run_, now_);
}

persistence::VisibilityRow visibility_row(const v1::MutableState& ms) {
  const auto& info = ms.info();
  persistence::VisibilityRow row;
  row.key = {info.namespace_(), info.workflow_id(), info.run_id()};
  row.workflow_type = info.workflow_type();
  row.task_queue = info.task_queue();
  row.status = info.status();
  row.start_time_ms = to_unix_millis(from_proto(info.start_time()));
  row.execution_time_ms = to_unix_millis(from_proto(info.execution_time()));
  row.close_time_ms = info.close_event_id() ? to_unix_millis(from_proto(info.close_time())) : 0;
  row.history_length = ms.next_event_id() - 1;
  row.history_size_bytes = ms.history_size_bytes();
  row.memo = info.memo().SerializeAsString();
  row.search_attributes = info.search_attributes().SerializeAsString();
  row.parent_workflow_id = info.parent_execution().workflow_id();
  row.parent_run_id = info.parent_execution().run_id();
  return row;
}

}  // namespace stead::server::history
