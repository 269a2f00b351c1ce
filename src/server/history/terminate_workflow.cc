// TerminateWorkflowExecution: closes a run at once, without asking its workflow code.
#include "server/history/engine.h"
#include "server/history/mutation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

void Engine::terminate_run(Mutation& mutation, const std::string& reason,
                           const temporal::api::common::v1::Payloads* details, const std::string& identity) {
  mutation.end_for_forced_close(identity);
  auto* event = mutation.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  auto* a = event->mutable_workflow_execution_terminated_event_attributes();
  a->set_reason(reason);
  if (details) *a->mutable_details() = *details;
  a->set_identity(identity);
  mutation.close_run(enums::WORKFLOW_EXECUTION_STATUS_TERMINATED, event->event_id());
  // Queries waiting on a workflow task that will never come: answer them from history.
  auto& run = mutation.run();
  run.buffered_query_ids.insert(run.buffered_query_ids.end(), run.attached_query_ids.begin(),
                                run.attached_query_ids.end());
  run.attached_query_ids.clear();
  dispatch_buffered_queries(run, mutation.effects());
}

void Engine::terminate_workflow(wsv1::TerminateWorkflowExecutionRequest request,
                                Reply<wsv1::TerminateWorkflowExecutionResponse> reply) {
  const auto& execution = request.workflow_execution();
  LockedRun locked;
  if (Status s = lock_run(request.namespace_(), execution.workflow_id(), execution.run_id(), &locked,
                          request.first_execution_run_id());
      !s.ok()) {
    return reply(s, {});
  }
  Run* run = locked.run;
  auto& entry = locked.entry;
  if (!run->open()) return reply(Status::NotFound("workflow execution already completed"), {});
  Mutation mutation(*this, entry, *run);
  terminate_run(mutation, request.reason(), request.has_details() ? &request.details() : nullptr, request.identity());
  commit(mutation, [reply](Status s) { reply(s, {}); });
}

}  // namespace stead::server::history
