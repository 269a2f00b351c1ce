// History engine: owns the mutable state and event history of every workflow run.
//
// Every state change follows one path (see DESIGN.md "How one workflow flows"):
//   lock the workflow entry -> mutate the in-memory MutableState through a Mutation, which
//   appends events -> queue the WriteBatch on the store (still under the lock, so one
//   workflow's commits are ordered) -> unlock. After the group commit, the Mutation's
//   effects run on the engine's executor: tasks go to matching, deadlines to the timer
//   queue, history long polls wake, and only then does the caller get its reply.
// So an RPC that changes state answers only after its change is durable, and a task is
// handed to a poller only after the event that scheduled it is durable.
//
// Updates to one workflow id are serialized by its entry's mutex; different workflow ids
// proceed in parallel. Replies are delivered on executor threads, never under a lock.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/executor.h"
#include "common/status.h"
#include "server/history/config.h"
#include "server/history/new_run.h"
#include "server/matching/matching.h"
#include "server/persistence/store.h"
#include "server/timers/clock.h"
#include "server/timers/timer_queue.h"
#include "server/visibility/search_attribute_types.h"
#include "stead/server/v1/mutable_state.pb.h"
#include "stead/server/v1/task_token.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/protocol/v1/message.pb.h"
#include "temporal/api/update/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace stead::server::history {

namespace wsv1 = temporal::api::workflowservice::v1;

template <class T>
using Reply = std::function<void(Status, T)>;

struct Run;
struct WorkflowEntry;
struct LockedRun;
class Mutation;
struct TimerTask;
struct Effects;

class Engine {
 public:
  // `durable_timers` runs on the server Clock (virtual under time skipping);
  // `real_timers` measures wall-clock waits (long-poll expiry).
  Engine(const Config& config, persistence::Store& store, matching::Matching& matching,
         const timers::Clock& clock, timers::TimerQueue& durable_timers, timers::TimerQueue& real_timers);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads namespaces and open runs from the store, creates the namespaces in `ensure`,
  // re-dispatches pending tasks and re-arms every deadline. Call once before serving.
  Status recover(const std::vector<std::string>& ensure_namespaces);
  // Stops handing out work; pending replies are still delivered.
  void shutdown();

  // Deletes closed runs past their namespace's retention and evicts closed runs from memory
  // (retention.cc). Runs every Config::sweep_interval after recover(); callable directly.
  void sweep();

  // ---- Namespaces ----
  Status describe_namespace(const std::string& name, stead::server::v1::NamespaceRecord* out) const;
  std::vector<stead::server::v1::NamespaceRecord> list_namespaces() const;
  Status register_namespace(stead::server::v1::NamespaceRecord record);
  bool namespace_exists(const std::string& name) const;
  // Applies `change` to the namespace's record and persists it (UpdateNamespace, search attributes).
  Status update_namespace(const std::string& name, const std::function<Status(stead::server::v1::NamespaceRecord*)>& change);
  // Custom search attributes registered in `ns`: name -> type.
  std::map<std::string, temporal::api::enums::v1::IndexedValueType> custom_search_attributes(const std::string& ns) const;

  // ---- Workflow lifecycle ----
  void start_workflow(wsv1::StartWorkflowExecutionRequest request, Reply<wsv1::StartWorkflowExecutionResponse> reply);
  void terminate_workflow(wsv1::TerminateWorkflowExecutionRequest request,
                          Reply<wsv1::TerminateWorkflowExecutionResponse> reply);
  void signal_workflow(wsv1::SignalWorkflowExecutionRequest request, Reply<wsv1::SignalWorkflowExecutionResponse> reply);
  void signal_with_start_workflow(wsv1::SignalWithStartWorkflowExecutionRequest request,
                                  Reply<wsv1::SignalWithStartWorkflowExecutionResponse> reply);
  void request_cancel_workflow(wsv1::RequestCancelWorkflowExecutionRequest request,
                               Reply<wsv1::RequestCancelWorkflowExecutionResponse> reply);
  void describe_workflow(const wsv1::DescribeWorkflowExecutionRequest& request,
                         Reply<wsv1::DescribeWorkflowExecutionResponse> reply);
  // Long polls (wait_new_event) wait at most until `wait_until` (wall clock).
  void get_history(wsv1::GetWorkflowExecutionHistoryRequest request, TimePoint wait_until,
                   Reply<wsv1::GetWorkflowExecutionHistoryResponse> reply);

