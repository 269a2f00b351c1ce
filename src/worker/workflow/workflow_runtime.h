// WorkflowRuntime: one workflow run on a worker — the user's workflow object, the coroutines
// running its code, and the bookkeeping that ties them to the run's event history.
//
// The worker feeds it the history of each workflow task (all of it after a cache miss, only
// the new events when the run is cached). apply() walks the events in order:
//   - WorkflowExecutionStarted creates the workflow object;
//   - events that resolve something (ActivityTaskCompleted, TimerFired, Signaled, ...) resolve
//     the matching Operation or call the handler, which makes coroutines ready;
//   - events that record a command (ActivityTaskScheduled, TimerStarted, ...) must match, in
//     order, the commands the workflow code issued: a mismatch is a NondeterminismError naming
//     the event and the command;
//   - a WorkflowTaskStarted that was completed (or is the task being answered) ends a
//     "workflow task sequence": the runtime runs the workflow code until it blocks
//     (an activation); the commands it issues are what that task completed with.
// Activations before the task being answered are replays (is_replaying() is true; messages
// and patches come from the recorded history); the last one produces the completion.
//
// Determinism: everything here runs on the thread calling apply()/query(), in an order that
// depends only on the history and the workflow code.
//
// Thread safety: not thread-safe; the worker serializes tasks of one run.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "stead/activity_options.h"
#include "stead/converter.h"
#include "stead/workflow.h"
#include "stead/workflow_definition.h"
#include "stead/workflow_info.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/protocol/v1/message.pb.h"
#include "temporal/api/update/v1/message.pb.h"
#include "worker/workflow/operation.h"
#include "worker/workflow/scheduler.h"

namespace stead::worker {

using Command = temporal::api::command::v1::Command;
using HistoryEvent = temporal::api::history::v1::HistoryEvent;
using ProtocolMessage = temporal::api::protocol::v1::Message;

// Workflow types by name.
using WorkflowRegistry = std::map<std::string, std::shared_ptr<const stead::detail::ErasedWorkflow>, std::less<>>;

// What one workflow task completes with.
struct Completion {
  std::vector<Command> commands;
  std::vector<ProtocolMessage> messages;
};

// A local activity for the worker to run (LocalActivityExecutor), and what came of it.
struct LocalActivityRequest {
  std::string activity_type;
  std::string activity_id;
  std::vector<Payload> input;  // encoded (codecs applied), as an activity task carries it
  LocalActivityOptions options;
  const WorkflowInfo* workflow;  // valid for the call
  std::chrono::system_clock::time_point scheduled_time;
};
struct LocalActivityOutcome {
  std::optional<Payload> result;  // encoded; set on success
  std::optional<temporal::api::failure::v1::Failure> failure;  // encoded; set on failure
  int32_t attempt = 1;             // the last attempt made
  int retry_state = 0;             // temporal.api.enums.v1.RetryState of a failure
};
// Runs a local activity to its end (retries included). Must not throw.
using LocalActivityExecutor = std::function<LocalActivityOutcome(const LocalActivityRequest&)>;

// The workflow code threw something that is not a workflow failure (a bug, e.g.
// std::out_of_range): the task fails and is retried, the run stays open (as in the Python
// and TypeScript SDKs). Also thrown for unusable arguments to workflow API calls.
class WorkflowTaskError : public std::runtime_error {
 public:
  explicit WorkflowTaskError(const std::string& message, std::exception_ptr cause = nullptr)
      : std::runtime_error(message), cause_(std::move(cause)) {}
  std::exception_ptr cause() const { return cause_; }

 private:
  std::exception_ptr cause_;
};

class WorkflowRuntime {
 public:
  // `workflow_id` and `run_id` name the run (the history does not repeat them).
  WorkflowRuntime(std::shared_ptr<const WorkflowRegistry> registry, DataConverter converter, std::string namespace_,
                  std::string workflow_id, std::string run_id);
  ~WorkflowRuntime();
  WorkflowRuntime(const WorkflowRuntime&) = delete;
  WorkflowRuntime& operator=(const WorkflowRuntime&) = delete;

  // How local activities run (the worker sets it; a replay needs none).
  void set_local_activity_executor(LocalActivityExecutor executor) { local_executor_ = std::move(executor); }

