// Work that spans two workflows: child workflows (start, result to the parent, parent close
// policy) and signals / cancellation requests sent to external workflows.
//
// Each step locks one workflow entry at a time, never two, so two workflows acting on each
// other cannot deadlock. The initiating run records the intent durably first (Initiated event
// + ChildInfo / ExternalRequest); the steps here are idempotent, so recovery can redo them.
#include "common/uuid.h"
#include "server/history/commands.h"
#include "server/history/engine.h"
#include "server/history/mutation.h"
#include "server/history/start_validation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
using temporal::api::history::v1::HistoryEvent;

namespace {

// Whether `child` is a run of the chain that `parent`'s StartChildWorkflowExecutionInitiated
// event `initiated_id` started.
bool started_by(const v1::ExecutionInfo& child, const persistence::RunKey& parent, int64_t initiated_id) {
  return child.parent_namespace() == parent.ns && child.parent_execution().workflow_id() == parent.workflow_id &&
         child.parent_execution().run_id() == parent.run_id && child.parent_initiated_event_id() == initiated_id;
}

}  // namespace

void Engine::start_child(const persistence::RunKey& parent, int64_t initiated_id) {
  // 1. What to start, from the parent's durable intent.
  v1::ChildInfo child;
  if (!find_child(parent, initiated_id, &child) || !child.run_id().empty()) return;
  const auto& attrs = child.attributes();
  wsv1::StartWorkflowExecutionRequest start;
  start.set_namespace_(child.namespace_());
  start.set_workflow_id(child.workflow_id());
  *start.mutable_workflow_type() = attrs.workflow_type();
  *start.mutable_task_queue() = attrs.task_queue();
  *start.mutable_input() = attrs.input();
  *start.mutable_workflow_execution_timeout() = attrs.workflow_execution_timeout();
  *start.mutable_workflow_run_timeout() = attrs.workflow_run_timeout();
  *start.mutable_workflow_task_timeout() = attrs.workflow_task_timeout();
  // Deterministic: a redo after a crash finds the run it already started.
  start.set_request_id(parent.run_id + ":" + std::to_string(initiated_id));
  start.set_workflow_id_reuse_policy(attrs.workflow_id_reuse_policy());
  if (attrs.has_retry_policy()) *start.mutable_retry_policy() = attrs.retry_policy();
  start.set_cron_schedule(attrs.cron_schedule());
  *start.mutable_memo() = attrs.memo();
  *start.mutable_search_attributes() = attrs.search_attributes();
  *start.mutable_header() = attrs.header();
  if (attrs.has_priority()) *start.mutable_priority() = attrs.priority();

  // 2. Start it (or find it started by an earlier attempt of this step).
  Status status = validate_start(&start, config_);
  std::string child_run_id;
  if (status.ok() && !namespace_exists(start.namespace_())) status = Status::NotFound("namespace not found");
  if (status.ok()) {
    auto entry = entry_for(start.namespace_(), start.workflow_id());
    std::lock_guard lock(entry->mu);
    StartDecision decision;
    Run* current = nullptr;
    StartRequestView view{start.namespace_(), start.workflow_id(), start.request_id(), "",
                          start.workflow_id_reuse_policy(), enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL,
                          enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL};
    status = decide_start(*entry, entry, view, &decision, &current);
    if (status.ok() && decision == StartDecision::kStart) {
      NewRunParams params;
      params.request = &start;
      params.parent_namespace = parent.ns;
      params.parent_execution.set_workflow_id(parent.workflow_id);
      params.parent_execution.set_run_id(parent.run_id);
      params.parent_initiated_event_id = initiated_id;
      child_run_id = create_run(*entry, params);
      Mutation m(*this, entry, *entry->runs[child_run_id]);
      start_run(m, params);
      // 3. Once the child is durable, tell the parent.
      commit(m, [this, parent, child, child_run_id](Status s) {
        record_child_started(parent, child, s.ok() ? child_run_id : "", s);
      });
      return;
    }
    if (status.ok()) child_run_id = current->ms.info().first_execution_run_id();
  }
  record_child_started(parent, child, child_run_id, status);
}

