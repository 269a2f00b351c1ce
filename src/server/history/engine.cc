#include "server/history/engine.h"

#include <algorithm>

#include "common/log.h"
#include "common/uuid.h"
#include "server/history/mutation.h"
#include "server/history/run.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

Engine::Engine(const Config& config, persistence::Store& store, matching::Matching& matching,
               const timers::Clock& clock, timers::TimerQueue& durable_timers, timers::TimerQueue& real_timers)
    : config_(config),
      store_(store),
      matching_(matching),
      clock_(clock),
      durable_timers_(durable_timers),
      real_timers_(real_timers),
      executor_(static_cast<size_t>(config.executor_threads)) {}

Engine::~Engine() { shutdown(); }

void Engine::shutdown() {
  stopping_ = true;
  executor_.shutdown();
}

// ---------------------------------------------------------------- recovery

Status Engine::recover(const std::vector<std::string>& ensure_namespaces) {
  std::vector<persistence::NamespaceRow> ns_rows;
  STEAD_RETURN_IF_ERROR(store_.load_namespaces(&ns_rows));
  {
    std::lock_guard lock(namespaces_mu_);
    for (const auto& row : ns_rows) {
      v1::NamespaceRecord record;
      if (!record.ParseFromString(row.record)) return Status::Internal("corrupt namespace record " + row.name);
      namespaces_[row.name] = std::move(record);
    }
  }
  for (const auto& name : ensure_namespaces) {
    if (namespace_exists(name)) continue;
    v1::NamespaceRecord record;
    record.set_name(name);
    STEAD_RETURN_IF_ERROR(register_namespace(std::move(record)));
  }

  std::vector<persistence::ExecutionRow> rows;
  STEAD_RETURN_IF_ERROR(store_.load_open_executions(&rows));
  std::vector<Effects> pending;  // applied after the locks are released
  for (auto& row : rows) {
    auto entry = entry_for(row.key.ns, row.key.workflow_id);
    std::lock_guard lock(entry->mu);
    auto run = std::make_unique<Run>();
    if (!run->ms.ParseFromString(row.mutable_state))
      return Status::Internal("corrupt mutable state of " + row.key.workflow_id + "/" + row.key.run_id);
    run->committed_next_event_id = run->ms.next_event_id();
    run->committed_close_event_id = run->ms.info().close_event_id();
    entry->current_run_id = row.key.run_id;  // an open run is always its workflow's newest
    entry->current_loaded = true;
    Run& ref = *run;
    entry->runs[row.key.run_id] = std::move(run);
    rearm_run(ref, pending.emplace_back());
  }
  for (const auto& effects : pending) apply_effects(effects);
  STEAD_LOG(kInfo) << "recovered " << rows.size() << " open workflow runs";
  schedule_sweep();
  return Status::Ok();
}