  // ---- Queries (query_workflow.cc) ----
  // Answers when a worker has run the query, or at `deadline` with DEADLINE_EXCEEDED.
  void query_workflow(wsv1::QueryWorkflowRequest request, TimePoint deadline, Reply<wsv1::QueryWorkflowResponse> reply);
  void respond_query_task(wsv1::RespondQueryTaskCompletedRequest request,
                          Reply<wsv1::RespondQueryTaskCompletedResponse> reply);

  // ---- Updates (update_workflow.cc) ----
  // Both wait (without a thread) until the update reaches the requested stage, or answer
  // with its current stage at `wait_until` so the client asks again.
  void update_workflow(wsv1::UpdateWorkflowExecutionRequest request, TimePoint wait_until,
                       Reply<wsv1::UpdateWorkflowExecutionResponse> reply);
  void poll_update(wsv1::PollWorkflowExecutionUpdateRequest request, TimePoint wait_until,
                   Reply<wsv1::PollWorkflowExecutionUpdateResponse> reply);
  // Applies the worker's Acceptance / Rejection / Response for an update. REQUIRES: entry locked.
  Status apply_update_message(Mutation& m, const temporal::api::protocol::v1::Message& message,
                              int64_t completed_event_id);

  // ---- Visibility (list_workflows.cc) ----
  void list_workflows(const wsv1::ListWorkflowExecutionsRequest& request, Reply<wsv1::ListWorkflowExecutionsResponse> reply);
  void count_workflows(const wsv1::CountWorkflowExecutionsRequest& request,
                       Reply<wsv1::CountWorkflowExecutionsResponse> reply);
  visibility::SearchAttributeTypes search_attribute_types(const std::string& ns) const;

  // ---- Workflow tasks ----
  // Records that `task` (handed out by matching) started. NOT_FOUND means the task is stale:
  // poll again. `from_sticky_poll` selects the partial history of a sticky dispatch.
  void record_workflow_task_started(const matching::TaskRef& task, const wsv1::PollWorkflowTaskQueueRequest& poll,
                                    Reply<wsv1::PollWorkflowTaskQueueResponse> reply);
  void complete_workflow_task(wsv1::RespondWorkflowTaskCompletedRequest request,
                              Reply<wsv1::RespondWorkflowTaskCompletedResponse> reply);
  void fail_workflow_task(wsv1::RespondWorkflowTaskFailedRequest request,
                          Reply<wsv1::RespondWorkflowTaskFailedResponse> reply);

  // ---- Activity tasks ----
  void record_activity_task_started(const matching::TaskRef& task, const wsv1::PollActivityTaskQueueRequest& poll,
                                    Reply<wsv1::PollActivityTaskQueueResponse> reply);
  void complete_activity_task(wsv1::RespondActivityTaskCompletedRequest request,
                              Reply<wsv1::RespondActivityTaskCompletedResponse> reply);
  void fail_activity_task(wsv1::RespondActivityTaskFailedRequest request,
                          Reply<wsv1::RespondActivityTaskFailedResponse> reply);
  void cancel_activity_task(wsv1::RespondActivityTaskCanceledRequest request,
                            Reply<wsv1::RespondActivityTaskCanceledResponse> reply);
  void heartbeat_activity_task(wsv1::RecordActivityTaskHeartbeatRequest request,
                               Reply<wsv1::RecordActivityTaskHeartbeatResponse> reply);
  // The task token of the running attempt of activity `activity_id` (the *ById RPCs).
  // NOT_FOUND when the run is closed or the activity is not running.
  Status activity_task_token(const std::string& ns, const std::string& workflow_id, const std::string& run_id,
                             const std::string& activity_id, std::string* token);

