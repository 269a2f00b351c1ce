#include "worker/workflow_worker.h"

#include <future>

#include "common/log.h"
#include "common/time_util.h"
#include "common/uuid.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
namespace wsv1 = stead::detail::wsv1;
using stead::detail::Stub;
using temporal::api::history::v1::History;

namespace {

constexpr auto kPollRetryDelay = std::chrono::seconds(1);

std::vector<const HistoryEvent*> event_pointers(const History& history) {
  std::vector<const HistoryEvent*> out;
  out.reserve(history.events_size());
  for (const auto& e : history.events()) out.push_back(&e);
  return out;
}

// New events that invalidate a cached run: a task it completed was failed or timed out, so
// the commands it sent were not recorded.
bool voids_cached_state(const History& history, int64_t last_applied) {
  for (const auto& e : history.events()) {
    if (e.event_id() <= last_applied) continue;
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_FAILED ||
        e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
      return true;
  }
  return false;
}

std::string error_message(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

WorkflowWorker::WorkflowWorker(std::shared_ptr<stead::detail::ClientCore> client, WorkflowWorkerOptions options,
                               std::shared_ptr<const WorkflowRegistry> registry)
    : client_(std::move(client)),
      options_(std::move(options)),
      registry_(std::move(registry)),
      identity_(options_.identity.empty() ? client_->identity() : options_.identity),
      sticky_queue_(options_.max_cached_workflows > 0 ? identity_ + "-" + new_uuid() : std::string()),
      cache_(options_.max_cached_workflows),
      pool_(static_cast<std::size_t>(options_.threads)),
      free_slots_(options_.max_concurrent_tasks) {}

WorkflowWorker::~WorkflowWorker() { shutdown(); }

void WorkflowWorker::start() {
  {
    std::lock_guard lock(mu_);
    if (running_ || stopped_) throw std::logic_error("stead: workflow worker started twice");
    running_ = true;
  }
  maybe_poll();
}

void WorkflowWorker::maybe_poll() {
  std::vector<bool> to_start;
  {
    std::lock_guard lock(mu_);
    // Sticky polls first: the cached runs' tasks are the cheap ones.
    for (bool sticky : {true, false}) {
      if (sticky && sticky_queue_.empty()) continue;
      while (running_ && polls_[sticky] < options_.pollers && free_slots_ > 0) {
        --free_slots_;
        ++polls_[sticky];
        to_start.push_back(sticky);
      }
    }
  }
  for (bool sticky : to_start) poll(sticky);
}

void WorkflowWorker::poll(bool sticky) {
  wsv1::PollWorkflowTaskQueueRequest request;
  request.set_namespace_(client_->ns());
  auto* queue = request.mutable_task_queue();
  if (sticky) {
    queue->set_name(sticky_queue_);
    queue->set_kind(enums::TASK_QUEUE_KIND_STICKY);
    queue->set_normal_name(options_.task_queue);
  } else {
    queue->set_name(options_.task_queue);
    queue->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  }
  request.set_identity(identity_);
  auto canceller = std::make_shared<stead::detail::CallCanceller>();
  {
    std::lock_guard lock(mu_);
    if (!running_) canceller->cancel();
    cancellers_.insert(canceller);
  }
  auto self = shared_from_this();
  client_->call<wsv1::PollWorkflowTaskQueueRequest, PollResponse>(
      &Stub::PrepareAsyncPollWorkflowTaskQueue, std::move(request), stead::detail::kLongPollTimeout,
      [self, sticky, canceller](grpc::Status status, PollResponse task) {
        {
          std::lock_guard lock(self->mu_);
          self->cancellers_.erase(canceller);
        }
        self->on_poll(sticky, std::move(status), std::move(task));
      },
      canceller);
}

void WorkflowWorker::on_poll(bool sticky, grpc::Status status, PollResponse task) {
  bool got_task = status.ok() && !task.task_token().empty();
  bool retry_later = false;
  {
    std::lock_guard lock(mu_);
    --polls_[sticky];
    if (got_task) {
      ++in_hand_;
    } else {
      ++free_slots_;
      retry_later = running_ && !status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED;
    }
    cv_.notify_all();
  }
  if (retry_later) {
    STEAD_LOG(kWarn) << "workflow worker (task queue " << options_.task_queue << "): PollWorkflowTaskQueue failed: "
                     << status.error_code() << " " << status.error_message() << "; polling again in 1 s";
    std::weak_ptr<WorkflowWorker> weak = weak_from_this();
    retries_.schedule(DelayQueue::Clock::now() + kPollRetryDelay, [weak] {
      if (auto self = weak.lock()) self->maybe_poll();
    });
  } else {
    maybe_poll();
  }
  if (!got_task) return;
  auto self = shared_from_this();
  auto shared_task = std::make_shared<PollResponse>(std::move(task));
  bool posted = pool_.post([self, shared_task] {
    try {
      self->process(*shared_task);
    } catch (const std::exception& e) {
      STEAD_LOG(kError) << "workflow worker: task handling failed: " << e.what();
    }
    self->release_slot();
  });
  if (!posted) release_slot();
}

void WorkflowWorker::release_slot() {
  {
    std::lock_guard lock(mu_);
    --in_hand_;
    ++free_slots_;
    cv_.notify_all();
  }
  maybe_poll();
}

void WorkflowWorker::shutdown() {
  std::vector<std::shared_ptr<stead::detail::CallCanceller>> cancellers;
  {
    std::unique_lock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    bool was_running = std::exchange(running_, false);
    cancellers.assign(cancellers_.begin(), cancellers_.end());
    if (!was_running) return;
  }
  for (auto& c : cancellers) c->cancel();
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return polls_[0] == 0 && polls_[1] == 0 && in_hand_ == 0; });
  }
  pool_.shutdown();
  retries_.shutdown();
  if (!sticky_queue_.empty()) {
    wsv1::ShutdownWorkerRequest request;
    request.set_namespace_(client_->ns());
    request.set_sticky_task_queue(sticky_queue_);
    request.set_identity(identity_);
    request.set_reason("graceful shutdown");
    wsv1::ShutdownWorkerResponse response;
    grpc::Status status = call(&Stub::PrepareAsyncShutdownWorker, std::move(request), &response);
    if (!status.ok() && status.error_code() != grpc::StatusCode::UNIMPLEMENTED)
      STEAD_LOG(kInfo) << "workflow worker: ShutdownWorker failed: " << status.error_message();
  }
  cache_.clear();
}