// Re-creates the tasks and deadlines implied by a run's persisted state.
void Engine::rearm_run(Run& run, Effects& effects) {
  const auto& ms = run.ms;
  const auto& info = ms.info();
  const TimePoint now = clock_.now();
  if (!effects.clock_hold) effects.clock_hold = clock_.hold();
  update_clock_hold(run, now);
  auto timer = [&](TimerKind kind, TimePoint deadline, int64_t event_id, int32_t attempt, int64_t started = 0,
                   std::string timer_id = {}) {
    effects.timers.emplace_back(
        TimerTask{kind, info.namespace_(), info.workflow_id(), info.run_id(), event_id, started, attempt,
                  std::move(timer_id)},
        deadline);
  };
  if (ms.has_workflow_task()) {
    const auto& wt = ms.workflow_task();
    if (wt.started_event_id() == 0) {
      dispatch_workflow_task(run, effects);
    } else {
      timer(TimerKind::kWorkflowTaskStartToClose, add_saturating(from_proto(wt.started_time()), wt.start_to_close_timeout()),
            wt.scheduled_event_id(), wt.attempt(), wt.started_event_id());
    }
  } else if (ms.next_event_id() == 2 && run.open()) {
    // Only WorkflowExecutionStarted exists: the first task waits for the start delay.
    timer(TimerKind::kWorkflowBackoff, from_proto(info.execution_time()), 1, 0);
  }
  for (const auto& [id, activity] : ms.activities()) {
    if (activity.has_started_time()) {
      timer(TimerKind::kActivityStartToClose,
            add_saturating(from_proto(activity.started_time()), activity.start_to_close_timeout()), id,
            activity.attempt());
      if (from_proto(activity.heartbeat_timeout()) > Duration::zero()) {
        TimePoint last = activity.has_last_heartbeat_time() ? from_proto(activity.last_heartbeat_time())
                                                            : from_proto(activity.started_time());
        timer(TimerKind::kActivityHeartbeat, add_saturating(last, activity.heartbeat_timeout()), id, activity.attempt());
      }
    } else if (from_proto(activity.scheduled_time()) > now) {
      timer(TimerKind::kActivityRetry, from_proto(activity.scheduled_time()), id, activity.attempt());
    } else {
      const auto& ns = info.namespace_();
      effects.tasks.emplace_back(matching::QueueKey{ns, activity.task_queue(), matching::TaskKind::kActivity},
                                 matching::TaskRef{ns, info.workflow_id(), info.run_id(), id, activity.attempt(), {}});
      if (from_proto(activity.schedule_to_start_timeout()) > Duration::zero()) {
        timer(TimerKind::kActivityScheduleToStart,
              add_saturating(from_proto(activity.scheduled_time()), activity.schedule_to_start_timeout()), id,
              activity.attempt());
      }
    }
    if (from_proto(activity.schedule_to_close_timeout()) > Duration::zero()) {
      timer(TimerKind::kActivityScheduleToClose,
            add_saturating(from_proto(activity.first_scheduled_time()), activity.schedule_to_close_timeout()), id, 0);
    }
  }
  if (run.open() && from_proto(info.run_timeout()) > Duration::zero()) {
    timer(TimerKind::kWorkflowRunTimeout, add_saturating(from_proto(info.execution_time()), info.run_timeout()), 0, 0);
  }
  // Cross-workflow steps a crash interrupted are redone (they are idempotent).
  persistence::RunKey key{info.namespace_(), info.workflow_id(), info.run_id()};
  for (const auto& [id, child] : ms.children()) {
    if (child.run_id().empty()) {
      effects.followups.push_back([this, key, id = id] { start_child(key, id); });
    } else {  // its close may have been durable before the crash, and this run's record of it not
      effects.followups.push_back([this, key, id = id] { reconcile_child(key, id); });
    }
  }
  // A child whose parent closed: the crash may have cut the close policy's step, or the
  // child's start may have raced with the close.
  if (run.open() && info.has_parent_execution())
    effects.followups.push_back([this, key] { enforce_parent_close(key); });
  for (const auto& [id, request] : ms.external_requests()) {
    effects.followups.push_back([this, key, id = id] { deliver_external(key, id); });
  }
  for (const auto& [timer_id, user_timer] : ms.timers()) {
    timer(TimerKind::kUserTimer, from_proto(user_timer.fire_time()), user_timer.started_event_id(), 0, 0, timer_id);
  }
}

// ---------------------------------------------------------------- entries and runs

namespace {
// Key of entries_: namespace and workflow id, separated by a byte neither may contain.
std::string entry_key(const std::string& ns, const std::string& workflow_id) {
  std::string key = ns;
  key.push_back('\0');
  key += workflow_id;
  return key;
}
}  // namespace

std::shared_ptr<WorkflowEntry> Engine::entry_for(const std::string& ns, const std::string& workflow_id) {
  std::string key = entry_key(ns, workflow_id);
  std::lock_guard lock(entries_mu_);
  auto& slot = entries_[key];
  if (!slot) slot = std::make_shared<WorkflowEntry>();
  return slot;
}

Status Engine::load_current_run_id(WorkflowEntry& entry, const std::string& ns, const std::string& workflow_id) {
  if (entry.current_loaded) return Status::Ok();
  bool found = false;
  std::string run_id;
  STEAD_RETURN_IF_ERROR(store_.current_run(ns, workflow_id, &run_id, &found));
  entry.current_run_id = found ? run_id : "";
  entry.current_loaded = true;
  return Status::Ok();
}