  // ---- Workers ----
  // Moves work off a worker's sticky queue (ShutdownWorker).
  void release_sticky_queue(const std::string& ns, const std::string& sticky_queue);

  // ---- Cross-workflow steps (children.cc), run after the initiating commit ----
  void start_child(const persistence::RunKey& parent, int64_t initiated_id);
  void deliver_external(const persistence::RunKey& source, int64_t initiated_id);
  // Records on the source run that its signal/cancel request reached (or missed) the target.
  void record_external_outcome(const persistence::RunKey& source, int64_t initiated_id,
                               const stead::server::v1::ExternalRequest& request, bool delivered);
  // Records the final close of a child's chain on its parent. Idempotent: the parent forgets
  // the child (ChildInfo) in the same commit.
  void notify_parent(const stead::server::v1::ExecutionInfo& child, const temporal::api::history::v1::HistoryEvent& close_event);
  // Terminates or cancels the open run of `child`'s chain (child.run_id = its first run).
  // Idempotent.
  void apply_parent_close_policy(const std::string& ns, const stead::server::v1::ChildInfo& child,
                                 const std::string& parent_id);
  // Recovery of the steps a crash can cut between a child's commit and its parent's:
  // reconcile_child delivers the durable close of a started child its open parent never
  // recorded; enforce_parent_close applies the close policy of a closed parent to a child
  // still open (a start that raced with the close, or a policy step lost in the crash).
  void reconcile_child(const persistence::RunKey& parent, int64_t initiated_id);
  void enforce_parent_close(const persistence::RunKey& child);

  // How long after a failed write the reloaded run's tasks and deadlines come back, and a
  // child start refused by the store is tried again.
  static constexpr Duration kRetryAfterWriteFailure = std::chrono::seconds(1);

  const Config& config() const { return config_; }
  const timers::Clock& clock() const { return clock_; }

 private:
  friend class Mutation;

  std::shared_ptr<WorkflowEntry> entry_for(const std::string& ns, const std::string& workflow_id);
  // Finds run `run_id` (or the current run when empty) of a locked entry, loading it from
  // the store if needed. NOT_FOUND when there is none.
  Status find_run(WorkflowEntry& entry, const std::string& ns, const std::string& workflow_id,
                  const std::string& run_id, Run** out);
  Status load_current_run_id(WorkflowEntry& entry, const std::string& ns, const std::string& workflow_id);
  // entry_for + lock + find_run. With a non-empty `first_execution_run_id`, the run must belong
  // to that chain (NOT_FOUND otherwise).
  Status lock_run(const std::string& ns, const std::string& workflow_id, const std::string& run_id, LockedRun* out,
                  const std::string& first_execution_run_id = "");
  // Decodes an activity task token and locks the run; NOT_FOUND when the attempt it names is
  // not the running one (stale token, timed out, run closed).
  Status lock_activity(const std::string& task_token, LockedRun* out, stead::server::v1::TaskToken* token,
                       stead::server::v1::ActivityInfo** activity);
  // Decodes a workflow task token and locks the run; NOT_FOUND unless that task is the started one.
  Status lock_workflow_task(const std::string& task_token, LockedRun* out, stead::server::v1::TaskToken* token);

