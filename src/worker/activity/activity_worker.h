// ActivityWorker: polls one task queue for activity tasks and runs them with the registered
// activities — the activity half of stead::Worker, which owns one.
//
//   auto worker = std::make_unique<stead::worker::ActivityWorker>(
//       stead::detail::core_of(client), ActivityWorkerOptions{.task_queue = "orders"}, registry);
//   worker->start();
//   ...
//   worker->shutdown(std::chrono::seconds(10));
//
// Polling: up to `pollers` PollActivityTaskQueue long polls at once, each holding one of
// `max_concurrent_activities` slots, so a poll is only issued when a task could run. An
// empty answer (the server's poll timeout) polls again; a failed poll backs off (0.2 s
// doubling to 10 s). With max_activities_per_second, polls start at most that often.
//
// Running: each task runs on the worker's thread pool (at most max_concurrent_activities
// threads, started on demand): synchronous activities there, coroutine activities start
// there and continue wherever they are resumed. The attempt ends with
// RespondActivityTaskCompleted / Failed / Canceled (stead/activity.h says which); a failed
// respond call is logged, never thrown. Heartbeats are throttled (heartbeat_throttler.h)
// and their answers deliver cancellation (cancel_requested; NOT_FOUND means the attempt is
// gone). The worker also cancels an attempt (reason kTimedOut) when its start-to-close or
// schedule-to-close deadline passes, as the server has then timed it out. A task for an
// unregistered activity type fails with ActivityRegistry::not_found_error (retryable).
//
// Shutdown (shutdown(grace)): stops polling, tells running activities
// (is_worker_shutdown()), waits up to `grace` for them, then cancels the rest with reason
// kWorkerShutdown and waits for them to finish and their outcomes to be reported. Polls in
// flight are not cancelled: ClientCore::call offers no cancellation (yet), so they end with
// the server's poll timeout (under a minute). A task one of them still delivers runs like
// the others while shutdown() waits; after shutdown() returned it is failed at once with
// the retryable "WorkerShutdown" ApplicationError, without running any activity code.
//
// Thread safety: start(), initiate_shutdown(), shutdown() and running() may be called from
// any thread, but not from inside an activity or a client callback (shutdown() blocks).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "stead/activity.h"

namespace stead::detail {
class ClientCore;
}

namespace stead::worker {

struct ActivityWorkerOptions {
  std::string task_queue{};
  // Sent with polls and responses; empty: the client's identity.
  std::string identity{};
  // Attempts running at once (slots); also the thread pool's limit. REQUIRES: > 0.
  int max_concurrent_activities = 100;
  // Concurrent PollActivityTaskQueue calls. REQUIRES: > 0.
  int pollers = 2;
  // Tasks started per second by this worker; 0: no limit.
  double max_activities_per_second = 0;
  // Heartbeat throttling: without a heartbeat timeout, and the cap with one (80% of it).
  std::chrono::nanoseconds default_heartbeat_throttle_interval = std::chrono::seconds(30);
  std::chrono::nanoseconds max_heartbeat_throttle_interval = std::chrono::seconds(60);
};

class ActivityWorker {
 public:
  // Throws std::invalid_argument for an empty task queue, non-positive limits or a null
  // core or registry. No I/O until start().
  ActivityWorker(std::shared_ptr<detail::ClientCore> core, ActivityWorkerOptions options,
                 std::shared_ptr<const ActivityRegistry> activities);
  ~ActivityWorker();  // shutdown(0)
  ActivityWorker(const ActivityWorker&) = delete;
  ActivityWorker& operator=(const ActivityWorker&) = delete;

  // Starts polling. Throws std::logic_error when already started or shut down.
  void start();
  // Stops polling and tells running activities the worker is shutting down; returns at once.
  // Idempotent.
  void initiate_shutdown();
  // See the top of this file. Blocks until every attempt has finished and been reported.
  // Idempotent; later calls return at once.
  void shutdown(std::chrono::nanoseconds grace);

  // Attempts running or being reported.
  std::size_t running() const;
  const ActivityWorkerOptions& options() const;

 private:
  class State;
  std::shared_ptr<State> state_;
  std::mutex shutdown_mu_;  // serializes shutdown()
};

}  // namespace stead::worker