Status Engine::find_run(WorkflowEntry& entry, const std::string& ns, const std::string& workflow_id,
                        const std::string& run_id, Run** out) {
  std::string id = run_id;
  if (id.empty()) {
    STEAD_RETURN_IF_ERROR(load_current_run_id(entry, ns, workflow_id));
    id = entry.current_run_id;
    if (id.empty()) return Status::NotFound("workflow not found for ID: " + workflow_id);
  }
  auto it = entry.runs.find(id);
  if (it != entry.runs.end()) {
    *out = it->second.get();
    return Status::Ok();
  }
  if (deletion_pending({ns, workflow_id, id})) return Status::NotFound("workflow not found for ID: " + workflow_id);
  persistence::ExecutionRow row;
  bool found = false;
  STEAD_RETURN_IF_ERROR(store_.load_execution({ns, workflow_id, id}, &row, &found));
  if (!found) return Status::NotFound("workflow not found for ID: " + workflow_id);
  auto run = std::make_unique<Run>();
  if (!run->ms.ParseFromString(row.mutable_state)) return Status::Internal("corrupt mutable state of " + workflow_id);
  run->committed_next_event_id = run->ms.next_event_id();
  run->committed_close_event_id = run->ms.info().close_event_id();
  *out = run.get();
  entry.runs[id] = std::move(run);
  return Status::Ok();
}

Status Engine::lock_run(const std::string& ns, const std::string& workflow_id, const std::string& run_id,
                        LockedRun* out, const std::string& first_execution_run_id) {
  if (workflow_id.empty()) return Status::InvalidArgument("WorkflowId is not set on request.");
  out->entry = entry_for(ns, workflow_id);
  out->lock = std::unique_lock(out->entry->mu);
  STEAD_RETURN_IF_ERROR(find_run(*out->entry, ns, workflow_id, run_id, &out->run));
  if (!first_execution_run_id.empty() && out->run->ms.info().first_execution_run_id() != first_execution_run_id)
    return Status::NotFound("workflow execution not found for the given first execution run id");
  return Status::Ok();
}

// ---------------------------------------------------------------- commit and effects

void Engine::commit(Mutation& mutation, std::function<void(Status)> then) {
  mutation.finish();
  for (const auto& mark : mutation.effects().runs) ++mark.run->pending_commits;
  const auto& info = mutation.run().ms.info();
  // The state this batch was built on; if it fails, that state is dropped once.
  const uint64_t epoch = mutation.effects().entry->epoch;
  store_.commit(std::move(mutation.batch()),
                [this, effects = std::move(mutation.effects()), then = std::move(then), epoch, ns = info.namespace_(),
                 workflow_id = info.workflow_id()](const Status& status) mutable {
                  // The writer thread only hands off: effects and replies run on the executor.
                  executor_.post([this, status, effects = std::move(effects), then = std::move(then), epoch,
                                  ns = std::move(ns), workflow_id = std::move(workflow_id)]() mutable {
                    if (!status.ok()) {
                      // The store logs the outage (rate-limited); one line per request would flood.
                      effects.tasks.clear();  // nothing of a failed commit may reach workers
                      effects.timers.clear();
                      effects.followups.clear();
                      for (auto& mark : effects.runs) mark.committed_next_event_id = mark.committed_close_event_id = 0;
                    }
                    apply_effects(effects);  // also releases the runs' pending-commit marks
                    // Reloaded before the reply, so a client's retry sees what the database holds.
                    if (!status.ok()) reload_after_failed_write(effects.entry, ns, workflow_id, epoch);
                    if (!then) return;
                    if (status.ok() || status.code() == StatusCode::kUnavailable) return then(status);
                    then(Status::Unavailable("database write failed: " + status.message()));
                  });
                });
}

