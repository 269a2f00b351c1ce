// stead::workflow: what workflow code may call. A workflow is a class whose `run` coroutine
// (and signal, query and update handlers, see stead/workflow_definition.h) use only these
// functions for anything that touches time, randomness or the outside world:
//
//   stead::Task<std::string> OrderWorkflow::run(std::string order_id) {
//     auto charge = stead::workflow::execute_activity<Receipt>(
//         "charge", {.start_to_close_timeout = 5min}, order_id);
//     Receipt receipt = co_await charge;
//     co_await stead::workflow::sleep(std::chrono::hours(24));
//     auto approved = [this] { return approved_; };
//     if (!co_await stead::workflow::wait_condition(approved, std::chrono::hours(1))) co_return "expired";
//     co_return receipt.id;
//   }
//
// Determinism: a workflow is replayed from its event history whenever a worker needs its state
// again, and must then make the same calls in the same order. So workflow code must not read
// the clock, use std::random_device, threads, sockets or files, or await anything but what
// this header returns (and stead::Task coroutines built from them). now(), random() and
// uuid4() are the replay-safe replacements. A replay that produces different commands fails
// the workflow task with a non-determinism error (the worker keeps running).
//
// Every function here REQUIRES being called from workflow code (on a worker's workflow
// thread, while the workflow is being activated); elsewhere it throws std::logic_error.
//
// Cancellation: operations belong to the CancellationScope that was current when they were
// started (the workflow's root scope unless the code entered another). When the workflow is
// cancelled (WorkflowHandle::cancel), its root scope is cancelled: pending timers and
// conditions fail with stead::CanceledError, activities and child workflows as their
// cancellation_type says (ActivityError / ChildWorkflowError whose cause is CanceledError).
// Code may catch that to clean up, in a shielded scope if the cleanup must await. If
// CanceledError escapes `run` after a cancellation request, the workflow ends as Canceled.
//
// g++ 12 (docs/architecture.md, "Workflow code and g++ 12") destroys some temporaries of a
// `co_await` full-expression twice: options written inline with designated initializers, an
// aggregate argument, a lambda whose captures have destructors. There those forms are compile
// errors that say how to write them (stead/workflow_gcc12_guard.h): name the options, or the
// handle as above. Never co_await in both arms of `?:` (g++ 12 reads freed memory; no guard
// can see it). clang and g++ 13 accept every form.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "stead/activity_options.h"
#include "stead/child_workflow_options.h"
#include "stead/payload.h"
#include "stead/payload_converter.h"
#include "stead/search_attributes.h"
#include "stead/task.h"
#include "stead/workflow_gcc12_guard.h"
#include "stead/workflow_info.h"