  // Applies `events` (those at or below last_event_id() are skipped; the rest must follow on
  // without a gap) and runs an activation at each completed workflow task. `answering` is the
  // WorkflowTaskStarted event id of the task being answered (0: none, e.g. a query replay);
  // `messages` are that task's protocol messages (update requests).
  // Throws NondeterminismError, WorkflowTaskError, or std::runtime_error for a malformed
  // history. After a throw the runtime must be discarded.
  void apply(const std::vector<const HistoryEvent*>& events, int64_t answering,
             const std::vector<const ProtocolMessage*>& messages);

  // The commands and messages of the last activation (the task being answered).
  Completion take_completion();

  // For a replay of a whole history (apply() with answering = 0): throws NondeterminismError
  // when the code issued commands after the last recorded ones.
  void check_replayed_completely() const;

  // Runs query handler `name`. Throws std::out_of_range naming the known queries when there
  // is none, or what the handler throws.
  Payload query(std::string_view name, const std::vector<Payload>& args);

  int64_t last_event_id() const { return last_event_id_; }
  // A completing command (complete, fail, cancel, continue-as-new) has been issued.
  bool finished() const { return terminal_.has_value(); }
  const WorkflowInfo& info() const { return info_; }
  const DataConverter& converter() const { return converter_; }

  // ---- For the workflow API (stead/workflow.h), on the workflow thread.
  // The runtime of the workflow code running on this thread; std::logic_error if none.
  static WorkflowRuntime& current();
  DeterministicScheduler& scheduler() { return scheduler_; }
  std::shared_ptr<workflow::detail::ScopeState> current_scope() const { return current_scope_; }
  std::shared_ptr<workflow::detail::ScopeState> set_current_scope(std::shared_ptr<workflow::detail::ScopeState> s);
  std::shared_ptr<workflow::detail::ScopeState> root_scope() const { return root_scope_; }
  bool replaying() const { return replaying_; }
  bool cancel_requested() const { return cancel_requested_; }
  std::chrono::system_clock::time_point now() const { return now_; }
  std::mt19937_64& random() { return random_; }

  workflow::detail::OperationPtr start_activity(std::string_view type, const ActivityOptions& options,
                                                std::vector<Payload> args);
  workflow::detail::OperationPtr start_local_activity(std::string_view type, const LocalActivityOptions& options,
                                                      std::vector<Payload> args);
  workflow::detail::OperationPtr start_timer(std::chrono::nanoseconds duration);
  workflow::detail::ChildOperations start_child(std::string_view type, const ChildWorkflowOptions& options,
                                                std::vector<Payload> args);
  workflow::detail::OperationPtr signal_external(std::string workflow_id, std::string run_id, std::string signal,
                                                 std::vector<Payload> args, bool child_only);
  workflow::detail::OperationPtr cancel_external(std::string workflow_id, std::string run_id);
  bool patched(std::string_view patch_id, bool deprecated);
  void upsert_search_attributes(const SearchAttributes& attributes);

 private:
  struct PendingCommand {
    Command command;
    uint64_t activation;                      // the activation that issued it
    workflow::detail::OperationPtr op;        // resolved by later events; may be null
    std::function<void(const HistoryEvent&)> on_recorded;  // the command's event was matched
  };
  struct ActivityState;
  struct ChildState;
  struct LocalActivityState;
  using ExternalCallback = std::function<void(const HistoryEvent&)>;

  // Event dispatch.
  // Applies one event other than WorkflowTaskStarted (which apply() handles).
  void handle(const HistoryEvent& event);
  void start(const HistoryEvent& event);
  // Looks ahead from `from` to the end of the coming workflow task sequence: whether it is a
  // replay, its time, and (for a replay) the patches and accepted updates it recorded.
  void prepare_sequence(const std::vector<const HistoryEvent*>& events, size_t from, int64_t answering);
  void activate(const std::vector<const ProtocolMessage*>& messages);
  void match_command(const HistoryEvent& event);
  void resolve_activity(const HistoryEvent& event);
  void resolve_child(const HistoryEvent& event);
  void resolve_external(const HistoryEvent& event);
  void signal(const HistoryEvent& event);
  void request_cancel();
  // Runs (or, in a replay, reads from the history) the local activities the last pass asked
  // for, in request order; false when there were none.
  bool resolve_local_activities();
  void cancel_activity(ActivityState& activity);
  void cancel_child(const std::shared_ptr<ChildState>& child);
  void request_child_cancel(const std::shared_ptr<ChildState>& child);
  std::exception_ptr activity_error(const ActivityState& activity, int64_t started_event_id, const std::string& identity,
                                    int retry_state, temporal::api::failure::v1::Failure cause) const;
  std::exception_ptr child_error(const ChildState& child, int64_t started_event_id, int retry_state,
                                 temporal::api::failure::v1::Failure cause) const;