void Engine::record_child_started(const persistence::RunKey& parent, const v1::ChildInfo& intent,
                                  const std::string& child_run_id, const Status& status) {
  const int64_t initiated_id = intent.initiated_event_id();
  auto entry = entry_for(parent.ns, parent.workflow_id);
  std::unique_lock lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, parent.ns, parent.workflow_id, parent.run_id, &run).ok()) return;
  if (!run->open()) {
    // The parent closed while the child was starting; its close dropped the ChildInfo, so the
    // policy it would have applied is applied here, without the parent's lock.
    lock.unlock();
    if (child_run_id.empty()) return;
    v1::ChildInfo started = intent;
    started.set_run_id(child_run_id);
    apply_parent_close_policy(parent.ns, started, parent.workflow_id);
    return;
  }
  auto* children = run->ms.mutable_children();
  auto it = children->find(initiated_id);
  if (it == children->end() || !it->second.run_id().empty()) return;
  v1::ChildInfo& child = it->second;
  if (!status.ok() && status.code() == StatusCode::kUnavailable) {
    // The store refused the child's start (disk full...): the intent stays, tried again later.
    retry_later([this, parent, initiated_id] { start_child(parent, initiated_id); });
    return;
  }
  Mutation m(*this, entry, *run);
  if (status.ok()) {
    auto* event = m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED);
    auto* a = event->mutable_child_workflow_execution_started_event_attributes();
    a->set_namespace_(child.namespace_());
    a->set_initiated_event_id(initiated_id);
    a->mutable_workflow_execution()->set_workflow_id(child.workflow_id());
    a->mutable_workflow_execution()->set_run_id(child_run_id);
    a->mutable_workflow_type()->set_name(child.workflow_type());
    *a->mutable_header() = child.attributes().header();
    child.set_run_id(child_run_id);
    child.set_started_event_id(event->event_id());
    child.clear_attributes();
  } else {
    auto* event = m.add_external_event(enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED);
    auto* a = event->mutable_start_child_workflow_execution_failed_event_attributes();
    a->set_namespace_(child.namespace_());
    a->set_workflow_id(child.workflow_id());
    a->mutable_workflow_type()->set_name(child.workflow_type());
    a->set_cause(enums::START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS);
    if (status.code() == StatusCode::kNotFound)
      a->set_cause(enums::START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND);
    a->set_control(child.attributes().control());
    a->set_initiated_event_id(initiated_id);
    children->erase(it);
  }
  m.schedule_workflow_task();
  commit(m, nullptr);
}

void Engine::notify_parent(const v1::ExecutionInfo& child, const HistoryEvent& close_event) {
  const std::string& ns = child.parent_namespace();
  const auto& parent = child.parent_execution();
  auto entry = entry_for(ns, parent.workflow_id());
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, ns, parent.workflow_id(), parent.run_id(), &run).ok() || !run->open()) return;
  auto it = run->ms.mutable_children()->find(child.parent_initiated_event_id());
  if (it == run->ms.mutable_children()->end()) return;
  const v1::ChildInfo& info = it->second;
  Mutation m(*this, entry, *run);
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id(child.workflow_id());
  execution.set_run_id(child.run_id());
  temporal::api::common::v1::WorkflowType type;
  type.set_name(child.workflow_type());
  // The close event of the child's last run becomes the matching Child* event of the parent.
  auto fill = [&](auto* a) {
    a->set_namespace_(child.namespace_());
    *a->mutable_workflow_execution() = execution;
    *a->mutable_workflow_type() = type;
    a->set_initiated_event_id(info.initiated_event_id());
    a->set_started_event_id(info.started_event_id());
  };
  switch (close_event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      auto* a = m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)
                    ->mutable_child_workflow_execution_completed_event_attributes();
      fill(a);
      *a->mutable_result() = close_event.workflow_execution_completed_event_attributes().result();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      auto* a = m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED)
                    ->mutable_child_workflow_execution_failed_event_attributes();
      fill(a);
      *a->mutable_failure() = close_event.workflow_execution_failed_event_attributes().failure();
      a->set_retry_state(close_event.workflow_execution_failed_event_attributes().retry_state());
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
      auto* a = m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED)
                    ->mutable_child_workflow_execution_canceled_event_attributes();
      fill(a);
      *a->mutable_details() = close_event.workflow_execution_canceled_event_attributes().details();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
      auto* a = m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT)
                    ->mutable_child_workflow_execution_timed_out_event_attributes();
      fill(a);
      a->set_retry_state(close_event.workflow_execution_timed_out_event_attributes().retry_state());
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
      fill(m.add_external_event(enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED)
               ->mutable_child_workflow_execution_terminated_event_attributes());
      break;
    }
    default:
      return;  // continued-as-new: the chain goes on
  }
  run->ms.mutable_children()->erase(it);
  m.schedule_workflow_task();
  commit(m, nullptr);
}

