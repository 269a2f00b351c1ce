// Workflow tasks: started (poll), completed (commands), failed, timed out
// (temporal-protocol.md §0.3, §1.4-§1.6, §2.4, §3.3).
#include "common/uuid.h"
#include "server/history/commands.h"
#include "server/history/engine.h"
#include "server/history/history_page.h"
#include "server/history/mutation.h"
#include "server/history/task_token.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
using stead::server::v1::TaskToken;

namespace {

Status stale_task() { return Status::NotFound("Workflow task not found."); }

// Ends the current (started or scheduled) workflow task and schedules its retry.
// `same_attempt`: a sticky-queue problem, not the workflow's fault (Go does not count it).
void retry_workflow_task(Mutation& m, bool same_attempt) {
  auto& ms = m.ms();
  // Queries the failed task carried ride on the retry.
  auto& run = m.run();
  run.buffered_query_ids.insert(run.buffered_query_ids.end(), run.attached_query_ids.begin(),
                                run.attached_query_ids.end());
  run.attached_query_ids.clear();
  for (auto& [id, admitted] : run.admitted_updates) admitted.delivered = false;  // deliver again
  int32_t attempt = ms.workflow_task().attempt();
  ms.clear_workflow_task();
  ms.clear_sticky();
  // New events make the next task a fresh one (attempt 1), as in Go.
  bool had_events = m.flush_buffered_events();
  ms.set_next_workflow_task_attempt(had_events ? 1 : (same_attempt ? attempt : attempt + 1));
  m.schedule_workflow_task();
}

void add_workflow_task_failed(Mutation& m, enums::WorkflowTaskFailedCause cause,
                              const temporal::api::failure::v1::Failure* failure, const std::string& message,
                              const std::string& identity) {
  const auto& wt = m.ms().workflow_task();
  auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);
  auto* a = event->mutable_workflow_task_failed_event_attributes();
  a->set_scheduled_event_id(wt.scheduled_event_id());
  a->set_started_event_id(wt.started_event_id());
  a->set_cause(cause);
  if (failure) {
    *a->mutable_failure() = *failure;
  } else if (!message.empty()) {
    a->mutable_failure()->set_message(message);
    a->mutable_failure()->mutable_server_failure_info();
  }
  a->set_identity(identity);
}

}  // namespace

void Engine::record_workflow_task_started(const matching::TaskRef& task, const wsv1::PollWorkflowTaskQueueRequest& poll,
                                          Reply<wsv1::PollWorkflowTaskQueueResponse> reply) {
  if (!task.query_id.empty()) return record_query_task_started(task, poll, std::move(reply));
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return reply(stale_task(), {});
  auto& ms = run->ms;
  if (!ms.has_workflow_task() || ms.workflow_task().scheduled_event_id() != task.scheduled_event_id ||
      ms.workflow_task().started_event_id() != 0) {
    return reply(stale_task(), {});
  }

  Mutation m(*this, entry, *run);
  auto* wt = ms.mutable_workflow_task();
  auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  auto* a = event->mutable_workflow_task_started_event_attributes();
  a->set_scheduled_event_id(wt->scheduled_event_id());
  a->set_identity(poll.identity());
  a->set_request_id(new_uuid());
  a->set_history_size_bytes(ms.history_size_bytes());
  wt->set_started_event_id(event->event_id());
  *wt->mutable_started_time() = to_proto(m.now());
  wt->set_identity(poll.identity());
  wt->set_request_id(a->request_id());
  m.add_timer(TimerKind::kWorkflowTaskStartToClose, add_saturating(m.now(), wt->start_to_close_timeout()),
              wt->scheduled_event_id(), wt->attempt(), wt->started_event_id());

  const auto& info = ms.info();
  TaskToken token;
  token.set_kind(TaskToken::KIND_WORKFLOW_TASK);
  token.set_namespace_(info.namespace_());
  token.set_workflow_id(info.workflow_id());
  token.set_run_id(info.run_id());
  token.set_scheduled_event_id(wt->scheduled_event_id());
  token.set_started_event_id(wt->started_event_id());
  token.set_attempt(wt->attempt());

  wsv1::PollWorkflowTaskQueueResponse resp;
  resp.set_task_token(encode_task_token(token));
  fill_workflow_task_response(ms, &resp);
  resp.set_started_event_id(wt->started_event_id());
  resp.set_attempt(wt->attempt());
  *resp.mutable_scheduled_time() = wt->scheduled_time();
  *resp.mutable_started_time() = wt->started_time();
  attach_queries(*run, &resp);
  attach_updates(*run, &resp);

  // A sticky worker has the run cached: it gets only the events since its last task.
  const bool sticky = wt->task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY &&
                      poll.task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY;
  int64_t first = sticky ? ms.last_completed_wft_started_event_id() + 1 : 1;
  int64_t last = wt->started_event_id();
  persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};

  commit(m, [this, reply, resp = std::move(resp), key, first, last](Status s) mutable {
    if (!s.ok()) return reply(s, {});
    Status rs = read_history_page(key, first, last, static_cast<size_t>(config_.history_page_size),
                                  resp.mutable_history(), resp.mutable_next_page_token());
    if (!rs.ok()) return reply(rs, {});
    reply(Status::Ok(), std::move(resp));
  });
}

