// Workflow updates (temporal-protocol.md §1.13): UpdateWorkflowExecution admits an update,
// the next workflow task carries it as a protocol message, the worker answers with
// Acceptance / Rejection / Response messages in its completion, and callers wait (long poll)
// for the stage they asked for. Unlike Go, the carrying workflow task is a normal one (its
// events stay in history even when the update is rejected), which SDKs accept.
#include "server/history/engine.h"
#include "server/history/mutation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
namespace update = temporal::api::update::v1;

namespace {

// Where an update is, as the client sees it.
struct UpdateView {
  bool known = false;
  enums::UpdateWorkflowExecutionLifecycleStage stage = enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED;
  const update::Outcome* outcome = nullptr;
};

UpdateView view_of(const Run& run, const std::string& update_id) {
  UpdateView view;
  auto it = run.ms.updates().find(update_id);
  if (it != run.ms.updates().end()) {
    view.known = true;
    view.stage = it->second.completed() ? enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
                                        : enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    if (it->second.completed()) view.outcome = &it->second.outcome();
  } else if (run.admitted_updates.count(update_id)) {
    view.known = true;
    view.stage = enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
  }
  return view;
}

enums::UpdateWorkflowExecutionLifecycleStage wanted_stage(const update::WaitPolicy& policy) {
  // Callers wait at least for the workflow's decision (accepted or rejected).
  return policy.lifecycle_stage() >= enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
             ? policy.lifecycle_stage()
             : enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
}

}  // namespace

