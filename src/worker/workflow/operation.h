// Operation: one thing a workflow started and awaits — a timer, an activity, a child workflow,
// a signal or cancel request to another workflow. The runtime resolves it from the history
// (or at once, on cancellation); the workflow coroutine parks on it meanwhile.
//
// An operation belongs to the cancellation scope that was current when it started. Resuming
// the parked coroutine makes that scope current again: every resumption of workflow code goes
// through an operation or a condition, so "current scope" follows each coroutine.
//
// Thread safety: none; the workflow's thread only (like the scheduler).
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "stead/payload.h"
#include "stead/task.h"
#include "stead/workflow.h"

namespace stead::worker {
class WorkflowRuntime;
}

namespace stead::workflow::detail {

class ScopeState;

class Operation {
 public:
  Operation(worker::WorkflowRuntime& runtime, std::shared_ptr<ScopeState> scope)
      : runtime_(&runtime), scope_(std::move(scope)) {}
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  bool resolved() const noexcept { return slot_.has_result(); }
  bool failed() const noexcept { return failed_; }  // resolved with an error
  // Stores the result and wakes the parked coroutine. Later resolutions are ignored (e.g. an
  // activity result arriving after a TRY_CANCEL cancellation was reported).
  void resolve(std::optional<Payload> value);
  void reject(std::exception_ptr error);

  // Runs the cancel action once, unless already resolved. The action decides whether the
  // operation resolves now (TRY_CANCEL) or later (WAIT_CANCELLATION_COMPLETED).
  void cancel();
  void set_cancel_action(std::function<void()> action) { cancel_action_ = std::move(action); }
  bool cancel_requested() const noexcept { return cancel_requested_; }

  // The awaiting side.
  void suspend(std::coroutine_handle<> waiter) { waiter_ = waiter; }
  std::optional<Payload> take();

 private:
  void wake();

  worker::WorkflowRuntime* runtime_;
  std::shared_ptr<ScopeState> scope_;
  stead::detail::ResultSlot<std::optional<Payload>> slot_;
  std::coroutine_handle<> waiter_;
  std::function<void()> cancel_action_;
  bool cancel_requested_ = false;
  bool failed_ = false;
};

// A node of the cancellation-scope tree. Children and operations are held weakly and visited
// in the order they joined, so cancellation is deterministic.
class ScopeState : public std::enable_shared_from_this<ScopeState> {
 public:
  ScopeState(std::shared_ptr<ScopeState> parent, bool shielded);

  bool cancelled() const noexcept { return cancelled_; }
  // Marks the scope cancelled, cancels its pending operations and its non-shielded children.
  void cancel();
  void add(const std::shared_ptr<Operation>& op);
  void add_child(const std::shared_ptr<ScopeState>& child);

 private:
  std::shared_ptr<ScopeState> parent_;  // keeps ancestors alive while a descendant runs
  bool shielded_;
  bool cancelled_ = false;
  std::vector<std::weak_ptr<Operation>> operations_;
  std::vector<std::weak_ptr<ScopeState>> children_;
};

}  // namespace stead::workflow::detail