void Engine::apply_parent_close_policy(const std::string& ns, const v1::ChildInfo& child, const std::string& parent_id) {
  if (child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_ABANDON || child.run_id().empty()) return;
  const std::string& child_ns = child.namespace_().empty() ? ns : child.namespace_();
  auto entry = entry_for(child_ns, child.workflow_id());
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  // The child may have continued as new: act on its current run if it belongs to the same chain.
  if (!find_run(*entry, child_ns, child.workflow_id(), "", &run).ok() || !run->open() ||
      run->ms.info().first_execution_run_id() != child.run_id()) {
    return;
  }
  Mutation m(*this, entry, *run);
  if (child.parent_close_policy() == enums::PARENT_CLOSE_POLICY_REQUEST_CANCEL) {
    if (run->ms.cancel_requested()) return;
    run->ms.set_cancel_requested(true);
    auto* a = m.add_external_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                  ->mutable_workflow_execution_cancel_requested_event_attributes();
    a->set_cause("By ParentClosePolicy");
    m.schedule_workflow_task();
  } else {
    terminate_run(m, "by parent close policy", nullptr, parent_id);
  }
  commit(m, nullptr);
}

bool Engine::find_child(const persistence::RunKey& parent, int64_t initiated_id, v1::ChildInfo* out) {
  auto entry = entry_for(parent.ns, parent.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, parent.ns, parent.workflow_id, parent.run_id, &run).ok() || !run->open()) return false;
  auto it = run->ms.children().find(initiated_id);
  if (it == run->ms.children().end()) return false;
  *out = it->second;
  return true;
}

bool Engine::read_event(const persistence::RunKey& key, int64_t event_id, HistoryEvent* out) {
  std::vector<std::string> events;
  return store_.read_history(key, event_id, event_id, 1, &events).ok() && !events.empty() &&
         out->ParseFromString(events.front());
}

void Engine::reconcile_child(const persistence::RunKey& parent, int64_t initiated_id) {
  v1::ChildInfo child;
  if (!find_child(parent, initiated_id, &child) || child.run_id().empty()) return;
  const std::string& ns = child.namespace_().empty() ? parent.ns : child.namespace_();
  v1::ExecutionInfo info;
  HistoryEvent close_event;
  {
    auto entry = entry_for(ns, child.workflow_id());
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    // The chain's newest run is the workflow id's current one: a close that continues the
    // chain makes its successor current in the same commit. (Were the id reused by an
    // unrelated start in the instant between the child's close and its report, the chain's
    // last run could not be found this way; that start would have to race a crash.)
    if (!find_run(*entry, ns, child.workflow_id(), "", &run).ok() || !started_by(run->ms.info(), parent, initiated_id))
      return;
    // Only a durable close is reported; one still in flight reports itself after its commit.
    const int64_t close_id = run->committed_close_event_id;
    if (close_id == 0) return;
    info = run->ms.info();
    if (!read_event({ns, info.workflow_id(), info.run_id()}, close_id, &close_event)) return;
  }
  notify_parent(info, close_event);
}

void Engine::enforce_parent_close(const persistence::RunKey& child) {
  v1::ExecutionInfo info;
  {
    auto entry = entry_for(child.ns, child.workflow_id);
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    if (!find_run(*entry, child.ns, child.workflow_id, child.run_id, &run).ok() || !run->open()) return;
    info = run->ms.info();
  }
  if (!info.has_parent_execution()) return;
  const std::string& parent_ns = info.parent_namespace();
  const auto& parent = info.parent_execution();
  v1::ChildInfo policy_target;
  {
    auto entry = entry_for(parent_ns, parent.workflow_id());
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    // A parent deleted by retention leaves no record of the policy: the child is left alone.
    if (!find_run(*entry, parent_ns, parent.workflow_id(), parent.run_id(), &run).ok()) return;
    if (run->open() || run->committed_close_event_id == 0) return;  // it applies the policy when it closes
    // The close dropped the parent's ChildInfo; the policy is also in its Initiated event.
    HistoryEvent initiated;
    if (!read_event({parent_ns, parent.workflow_id(), parent.run_id()}, info.parent_initiated_event_id(), &initiated) ||
        initiated.event_type() != enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      return;
    }
    policy_target.set_parent_close_policy(
        initiated.start_child_workflow_execution_initiated_event_attributes().parent_close_policy());
  }
  policy_target.set_namespace_(info.namespace_());
  policy_target.set_workflow_id(info.workflow_id());
  policy_target.set_run_id(info.first_execution_run_id());
  apply_parent_close_policy(parent_ns, policy_target, parent.workflow_id());
}

