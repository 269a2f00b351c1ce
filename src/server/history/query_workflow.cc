// QueryWorkflow (temporal-protocol.md §1.12). Two paths, as in the Go server:
// - a workflow task is scheduled or started: the query rides on the next workflow task
//   (PollWorkflowTaskQueueResponse.queries) and is answered in its completion;
// - otherwise (idle or closed): a standalone "legacy" query task goes through matching and
//   the worker answers with RespondQueryTaskCompleted.
// Queries are not persisted: one lives only as long as its caller's RPC.
#include "common/error_details.h"
#include "common/uuid.h"
#include "server/history/engine.h"
#include "server/history/history_page.h"
#include "server/history/mutation.h"
#include "server/history/task_token.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;
using stead::server::v1::TaskToken;

struct Engine::PendingQuery {
  std::string id;
  std::string ns, workflow_id, run_id;
  temporal::api::query::v1::WorkflowQuery query;
  Reply<wsv1::QueryWorkflowResponse> reply;
};

namespace {

Status query_failed(const std::string& message, const temporal::api::failure::v1::Failure* failure) {
  temporal::api::errordetails::v1::QueryFailedFailure detail;
  if (failure) *detail.mutable_failure() = *failure;
  return with_detail(Status::InvalidArgument(message), detail);
}

}  // namespace

void Engine::finish_query(const std::string& query_id, Status status, wsv1::QueryWorkflowResponse response) {
  std::shared_ptr<PendingQuery> query;
  {
    std::lock_guard lock(queries_mu_);
    auto it = queries_.find(query_id);
    if (it == queries_.end()) return;  // already answered or timed out
    query = std::move(it->second);
    queries_.erase(it);
  }
  executor_.post([query, status, response = std::move(response)]() mutable { query->reply(status, std::move(response)); });
}

void Engine::query_workflow(wsv1::QueryWorkflowRequest request, TimePoint deadline,
                            Reply<wsv1::QueryWorkflowResponse> reply) {
  const auto& execution = request.execution();
  if (execution.workflow_id().empty()) return reply(Status::InvalidArgument("WorkflowId is not set on request."), {});
  if (request.query().query_type().empty()) return reply(Status::InvalidArgument("QueryType is not set on request."), {});
  auto entry = entry_for(request.namespace_(), execution.workflow_id());
  std::unique_lock lock(entry->mu);
  Run* run = nullptr;
  if (Status s = find_run(*entry, request.namespace_(), execution.workflow_id(), execution.run_id(), &run); !s.ok())
    return reply(s, {});
  const auto& ms = run->ms;
  const auto status = ms.info().status();
  const auto reject = request.query_reject_condition();
  if ((reject == enums::QUERY_REJECT_CONDITION_NOT_OPEN && !run->open()) ||
      (reject == enums::QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY && !run->open() &&
       status != enums::WORKFLOW_EXECUTION_STATUS_COMPLETED)) {
    wsv1::QueryWorkflowResponse resp;
    resp.mutable_query_rejected()->set_status(status);
    lock.unlock();
    return reply(Status::Ok(), std::move(resp));
  }
  if (!run->open() && ms.last_completed_wft_started_event_id() == 0)
    return reply(Status::FailedPrecondition("Workflow closed before its first workflow task completed; it cannot be queried."), {});

  auto query = std::make_shared<PendingQuery>();
  query->id = new_uuid();
  query->ns = request.namespace_();
  query->workflow_id = execution.workflow_id();
  query->run_id = ms.info().run_id();
  query->query = request.query();
  query->reply = std::move(reply);
  {
    std::lock_guard qlock(queries_mu_);
    queries_[query->id] = query;
  }
  real_timers_.schedule(deadline, [this, id = query->id] {
    finish_query(id, Status::DeadlineExceeded("query timed out before a worker answered it"), {});
  });

  run->buffered_query_ids.push_back(query->id);
  if (!ms.has_workflow_task()) {
    Effects effects;
    dispatch_buffered_queries(*run, effects);
    lock.unlock();
    apply_effects(effects);
  }
}

void Engine::dispatch_buffered_queries(Run& run, Effects& effects) {
  const auto& info = run.ms.info();
  // Go to the worker that has the run cached, if it is still polling; otherwise any worker
  // replays the history (a query must not wait for a worker that is gone).
  std::string queue = info.task_queue();
  if (run.ms.has_sticky() && !sticky_released(info.namespace_(), run.ms.sticky().task_queue()) &&
      matching_.has_live_poller({info.namespace_(), run.ms.sticky().task_queue(), matching::TaskKind::kWorkflow},
                                std::chrono::seconds(5))) {
    queue = run.ms.sticky().task_queue();
  }
  for (auto& id : run.buffered_query_ids) {
    effects.tasks.emplace_back(matching::QueueKey{info.namespace_(), queue, matching::TaskKind::kWorkflow},
                               matching::TaskRef{info.namespace_(), info.workflow_id(), info.run_id(), 0, 1, id});
  }
  run.buffered_query_ids.clear();
}

