// Reads: DescribeWorkflowExecution and GetWorkflowExecutionHistory, including the long poll
// that a client's result() uses (temporal-protocol.md §1.8, §1.14).
#include "server/history/engine.h"
#include "server/history/history_page.h"
#include "server/history/mutation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

void Engine::describe_workflow(const wsv1::DescribeWorkflowExecutionRequest& request,
                               Reply<wsv1::DescribeWorkflowExecutionResponse> reply) {
  const auto& execution = request.execution();
  if (execution.workflow_id().empty()) return reply(Status::InvalidArgument("WorkflowId is not set on request."), {});
  wsv1::DescribeWorkflowExecutionResponse resp;
  {
    auto entry = entry_for(request.namespace_(), execution.workflow_id());
    std::lock_guard lock(entry->mu);
    Run* run = nullptr;
    if (Status s = find_run(*entry, request.namespace_(), execution.workflow_id(), execution.run_id(), &run); !s.ok())
      return reply(s, {});
    const auto& ms = run->ms;
    const auto& info = ms.info();

    auto* config = resp.mutable_execution_config();
    config->mutable_task_queue()->set_name(info.task_queue());
    config->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    *config->mutable_workflow_execution_timeout() = info.execution_timeout();
    *config->mutable_workflow_run_timeout() = info.run_timeout();
    *config->mutable_default_workflow_task_timeout() = info.task_timeout();

    auto* wi = resp.mutable_workflow_execution_info();
    wi->mutable_execution()->set_workflow_id(info.workflow_id());
    wi->mutable_execution()->set_run_id(info.run_id());
    wi->mutable_type()->set_name(info.workflow_type());
    *wi->mutable_start_time() = info.start_time();
    if (info.close_event_id()) *wi->mutable_close_time() = info.close_time();
    wi->set_status(info.status());
    wi->set_history_length(ms.next_event_id() - 1);
    *wi->mutable_execution_time() = info.execution_time();
    *wi->mutable_memo() = info.memo();
    *wi->mutable_search_attributes() = info.search_attributes();
    wi->set_task_queue(info.task_queue());
    wi->set_state_transition_count(ms.next_event_id() - 1);
    wi->set_history_size_bytes(ms.history_size_bytes());
    wi->set_first_run_id(info.first_execution_run_id());
    wi->mutable_root_execution()->set_workflow_id(info.workflow_id());
    wi->mutable_root_execution()->set_run_id(info.run_id());
    if (info.has_parent_execution()) {
      *wi->mutable_parent_execution() = info.parent_execution();
      wi->set_parent_namespace_id(info.parent_namespace());
    }
    if (info.close_event_id()) {
      *wi->mutable_execution_duration() =
          to_proto_duration(from_proto(info.close_time()) - from_proto(info.execution_time()));
    }

    for (const auto& [id, activity] : ms.activities()) {
      auto* pa = resp.add_pending_activities();
      pa->set_activity_id(activity.activity_id());
      pa->mutable_activity_type()->set_name(activity.activity_type());
      if (activity.cancel_requested()) pa->set_state(enums::PENDING_ACTIVITY_STATE_CANCEL_REQUESTED);
      else if (activity.has_started_time()) pa->set_state(enums::PENDING_ACTIVITY_STATE_STARTED);
      else pa->set_state(enums::PENDING_ACTIVITY_STATE_SCHEDULED);
      if (activity.has_last_heartbeat_details()) *pa->mutable_heartbeat_details() = activity.last_heartbeat_details();
      if (activity.has_last_heartbeat_time()) *pa->mutable_last_heartbeat_time() = activity.last_heartbeat_time();
      if (activity.has_started_time()) *pa->mutable_last_started_time() = activity.started_time();
      pa->set_attempt(activity.attempt());
      pa->set_maximum_attempts(activity.retry_policy().maximum_attempts());
      *pa->mutable_scheduled_time() = activity.scheduled_time();
      if (from_proto(activity.schedule_to_close_timeout()) > Duration::zero()) {
        *pa->mutable_expiration_time() =
            to_proto(add_saturating(from_proto(activity.first_scheduled_time()), activity.schedule_to_close_timeout()));
      }
      if (activity.has_last_failure()) *pa->mutable_last_failure() = activity.last_failure();
      pa->set_last_worker_identity(activity.started_identity());
    }
    if (ms.has_workflow_task()) {
      const auto& wt = ms.workflow_task();
      auto* pw = resp.mutable_pending_workflow_task();
      pw->set_state(wt.started_event_id() ? enums::PENDING_WORKFLOW_TASK_STATE_STARTED
                                          : enums::PENDING_WORKFLOW_TASK_STATE_SCHEDULED);
      *pw->mutable_scheduled_time() = wt.scheduled_time();
      *pw->mutable_original_scheduled_time() = wt.scheduled_time();
      if (wt.started_event_id()) *pw->mutable_started_time() = wt.started_time();
      pw->set_attempt(wt.attempt());
    }
  }
  reply(Status::Ok(), std::move(resp));
}

