// Signals, signal-with-start and cancellation requests (temporal-protocol.md §1.10, §1.11).
#include "common/uuid.h"
#include "server/history/engine.h"
#include "server/history/mutation.h"
#include "server/history/start_validation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

namespace {

constexpr int kMaxRememberedSignalRequests = 1000;

// The first workflow task waits for a start delay: new events must not start it early.
bool in_first_task_backoff(const Run& run) {
  return !run.ms.has_workflow_task() && run.ms.last_completed_wft_started_event_id() == 0 &&
         from_proto(run.ms.info().execution_time()) > from_proto(run.ms.info().start_time());
}

}  // namespace

void Engine::add_signal(Mutation& m, const std::string& name, const temporal::api::common::v1::Payloads& input,
                        const std::string& identity, const temporal::api::common::v1::Header& header,
                        const std::string& request_id, bool schedule_task,
                        const temporal::api::common::v1::WorkflowExecution* sender) {
  auto& ms = m.ms();
  if (!request_id.empty()) {
    for (const auto& seen : ms.signal_request_ids())
      if (seen == request_id) return;  // a retried request: already delivered
    ms.add_signal_request_ids(request_id);
    if (ms.signal_request_ids_size() > kMaxRememberedSignalRequests) ms.mutable_signal_request_ids()->DeleteSubrange(0, 1);
  }
  auto* event = m.add_external_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  auto* a = event->mutable_workflow_execution_signaled_event_attributes();
  a->set_signal_name(name);
  *a->mutable_input() = input;
  a->set_identity(identity);
  *a->mutable_header() = header;
  a->set_request_id(request_id);
  if (sender) *a->mutable_external_workflow_execution() = *sender;  // a workflow's SignalExternal command
  if (schedule_task && !in_first_task_backoff(m.run())) m.schedule_workflow_task();
}

void Engine::signal_workflow(wsv1::SignalWorkflowExecutionRequest request,
                             Reply<wsv1::SignalWorkflowExecutionResponse> reply) {
  const auto& execution = request.workflow_execution();
  if (execution.workflow_id().empty()) return reply(Status::InvalidArgument("WorkflowId is not set on request."), {});
  if (request.signal_name().empty()) return reply(Status::InvalidArgument("SignalName is not set on request."), {});
  if (blob_size(request.input()) > config_.blob_size_limit_error)
    return reply(Status::InvalidArgument("Blob data size exceeds limit."), {});
  auto entry = entry_for(request.namespace_(), execution.workflow_id());
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (Status s = find_run(*entry, request.namespace_(), execution.workflow_id(), execution.run_id(), &run); !s.ok())
    return reply(s, {});
  if (!run->open()) return reply(Status::NotFound("workflow execution already completed"), {});
  Mutation m(*this, entry, *run);
  add_signal(m, request.signal_name(), request.input(), request.identity(), request.header(), request.request_id(), true);
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::signal_with_start_workflow(wsv1::SignalWithStartWorkflowExecutionRequest request,
                                        Reply<wsv1::SignalWithStartWorkflowExecutionResponse> reply) {
  if (request.signal_name().empty()) return reply(Status::InvalidArgument("SignalName is not set on request."), {});
  if (blob_size(request.signal_input()) > config_.blob_size_limit_error)
    return reply(Status::InvalidArgument("Blob data size exceeds limit."), {});
  // The start half is an ordinary start request.
  wsv1::StartWorkflowExecutionRequest start;
  start.set_namespace_(request.namespace_());
  start.set_workflow_id(request.workflow_id());
  *start.mutable_workflow_type() = request.workflow_type();
  *start.mutable_task_queue() = request.task_queue();
  *start.mutable_input() = request.input();
  *start.mutable_workflow_execution_timeout() = request.workflow_execution_timeout();
  *start.mutable_workflow_run_timeout() = request.workflow_run_timeout();
  *start.mutable_workflow_task_timeout() = request.workflow_task_timeout();
  start.set_identity(request.identity());
  start.set_request_id(request.request_id().empty() ? new_uuid() : request.request_id());
  start.set_workflow_id_reuse_policy(request.workflow_id_reuse_policy());
  start.set_workflow_id_conflict_policy(request.workflow_id_conflict_policy());
  if (request.has_retry_policy()) *start.mutable_retry_policy() = request.retry_policy();
  start.set_cron_schedule(request.cron_schedule());
  *start.mutable_memo() = request.memo();
  *start.mutable_search_attributes() = request.search_attributes();
  *start.mutable_header() = request.header();
  *start.mutable_workflow_start_delay() = request.workflow_start_delay();
  if (request.has_user_metadata()) *start.mutable_user_metadata() = request.user_metadata();
  if (request.has_priority()) *start.mutable_priority() = request.priority();
  if (Status s = validate_start(&start, config_); !s.ok()) return reply(s, {});

  SignalParams signal{request.signal_name(), request.signal_input(), request.identity(), request.header(),
                      start.request_id()};
  auto entry = entry_for(start.namespace_(), start.workflow_id());
  std::lock_guard lock(entry->mu);
  StartDecision decision;
  Run* current = nullptr;
  // Unlike a plain start, an unspecified conflict policy signals the running workflow.
  StartRequestView view{start.namespace_(), start.workflow_id(), "", start.identity(),
                        start.workflow_id_reuse_policy(), start.workflow_id_conflict_policy(),
                        enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING};
  if (Status s = decide_start(*entry, entry, view, &decision, &current); !s.ok()) return reply(s, {});
  if (decision == StartDecision::kUseExisting) {
    Mutation m(*this, entry, *current);
    add_signal(m, signal.signal_name, signal.input, signal.identity, signal.header, signal.request_id, true);
    std::string run_id = current->ms.info().run_id();
    return commit(m, [reply, run_id](Status s) {
      wsv1::SignalWithStartWorkflowExecutionResponse resp;
      resp.set_run_id(run_id);
      resp.set_started(false);
      reply(s, std::move(resp));
    });
  }
  NewRunParams params;
  params.request = &start;
  params.signal = &signal;
  std::string run_id = create_run(*entry, params);
  Mutation m(*this, entry, *entry->runs[run_id]);
  start_run(m, params);
  commit(m, [reply, run_id](Status s) {
    wsv1::SignalWithStartWorkflowExecutionResponse resp;
    resp.set_run_id(run_id);
    resp.set_started(true);
    reply(s, std::move(resp));
  });
}

void Engine::request_cancel_workflow(wsv1::RequestCancelWorkflowExecutionRequest request,
                                     Reply<wsv1::RequestCancelWorkflowExecutionResponse> reply) {
  const auto& execution = request.workflow_execution();
  LockedRun locked;
  if (Status s = lock_run(request.namespace_(), execution.workflow_id(), execution.run_id(), &locked,
                          request.first_execution_run_id());
      !s.ok()) {
    return reply(s, {});
  }
  Run* run = locked.run;
  auto& entry = locked.entry;
  // Closed, or already asked: nothing more to do (as in Temporal).
  if (!run->open() || run->ms.cancel_requested()) return reply(Status::Ok(), {});
  Mutation m(*this, entry, *run);
  run->ms.set_cancel_requested(true);
  auto* event = m.add_external_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  auto* a = event->mutable_workflow_execution_cancel_requested_event_attributes();
  a->set_cause(request.reason());
  a->set_identity(request.identity());
  if (!in_first_task_backoff(*run)) m.schedule_workflow_task();
  commit(m, [reply](Status s) { reply(s, {}); });
}

}  // namespace stead::server::history
