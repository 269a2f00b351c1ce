// StartWorkflowExecution: validation, timeout normalization, ID reuse and conflict policies
// (temporal-protocol.md §1.9, §3.4, §3.5).
#include "common/client_duration.h"
#include "common/error_details.h"
#include "common/retry_policy.h"
#include "common/uuid.h"
#include "server/history/commands.h"
#include "server/history/engine.h"
#include "server/history/mutation.h"
#include "server/history/start_validation.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

namespace {

bool closed_unsuccessfully(enums::WorkflowExecutionStatus status) {
  return status == enums::WORKFLOW_EXECUTION_STATUS_FAILED || status == enums::WORKFLOW_EXECUTION_STATUS_CANCELED ||
         status == enums::WORKFLOW_EXECUTION_STATUS_TERMINATED ||
         status == enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
}

Status already_started(const std::string& message, const v1::ExecutionInfo& existing) {
  temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure detail;
  detail.set_start_request_id(existing.start_request_id());
  detail.set_run_id(existing.run_id());
  return with_detail(Status::AlreadyExists(message), detail);
}

}  // namespace

Status validate_start(wsv1::StartWorkflowExecutionRequest* request, const Config& config) {
  auto& r = *request;
  // The frontend checked the lengths of a client's request already; a child's start (from a
  // workflow command) is checked here. Same messages as frontend/id_limits.h.
  auto too_long = [&](const std::string& value) { return value.size() > config.max_id_length; };
  if (r.workflow_id().empty()) return Status::InvalidArgument("WorkflowId is not set on request.");
  if (too_long(r.workflow_id())) return Status::InvalidArgument("WorkflowId length exceeds limit.");
  if (r.workflow_type().name().empty()) return Status::InvalidArgument("WorkflowType is not set on request.");
  if (too_long(r.workflow_type().name())) return Status::InvalidArgument("WorkflowType length exceeds limit.");
  if (!r.has_task_queue()) return Status::InvalidArgument("taskQueue is not set");
  if (r.task_queue().name().empty()) return Status::InvalidArgument("missing task queue name");
  if (too_long(r.task_queue().name())) return Status::InvalidArgument("TaskQueue length exceeds limit.");
  if (too_long(r.request_id())) return Status::InvalidArgument("RequestId length exceeds limit.");
  if (r.has_workflow_execution_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(r.mutable_workflow_execution_timeout(), "WorkflowExecutionTimeout"));
  if (r.has_workflow_run_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(r.mutable_workflow_run_timeout(), "WorkflowRunTimeout"));
  if (r.has_workflow_task_timeout())
    STEAD_RETURN_IF_ERROR(validate_and_cap(r.mutable_workflow_task_timeout(), "WorkflowTaskTimeout"));
  if (r.has_workflow_start_delay())
    STEAD_RETURN_IF_ERROR(validate_and_cap(r.mutable_workflow_start_delay(), "WorkflowStartDelay"));
  if (r.has_retry_policy()) {
    apply_retry_policy_defaults(r.mutable_retry_policy());
    STEAD_RETURN_IF_ERROR(validate_retry_policy(r.mutable_retry_policy()));
  }
  if (blob_size(r.input()) > config.blob_size_limit_error)
    return Status::InvalidArgument("Blob data size exceeds limit.");
  if (blob_size(r.memo()) > config.blob_size_limit_error) return Status::InvalidArgument("Memo size exceeds limit.");
  return Status::Ok();
}