void Engine::reload_after_failed_write(const std::shared_ptr<WorkflowEntry>& entry, const std::string& ns,
                                       const std::string& workflow_id, uint64_t epoch) {
  if (stopping_) return;  // a closed store fails every commit; nothing is left to serve
  std::vector<std::shared_ptr<HistoryWaiter>> waiters;
  std::vector<std::string> queries;
  {
    std::lock_guard lock(entry->mu);
    if (entry->epoch != epoch) return;  // an earlier failure of the same state already reloaded it
    ++entry->epoch;
    std::map<std::string, std::map<std::string, Run::AdmittedUpdate>> admitted;
    for (auto& [run_id, run] : entry->runs) {
      waiters.insert(waiters.end(), run->waiters.begin(), run->waiters.end());
      run->waiters.clear();
      queries.insert(queries.end(), run->buffered_query_ids.begin(), run->buffered_query_ids.end());
      queries.insert(queries.end(), run->attached_query_ids.begin(), run->attached_query_ids.end());
      run->buffered_query_ids.clear();
      run->attached_query_ids.clear();
      if (!run->admitted_updates.empty()) admitted[run_id] = std::move(run->admitted_updates);
      entry->retired.push_back(std::move(run));
    }
    entry->runs.clear();
    entry->current_loaded = false;
    std::erase_if(entry->retired, [](const auto& run) { return run->pending_commits == 0; });
    // Queued behind every batch built on the dropped state, so those fail unwritten and the
    // batches of the reloaded state are written.
    store_.resume_writes(ns, workflow_id);
    // Admitted updates exist only in memory (as in Temporal); they carry over to the reloaded
    // run and go out with its next workflow task.
    for (auto& [run_id, updates] : admitted) {
      Run* run = nullptr;
      if (!find_run(*entry, ns, workflow_id, run_id, &run).ok() || !run->open()) continue;
      for (auto& [update_id, update] : updates) {
        update.delivered = false;
        run->admitted_updates.emplace(update_id, std::move(update));
      }
    }
  }
  // Long polls and update waiters re-evaluate against the reloaded run.
  for (auto& waiter : waiters) {
    if (!waiter->taken.exchange(true)) executor_.post(std::move(waiter->wake));
  }
  for (const auto& query_id : queries) {
    finish_query(query_id, Status::Unavailable("database write failed; the workflow was reloaded, retry the query"),
                 {});
  }
  rearm_after_reload(entry, ns, workflow_id, epoch + 1);
}

void Engine::rearm_after_reload(std::shared_ptr<WorkflowEntry> entry, std::string ns, std::string workflow_id,
                                uint64_t epoch) {
  // Delayed: while the disk is still full, an immediate re-dispatch would fail again at once
  // (a task polled, its start refused, re-armed, polled...).
  retry_later([this, entry = std::move(entry), ns = std::move(ns), workflow_id = std::move(workflow_id), epoch] {
    Effects effects;
    {
      std::lock_guard lock(entry->mu);
      if (entry->epoch != epoch) return;  // reloaded again since; that reload re-arms
      Run* run = nullptr;
      Status s = find_run(*entry, ns, workflow_id, "", &run);
      if (!s.ok()) {
        if (s.code() != StatusCode::kNotFound) rearm_after_reload(entry, ns, workflow_id, epoch);  // read failed
        return;
      }
      if (!run->open()) return;
      // As at start-up: tasks and deadlines that the dropped state had taken out of matching
      // or the timer queue come back; duplicates are recognised as stale (see TimerTask).
      rearm_run(*run, effects);
    }
    apply_effects(effects);
  });
}

void Engine::retry_later(std::function<void()> fn) {
  // The retry is work in flight: a time-skipping clock must not jump past it.
  real_timers_.schedule(std::chrono::system_clock::now() + kRetryAfterWriteFailure,
                        [this, fn = std::move(fn), hold = clock_.hold()]() mutable {
                          executor_.post([this, fn = std::move(fn), hold = std::move(hold)] {
                            if (!stopping_) fn();
                          });
                        });
}

