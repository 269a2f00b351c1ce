// Matching: task queues and the long polls waiting on them.
//
// Matching holds opaque task references and waiting polls; it knows nothing of workflows.
// A task is added only after the event that scheduled it is durable (history's job), and is
// handed to exactly one poll. Polls hold no thread: a poll is a callback plus an expiry timer.
//
// Contract of poll(): `on_result` is called exactly once, never under Matching's lock,
// with a task, or with std::nullopt when the poll expires, is cancelled, or Matching shuts down.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/timers/timer_queue.h"

namespace stead::server::matching {

enum class TaskKind { kWorkflow = 0, kActivity = 1 };

struct QueueKey {
  std::string ns;
  std::string name;
  TaskKind kind = TaskKind::kWorkflow;
  std::string str() const;
};

// Identifies a task inside history; matching only carries it.
struct TaskRef {
  std::string ns;
  std::string workflow_id;
  std::string run_id;
  int64_t scheduled_event_id = 0;
  int32_t attempt = 0;
  std::string query_id;  // legacy query task when non-empty
};

struct PollerInfo {
  std::string identity;
  TimePoint last_access_time;
};

class Matching {
 public:
  using PollCallback = std::function<void(std::optional<TaskRef>)>;
  using PollId = uint64_t;

  // `timers` (real time) expires polls.
  explicit Matching(timers::TimerQueue& timers);
  ~Matching();

  // Hands `task` to the oldest waiting poll of `key`, or queues it.
  void add_task(const QueueKey& key, TaskRef task);

  // Registers a long poll that expires at `expire_at` (real time). Returns an id for cancel_poll.
  PollId poll(const QueueKey& key, TimePoint expire_at, std::string identity, PollCallback on_result);
  // Completes the poll with nullopt if it is still waiting; otherwise does nothing.
  void cancel_poll(PollId id);

  // Completes every poll of `key` with nullopt, makes future polls of it return at once,
  // and returns the tasks that were queued there. Callers must not add tasks to an
  // unloaded queue (check is_unloaded) — such tasks would wait for their timeout.
  std::vector<TaskRef> unload_queue(const QueueKey& key);
  bool is_unloaded(const QueueKey& key) const;

  // Tasks currently queued (not yet handed out) on `key`.
  size_t backlog(const QueueKey& key) const;
  // Whether a poll of `key` is waiting now or ended within `within` (a live worker polls
  // again right after each answer).
  bool has_live_poller(const QueueKey& key, Duration within) const;
  // Pollers seen on `key` in the last few minutes (for DescribeTaskQueue).
  std::vector<PollerInfo> pollers(const QueueKey& key) const;

  // Completes every waiting poll with nullopt; later polls complete at once.
  void shutdown();

 private:
  struct Waiter {
    PollId id;
    PollCallback callback;
    timers::TimerQueue::TimerId expiry;
  };
  struct Queue {
    std::deque<TaskRef> tasks;
    std::list<std::shared_ptr<Waiter>> waiters;
    std::unordered_map<std::string, TimePoint> pollers;  // identity -> last poll time
  };
  struct WaiterLocation {
    std::string queue;
    std::shared_ptr<Waiter> waiter;
  };

  // Removes the waiter `id` if still waiting; returns its callback (empty when already taken).
  PollCallback take_waiter(PollId id);

  timers::TimerQueue& timers_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Queue> queues_;            // guarded by mu_
  std::unordered_map<PollId, WaiterLocation> waiting_;       // guarded by mu_
  std::unordered_set<std::string> unloaded_;                 // guarded by mu_
  PollId next_poll_id_ = 1;                                  // guarded by mu_
  bool shut_down_ = false;                                   // guarded by mu_
};

}  // namespace stead::server::matching