template <class Req, class Resp>
grpc::Status WorkflowWorker::call(stead::detail::AsyncMethod<Req, Resp> method, Req request, Resp* response) {
  std::promise<std::pair<grpc::Status, Resp>> promise;
  auto future = promise.get_future();
  client_->call<Req, Resp>(method, std::move(request), client_->rpc_timeout(),
                           [&promise](grpc::Status status, Resp resp) {
                             promise.set_value({std::move(status), std::move(resp)});
                           });
  auto [status, resp] = future.get();
  *response = std::move(resp);
  return status;
}

// ---------------------------------------------------------------------------------------
// One task

void WorkflowWorker::read_history_pages(const temporal::api::common::v1::WorkflowExecution& execution,
                                        std::string token, History* out) {
  do {
    wsv1::GetWorkflowExecutionHistoryRequest request;
    request.set_namespace_(client_->ns());
    *request.mutable_execution() = execution;
    request.set_next_page_token(token);
    wsv1::GetWorkflowExecutionHistoryResponse response;
    grpc::Status status = call(&Stub::PrepareAsyncGetWorkflowExecutionHistory, std::move(request), &response);
    if (!status.ok()) throw std::runtime_error("GetWorkflowExecutionHistory failed: " + status.error_message());
    for (auto& e : *response.mutable_history()->mutable_events()) *out->add_events() = std::move(e);
    token = response.next_page_token();
  } while (!token.empty());
}