namespace stead {

// Options of continue_as_new_with; empty fields: the same as the current run.
struct ContinueAsNewOptions {
  std::string workflow_type{};
  std::string task_queue{};
  std::chrono::nanoseconds run_timeout{0};
  std::chrono::nanoseconds task_timeout{0};
  std::optional<RetryPolicy> retry_policy{};
  std::map<std::string, Payload> memo{};
  SearchAttributes search_attributes{};
};

// Thrown by workflow::continue_as_new; the worker turns it into the ContinueAsNew command.
// Deliberately not a std::exception, so `catch (const std::exception&)` does not swallow it.
struct ContinueAsNewRequest {
  ContinueAsNewOptions options;
  std::vector<Payload> args;  // converted, not yet encoded by codecs
};

namespace workflow::detail {

// An operation the workflow started (a timer, an activity, a child workflow, ...), resolved
// later by the history. Defined in src/worker/workflow/operation.h.
class Operation;
using OperationPtr = std::shared_ptr<Operation>;

bool operation_ready(const Operation& op) noexcept;
void operation_suspend(Operation& op, std::coroutine_handle<> waiter);
// The result payload (nullopt when there is none, e.g. a timer) or the error, rethrown.
std::optional<Payload> operation_take(Operation& op);
void operation_cancel(Operation& op);

OperationPtr start_activity(std::string_view activity_type, const ActivityOptions& options, std::vector<Payload> args);
OperationPtr start_local_activity(std::string_view activity_type, const LocalActivityOptions& options,
                                  std::vector<Payload> args);
OperationPtr start_timer(std::chrono::nanoseconds duration);
// The child's `started` operation resolves with its run id (a string payload) once the
// server has started it; `result` with its result.
struct ChildOperations {
  std::string workflow_id;
  OperationPtr started;
  OperationPtr result;
};
ChildOperations start_child_workflow(std::string_view workflow_type, const ChildWorkflowOptions& options,
                                     std::vector<Payload> args);
OperationPtr signal_external_workflow(std::string workflow_id, std::string run_id, std::string signal_name,
                                      std::vector<Payload> args, bool child_workflow_only);
OperationPtr cancel_external_workflow(std::string workflow_id, std::string run_id);
Task<void> wait_condition(std::function<bool()> predicate);
Task<bool> wait_condition(std::function<bool()> predicate, std::chrono::nanoseconds timeout);

// Cancellation scopes (ScopeState is defined in src/worker/workflow/operation.h).
class ScopeState;
std::shared_ptr<ScopeState> new_scope(bool shielded);
std::shared_ptr<ScopeState> current_scope();
// Makes `scope` current; returns the scope that was.
std::shared_ptr<ScopeState> enter_scope(std::shared_ptr<ScopeState> scope);
void cancel_scope(ScopeState& scope);
bool scope_cancelled(const ScopeState& scope);

}  // namespace workflow::detail

namespace workflow {

// Awaits an operation and converts its result to T (void: ignores it).
template <class T>
class [[nodiscard]] OperationAwaiter {
 public:
  explicit OperationAwaiter(detail::OperationPtr op) : op_(std::move(op)) {}
  bool await_ready() const noexcept { return detail::operation_ready(*op_); }
  void await_suspend(std::coroutine_handle<> waiter) { detail::operation_suspend(*op_, waiter); }
  T await_resume() {
    std::optional<Payload> payload = detail::operation_take(*op_);
    if constexpr (!std::is_void_v<T>) return stead::from_payload<T>(payload ? *payload : stead::to_payload());
  }

 private:
  detail::OperationPtr op_;
};

// A started activity: co_await it (once) for its result; cancel() to cancel it.
template <class R>
class [[nodiscard]] ActivityHandle {
 public:
  explicit ActivityHandle(detail::OperationPtr op) : op_(std::move(op)) {}
  OperationAwaiter<R> operator co_await() const { return OperationAwaiter<R>(op_); }
  // Cancels the activity as its options' cancellation_type says. No effect once resolved.
  void cancel() const { detail::operation_cancel(*op_); }