void Engine::attach_queries(Run& run, wsv1::PollWorkflowTaskQueueResponse* response) {
  std::lock_guard lock(queries_mu_);
  for (auto& id : run.buffered_query_ids) {
    auto it = queries_.find(id);
    if (it == queries_.end()) continue;  // timed out meanwhile
    (*response->mutable_queries())[id] = it->second->query;
    run.attached_query_ids.push_back(id);
  }
  run.buffered_query_ids.clear();
}

void Engine::answer_queries(Run& run, const google::protobuf::Map<std::string, temporal::api::query::v1::WorkflowQueryResult>& results) {
  for (auto& id : run.attached_query_ids) {
    auto it = results.find(id);
    if (it == results.end()) {
      run.buffered_query_ids.push_back(id);  // not answered: try again
      continue;
    }
    const auto& result = it->second;
    if (result.result_type() == enums::QUERY_RESULT_TYPE_ANSWERED) {
      wsv1::QueryWorkflowResponse resp;
      *resp.mutable_query_result() = result.answer();
      finish_query(id, Status::Ok(), std::move(resp));
    } else {
      finish_query(id, query_failed(result.error_message(), result.has_failure() ? &result.failure() : nullptr), {});
    }
  }
  run.attached_query_ids.clear();
}

void Engine::record_query_task_started(const matching::TaskRef& task, const wsv1::PollWorkflowTaskQueueRequest& poll,
                                       Reply<wsv1::PollWorkflowTaskQueueResponse> reply) {
  std::shared_ptr<PendingQuery> query;
  {
    std::lock_guard lock(queries_mu_);
    auto it = queries_.find(task.query_id);
    if (it != queries_.end()) query = it->second;
  }
  if (!query) return reply(Status::NotFound("Query already answered or timed out."), {});
  auto entry = entry_for(task.ns, task.workflow_id);
  std::unique_lock lock(entry->mu);
  Run* run = nullptr;
  if (Status s = find_run(*entry, task.ns, task.workflow_id, task.run_id, &run); !s.ok()) return reply(s, {});
  const auto& ms = run->ms;
  const auto& info = ms.info();
  TaskToken token;
  token.set_kind(TaskToken::KIND_QUERY_TASK);
  token.set_namespace_(info.namespace_());
  token.set_workflow_id(info.workflow_id());
  token.set_run_id(info.run_id());
  token.set_query_id(task.query_id);

  wsv1::PollWorkflowTaskQueueResponse resp;
  resp.set_task_token(encode_task_token(token));
  fill_workflow_task_response(ms, &resp);
  resp.set_started_event_id(0);  // marks a legacy query task for the worker
  resp.set_attempt(1);
  *resp.mutable_query() = query->query;
  *resp.mutable_scheduled_time() = to_proto(clock_.now());
  *resp.mutable_started_time() = resp.scheduled_time();
  resp.mutable_history();  // required even when empty
  // A sticky worker has the run cached; any other worker replays the whole history.
  const bool sticky = poll.task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY;
  persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};
  int64_t last = run->committed_next_event_id - 1;
  lock.unlock();
  if (!sticky) {
    Status s = read_history_page(key, 1, last, static_cast<size_t>(config_.history_page_size), resp.mutable_history(),
                                 resp.mutable_next_page_token());
    if (!s.ok()) return reply(s, {});
  }
  reply(Status::Ok(), std::move(resp));
}

void Engine::respond_query_task(wsv1::RespondQueryTaskCompletedRequest request,
                                Reply<wsv1::RespondQueryTaskCompletedResponse> reply) {
  TaskToken token;
  if (Status s = decode_task_token(request.task_token(), TaskToken::KIND_QUERY_TASK, &token); !s.ok())
    return reply(s, {});
  {
    std::lock_guard lock(queries_mu_);
    if (!queries_.count(token.query_id())) return reply(Status::NotFound("Query already answered or timed out."), {});
  }
  if (request.completed_type() == enums::QUERY_RESULT_TYPE_ANSWERED) {
    wsv1::QueryWorkflowResponse resp;
    *resp.mutable_query_result() = request.query_result();
    finish_query(token.query_id(), Status::Ok(), std::move(resp));
  } else {
    finish_query(token.query_id(),
                 query_failed(request.error_message(), request.has_failure() ? &request.failure() : nullptr), {});
  }
  reply(Status::Ok(), {});
}

}  // namespace stead::server::history