void WorkflowWorker::fetch_remaining_pages(PollResponse& task) {
  if (task.next_page_token().empty()) return;
  read_history_pages(task.workflow_execution(), task.next_page_token(), task.mutable_history());
  task.clear_next_page_token();
}

History WorkflowWorker::fetch_history(const temporal::api::common::v1::WorkflowExecution& execution) {
  History history;
  read_history_pages(execution, "", &history);
  return history;
}

void WorkflowWorker::process(PollResponse& task) {
  if (task.has_query() && !task.query().query_type().empty()) return answer_query_task(task);
  const auto& execution = task.workflow_execution();
  fetch_remaining_pages(task);
  std::shared_ptr<CachedRun> run = cache_.acquire(execution.run_id());
  std::unique_lock run_lock(run->mu);
  try {
    History& history = *task.mutable_history();
    if (run->runtime) {
      int64_t first = history.events_size() > 0 ? history.events(0).event_id() : 0;
      bool continues = first == 0 || first <= run->runtime->last_event_id() + 1;
      if (!continues || voids_cached_state(history, run->runtime->last_event_id())) run->runtime.reset();
    }
    if (!run->runtime) {
      run->runtime = std::make_unique<WorkflowRuntime>(registry_, client_->converter(), client_->ns(),
                                                       execution.workflow_id(), execution.run_id());
      run->runtime->set_local_activity_executor(options_.local_activities);
      if (history.events_size() == 0 || history.events(0).event_id() != 1) history = fetch_history(execution);
    }
    std::vector<const ProtocolMessage*> messages;
    for (const auto& m : task.messages()) messages.push_back(&m);
    run->runtime->apply(event_pointers(history), task.started_event_id(), messages);
    Completion completion = run->runtime->take_completion();

    wsv1::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    request.set_namespace_(client_->ns());
    request.set_identity(identity_);
    for (auto& c : completion.commands) *request.add_commands() = std::move(c);
    for (auto& m : completion.messages) *request.add_messages() = std::move(m);
    for (const auto& [id, query] : task.queries()) {
      temporal::api::query::v1::WorkflowQueryResult result;
      try {
        std::vector<Payload> args(query.query_args().payloads().begin(), query.query_args().payloads().end());
        *result.mutable_answer()->add_payloads() = run->runtime->query(query.query_type(), args);
        result.set_result_type(enums::QUERY_RESULT_TYPE_ANSWERED);
      } catch (...) {
        result.set_result_type(enums::QUERY_RESULT_TYPE_FAILED);
        result.set_error_message(error_message(std::current_exception()));
        *result.mutable_failure() = client_->converter().to_failure(std::current_exception());
      }
      (*request.mutable_query_results())[id] = std::move(result);
    }
    bool keep = !sticky_queue_.empty() && !run->runtime->finished();
    if (keep) {
      auto* sticky = request.mutable_sticky_attributes();
      sticky->mutable_worker_task_queue()->set_name(sticky_queue_);
      sticky->mutable_worker_task_queue()->set_kind(enums::TASK_QUEUE_KIND_STICKY);
      sticky->mutable_worker_task_queue()->set_normal_name(options_.task_queue);
      *sticky->mutable_schedule_to_start_timeout() = to_proto_duration(options_.sticky_schedule_to_start_timeout);
    }
    wsv1::RespondWorkflowTaskCompletedResponse response;
    grpc::Status status = call(&Stub::PrepareAsyncRespondWorkflowTaskCompleted, std::move(request), &response);
    if (!status.ok()) {
      STEAD_LOG(kInfo) << "workflow " << execution.workflow_id() << ": RespondWorkflowTaskCompleted failed: "
                       << status.error_message() << "; the run is evicted";
      keep = false;
    }
    if (!keep) {
      run->runtime.reset();
      run_lock.unlock();
      cache_.evict(execution.run_id());
    }
  } catch (const NondeterminismError&) {
    run->runtime.reset();
    run_lock.unlock();
    cache_.evict(execution.run_id());
    respond_failed(task, enums::WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR, std::current_exception());
  } catch (...) {
    run->runtime.reset();
    run_lock.unlock();
    cache_.evict(execution.run_id());
    respond_failed(task, enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, std::current_exception());
  }
}