void Engine::deliver_external(const persistence::RunKey& source, int64_t initiated_id) {
  v1::ExternalRequest request;
  std::string source_parent_wid;
  {
    auto entry = entry_for(source.ns, source.workflow_id);
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    if (!find_run(*entry, source.ns, source.workflow_id, source.run_id, &run).ok()) return;
    auto it = run->ms.external_requests().find(initiated_id);
    if (it == run->ms.external_requests().end()) return;
    request = it->second;
  }
  const std::string& ns = request.namespace_().empty() ? source.ns : request.namespace_();
  bool delivered = false;
  // The sender records the delivery only once the target's event is durable; a refused
  // target write (disk full) leaves the request pending and tries it again (idempotent: the
  // signal's request id is fixed, a cancel is not requested twice).
  auto after_target = [this, source, initiated_id, request](Status status) {
    if (status.ok()) return record_external_outcome(source, initiated_id, request, true);
    retry_later([this, source, initiated_id] { deliver_external(source, initiated_id); });
  };
  {
    auto entry = entry_for(ns, request.execution().workflow_id());
    std::lock_guard lock(entry->mu);
    Run* target = nullptr;
    bool found = namespace_exists(ns) &&
                 find_run(*entry, ns, request.execution().workflow_id(), request.execution().run_id(), &target).ok();
    if (found && request.child_workflow_only()) {
      const auto& parent = target->ms.info().parent_execution();
      found = parent.workflow_id() == source.workflow_id && parent.run_id() == source.run_id;
    }
    if (found && request.cancel()) {
      delivered = true;
      if (target->open() && !target->ms.cancel_requested()) {
        Mutation m(*this, entry, *target);
        target->ms.set_cancel_requested(true);
        auto* a = m.add_external_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                      ->mutable_workflow_execution_cancel_requested_event_attributes();
        a->set_cause(request.reason());
        a->set_external_initiated_event_id(initiated_id);
        a->mutable_external_workflow_execution()->set_workflow_id(source.workflow_id);
        a->mutable_external_workflow_execution()->set_run_id(source.run_id);
        m.schedule_workflow_task();
        commit(m, after_target);
        return;
      }
    } else if (found && target->open()) {
      delivered = true;
      Mutation m(*this, entry, *target);
      temporal::api::common::v1::WorkflowExecution sender;
      sender.set_workflow_id(source.workflow_id);
      sender.set_run_id(source.run_id);
      add_signal(m, request.signal_name(), request.input(), "", request.header(),
                 source.run_id + ":" + std::to_string(initiated_id), true, &sender);
      commit(m, after_target);
      return;
    }
  }
  record_external_outcome(source, initiated_id, request, delivered);
}

void Engine::record_external_outcome(const persistence::RunKey& source, int64_t initiated_id,
                                     const v1::ExternalRequest& request, bool delivered) {
  const std::string& ns = request.namespace_().empty() ? source.ns : request.namespace_();
  auto entry = entry_for(source.ns, source.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, source.ns, source.workflow_id, source.run_id, &run).ok()) return;
  auto* requests = run->ms.mutable_external_requests();
  if (!requests->count(initiated_id)) return;
  requests->erase(initiated_id);
  Mutation m(*this, entry, *run);
  if (run->open()) {
    if (request.cancel() && delivered) {
      auto* a = m.add_external_event(enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                    ->mutable_external_workflow_execution_cancel_requested_event_attributes();
      a->set_initiated_event_id(initiated_id);
      a->set_namespace_(ns);
      *a->mutable_workflow_execution() = request.execution();
    } else if (request.cancel()) {
      auto* a = m.add_external_event(enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                    ->mutable_request_cancel_external_workflow_execution_failed_event_attributes();
      a->set_cause(enums::CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
      a->set_initiated_event_id(initiated_id);
      a->set_namespace_(ns);
      *a->mutable_workflow_execution() = request.execution();
      a->set_control(request.control());
    } else if (delivered) {
      auto* a = m.add_external_event(enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                    ->mutable_external_workflow_execution_signaled_event_attributes();
      a->set_initiated_event_id(initiated_id);
      a->set_namespace_(ns);
      *a->mutable_workflow_execution() = request.execution();
      a->set_control(request.control());
    } else {
      auto* a = m.add_external_event(enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                    ->mutable_signal_external_workflow_execution_failed_event_attributes();
      a->set_cause(enums::SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
      a->set_initiated_event_id(initiated_id);
      a->set_namespace_(ns);
      *a->mutable_workflow_execution() = request.execution();
      a->set_control(request.control());
    }
    m.schedule_workflow_task();
  }
  commit(m, nullptr);
}

}  // namespace stead::server::history