  // Queues the mutation's batch and, after the commit, runs its effects and then `then`.
  // REQUIRES: the entry's mutex is held (commit order = mutation order).
  void commit(Mutation& mutation, std::function<void(Status)> then);
  void apply_effects(const Effects& effects);
  // After a failed commit built in `epoch` of `entry`: drops the entry's runs (they hold the
  // unwritten change, and commits queued behind it), wakes their waiters, fails their
  // queries, lets the store write the workflow id again, and re-arms the reloaded current run
  // after kRetryAfterWriteFailure. Once per epoch. REQUIRES: no entry lock held.
  void reload_after_failed_write(const std::shared_ptr<WorkflowEntry>& entry, const std::string& ns,
                                 const std::string& workflow_id, uint64_t epoch);
  void rearm_after_reload(std::shared_ptr<WorkflowEntry> entry, std::string ns, std::string workflow_id,
                          uint64_t epoch);
  // Runs `fn` on the executor after kRetryAfterWriteFailure (wall clock), unless stopping.
  void retry_later(std::function<void()> fn);
  void arm_timer(const TimerTask& task, TimePoint deadline);
  // Takes or gives back the run's ClockHold: held while the run is open and has a workflow
  // task scheduled or started, or an activity attempt dispatched or running (not one waiting
  // out its retry backoff). REQUIRES: entry's mutex held.
  void update_clock_hold(Run& run, TimePoint now);
  void on_timer(const TimerTask& task);
  // False when `task` is known to be stale (its firing would change nothing): the run is
  // closed, or the task, attempt or timer it was armed for is gone. True when unknown (the
  // run is not in memory). The durable timer queue's probe under time skipping.
  bool timer_still_needed(const TimerTask& task);
  void dispatch_workflow_task(const Run& run, Effects& effects);

  // What a start request asks of the workflow id's current run (start_workflow.cc).
  enum class StartDecision { kStart, kUseExisting, kDuplicateRequest };
  struct StartRequestView {
    const std::string& ns;
    const std::string& workflow_id;
    const std::string& request_id;
    const std::string& identity;
    temporal::api::enums::v1::WorkflowIdReusePolicy reuse;
    temporal::api::enums::v1::WorkflowIdConflictPolicy conflict;
    temporal::api::enums::v1::WorkflowIdConflictPolicy default_conflict;
  };
  // Applies the ID reuse and conflict policies; ALREADY_EXISTS when the start must fail.
  // Terminates the current run for TERMINATE_EXISTING. REQUIRES: entry's mutex held.
  Status decide_start(WorkflowEntry& entry, const std::shared_ptr<WorkflowEntry>& entry_ref,
                      const StartRequestView& start, StartDecision* decision, Run** current);
  // Appends WorkflowExecutionSignaled unless request_id was seen (signal_workflow.cc). `sender`:
  // the run whose SignalExternalWorkflowExecution command sent it.
  void add_signal(Mutation& m, const std::string& name, const temporal::api::common::v1::Payloads& input,
                  const std::string& identity, const temporal::api::common::v1::Header& header,
                  const std::string& request_id, bool schedule_task,
                  const temporal::api::common::v1::WorkflowExecution* sender = nullptr);

  // New runs (start_workflow.cc). create_run registers an empty run as the entry's current run;
  // start_run writes its first events. REQUIRES: entry's mutex held.
  std::string create_run(WorkflowEntry& entry, const NewRunParams& params);
  void start_run(Mutation& mutation, const NewRunParams& params);
  // Starts the closing mutation's successor run (if any) inside the same commit.
  void start_successor(WorkflowEntry& entry, Mutation& closing);
  // Appends WorkflowExecutionTerminated and closes the run (terminate_workflow.cc).
  void terminate_run(Mutation& mutation, const std::string& reason, const temporal::api::common::v1::Payloads* details,
                     const std::string& identity);

  // Per-kind handlers, each in its own file.
  void handle_workflow_task_timer(const TimerTask& task);
  void handle_activity_timer(const TimerTask& task);
  void handle_workflow_backoff_timer(const TimerTask& task);
  void handle_user_timer(const TimerTask& task);
  void handle_run_timeout(const TimerTask& task);
  void reschedule_sticky_task(const matching::TaskRef& task);

