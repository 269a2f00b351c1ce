// In-memory structures of the history engine (private to src/server/history).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/time_util.h"
#include "server/matching/matching.h"
#include "server/timers/clock.h"
#include "stead/server/v1/mutable_state.pb.h"
#include "temporal/api/update/v1/message.pb.h"

namespace stead::server::history {

namespace v1 = stead::server::v1;

// A GetWorkflowExecutionHistory long poll parked on a run until it has something new.
struct HistoryWaiter {
  std::atomic<bool> taken{false};
  std::function<void()> wake;  // re-evaluates the request; called at most once
};

struct Run {
  v1::MutableState ms;
  // Queries waiting for the next workflow task, and those attached to the started one.
  // In memory only: a query lives no longer than its caller's RPC.
  std::vector<std::string> buffered_query_ids;
  std::vector<std::string> attached_query_ids;
  // Updates admitted but not yet accepted or rejected by the workflow, by update id. In memory
  // only, as in Temporal: a lost admission is retried by the client.
  struct AdmittedUpdate {
    temporal::api::update::v1::Request request;
    bool delivered = false;  // attached to the started workflow task
  };
  std::map<std::string, AdmittedUpdate> admitted_updates;
  // What the store holds (ms may run ahead of it while a commit is in flight).
  int64_t committed_next_event_id = 1;
  int64_t committed_close_event_id = 0;
  std::vector<std::shared_ptr<HistoryWaiter>> waiters;
  // Commits queued for this run whose effects have not run yet (they point at this Run).
  int pending_commits = 0;
  // Held while a workflow or activity task of this run is outstanding, so a time-skipping
  // clock waits for the worker (Engine::update_clock_hold).
  timers::ClockHold task_hold;

  bool open() const { return ms.info().close_event_id() == 0; }
};

// All runs of one workflow id. Its mutex serializes every change to them.
struct WorkflowEntry {
  std::mutex mu;
  bool current_loaded = false;     // current_run_id reflects the store
  std::string current_run_id;      // newest run, empty when the id was never used
  std::map<std::string, std::unique_ptr<Run>> runs;
  // Bumped when a failed write makes the engine drop `runs` and reload them from the store
  // (Engine::reload_after_failed_write); a commit remembers the epoch it was built in, so
  // the failures of one discarded state cause one reload.
  uint64_t epoch = 0;
  // Dropped runs that queued commits still point at (Effects::RunMark); freed when their
  // pending_commits reach 0. Unreachable by lookups.
  std::vector<std::unique_ptr<Run>> retired;
};

// A run found and locked for one operation; the entry's mutex is held while this lives.
struct LockedRun {
  std::shared_ptr<WorkflowEntry> entry;
  std::unique_lock<std::mutex> lock;
  Run* run = nullptr;
};

enum class TimerKind {
  kWorkflowTaskStartToClose,
  kWorkflowTaskStickyScheduleToStart,
  kWorkflowBackoff,  // first workflow task after a start delay
  kWorkflowRunTimeout,
  kActivityScheduleToStart,
  kActivityStartToClose,
  kActivityScheduleToClose,
  kActivityHeartbeat,
  kActivityRetry,  // backoff elapsed: dispatch the next attempt
  kUserTimer,
};

// A deadline owned by one run. Stale firings are recognised by comparing the ids and
// attempt with the run's current state, so timers never need cancelling for correctness.
struct TimerTask {
  TimerKind kind;
  std::string ns;
  std::string workflow_id;
  std::string run_id;
  int64_t event_id = 0;  // scheduled event id of the task/activity, or timer's started event id
  int64_t started_event_id = 0;
  int32_t attempt = 0;
  std::string timer_id;
};

// What a committed mutation causes outside the run.
struct Effects {
  std::vector<std::pair<matching::QueueKey, matching::TaskRef>> tasks;
  std::vector<std::pair<TimerTask, TimePoint>> timers;
  // The mutated runs (a closing run and its successor share one commit); after the commit
  // their committed_* marks advance and their history waiters wake.
  struct RunMark {
    Run* run = nullptr;
    int64_t committed_next_event_id = 0;
    int64_t committed_close_event_id = 0;
  };
  std::shared_ptr<WorkflowEntry> entry;
  std::vector<RunMark> runs;
  // Work on other workflows (start a child, signal, cancel, tell a parent), run after the
  // commit without any entry lock held.
  std::vector<std::function<void()>> followups;
  // Keeps a time-skipping clock still from the change's start until its effects (tasks,
  // deadlines, follow-ups) are applied: the Effects object lives that long.
  timers::ClockHold clock_hold;
};

}  // namespace stead::server::history