Status Engine::decide_start(WorkflowEntry& entry, const std::shared_ptr<WorkflowEntry>& entry_ref,
                            const StartRequestView& start, StartDecision* decision, Run** current_out) {
  auto reuse = start.reuse;
  auto conflict = start.conflict;
  if (reuse == enums::WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING) {  // deprecated spelling
    reuse = enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
    conflict = enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING;
  }
  if (reuse == enums::WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED) reuse = enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
  if (conflict == enums::WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED) conflict = start.default_conflict;

  *decision = StartDecision::kStart;
  *current_out = nullptr;
  STEAD_RETURN_IF_ERROR(load_current_run_id(entry, start.ns, start.workflow_id));
  if (entry.current_run_id.empty()) return Status::Ok();
  Run* current = nullptr;
  STEAD_RETURN_IF_ERROR(find_run(entry, start.ns, start.workflow_id, entry.current_run_id, &current));
  *current_out = current;
  const auto& info = current->ms.info();
  if (!start.request_id.empty() && info.start_request_id() == start.request_id) {  // a retried request
    *decision = StartDecision::kDuplicateRequest;
    return Status::Ok();
  }
  if (current->open()) {
    if (conflict == enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
      *decision = StartDecision::kUseExisting;
      return Status::Ok();
    }
    if (conflict != enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING) {
      return already_started("Workflow execution is already running. WorkflowId: " + start.workflow_id +
                                 ", RunId: " + info.run_id() + ".",
                             info);
    }
    // TERMINATE_EXISTING: the old run's commit is queued before the new run's.
    Mutation terminate(*this, entry_ref, *current);
    terminate_run(terminate, "TerminateIfRunning WorkflowIdReusePolicy", nullptr, start.identity);
    commit(terminate, nullptr);
    return Status::Ok();
  }
  if (reuse == enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
    return already_started("Workflow execution already finished and WorkflowIdReusePolicy is RejectDuplicate. "
                           "WorkflowId: " + start.workflow_id + ", RunId: " + info.run_id() + ".",
                           info);
  }
  if (reuse == enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY && !closed_unsuccessfully(info.status())) {
    return already_started("Workflow execution already finished successfully. WorkflowId: " + start.workflow_id +
                               ", RunId: " + info.run_id() +
                               ". Workflow Id reuse policy: allow duplicate workflow Id if last run failed.",
                           info);
  }
  return Status::Ok();
}

void Engine::start_workflow(wsv1::StartWorkflowExecutionRequest request,
                            Reply<wsv1::StartWorkflowExecutionResponse> reply) {
  if (Status s = validate_start(&request, config_); !s.ok()) return reply(s, {});
  if (request.request_id().empty()) request.set_request_id(new_uuid());

  auto entry = entry_for(request.namespace_(), request.workflow_id());
  std::lock_guard lock(entry->mu);
  StartDecision decision;
  Run* current = nullptr;
  StartRequestView view{request.namespace_(), request.workflow_id(), request.request_id(), request.identity(),
                        request.workflow_id_reuse_policy(), request.workflow_id_conflict_policy(),
                        enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL};
  if (Status s = decide_start(*entry, entry, view, &decision, &current); !s.ok()) return reply(s, {});
  if (decision != StartDecision::kStart) {
    wsv1::StartWorkflowExecutionResponse resp;
    resp.set_run_id(current->ms.info().run_id());
    resp.set_started(decision == StartDecision::kDuplicateRequest);
    resp.set_status(current->ms.info().status());
    return reply(Status::Ok(), std::move(resp));
  }

  NewRunParams params;
  params.request = &request;
  std::string run_id = create_run(*entry, params);
  Mutation mutation(*this, entry, *entry->runs[run_id]);
  start_run(mutation, params);
  commit(mutation, [reply, run_id](Status s) {
    wsv1::StartWorkflowExecutionResponse resp;
    if (s.ok()) {
      resp.set_run_id(run_id);
      resp.set_started(true);
      resp.set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
    }
    reply(s, std::move(resp));
  });
}

std::string Engine::create_run(WorkflowEntry& entry, const NewRunParams& params) {
  std::string run_id = params.run_id.empty() ? new_uuid() : params.run_id;
  auto run = std::make_unique<Run>();
  run->ms.set_next_event_id(1);
  auto* info = run->ms.mutable_info();
  info->set_namespace_(params.request->namespace_());
  info->set_workflow_id(params.request->workflow_id());
  info->set_run_id(run_id);
  entry.runs[run_id] = std::move(run);
  entry.current_run_id = run_id;
  entry.current_loaded = true;
  return run_id;
}

