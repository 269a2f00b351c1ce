#include "stead/worker.h"

#include <csignal>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <unistd.h>

#include "client/client_core.h"
#include "worker/activity/activity_worker.h"
#include "worker/local_activity_executor.h"
#include "worker/workflow_worker.h"

namespace stead {

struct Worker::State {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool stopped = false;
};

Worker::Worker(Client client, WorkerOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      workflows_(std::make_shared<worker::WorkflowRegistry>()),
      activities_(std::make_shared<ActivityRegistry>()),
      state_(std::make_unique<State>()) {
  if (options_.task_queue.empty()) throw std::invalid_argument("stead::WorkerOptions: task_queue is required");
  if (options_.max_concurrent_workflow_tasks <= 0 || options_.max_concurrent_activities <= 0 ||
      options_.workflow_task_pollers <= 0 || options_.activity_task_pollers <= 0 || options_.workflow_threads <= 0)
    throw std::invalid_argument("stead::WorkerOptions: slot, poller and thread counts must be positive");
}

Worker::~Worker() { shutdown(); }

void Worker::check_not_started() const {
  std::lock_guard lock(state_->mu);
  if (state_->started) throw std::logic_error("stead::Worker: register workflows and activities before start()");
}

Worker& Worker::register_workflow(detail::ErasedWorkflow definition) {
  check_not_started();
  std::string name = definition.name;
  if (!workflows_->emplace(name, std::make_shared<const detail::ErasedWorkflow>(std::move(definition))).second)
    throw std::invalid_argument("stead::Worker: workflow '" + name + "' registered twice");
  return *this;
}

void Worker::start() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->started) throw std::logic_error("stead::Worker: started twice");
    state_->started = true;
  }
  const auto& core = detail::core_of(client_);
  if (!workflows_->empty()) {
    worker::WorkflowWorkerOptions o;
    o.task_queue = options_.task_queue;
    o.identity = options_.identity;
    o.max_concurrent_tasks = options_.max_concurrent_workflow_tasks;
    o.pollers = options_.workflow_task_pollers;
    o.threads = options_.workflow_threads;
    o.max_cached_workflows = options_.max_cached_workflows;
    o.sticky_schedule_to_start_timeout = options_.sticky_queue_schedule_to_start_timeout;
    o.local_activities = worker::make_local_activity_executor(activities_, client_.data_converter(), options_.task_queue);
    workflow_worker_ = std::make_shared<worker::WorkflowWorker>(core, std::move(o), workflows_);
    workflow_worker_->start();
  }
  if (!activities_->names().empty()) {
    worker::ActivityWorkerOptions o;
    o.task_queue = options_.task_queue;
    o.identity = options_.identity;
    o.max_concurrent_activities = options_.max_concurrent_activities;
    o.pollers = options_.activity_task_pollers;
    o.max_activities_per_second = options_.max_activities_per_second;
    activity_worker_ = std::make_unique<worker::ActivityWorker>(core, std::move(o), activities_);
    activity_worker_->start();
  }
}

void Worker::shutdown() {
  {
    std::unique_lock lock(state_->mu);
    if (!state_->started || state_->stopped) {
      state_->stopped = true;
      state_->cv.notify_all();
      return;
    }
    state_->stopped = true;
  }
  // Activities first get the word (they may be long), then workflow tasks drain meanwhile.
  if (activity_worker_) activity_worker_->initiate_shutdown();
  if (workflow_worker_) workflow_worker_->shutdown();
  if (activity_worker_) activity_worker_->shutdown(options_.graceful_shutdown_timeout);
  std::lock_guard lock(state_->mu);
  state_->cv.notify_all();
}

void Worker::run() {
  start();
  std::unique_lock lock(state_->mu);
  state_->cv.wait(lock, [this] { return state_->stopped; });
}

namespace {

int g_signal_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int signal) {
  unsigned char byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] auto n = ::write(g_signal_pipe[1], &byte, 1);
}

}  // namespace

void Worker::run_until_signal() {
  if (::pipe(g_signal_pipe) != 0) throw std::runtime_error("stead::Worker::run_until_signal: pipe() failed");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction previous_int {}, previous_term {};
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
  start();
  unsigned char byte = 0;
  while (::read(g_signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  shutdown();
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  ::close(g_signal_pipe[0]);
  ::close(g_signal_pipe[1]);
  g_signal_pipe[0] = g_signal_pipe[1] = -1;
}

}  // namespace stead