void Engine::wait_for_update(std::shared_ptr<WorkflowEntry> entry, const std::string& ns, const std::string& workflow_id,
                             const std::string& run_id, const std::string& update_id,
                             enums::UpdateWorkflowExecutionLifecycleStage wanted, TimePoint wait_until,
                             Reply<UpdateResult> reply) {
  std::unique_lock lock(entry->mu);
  Run* run = nullptr;
  if (Status s = find_run(*entry, ns, workflow_id, run_id, &run); !s.ok()) return reply(s, {});
  UpdateView view = view_of(*run, update_id);
  UpdateResult result;
  result.run_id = run->ms.info().run_id();
  if (!view.known) {
    return reply(run->open() ? Status::NotFound("update " + update_id + " not found")
                             : Status::NotFound("workflow execution already completed"),
                 {});
  }
  result.stage = view.stage;
  if (view.outcome) result.outcome = *view.outcome;
  // Only what is durable counts; an accepted-but-uncommitted update waits for its commit.
  const bool reached = view.stage >= wanted && run->committed_next_event_id == run->ms.next_event_id();
  if (reached) {
    lock.unlock();
    return reply(Status::Ok(), std::move(result));
  }
  if (!run->open() && view.stage < enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED) {
    return reply(Status::NotFound("workflow execution already completed"), {});
  }
  if (std::chrono::system_clock::now() >= wait_until) {
    // Not there yet: answer with the current stage; the client asks again.
    lock.unlock();
    result.outcome.reset();
    if (result.stage > enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED && !reached)
      result.stage = std::min(result.stage, enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
    return reply(Status::Ok(), std::move(result));
  }
  auto waiter = std::make_shared<HistoryWaiter>();
  std::string resolved_run = run->ms.info().run_id();
  waiter->wake = [this, entry, ns, workflow_id, resolved_run, update_id, wanted, wait_until, reply] {
    wait_for_update(entry, ns, workflow_id, resolved_run, update_id, wanted, wait_until, reply);
  };
  run->waiters.push_back(waiter);
  real_timers_.schedule(wait_until, [this, waiter] {
    if (waiter->taken.exchange(true)) return;
    executor_.post(std::move(waiter->wake));
  });
}

void Engine::update_workflow(wsv1::UpdateWorkflowExecutionRequest request, TimePoint wait_until,
                             Reply<wsv1::UpdateWorkflowExecutionResponse> reply) {
  const auto& execution = request.workflow_execution();
  if (execution.workflow_id().empty()) return reply(Status::InvalidArgument("WorkflowId is not set on request."), {});
  const auto& req = request.request();
  if (req.meta().update_id().empty()) return reply(Status::InvalidArgument("Update id is not set on request."), {});
  if (req.input().name().empty()) return reply(Status::InvalidArgument("Update name is not set on request."), {});
  if (blob_size(req.input().args()) > config_.blob_size_limit_error)
    return reply(Status::InvalidArgument("Blob data size exceeds limit."), {});
  const std::string& ns = request.namespace_();
  auto entry = entry_for(ns, execution.workflow_id());
  std::string run_id;
  {
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    if (Status s = find_run(*entry, ns, execution.workflow_id(), execution.run_id(), &run); !s.ok())
      return reply(s, {});
    if (!request.first_execution_run_id().empty() &&
        run->ms.info().first_execution_run_id() != request.first_execution_run_id()) {
      return reply(Status::NotFound("workflow execution not found for the given first execution run id"), {});
    }
    run_id = run->ms.info().run_id();
    const std::string& id = req.meta().update_id();
    if (!view_of(*run, id).known) {  // new: admit it (the update id makes retries idempotent)
      if (!run->open()) return reply(Status::NotFound("workflow execution already completed"), {});
      run->admitted_updates[id].request = req;
      if (!run->ms.has_workflow_task()) {
        Mutation m(*this, entry, *run);
        m.schedule_workflow_task();
        commit(m, nullptr);
      }
    }
  }
  auto respond = [reply, ns_wid = execution.workflow_id(), id = req.meta().update_id()](Status s, UpdateResult r) {
    wsv1::UpdateWorkflowExecutionResponse resp;
    if (s.ok()) {
      resp.mutable_update_ref()->mutable_workflow_execution()->set_workflow_id(ns_wid);
      resp.mutable_update_ref()->mutable_workflow_execution()->set_run_id(r.run_id);
      resp.mutable_update_ref()->set_update_id(id);
      resp.set_stage(r.stage);
      if (r.outcome) *resp.mutable_outcome() = *r.outcome;
    }
    reply(s, std::move(resp));
  };
  wait_for_update(entry, ns, execution.workflow_id(), run_id, req.meta().update_id(),
                  wanted_stage(request.wait_policy()), wait_until, std::move(respond));
}

void Engine::poll_update(wsv1::PollWorkflowExecutionUpdateRequest request, TimePoint wait_until,
                         Reply<wsv1::PollWorkflowExecutionUpdateResponse> reply) {
  const auto& ref = request.update_ref();
  if (ref.workflow_execution().workflow_id().empty() || ref.update_id().empty())
    return reply(Status::InvalidArgument("UpdateRef is not set on request."), {});
  auto entry = entry_for(request.namespace_(), ref.workflow_execution().workflow_id());
  auto respond = [reply, ref](Status s, UpdateResult r) {
    wsv1::PollWorkflowExecutionUpdateResponse resp;
    if (s.ok()) {
      *resp.mutable_update_ref() = ref;
      resp.mutable_update_ref()->mutable_workflow_execution()->set_run_id(r.run_id);
      resp.set_stage(r.stage);
      if (r.outcome) *resp.mutable_outcome() = *r.outcome;
    }
    reply(s, std::move(resp));
  };
  wait_for_update(entry, request.namespace_(), ref.workflow_execution().workflow_id(),
                  ref.workflow_execution().run_id(), ref.update_id(), wanted_stage(request.wait_policy()), wait_until,
                  std::move(respond));
}

void Engine::attach_updates(Run& run, wsv1::PollWorkflowTaskQueueResponse* response) {
  for (auto& [id, admitted] : run.admitted_updates) {
    auto* message = response->add_messages();
    message->set_id(id + "/request");
    message->set_protocol_instance_id(id);
    message->set_event_id(response->started_event_id() - 1);
    message->mutable_body()->PackFrom(admitted.request);
    admitted.delivered = true;
  }
}

bool Engine::has_undelivered_updates(const Run& run) {
  for (const auto& [id, admitted] : run.admitted_updates)
    if (!admitted.delivered) return true;
  return false;
}

Status Engine::apply_update_message(Mutation& m, const temporal::api::protocol::v1::Message& message,
                                    int64_t completed_event_id) {
  auto& run = m.run();
  auto& ms = m.ms();
  const std::string& id = message.protocol_instance_id();
  const auto& body = message.body();
  if (body.Is<update::Acceptance>()) {
    update::Acceptance acceptance;
    body.UnpackTo(&acceptance);
    auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    auto* a = event->mutable_workflow_execution_update_accepted_event_attributes();
    a->set_protocol_instance_id(id);
    a->set_accepted_request_message_id(acceptance.accepted_request_message_id());
    a->set_accepted_request_sequencing_event_id(acceptance.accepted_request_sequencing_event_id());
    auto admitted = run.admitted_updates.find(id);
    if (acceptance.has_accepted_request()) *a->mutable_accepted_request() = acceptance.accepted_request();
    else if (admitted != run.admitted_updates.end()) *a->mutable_accepted_request() = admitted->second.request;
    auto& info = (*ms.mutable_updates())[id];
    info.set_update_id(id);
    info.set_accepted_event_id(event->event_id());
    if (admitted != run.admitted_updates.end()) run.admitted_updates.erase(admitted);
  } else if (body.Is<update::Rejection>()) {
    update::Rejection rejection;
    body.UnpackTo(&rejection);
    auto& info = (*ms.mutable_updates())[id];
    info.set_update_id(id);
    info.set_completed(true);
    *info.mutable_outcome()->mutable_failure() = rejection.failure();
    run.admitted_updates.erase(id);
  } else if (body.Is<update::Response>()) {
    update::Response response;
    body.UnpackTo(&response);
    auto& info = (*ms.mutable_updates())[id];
    auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
    auto* a = event->mutable_workflow_execution_update_completed_event_attributes();
    *a->mutable_meta() = response.meta();
    a->set_accepted_event_id(info.accepted_event_id());
    *a->mutable_outcome() = response.outcome();
    info.set_update_id(id);
    info.set_completed(true);
    *info.mutable_outcome() = response.outcome();
    run.admitted_updates.erase(id);
  } else {
    return Status::InvalidArgument("Unknown protocol message body " + body.type_url());
  }
  (void)completed_event_id;
  return Status::Ok();
}

}  // namespace stead::server::history