  // Commands.
  PendingCommand& issue(Command command, workflow::detail::OperationPtr op = nullptr);
  // Removes a command issued in the current activation (not yet sent); false when it was sent.
  bool withdraw(const workflow::detail::Operation* op);
  void check_can_issue() const;
  void set_terminal(Command command);
  workflow::detail::OperationPtr new_operation();

  // Workflow code.
  Task<void> drive_main(std::vector<Payload> args);
  Task<void> drive_signal(std::string name, Task<void> handler);
  Task<void> drive_update(std::string update_id, temporal::api::update::v1::Request request, Task<std::optional<Payload>> run);
  void finish_main(std::optional<Payload> result, std::exception_ptr error);
  // A workflow failure (stead::FailureError) ends the run; anything else fails the task.
  void fail_run_or_task(std::exception_ptr error, const char* where);
  void deliver_update(const temporal::api::update::v1::Request& request, bool validate, const std::string& message_id,
                      int64_t sequencing_event_id);
  void add_update_message(const std::string& update_id, const std::string& suffix, const google::protobuf::Message& body);

  std::vector<Payload> decode(const temporal::api::common::v1::Payloads& payloads) const;
  temporal::api::common::v1::Payloads encode(std::vector<Payload> payloads) const;
  std::exception_ptr error_from(const temporal::api::failure::v1::Failure& failure) const;

  const std::shared_ptr<const WorkflowRegistry> registry_;
  const DataConverter converter_;
  const std::string namespace_;

  // Declared before the scheduler so that the coroutine frames (destroyed with the
  // scheduler) go before the object their member coroutines point into.
  std::shared_ptr<const stead::detail::ErasedWorkflow> definition_;
  std::shared_ptr<void> object_;
  std::exception_ptr create_error_;  // the object's constructor threw
  DeterministicScheduler scheduler_;
  std::vector<Payload> input_;
  WorkflowInfo info_;
  std::shared_ptr<workflow::detail::ScopeState> root_scope_;
  std::shared_ptr<workflow::detail::ScopeState> current_scope_;

  int64_t last_event_id_ = 0;
  uint64_t collecting_ = 1;  // the activation whose commands are being issued
  uint64_t completed_ = 0;   // the last activation that ran
  bool main_started_ = false;
  bool replaying_ = false;
  bool in_query_ = false;
  bool cancel_requested_ = false;
  std::chrono::system_clock::time_point now_{};
  std::mt19937_64 random_;
  std::exception_ptr task_error_;  // set by workflow code; fails the task after the activation

  std::deque<PendingCommand> commands_;  // issued, not yet matched with their events
  std::optional<Command> terminal_;
  bool terminal_issued_ = false;
  std::vector<ProtocolMessage> messages_;  // of the current activation
  uint64_t next_seq_ = 1;                   // activity, timer and child ids

  std::map<int64_t, std::shared_ptr<ActivityState>> activities_;  // by scheduled event id
  std::map<std::string, workflow::detail::OperationPtr> timers_;   // by timer id, started
  std::map<int64_t, std::shared_ptr<ChildState>> children_;        // by initiated event id
  std::map<int64_t, ExternalCallback> externals_;                  // by initiated event id
  std::map<std::string, bool, std::less<>> patches_;               // answered patched() calls
  std::set<std::string, std::less<>> patches_in_history_;          // markers of the coming sequence
  std::vector<const HistoryEvent*> accepted_updates_;              // UpdateAccepted of the coming sequence
  std::map<std::string, const HistoryEvent*> local_markers_;        // local activity markers of the coming sequence, by activity id
  std::deque<std::shared_ptr<LocalActivityState>> local_requests_;  // asked for, not yet run
  LocalActivityExecutor local_executor_;
  std::set<std::string> updates_seen_;
};

}  // namespace stead::worker
