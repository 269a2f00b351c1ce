// stead::Worker: runs workflows and activities for one task queue.
//
//   auto client = stead::Client::connect({.address = "localhost:7233"});
//   stead::Worker worker(client, {.task_queue = "order-queue"});
//   worker.register_workflow<OrderWorkflow>();
//   worker.register_activity("process_order", process_order);
//   worker.run_until_signal();  // SIGINT / SIGTERM: graceful shutdown
//
// Register everything before start(). A worker polls its task queue for workflow tasks (and
// its own sticky queue, for runs it keeps cached) and for activity tasks; it answers them on
// its own threads. Workflows are classes (stead/workflow_definition.h) whose code uses
// stead/workflow.h; activities are plain functions or coroutines (stead/activity.h).
//
// Thread safety: register_* and start() from one thread before the worker runs; shutdown()
// from any thread (once; later calls wait for the first).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "stead/activity.h"
#include "stead/client.h"
#include "stead/workflow_definition.h"

namespace stead {

namespace worker {
class WorkflowWorker;
class ActivityWorker;
}  // namespace worker

struct WorkerOptions {
  // REQUIRED: the task queue to serve.
  std::string task_queue{};
  // "": the client's identity.
  std::string identity{};
  int max_concurrent_workflow_tasks = 100;
  int max_concurrent_activities = 100;
  int workflow_task_pollers = 2;  // per queue (normal and sticky)
  int activity_task_pollers = 2;
  int workflow_threads = 2;  // threads running workflow code
  // Workflow runs kept in memory between tasks (LRU); 0 disables sticky execution, so every
  // workflow task replays the run's full history.
  std::size_t max_cached_workflows = 1000;
  std::chrono::nanoseconds sticky_queue_schedule_to_start_timeout = std::chrono::seconds(10);
  // How long shutdown() lets running activities finish before cancelling them.
  std::chrono::nanoseconds graceful_shutdown_timeout{0};
  // Activity tasks started per second by this worker; 0: no limit.
  double max_activities_per_second = 0;
};

class Worker {
 public:
  // Throws std::invalid_argument when options.task_queue is empty.
  Worker(Client client, WorkerOptions options);
  ~Worker();  // shutdown()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Registers workflow class Wf under Wf::name (or `name`). Throws std::invalid_argument for
  // a name registered twice, std::logic_error after start().
  template <class Wf>
    requires NamedWorkflow<Wf>
  Worker& register_workflow() {
    return register_workflow(make_workflow_definition<Wf>(std::string(Wf::name)));
  }
  template <class Wf>
  Worker& register_workflow(std::string name) {
    return register_workflow(make_workflow_definition<Wf>(std::move(name)));
  }
  Worker& register_workflow(detail::ErasedWorkflow definition);

  // Registers an activity (see stead/activity.h for the accepted callables).
  template <class F>
  Worker& register_activity(std::string name, F&& fn) {
    check_not_started();
    activities_->add(std::move(name), std::forward<F>(fn));
    return *this;
  }
  template <class M, class Obj>
  Worker& register_activity(std::string name, M method, Obj object) {
    check_not_started();
    activities_->add(std::move(name), method, std::move(object));
    return *this;
  }

  // Starts polling; returns at once.
  void start();
  // Stops polling, lets workflow tasks in hand finish, gives running activities
  // graceful_shutdown_timeout before cancelling them, and waits for them. Idempotent.
  void shutdown();
  // start(), then blocks until shutdown() is called (from another thread or a handler).
  void run();
  // start(), then blocks until SIGINT or SIGTERM, then shutdown(). Installs handlers for the
  // two signals for the duration of the call.
  void run_until_signal();

  const WorkerOptions& options() const { return options_; }
  const Client& client() const { return client_; }

 private:
  void check_not_started() const;

  Client client_;
  WorkerOptions options_;
  std::shared_ptr<std::map<std::string, std::shared_ptr<const detail::ErasedWorkflow>, std::less<>>> workflows_;
  std::shared_ptr<ActivityRegistry> activities_;
  std::shared_ptr<worker::WorkflowWorker> workflow_worker_;
  std::unique_ptr<worker::ActivityWorker> activity_worker_;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stead