// REQUIRES: no entry lock held (matching may hand a task to a poll, which calls back in).
void Engine::apply_effects(const Effects& effects) {
  if (effects.entry && !effects.runs.empty()) {
    std::vector<std::shared_ptr<HistoryWaiter>> waiters;
    {
      std::lock_guard lock(effects.entry->mu);
      for (const auto& mark : effects.runs) {
        Run& run = *mark.run;
        --run.pending_commits;
        run.committed_next_event_id = std::max(run.committed_next_event_id, mark.committed_next_event_id);
        if (mark.committed_close_event_id) run.committed_close_event_id = mark.committed_close_event_id;
        waiters.insert(waiters.end(), run.waiters.begin(), run.waiters.end());
        run.waiters.clear();
      }
      std::erase_if(effects.entry->retired, [](const auto& run) { return run->pending_commits == 0; });
    }
    for (auto& waiter : waiters) {
      if (!waiter->taken.exchange(true)) executor_.post(std::move(waiter->wake));
    }
  }
  for (const auto& [key, task] : effects.tasks) matching_.add_task(key, task);
  for (const auto& [task, deadline] : effects.timers) arm_timer(task, deadline);
  for (const auto& followup : effects.followups) followup();
}

void Engine::arm_timer(const TimerTask& task, TimePoint deadline) {
  // Handled on the timer thread itself, so deadlines that expire together are applied in
  // deadline order (an executor pool would race them). Handlers only mutate in memory and
  // queue a commit; replies and dispatch still happen on the executor after the commit.
  timers::TimerQueue::Probe still_needed;
  if (clock_.skips_time()) still_needed = [this, task] { return timer_still_needed(task); };
  durable_timers_.schedule(
      deadline,
      [this, task] {
        if (!stopping_) on_timer(task);
      },
      std::move(still_needed));
}

bool Engine::timer_still_needed(const TimerTask& task) {
  std::shared_ptr<WorkflowEntry> entry;
  {
    std::lock_guard lock(entries_mu_);
    auto it = entries_.find(entry_key(task.ns, task.workflow_id));
    if (it == entries_.end()) return true;
    entry = it->second;
  }
  std::lock_guard lock(entry->mu);
  auto found = entry->runs.find(task.run_id);
  if (found == entry->runs.end()) return true;
  const Run& run = *found->second;
  if (!run.open()) return false;
  const auto& ms = run.ms;
  // The same conditions as the handlers' own staleness checks.
  switch (task.kind) {
    case TimerKind::kWorkflowTaskStartToClose:
      return ms.has_workflow_task() && ms.workflow_task().scheduled_event_id() == task.event_id &&
             ms.workflow_task().started_event_id() == task.started_event_id;
    case TimerKind::kWorkflowTaskStickyScheduleToStart:
      return ms.has_workflow_task() && ms.workflow_task().scheduled_event_id() == task.event_id &&
             ms.workflow_task().started_event_id() == 0;
    case TimerKind::kWorkflowBackoff:
      return !ms.has_workflow_task() && ms.last_completed_wft_started_event_id() == 0;
    case TimerKind::kWorkflowRunTimeout:
      return true;
    case TimerKind::kUserTimer: {
      auto timer = ms.timers().find(task.timer_id);
      return timer != ms.timers().end() && timer->second.started_event_id() == task.event_id;
    }
    case TimerKind::kActivityScheduleToStart:
    case TimerKind::kActivityStartToClose:
    case TimerKind::kActivityScheduleToClose:
    case TimerKind::kActivityHeartbeat:
    case TimerKind::kActivityRetry: {
      auto activity = ms.activities().find(task.event_id);
      if (activity == ms.activities().end()) return false;
      if (task.kind == TimerKind::kActivityScheduleToClose) return true;
      if (activity->second.attempt() != task.attempt) return false;
      const bool started = activity->second.has_started_time();
      return task.kind == TimerKind::kActivityStartToClose || task.kind == TimerKind::kActivityHeartbeat ? started
                                                                                                          : !started;
    }
  }
  return true;
}