  void rearm_run(Run& run, Effects& effects);
  void schedule_sweep();
  // Reads events first..last, at most `page` of them, into *history; sets *next_page_token
  // when events remain (read_workflow.cc).
  Status read_history_page(const persistence::RunKey& key, int64_t first, int64_t last, size_t page,
                           temporal::api::history::v1::History* history, std::string* next_page_token);
  // The fields every workflow task response carries: execution, type, normal queue, last
  // completed task (workflow_task.cc).
  static void fill_workflow_task_response(const stead::server::v1::MutableState& ms,
                                          wsv1::PollWorkflowTaskQueueResponse* response);
  std::atomic<bool> stopping_{false};

  struct UpdateResult {
    std::string run_id;
    temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage stage{};
    std::optional<temporal::api::update::v1::Outcome> outcome;
  };
  void wait_for_update(std::shared_ptr<WorkflowEntry> entry, const std::string& ns, const std::string& workflow_id,
                       const std::string& run_id, const std::string& update_id,
                       temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage wanted, TimePoint wait_until,
                       Reply<UpdateResult> reply);
  void attach_updates(Run& run, wsv1::PollWorkflowTaskQueueResponse* response);
  static bool has_undelivered_updates(const Run& run);
  // Copies the ChildInfo `initiated_id` of `parent` if that run is open and has it.
  bool find_child(const persistence::RunKey& parent, int64_t initiated_id, stead::server::v1::ChildInfo* out);
  // Reads one durable event; false when it is not (yet) in the store.
  bool read_event(const persistence::RunKey& key, int64_t event_id, temporal::api::history::v1::HistoryEvent* out);
  // Records a child's start (or its failure) on the parent; when the parent closed meanwhile,
  // applies `intent`'s close policy to the child instead.
  void record_child_started(const persistence::RunKey& parent, const stead::server::v1::ChildInfo& intent,
                            const std::string& child_run_id, const Status& status);

  // Queries: attach buffered ones to a starting workflow task, deliver answers from a
  // completion, and send the rest as standalone query tasks when no workflow task will come.
  // REQUIRES: entry's mutex held.
  void attach_queries(Run& run, wsv1::PollWorkflowTaskQueueResponse* response);
  void answer_queries(Run& run, const google::protobuf::Map<std::string, temporal::api::query::v1::WorkflowQueryResult>& results);
  void dispatch_buffered_queries(Run& run, Effects& effects);
  void record_query_task_started(const matching::TaskRef& task, const wsv1::PollWorkflowTaskQueueRequest& poll,
                                 Reply<wsv1::PollWorkflowTaskQueueResponse> reply);
  void finish_query(const std::string& query_id, Status status, wsv1::QueryWorkflowResponse response);
  struct PendingQuery;
  std::mutex queries_mu_;
  std::unordered_map<std::string, std::shared_ptr<PendingQuery>> queries_;  // guarded by queries_mu_

  const Config config_;
  persistence::Store& store_;
  matching::Matching& matching_;
  const timers::Clock& clock_;
  timers::TimerQueue& durable_timers_;
  timers::TimerQueue& real_timers_;
  Executor executor_;

  std::mutex namespace_update_mu_;
  mutable std::mutex namespaces_mu_;
  std::unordered_map<std::string, stead::server::v1::NamespaceRecord> namespaces_;  // guarded by namespaces_mu_

  std::mutex entries_mu_;
  std::unordered_map<std::string, std::shared_ptr<WorkflowEntry>> entries_;  // guarded by entries_mu_
  // Runs whose deletion (retention) is queued but not yet committed: find_run must not load
  // them from the store again (a timer of the run firing meanwhile would, and the run would
  // outlive its deletion in memory). Keys: namespace, workflow id, run id joined by NULs; a
  // leaf lock.
  std::mutex deleting_mu_;
  std::set<std::string> deleting_runs_;  // guarded by deleting_mu_
  bool deletion_pending(const persistence::RunKey& key);

  std::mutex sticky_mu_;
  std::unordered_map<std::string, bool> released_sticky_queues_;  // guarded by sticky_mu_
  bool sticky_released(const std::string& ns, const std::string& queue);
};

}  // namespace stead::server::history
