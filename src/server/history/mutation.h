// Mutation: one atomic change to one run, built under the workflow entry's lock.
//
// It appends history events (assigning ids, or buffering them while a workflow task is
// started), records the tasks and deadlines the change creates (Effects), and turns it all
// into one persistence::WriteBatch. Engine::commit() queues that batch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <deque>
#include <vector>

#include "common/time_util.h"
#include "server/history/new_run.h"
#include "server/history/run.h"
#include "server/persistence/store.h"
#include "temporal/api/history/v1/message.pb.h"

namespace stead::server::history {

class Engine;

class Mutation {
 public:
  Mutation(Engine& engine, std::shared_ptr<WorkflowEntry> entry, Run& run);

  Run& run() { return run_; }
  Engine& engine() { return engine_; }
  // Runs `fn` on the engine's executor after the commit, with no entry lock held.
  void after_commit(std::function<void()> fn) { effects_.followups.push_back(std::move(fn)); }
  v1::MutableState& ms() { return run_.ms; }
  TimePoint now() const { return now_; }
  Effects& effects() { return effects_; }
  persistence::WriteBatch& batch() { return batch_; }

  // Appends an event with the next id and the mutation's time.
  temporal::api::history::v1::HistoryEvent* add_event(temporal::api::enums::v1::EventType type);
  // Appends an event caused by the outside world (activity result, signal, timer fired...):
  // buffered while a workflow task is started, else appended. Returns the event (its id is
  // 0 while buffered). Callers then call schedule_workflow_task() so a task will see it.
  temporal::api::history::v1::HistoryEvent* add_external_event(temporal::api::enums::v1::EventType type);
  // Assigns ids to buffered events and appends them, fixing up started_event_id references.
  // Returns whether there were any.
  bool flush_buffered_events();

  // Schedules a workflow task unless one is scheduled or started.
  void schedule_workflow_task();
  // Before a close the workflow did not ask for (terminate, timeout): a started workflow task
  // fails with FORCE_CLOSE_COMMAND (its completion will get NOT_FOUND) and buffered events
  // are written.
  void end_for_forced_close(const std::string& identity);
  // Closes the run: sets status, close time and close event; drops pending work.
  void close_run(temporal::api::enums::v1::WorkflowExecutionStatus status, int64_t close_event_id);

  void add_timer(TimerKind kind, TimePoint deadline, int64_t event_id, int32_t attempt = 0,
                 int64_t started_event_id = 0, std::string timer_id = {});
  void dispatch_activity(const v1::ActivityInfo& activity);
  // Also writes the visibility row (start, close, search attribute changes).
  void touch_visibility() { visibility_dirty_ = true; }
  void make_current() { make_current_ = true; }

  // A run to start in the same commit once this one has closed (continue-as-new, retry).
  std::optional<Successor>& successor() { return successor_; }
  // Takes over another (finished) mutation of the same workflow id: one commit for both.
  void absorb(Mutation& other);

  // Serializes the run and the new events into the batch. Call once, before committing.
  void finish();

 private:
  Engine& engine_;
  std::shared_ptr<WorkflowEntry> entry_;
  Run& run_;
  Effects effects_;  // before now_: its clock hold is taken before the time is read
  TimePoint now_;
  persistence::WriteBatch batch_;
  std::deque<temporal::api::history::v1::HistoryEvent> new_events_;  // deque: add_event pointers stay valid
  std::optional<Successor> successor_;
  bool visibility_dirty_ = false;
  bool make_current_ = false;
};

// Serialized size of a Payloads message, for blob limits.
template <class T>
int64_t blob_size(const T& message) {
  return static_cast<int64_t>(message.ByteSizeLong());
}

persistence::VisibilityRow visibility_row(const v1::MutableState& ms);

}  // namespace stead::server::history