void WorkflowWorker::respond_failed(const PollResponse& task, enums::WorkflowTaskFailedCause cause,
                                    std::exception_ptr error) {
  std::exception_ptr reported = error;
  try {
    std::rethrow_exception(error);
  } catch (const WorkflowTaskError& e) {
    if (e.cause()) reported = e.cause();
  } catch (...) {
  }
  std::string message = error_message(reported);
  STEAD_LOG(kWarn) << "workflow " << task.workflow_execution().workflow_id() << " (" << task.workflow_type().name()
                   << "): workflow task failed: " << message;
  // As sdk-core: only attempt 1 reports its failure. Later attempts are left to the task's
  // start-to-close timeout, so a task that fails every time (a bug, a non-deterministic
  // change) is retried at that pace rather than in a tight loop with the server.
  if (task.attempt() > 1) return;
  wsv1::RespondWorkflowTaskFailedRequest request;
  request.set_task_token(task.task_token());
  request.set_namespace_(client_->ns());
  request.set_identity(identity_);
  request.set_cause(cause);
  *request.mutable_failure() = client_->converter().to_failure(reported);
  if (request.failure().message().empty()) request.mutable_failure()->set_message(message);
  wsv1::RespondWorkflowTaskFailedResponse response;
  grpc::Status status = call(&Stub::PrepareAsyncRespondWorkflowTaskFailed, std::move(request), &response);
  if (!status.ok())
    STEAD_LOG(kInfo) << "workflow " << task.workflow_execution().workflow_id()
                     << ": RespondWorkflowTaskFailed failed: " << status.error_message();
}

void WorkflowWorker::answer_query_task(PollResponse& task) {
  const auto& execution = task.workflow_execution();
  const auto& query = task.query();
  std::vector<Payload> args(query.query_args().payloads().begin(), query.query_args().payloads().end());
  wsv1::RespondQueryTaskCompletedRequest request;
  request.set_task_token(task.task_token());
  request.set_namespace_(client_->ns());
  try {
    Payload answer;
    std::shared_ptr<CachedRun> cached = cache_.find(execution.run_id());
    std::unique_lock<std::mutex> run_lock;
    if (cached) run_lock = std::unique_lock(cached->mu);
    if (cached && cached->runtime) {
      answer = cached->runtime->query(query.query_type(), args);
    } else {
      fetch_remaining_pages(task);
      History history = task.history().events_size() > 0 && task.history().events(0).event_id() == 1
                            ? task.history()
                            : fetch_history(execution);
      WorkflowRuntime replay(registry_, client_->converter(), client_->ns(), execution.workflow_id(),
                             execution.run_id());
      replay.apply(event_pointers(history), 0, {});
      answer = replay.query(query.query_type(), args);
    }
    *request.mutable_query_result()->add_payloads() = std::move(answer);
    request.set_completed_type(enums::QUERY_RESULT_TYPE_ANSWERED);
  } catch (...) {
    request.set_completed_type(enums::QUERY_RESULT_TYPE_FAILED);
    request.set_error_message(error_message(std::current_exception()));
    *request.mutable_failure() = client_->converter().to_failure(std::current_exception());
  }
  wsv1::RespondQueryTaskCompletedResponse response;
  grpc::Status status = call(&Stub::PrepareAsyncRespondQueryTaskCompleted, std::move(request), &response);
  if (!status.ok())
    STEAD_LOG(kInfo) << "workflow " << execution.workflow_id()
                     << ": RespondQueryTaskCompleted failed: " << status.error_message();
}

}  // namespace stead::worker