void Engine::update_clock_hold(Run& run, TimePoint now) {
  if (!clock_.skips_time()) return;  // the wall clock never jumps: keep the commit path lean
  bool busy = false;
  if (run.open()) {
    busy = run.ms.has_workflow_task();
    for (auto it = run.ms.activities().begin(); !busy && it != run.ms.activities().end(); ++it) {
      const auto& activity = it->second;
      busy = activity.has_started_time() || from_proto(activity.scheduled_time()) <= now;
    }
  }
  if (!busy) {
    // Safe to give back at once: the change that ended the task holds the clock itself until
    // its effects (the next deadlines among them) are applied.
    run.task_hold.reset();
  } else if (!run.task_hold) {
    run.task_hold = clock_.hold();
  }
}

void Engine::on_timer(const TimerTask& task) {
  switch (task.kind) {
    case TimerKind::kWorkflowTaskStartToClose:
    case TimerKind::kWorkflowTaskStickyScheduleToStart:
      handle_workflow_task_timer(task);
      break;
    case TimerKind::kWorkflowBackoff:
      handle_workflow_backoff_timer(task);
      break;
    case TimerKind::kActivityScheduleToStart:
    case TimerKind::kActivityStartToClose:
    case TimerKind::kActivityScheduleToClose:
    case TimerKind::kActivityHeartbeat:
    case TimerKind::kActivityRetry:
      handle_activity_timer(task);
      break;
    case TimerKind::kUserTimer:
      handle_user_timer(task);
      break;
    case TimerKind::kWorkflowRunTimeout:
      handle_run_timeout(task);
      break;
  }
}

// ---------------------------------------------------------------- sticky queues

bool Engine::sticky_released(const std::string& ns, const std::string& queue) {
  std::lock_guard lock(sticky_mu_);
  return released_sticky_queues_.count(ns + '\0' + queue) > 0;
}

void Engine::dispatch_workflow_task(const Run& run, Effects& effects) {
  const auto& ms = run.ms;
  const auto& info = ms.info();
  const auto& wt = ms.workflow_task();
  matching::QueueKey key{info.namespace_(), wt.task_queue().name(), matching::TaskKind::kWorkflow};
  effects.tasks.emplace_back(key, matching::TaskRef{info.namespace_(), info.workflow_id(), info.run_id(),
                                                    wt.scheduled_event_id(), wt.attempt(), {}});
  if (wt.task_queue().kind() == enums::TASK_QUEUE_KIND_STICKY && ms.has_sticky()) {
    Duration timeout = from_proto(ms.sticky().schedule_to_start_timeout());
    if (timeout <= Duration::zero()) timeout = std::chrono::seconds(10);
    effects.timers.emplace_back(TimerTask{TimerKind::kWorkflowTaskStickyScheduleToStart, info.namespace_(),
                                          info.workflow_id(), info.run_id(), wt.scheduled_event_id(), 0,
                                          wt.attempt(), {}},
                                add_saturating(clock_.now(), timeout));
  }
}

void Engine::release_sticky_queue(const std::string& ns, const std::string& sticky_queue) {
  {
    std::lock_guard lock(sticky_mu_);
    released_sticky_queues_[ns + '\0' + sticky_queue] = true;
  }
  auto tasks = matching_.unload_queue({ns, sticky_queue, matching::TaskKind::kWorkflow});
  for (const auto& task : tasks) reschedule_sticky_task(task);
}

// A workflow task waiting on a sticky queue nobody serves goes back to the normal queue.
void Engine::reschedule_sticky_task(const matching::TaskRef& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  auto& ms = run->ms;
  if (!ms.has_workflow_task() || ms.workflow_task().scheduled_event_id() != task.scheduled_event_id ||
      ms.workflow_task().started_event_id() != 0 ||
      ms.workflow_task().task_queue().kind() != enums::TASK_QUEUE_KIND_STICKY) {
    return;
  }
  Mutation mutation(*this, entry, *run);
  ms.clear_sticky();
  auto* wt = ms.mutable_workflow_task();
  wt->mutable_task_queue()->set_name(ms.info().task_queue());
  wt->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  wt->mutable_task_queue()->clear_normal_name();
  dispatch_workflow_task(*run, mutation.effects());
  commit(mutation, nullptr);
}

}  // namespace stead::server::history