void Engine::get_history(wsv1::GetWorkflowExecutionHistoryRequest request, TimePoint wait_until,
                         Reply<wsv1::GetWorkflowExecutionHistoryResponse> reply) {
  const auto& execution = request.execution();
  if (execution.workflow_id().empty()) return reply(Status::InvalidArgument("WorkflowId is not set on request."), {});
  int64_t from = 1;
  if (!request.next_page_token().empty()) {
    from = decode_page_token(request.next_page_token());
    if (from <= 0) return reply(Status::InvalidArgument("Invalid NextPageToken."), {});
  }
  const bool close_only = request.history_event_filter_type() == enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

  auto entry = entry_for(request.namespace_(), execution.workflow_id());
  std::unique_lock lock(entry->mu);
  Run* run = nullptr;
  if (Status s = find_run(*entry, request.namespace_(), execution.workflow_id(), execution.run_id(), &run); !s.ok())
    return reply(s, {});
  // Pin the run: continuation pages and wake-ups must read the same run.
  request.mutable_execution()->set_run_id(run->ms.info().run_id());

  // Only what is durable is visible (a commit may be in flight).
  const bool closed = run->committed_close_event_id != 0;
  const bool nothing_new = close_only ? !closed : from >= run->committed_next_event_id;
  // A closed run gets no new events: waiting for them would only delay the empty answer.
  if (nothing_new && request.wait_new_event() && (close_only || !closed)) {
    if (clock_.now() < wait_until && std::chrono::system_clock::now() < wait_until) {
      auto waiter = std::make_shared<HistoryWaiter>();
      waiter->wake = [this, request, wait_until, reply] { get_history(request, wait_until, reply); };
      run->waiters.push_back(waiter);
      // Give up at wait_until with an empty page the client polls again with.
      real_timers_.schedule(wait_until, [this, waiter, request, reply, from] {
        if (waiter->taken.exchange(true)) return;
        executor_.post([request, reply, from] {
          wsv1::GetWorkflowExecutionHistoryResponse resp;
          resp.set_next_page_token(request.next_page_token().empty() ? encode_page_token(from) : request.next_page_token());
          reply(Status::Ok(), std::move(resp));
        });
      });
      return;
    }
    wsv1::GetWorkflowExecutionHistoryResponse resp;
    resp.set_next_page_token(encode_page_token(from));
    lock.unlock();
    return reply(Status::Ok(), std::move(resp));
  }

  persistence::RunKey key{request.namespace_(), execution.workflow_id(), run->ms.info().run_id()};
  int64_t first = close_only ? run->committed_close_event_id : from;
  int64_t last = close_only ? run->committed_close_event_id : run->committed_next_event_id - 1;
  lock.unlock();

  wsv1::GetWorkflowExecutionHistoryResponse resp;
  if (!close_only && first > last) return reply(Status::Ok(), std::move(resp));
  size_t page = request.maximum_page_size() > 0
                    ? std::min<size_t>(static_cast<size_t>(request.maximum_page_size()), 1000)
                    : static_cast<size_t>(config_.history_page_size);
  if (Status s = read_history_page(key, first, last, page, resp.mutable_history(), resp.mutable_next_page_token());
      !s.ok()) {
    return reply(s, {});
  }
  reply(Status::Ok(), std::move(resp));
}

Status Engine::read_history_page(const persistence::RunKey& key, int64_t first, int64_t last, size_t page,
                                 temporal::api::history::v1::History* history, std::string* next_page_token) {
  std::vector<std::string> events;
  STEAD_RETURN_IF_ERROR(store_.read_history(key, first, last, page, &events));
  for (const auto& bytes : events) {
    if (!history->add_events()->ParseFromString(bytes))
      return Status::Internal("corrupt history event of " + key.workflow_id);
  }
  int64_t next = first + static_cast<int64_t>(events.size());
  if (next <= last) *next_page_token = encode_page_token(next);
  return Status::Ok();
}

}  // namespace stead::server::history