 private:
  detail::OperationPtr op_;
};

namespace detail {
// The bodies of the public overloads below; `options_temporary` says which overload the
// caller's options chose (see stead/workflow_gcc12_guard.h).
template <class R, bool options_temporary, class... Args>
auto start_activity_guarded(std::string_view activity_type, const ActivityOptions& options, Args&&... args) {
  return guard_temporaries<options_temporary || any_miscompiled_temporary_v<Args...>>(
      ActivityHandle<R>(start_activity(activity_type, options, stead::to_payloads(args...))));
}
template <class R, bool options_temporary, class... Args>
auto start_local_activity_guarded(std::string_view activity_type, const LocalActivityOptions& options,
                                  Args&&... args) {
  return guard_temporaries<options_temporary || any_miscompiled_temporary_v<Args...>>(
      ActivityHandle<R>(start_local_activity(activity_type, options, stead::to_payloads(args...))));
}
}  // namespace detail

// Schedules activity `activity_type` with `args`; co_await the handle (an ActivityHandle<R>)
// for its R result. Throws std::invalid_argument (a workflow task failure, i.e. a bug to fix)
// when neither start_to_close_timeout nor schedule_to_close_timeout is set. The awaited result
// throws ActivityError (cause: ApplicationError, TimeoutError, CanceledError, ...) when the
// activity failed for good. Two overloads each: options built in the call are seen by the g++ 12
// guard.
template <class R = void, class... Args>
auto start_activity(std::string_view activity_type, const ActivityOptions& options, Args&&... args) {
  return detail::start_activity_guarded<R, false>(activity_type, options, std::forward<Args>(args)...);
}
template <class R = void, class... Args>
auto start_activity(std::string_view activity_type, ActivityOptions&& options, Args&&... args) {
  return detail::start_activity_guarded<R, true>(activity_type, options, std::forward<Args>(args)...);
}
template <class R = void, class... Args>
auto execute_activity(std::string_view activity_type, const ActivityOptions& options, Args&&... args) {
  return detail::start_activity_guarded<R, false>(activity_type, options, std::forward<Args>(args)...);
}
template <class R = void, class... Args>
auto execute_activity(std::string_view activity_type, ActivityOptions&& options, Args&&... args) {
  return detail::start_activity_guarded<R, true>(activity_type, options, std::forward<Args>(args)...);
}

// Runs activity `activity_type` (registered on this worker) as a local activity; see
// LocalActivityOptions. The awaited result throws ActivityError like execute_activity.
template <class R = void, class... Args>
auto execute_local_activity(std::string_view activity_type, const LocalActivityOptions& options, Args&&... args) {
  return detail::start_local_activity_guarded<R, false>(activity_type, options, std::forward<Args>(args)...);
}
template <class R = void, class... Args>
auto execute_local_activity(std::string_view activity_type, LocalActivityOptions&& options, Args&&... args) {
  return detail::start_local_activity_guarded<R, true>(activity_type, options, std::forward<Args>(args)...);
}

// A durable timer: completes after `duration` of workflow time (survives worker restarts).
// A zero or negative duration completes at once without a timer.
inline OperationAwaiter<void> sleep(std::chrono::nanoseconds duration) {
  return OperationAwaiter<void>(detail::start_timer(duration));
}

// Waits until predicate() is true (re-evaluated whenever workflow state may have changed).
// Throws CanceledError when the scope is cancelled first.
inline Task<void> wait_condition(std::function<bool()> predicate) {
  return detail::wait_condition(std::move(predicate));
}
// The same with a timeout: true when the predicate became true, false on timeout.
inline Task<bool> wait_condition(std::function<bool()> predicate, std::chrono::nanoseconds timeout) {
  return detail::wait_condition(std::move(predicate), timeout);
}
// Any other callable (a lambda): as above, seen by the g++ 12 guard.
template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, std::function<bool()>> && std::is_invocable_r_v<bool, F&>)
auto wait_condition(F&& predicate) {
  return detail::guard_temporaries<detail::is_miscompiled_callable_v<F>>(
      detail::wait_condition(std::function<bool()>(std::forward<F>(predicate))));
}
template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, std::function<bool()>> && std::is_invocable_r_v<bool, F&>)
auto wait_condition(F&& predicate, std::chrono::nanoseconds timeout) {
  return detail::guard_temporaries<detail::is_miscompiled_callable_v<F>>(
      detail::wait_condition(std::function<bool()>(std::forward<F>(predicate)), timeout));
}

// A started child workflow.
template <class R>
class ChildWorkflowHandle {
 public:
  ChildWorkflowHandle(std::string id, std::string run_id, detail::OperationPtr result)
      : id_(std::move(id)), run_id_(std::move(run_id)), result_(std::move(result)) {}
  const std::string& id() const { return id_; }
  const std::string& first_execution_run_id() const { return run_id_; }
  // co_await handle.result() once: the child's result, or ChildWorkflowError.
  OperationAwaiter<R> result() const { return OperationAwaiter<R>(result_); }
  // Cancels the child as its options' cancellation_type says.
  void cancel() const { detail::operation_cancel(*result_); }
  // Signals the child.
  template <class... Args>
  auto signal(std::string signal_name, Args&&... args) const {
    return detail::guard_temporaries<detail::any_miscompiled_temporary_v<Args...>>(OperationAwaiter<void>(
        detail::signal_external_workflow(id_, "", std::move(signal_name), stead::to_payloads(args...), true)));
  }