// Writes WorkflowExecutionStarted (+ the first WorkflowTaskScheduled) for a run made by
// create_run, with timeouts normalized as the Go server does (§3.5).
void Engine::start_run(Mutation& mutation, const NewRunParams& params) {
  const auto& r = *params.request;
  auto& ms = mutation.ms();
  auto* info = ms.mutable_info();
  TimePoint now = mutation.now();

  Duration execution_timeout = from_proto(r.workflow_execution_timeout());
  Duration run_timeout = from_proto(r.workflow_run_timeout());
  if (execution_timeout > Duration::zero() && (run_timeout == Duration::zero() || run_timeout > execution_timeout))
    run_timeout = execution_timeout;
  Duration task_timeout = from_proto(r.workflow_task_timeout());
  if (task_timeout <= Duration::zero()) task_timeout = config_.default_workflow_task_timeout;
  task_timeout = std::min(task_timeout, config_.max_workflow_task_timeout);
  if (run_timeout > Duration::zero()) task_timeout = std::min(task_timeout, run_timeout);
  Duration start_delay = from_proto(r.workflow_start_delay());
  // A run of a chain (continue-as-new, retry) keeps the chain's deadline.
  std::optional<TimePoint> expiration = params.execution_expiration;
  if (!expiration && execution_timeout > Duration::zero()) expiration = add_saturating(now, execution_timeout);
  if (expiration) {
    Duration remaining = std::max<Duration>(*expiration - now, std::chrono::milliseconds(1));
    if (run_timeout == Duration::zero() || run_timeout > remaining) run_timeout = remaining;
    if (task_timeout > run_timeout) task_timeout = run_timeout;
  }

  const std::string first_run_id = params.first_execution_run_id.empty() ? info->run_id() : params.first_execution_run_id;
  info->set_first_execution_run_id(first_run_id);
  info->set_workflow_type(r.workflow_type().name());
  info->set_task_queue(r.task_queue().name());
  *info->mutable_execution_timeout() = to_proto_duration(execution_timeout);
  *info->mutable_run_timeout() = to_proto_duration(run_timeout);
  *info->mutable_task_timeout() = to_proto_duration(task_timeout);
  *info->mutable_start_time() = to_proto(now);
  const TimePoint execution_time = add_saturating(now, start_delay);
  *info->mutable_execution_time() = to_proto(execution_time);
  if (expiration) *info->mutable_execution_expiration_time() = to_proto(*expiration);
  info->set_status(enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  info->set_start_request_id(r.request_id());
  if (r.has_retry_policy()) {
    *info->mutable_retry_policy() = r.retry_policy();
    apply_retry_policy_defaults(info->mutable_retry_policy());
  }
  info->set_attempt(params.attempt > 0 ? params.attempt : 1);
  *info->mutable_memo() = r.memo();
  *info->mutable_search_attributes() = r.search_attributes();
  *info->mutable_input() = r.input();
  *info->mutable_header() = r.header();
  info->set_cron_schedule(r.cron_schedule());

  auto* event = mutation.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  auto* a = event->mutable_workflow_execution_started_event_attributes();
  *a->mutable_workflow_type() = r.workflow_type();
  a->mutable_task_queue()->set_name(r.task_queue().name());
  a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  *a->mutable_input() = r.input();
  *a->mutable_workflow_execution_timeout() = info->execution_timeout();
  *a->mutable_workflow_run_timeout() = info->run_timeout();
  *a->mutable_workflow_task_timeout() = info->task_timeout();
  a->set_identity(r.identity());
  a->set_original_execution_run_id(info->run_id());
  a->set_first_execution_run_id(first_run_id);
  a->set_attempt(info->attempt());
  if (info->has_execution_expiration_time()) *a->mutable_workflow_execution_expiration_time() = info->execution_expiration_time();
  if (info->has_retry_policy()) *a->mutable_retry_policy() = info->retry_policy();
  a->set_cron_schedule(r.cron_schedule());
  *a->mutable_memo() = r.memo();
  *a->mutable_search_attributes() = r.search_attributes();
  *a->mutable_header() = r.header();
  if (start_delay > Duration::zero()) *a->mutable_first_workflow_task_backoff() = to_proto_duration(start_delay);
  if (r.has_continued_failure()) *a->mutable_continued_failure() = r.continued_failure();
  if (r.has_last_completion_result()) *a->mutable_last_completion_result() = r.last_completion_result();
  if (r.has_priority()) *a->mutable_priority() = r.priority();
  a->set_workflow_id(r.workflow_id());
  a->mutable_root_workflow_execution()->set_workflow_id(r.workflow_id());
  a->mutable_root_workflow_execution()->set_run_id(info->run_id());
  if (!params.parent_execution.workflow_id().empty()) {
    info->set_parent_namespace(params.parent_namespace);
    *info->mutable_parent_execution() = params.parent_execution;
    info->set_parent_initiated_event_id(params.parent_initiated_event_id);
    a->set_parent_workflow_namespace(params.parent_namespace);
    *a->mutable_parent_workflow_execution() = params.parent_execution;
    a->set_parent_initiated_event_id(params.parent_initiated_event_id);
  }
  if (!params.continued_execution_run_id.empty()) {
    a->set_continued_execution_run_id(params.continued_execution_run_id);
    a->set_initiator(params.initiator);
  }
  if (r.has_user_metadata()) *event->mutable_user_metadata() = r.user_metadata();

  mutation.make_current();
  mutation.touch_visibility();
  if (params.signal) {
    add_signal(mutation, params.signal->signal_name, params.signal->input, params.signal->identity,
               params.signal->header, params.signal->request_id, /*schedule_task=*/false);
  }
  if (run_timeout > Duration::zero())
    mutation.add_timer(TimerKind::kWorkflowRunTimeout, add_saturating(execution_time, run_timeout), 0);
  if (start_delay > Duration::zero()) {
    mutation.add_timer(TimerKind::kWorkflowBackoff, execution_time, 1);
  } else {
    mutation.schedule_workflow_task();
  }
}

void Engine::start_successor(WorkflowEntry& entry, Mutation& closing) {
  if (!closing.successor()) return;
  Successor& next = *closing.successor();
  next.params.request = &next.request;
  std::string run_id = create_run(entry, next.params);
  Mutation mutation(*this, closing.effects().entry, *entry.runs[run_id]);
  start_run(mutation, next.params);
  closing.absorb(mutation);
}

void Engine::handle_run_timeout(const TimerTask& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  Mutation m(*this, entry, *run);
  temporal::api::failure::v1::Failure failure;
  failure.set_message("workflow timeout");
  failure.set_source("Server");
  failure.mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  enums::RetryState retry_state;
  m.successor() = retry_successor(run->ms, failure, m.now(), &retry_state);
  if (!m.successor() && retry_state != enums::RETRY_STATE_RETRY_POLICY_NOT_SET) retry_state = enums::RETRY_STATE_TIMEOUT;
  auto& ms = run->ms;
  m.end_for_forced_close("");
  auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT);
  auto* a = event->mutable_workflow_execution_timed_out_event_attributes();
  a->set_retry_state(retry_state);
  if (m.successor()) {
    a->set_new_execution_run_id(m.successor()->params.run_id);
    ms.mutable_info()->set_new_execution_run_id(m.successor()->params.run_id);
  }
  m.close_run(enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT, event->event_id());
  start_successor(*entry, m);
  commit(m, nullptr);
}

void Engine::handle_workflow_backoff_timer(const TimerTask& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  if (run->ms.has_workflow_task() || run->ms.last_completed_wft_started_event_id() != 0) return;
  Mutation mutation(*this, entry, *run);
  mutation.schedule_workflow_task();
  commit(mutation, nullptr);
}

}  // namespace stead::server::history