void Engine::fill_workflow_task_response(const v1::MutableState& ms, wsv1::PollWorkflowTaskQueueResponse* resp) {
  const auto& info = ms.info();
  resp->mutable_workflow_execution()->set_workflow_id(info.workflow_id());
  resp->mutable_workflow_execution()->set_run_id(info.run_id());
  resp->mutable_workflow_type()->set_name(info.workflow_type());
  resp->set_previous_started_event_id(ms.last_completed_wft_started_event_id());
  // Always the normal queue, even for a sticky dispatch.
  resp->mutable_workflow_execution_task_queue()->set_name(info.task_queue());
  resp->mutable_workflow_execution_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
}

Status Engine::lock_workflow_task(const std::string& task_token, LockedRun* out, TaskToken* token) {
  STEAD_RETURN_IF_ERROR(decode_task_token(task_token, TaskToken::KIND_WORKFLOW_TASK, token));
  STEAD_RETURN_IF_ERROR(lock_run(token->namespace_(), token->workflow_id(), token->run_id(), out));
  if (!out->run->open()) return Status::NotFound("Workflow execution already completed.");
  const auto& ms = out->run->ms;
  if (!ms.has_workflow_task() || ms.workflow_task().scheduled_event_id() != token->scheduled_event_id() ||
      ms.workflow_task().started_event_id() != token->started_event_id()) {
    return stale_task();
  }
  return Status::Ok();
}