 private:
  std::string id_, run_id_;
  detail::OperationPtr result_;
};

namespace detail {
// Coroutines that own copies of everything they use; started when first awaited.
template <class R>
Task<ChildWorkflowHandle<R>> start_child_workflow_task(std::string workflow_type, ChildWorkflowOptions options,
                                                       std::vector<Payload> args) {
  ChildOperations ops = start_child_workflow(workflow_type, options, std::move(args));
  OperationAwaiter<std::string> started(ops.started);
  std::string run_id = co_await started;
  co_return ChildWorkflowHandle<R>(std::move(ops.workflow_id), std::move(run_id), std::move(ops.result));
}
template <class R>
Task<R> execute_child_workflow_task(std::string workflow_type, ChildWorkflowOptions options,
                                    std::vector<Payload> args) {
  ChildOperations ops = start_child_workflow(workflow_type, options, std::move(args));
  OperationAwaiter<R> result(ops.result);
  co_return co_await result;
}
}  // namespace detail

// Starts a child workflow and waits until the server has started it (a Task of
// ChildWorkflowHandle<R>). Throws ChildWorkflowError whose cause says why it could not start
// (e.g. the id is in use). Arguments are converted at the call.
template <class R = void, class... Args>
auto start_child_workflow(std::string workflow_type, const ChildWorkflowOptions& options, Args&&... args) {
  return detail::guard_temporaries<detail::any_miscompiled_temporary_v<Args...>>(
      detail::start_child_workflow_task<R>(std::move(workflow_type), options, stead::to_payloads(args...)));
}
template <class R = void, class... Args>
auto start_child_workflow(std::string workflow_type, ChildWorkflowOptions&& options, Args&&... args) {
  return detail::guard_temporaries<true>(
      detail::start_child_workflow_task<R>(std::move(workflow_type), std::move(options), stead::to_payloads(args...)));
}
// Starts a child workflow and waits for its result (a Task<R>).
template <class R = void, class... Args>
auto execute_child_workflow(std::string workflow_type, const ChildWorkflowOptions& options, Args&&... args) {
  return detail::guard_temporaries<detail::any_miscompiled_temporary_v<Args...>>(
      detail::execute_child_workflow_task<R>(std::move(workflow_type), options, stead::to_payloads(args...)));
}
template <class R = void, class... Args>
auto execute_child_workflow(std::string workflow_type, ChildWorkflowOptions&& options, Args&&... args) {
  return detail::guard_temporaries<true>(
      detail::execute_child_workflow_task<R>(std::move(workflow_type), std::move(options), stead::to_payloads(args...)));
}

// Signals another workflow (run_id "" = its current run). Throws ApplicationError when the
// workflow does not exist.
template <class... Args>
auto signal_external_workflow(std::string workflow_id, std::string run_id, std::string signal_name, Args&&... args) {
  return detail::guard_temporaries<detail::any_miscompiled_temporary_v<Args...>>(
      OperationAwaiter<void>(detail::signal_external_workflow(std::move(workflow_id), std::move(run_id),
                                                              std::move(signal_name), stead::to_payloads(args...),
                                                              false)));
}
// Requests cancellation of another workflow.
inline OperationAwaiter<void> cancel_external_workflow(std::string workflow_id, std::string run_id = "") {
  return OperationAwaiter<void>(detail::cancel_external_workflow(std::move(workflow_id), std::move(run_id)));
}

// Ends this run and starts a new one of the same workflow id with `args` (fresh history).
template <class... Args>
[[noreturn]] void continue_as_new(const Args&... args) {
  throw ContinueAsNewRequest{{}, stead::to_payloads(args...)};
}
template <class... Args>
[[noreturn]] void continue_as_new_with(ContinueAsNewOptions options, const Args&... args) {
  throw ContinueAsNewRequest{std::move(options), stead::to_payloads(args...)};
}

