// WorkflowWorker: polls a task queue (and this worker's sticky queue) for workflow tasks and
// answers them by running the workflow code in a WorkflowRuntime per run.
//
// Flow of one task: a long poll (PollWorkflowTaskQueue, callback on a client completion
// thread) hands the task to a thread pool; the task thread takes the run's cache entry,
// completes its history (further pages; the full history when the run is not cached or the
// cache is stale), applies it, answers the task's queries, and responds with the commands
// (RespondWorkflowTaskCompleted with sticky attributes), or with RespondWorkflowTaskFailed
// (cause NON_DETERMINISTIC_ERROR or WORKFLOW_WORKER_UNHANDLED_FAILURE; the run is evicted and
// the next attempt replays it from scratch). Legacy query tasks are answered with
// RespondQueryTaskCompleted, from the cached run or a throwaway replay.
//
// Slots: at most max_concurrent_tasks tasks are polled-but-unanswered; a poll is only
// issued for a free slot. No thread waits on a poll.
//
// Thread safety: start() and shutdown() from one controlling thread; everything else runs on
// client completion threads and the pool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "client/client_core.h"
#include "worker/delay_queue.h"
#include "worker/thread_pool.h"
#include "worker/workflow/workflow_runtime.h"
#include "worker/workflow_cache.h"

namespace stead::worker {

struct WorkflowWorkerOptions {
  std::string task_queue{};
  std::string identity{};  // "": the client's
  int max_concurrent_tasks = 100;  // REQUIRES: > 0
  int pollers = 2;                 // per queue (normal and sticky). REQUIRES: > 0
  int threads = 2;                 // threads running workflow code. REQUIRES: > 0
  // Runs kept in memory; 0 disables the sticky queue (every task replays the full history).
  std::size_t max_cached_workflows = 1000;
  std::chrono::nanoseconds sticky_schedule_to_start_timeout = std::chrono::seconds(10);
  // Runs the local activities of this worker's workflows; null: they fail the task.
  LocalActivityExecutor local_activities{};
};

class WorkflowWorker : public std::enable_shared_from_this<WorkflowWorker> {
 public:
  WorkflowWorker(std::shared_ptr<stead::detail::ClientCore> client, WorkflowWorkerOptions options,
                 std::shared_ptr<const WorkflowRegistry> registry);
  ~WorkflowWorker();

  void start();
  // Stops polling (cancelling waiting polls), waits for the tasks in hand, tells the server
  // the sticky queue is gone (ShutdownWorker) and drops the cache. Idempotent.
  void shutdown();

  const std::string& sticky_queue() const { return sticky_queue_; }

 private:
  using PollResponse = stead::detail::wsv1::PollWorkflowTaskQueueResponse;

  void maybe_poll();
  void poll(bool sticky);
  void on_poll(bool sticky, grpc::Status status, PollResponse task);
  void release_slot();
  void process(PollResponse& task);
  void answer_query_task(PollResponse& task);
  // Appends the remaining pages of the task's history (next_page_token).
  void fetch_remaining_pages(PollResponse& task);
  // Appends `execution`'s history pages from `token` on ("": from the first page) to `out`.
  void read_history_pages(const temporal::api::common::v1::WorkflowExecution& execution, std::string token,
                          temporal::api::history::v1::History* out);
  // The run's whole history, from event 1.
  temporal::api::history::v1::History fetch_history(const temporal::api::common::v1::WorkflowExecution& execution);
  void respond_failed(const PollResponse& task, temporal::api::enums::v1::WorkflowTaskFailedCause cause,
                      std::exception_ptr error);

  template <class Req, class Resp>
  grpc::Status call(stead::detail::AsyncMethod<Req, Resp> method, Req request, Resp* response);

  const std::shared_ptr<stead::detail::ClientCore> client_;
  const WorkflowWorkerOptions options_;
  const std::shared_ptr<const WorkflowRegistry> registry_;
  const std::string identity_;
  const std::string sticky_queue_;  // "" when the cache is off
  WorkflowCache cache_;
  ThreadPool pool_;
  DelayQueue retries_;  // polls to repeat after a failed poll

  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;   // guarded by mu_
  bool stopped_ = false;   // guarded by mu_
  int free_slots_;         // guarded by mu_
  int polls_[2] = {0, 0};  // waiting polls: normal, sticky; guarded by mu_
  int in_hand_ = 0;        // tasks received, not yet answered; guarded by mu_
  std::set<std::shared_ptr<stead::detail::CallCanceller>> cancellers_;  // guarded by mu_
};

}  // namespace stead::worker