void Engine::complete_workflow_task(wsv1::RespondWorkflowTaskCompletedRequest request,
                                    Reply<wsv1::RespondWorkflowTaskCompletedResponse> reply) {
  LockedRun locked;
  TaskToken token;
  if (Status s = lock_workflow_task(request.task_token(), &locked, &token); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  auto& entry = locked.entry;
  auto& ms = run->ms;

  Mutation m(*this, entry, *run);
  CommandValidation validation = validate_commands(config_, ms, request.mutable_commands(), request.messages());
  // Closing the workflow while unseen events or updates wait would lose them: the worker must look first.
  if (validation.ok() && validation.closes_workflow && (ms.buffered_events_size() > 0 || has_undelivered_updates(*run))) {
    validation.cause = enums::WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
    validation.message = "UnhandledCommand";
  }
  if (!validation.ok()) {
    const bool unhandled = validation.cause == enums::WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
    std::string message = validation.message;
    // A retried task that fails the same way again would spin: let it time out instead (as Go).
    if (!unhandled && ms.workflow_task().attempt() > 1) return reply(Status::InvalidArgument(message), {});
    add_workflow_task_failed(m, validation.cause, nullptr, validation.message, request.identity());
    retry_workflow_task(m, unhandled);  // the flushed events make it attempt 1 again
    return commit(m, [reply, message](Status s) { reply(s.ok() ? Status::InvalidArgument(message) : s, {}); });
  }

  const auto& wt = ms.workflow_task();
  auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  auto* a = event->mutable_workflow_task_completed_event_attributes();
  a->set_scheduled_event_id(wt.scheduled_event_id());
  a->set_started_event_id(wt.started_event_id());
  a->set_identity(request.identity());
  a->set_binary_checksum(request.binary_checksum());
  if (request.has_sdk_metadata()) *a->mutable_sdk_metadata() = request.sdk_metadata();
  if (request.has_metering_metadata()) *a->mutable_metering_metadata() = request.metering_metadata();
  if (request.has_worker_version_stamp()) *a->mutable_worker_version() = request.worker_version_stamp();
  const int64_t completed_id = event->event_id();
  const int64_t started_id = wt.started_event_id();

  if (request.has_sticky_attributes() && !request.sticky_attributes().worker_task_queue().name().empty()) {
    auto* sticky = ms.mutable_sticky();
    sticky->set_task_queue(request.sticky_attributes().worker_task_queue().name());
    *sticky->mutable_schedule_to_start_timeout() = request.sticky_attributes().schedule_to_start_timeout();
  } else {
    ms.clear_sticky();
  }

  bool new_task_needed = apply_commands(m, request.commands(), request.messages(), completed_id, request.identity());
  // Updates that arrived during this task, or that the worker did not answer, need another task.
  for (auto& [id, admitted] : run->admitted_updates) {
    new_task_needed = true;
    admitted.delivered = false;
  }
  ms.set_last_completed_wft_started_event_id(started_id);
  start_successor(*entry, m);
  if (run->open()) {
    ms.clear_workflow_task();
    bool had_events = m.flush_buffered_events();
    if (had_events || new_task_needed || request.force_create_new_workflow_task()) m.schedule_workflow_task();
  }
  answer_queries(*run, request.query_results());
  // Queries that arrived meanwhile go out on their own when no workflow task will carry them.
  if (!ms.has_workflow_task()) dispatch_buffered_queries(*run, m.effects());
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::fail_workflow_task(wsv1::RespondWorkflowTaskFailedRequest request,
                                Reply<wsv1::RespondWorkflowTaskFailedResponse> reply) {
  LockedRun locked;
  TaskToken token;
  if (Status s = lock_workflow_task(request.task_token(), &locked, &token); !s.ok()) return reply(s, {});
  Run* run = locked.run;
  auto& entry = locked.entry;
  auto& ms = run->ms;
  Mutation m(*this, entry, *run);
  const bool was_sticky = ms.workflow_task().task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY;
  add_workflow_task_failed(m, request.cause(), request.has_failure() ? &request.failure() : nullptr, "",
                           request.identity());
  // A failure on a sticky worker is retried once with full history on the normal queue.
  retry_workflow_task(m, was_sticky);
  commit(m, [reply](Status s) { reply(s, {}); });
}

void Engine::handle_workflow_task_timer(const TimerTask& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  auto& ms = run->ms;
  if (!ms.has_workflow_task() || ms.workflow_task().scheduled_event_id() != task.event_id) return;
  const auto& wt = ms.workflow_task();
  Mutation m(*this, entry, *run);
  if (task.kind == TimerKind::kWorkflowTaskStartToClose) {
    if (wt.started_event_id() == 0 || wt.started_event_id() != task.started_event_id) return;
    auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
    auto* a = event->mutable_workflow_task_timed_out_event_attributes();
    a->set_scheduled_event_id(wt.scheduled_event_id());
    a->set_started_event_id(wt.started_event_id());
    a->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
    retry_workflow_task(m, false);
  } else {
    // Sticky schedule-to-start: the sticky worker is gone; hand the task to the normal queue.
    if (wt.started_event_id() != 0 || wt.task_queue().kind() != enums::TASK_QUEUE_KIND_STICKY) return;
    auto* event = m.add_event(enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
    auto* a = event->mutable_workflow_task_timed_out_event_attributes();
    a->set_scheduled_event_id(wt.scheduled_event_id());
    a->set_timeout_type(enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
    retry_workflow_task(m, true);
  }
  commit(m, nullptr);
}

}  // namespace stead::server::history