// Versioning, compatible with the markers of the TypeScript, Python and .NET SDKs
// (`core_patch`): true when this run executes the new code. A new run, or a replay of a run
// that went through the patched code, gets true; a replay of a run that went through this
// point before the patch existed gets false. The answer for one id never changes in a run.
bool patched(std::string_view patch_id);
// Step two of removing a patch: all running workflows have the patch; the old branch is gone.
void deprecate_patch(std::string_view patch_id);

// Adds or replaces search attributes of this run (visible to list_workflows).
void upsert_search_attributes(const SearchAttributes& attributes);

const WorkflowInfo& info();
// The time of the current workflow task (deterministic; advances only between tasks).
std::chrono::system_clock::time_point now();
// A random source seeded from the run, identical on replay.
std::mt19937_64& random();
// A random (version 4) UUID from random().
std::string uuid4();
// True while the worker replays history it already executed (e.g. to skip logging).
bool is_replaying();
// True once cancellation of the workflow was requested.
bool is_cancel_requested();

// Logs through the SDK's log with the workflow id and run id, except while replaying.
enum class LogLevel { kDebug, kInfo, kWarn, kError };
void log(LogLevel level, std::string_view message);

}  // namespace workflow

// A cancellation scope: a group of operations cancelled together. Scopes form a tree rooted at
// the workflow's root scope; cancelling a scope cancels its operations and its non-shielded
// descendants. Cheap to copy (a shared handle).
//
//   stead::CancellationScope scope;                 // child of the current scope
//   auto body = scope.run(charge_and_ship(order));  // runs with `scope` current
//   ... scope.cancel();                             // from a signal handler, say
//   co_await body;
class CancellationScope {
 public:
  // A new scope, child of the current one. A shielded scope is not cancelled by its parent.
  explicit CancellationScope(bool shielded = false) : state_(workflow::detail::new_scope(shielded)) {}
  static CancellationScope current() { return CancellationScope(workflow::detail::current_scope()); }

  void cancel() const { workflow::detail::cancel_scope(*state_); }
  bool is_cancelled() const { return workflow::detail::scope_cancelled(*state_); }

  // Runs `body` with this scope current: the operations it starts belong to this scope.
  // The task holds its own handle on the scope: it may outlive this CancellationScope object.
  template <class T>
  Task<T> run(Task<T> body) const {
    return run_in(state_, std::move(body));
  }

 private:
  // A static coroutine so that the scope handle lives in the coroutine frame: a member coroutine
  // would read `this` on first resume, after a temporary CancellationScope is gone.
  template <class T>
  static Task<T> run_in(std::shared_ptr<workflow::detail::ScopeState> scope, Task<T> body) {
    auto previous = workflow::detail::enter_scope(scope);
    if constexpr (std::is_void_v<T>) {
      try {
        co_await body;
      } catch (...) {
        workflow::detail::enter_scope(previous);
        throw;
      }
      workflow::detail::enter_scope(previous);
    } else {
      std::optional<T> value;
      try {
        value.emplace(co_await body);
      } catch (...) {
        workflow::detail::enter_scope(previous);
        throw;
      }
      workflow::detail::enter_scope(previous);
      co_return std::move(*value);
    }
  }

  explicit CancellationScope(std::shared_ptr<workflow::detail::ScopeState> state) : state_(std::move(state)) {}
  std::shared_ptr<workflow::detail::ScopeState> state_;
};

namespace workflow {
// Runs the coroutine `make()` returns in a new shielded scope: the workflow's cancellation
// does not reach it (cleanup that must finish after a cancellation).
template <class F>
auto shielded(F make) -> decltype(make()) {
  CancellationScope scope(true);
  return scope.run(make());
}
}  // namespace workflow

}  // namespace stead
