// DeterministicScheduler: the single-threaded executor that workflow coroutines run on.
//
// Replay needs workflow code to make the same decisions in the same order every time the
// same history is fed to it. So this executor has no threads, no clock, no I/O and no
// hash-ordered container: what runs next depends only on the order in which coroutines were
// made ready, and that order only on the calls the workflow core makes (one activation's
// jobs, in order) and on the workflow code itself.
//
// Model:
//   - a FIFO ready queue of coroutine handles. schedule() appends; run_until_idle() resumes
//     from the front until the queue is empty (a "pass"), then re-evaluates the parked
//     wait_condition predicates in registration order, appending the satisfied ones, and
//     runs another pass, until a pass ends with no predicate satisfied;
//   - parking: an awaiter keeps the coroutine's handle and later hands it to schedule().
//     Pending<T> below is the ready-made form for results the core delivers (timer fired,
//     activity resolved, signal received): the coroutine parks on it, the core resolves it.
//   - spawn(Task<void>) gives the scheduler a root task (the workflow's main coroutine, a
//     signal handler); it starts on the next pass.
//
// Thread safety: none. Every member, and every Pending/wait_condition tied to a scheduler,
// is used from one thread (the thread that activates the workflow).
// Invariants:
//   (1) A coroutine is in at most one of: running, the ready queue, parked (in a Pending,
//       on a condition, or elsewhere by an awaiter); REQUIRES of schedule() keep it so.
//   (2) Parked conditions are kept in registration order; a woken one is unlinked before
//       its handle enters the ready queue.
//   (3) Destroying the scheduler resumes nothing: it drops the ready queue, then destroys
//       the spawned tasks' frames (eviction); their awaiters unlink themselves.
#pragma once

#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <utility>

#include "stead/task.h"

namespace stead::worker {

class DeterministicScheduler;

namespace detail {

struct SpawnedTaskPromise;

// A coroutine parked on a condition: an intrusive list node that lives in the awaiter, so
// parking allocates nothing and a destroyed frame unlinks itself.
struct ConditionWaiter {
  ConditionWaiter* prev = nullptr;
  ConditionWaiter* next = nullptr;
  bool linked = false;
  std::coroutine_handle<> handle;
  std::exception_ptr error;         // a predicate that threw: rethrown to the waiter
  bool (*evaluate)(ConditionWaiter&) = nullptr;
};

}  // namespace detail

template <class Pred>
class ConditionAwaiter;

class DeterministicScheduler {
 public:
  DeterministicScheduler() = default;
  ~DeterministicScheduler();  // see invariant (3)
  DeterministicScheduler(const DeterministicScheduler&) = delete;
  DeterministicScheduler& operator=(const DeterministicScheduler&) = delete;

  // Appends `coro` to the ready queue. REQUIRES: `coro` is suspended and nothing else will
  // resume it (invariant 1); its frame stays alive until it is resumed or the scheduler is
  // destroyed (the queue holds plain handles); called on the scheduler's thread.
  void schedule(std::coroutine_handle<> coro);

  // Takes ownership of `task` and schedules its start. An exception escaping the task is
  // rethrown by run_until_idle(). The frame is freed when the task finishes or when the
  // scheduler is destroyed. REQUIRES: task.valid() and not started.
  void spawn(Task<void> task);

  // Runs passes as described above until nothing is ready; returns how many resumptions it
  // made. If a spawned task ends with an exception, stops right after that resumption and
  // rethrows it; the queue stays consistent and a later call continues where this one
  // stopped. REQUIRES: not called from a coroutine this scheduler is running.
  std::size_t run_until_idle();

  // `co_await scheduler.yield()`: moves the calling coroutine to the back of the queue.
  auto yield() noexcept {
    struct Awaiter {
      DeterministicScheduler* scheduler;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> self) { scheduler->schedule(self); }
      void await_resume() const noexcept {}
    };
    return Awaiter{this};
  }

  // `co_await scheduler.wait_condition(pred)`: continues at once if pred() is true;
  // otherwise parks until a re-evaluation after a pass finds it true (see the model). If pred
  // throws, the exception is rethrown by the co_await. `pred` is copied into the awaiter, so
  // name a capturing lambda before the co_await (g++ 12 rule). REQUIRES: pred is cheap, has
  // no side effects and only reads workflow state.
  template <class Pred>
  ConditionAwaiter<Pred> wait_condition(Pred pred);

  bool idle() const noexcept { return ready_.empty(); }
  std::size_t ready_count() const noexcept { return ready_.size(); }
  std::size_t condition_waiter_count() const noexcept { return condition_count_; }
  std::size_t spawned_count() const noexcept { return spawned_.size(); }

 private:
  template <class Pred>
  friend class ConditionAwaiter;
  friend struct detail::SpawnedTaskPromise;

  void park_condition(detail::ConditionWaiter& waiter);
  void unlink_condition(detail::ConditionWaiter& waiter) noexcept;
  // Appends every satisfied (or throwing) parked condition to the queue, in registration
  // order. Returns whether any was woken.
  bool wake_satisfied_conditions();

  std::deque<std::coroutine_handle<>> ready_;
  detail::ConditionWaiter* conditions_head_ = nullptr;
  detail::ConditionWaiter* conditions_tail_ = nullptr;
  std::size_t condition_count_ = 0;
  std::list<std::coroutine_handle<>> spawned_;  // frames owned; in spawn order
  std::exception_ptr spawn_error_;              // escaped a spawned task, not yet rethrown
  bool running_ = false;
};

// The awaiter returned by wait_condition(). Neither copyable nor movable (it is linked by
// address while parked).
template <class Pred>
class [[nodiscard]] ConditionAwaiter : private detail::ConditionWaiter {
 public:
  ConditionAwaiter(DeterministicScheduler& scheduler, Pred pred)
      : scheduler_(&scheduler), pred_(std::move(pred)) {
    this->evaluate = [](detail::ConditionWaiter& self) {
      return static_cast<bool>(std::invoke(static_cast<ConditionAwaiter&>(self).pred_));
    };
  }
  ConditionAwaiter(const ConditionAwaiter&) = delete;
  ConditionAwaiter& operator=(const ConditionAwaiter&) = delete;
  ~ConditionAwaiter() {
    if (this->linked) scheduler_->unlink_condition(*this);
  }

  bool await_ready() { return static_cast<bool>(std::invoke(pred_)); }
  void await_suspend(std::coroutine_handle<> self) {
    this->handle = self;
    scheduler_->park_condition(*this);
  }
  void await_resume() {
    if (this->error) std::rethrow_exception(std::exchange(this->error, nullptr));
  }

 private:
  DeterministicScheduler* scheduler_;
  Pred pred_;
};

template <class Pred>
ConditionAwaiter<Pred> DeterministicScheduler::wait_condition(Pred pred) {
  return ConditionAwaiter<Pred>(*this, std::move(pred));
}

// A result the workflow core delivers later (a timer firing, an activity or child result):
// a coroutine `co_await`s it and parks; resolve()/reject() appends it to the scheduler's
// ready queue, so coroutines wake in the order their results were delivered. Awaiting an
// already-resolved Pending continues at once without a pass.
// Copies share one state: the core keeps one copy, the awaiting coroutine another.
// shared_ptr because either side may outlive the other (eviction drops the coroutine, a
// completed command drops the core's copy); single-threaded, like the scheduler.
// If the awaiting frame is destroyed while parked, a later resolve() only stores the result.
template <class T = void>
class Pending {
 public:
  // REQUIRES: `scheduler` outlives every parked await on this Pending.
  explicit Pending(DeterministicScheduler& scheduler) : state_(std::make_shared<State>(&scheduler)) {}

  bool is_resolved() const noexcept { return state_->slot.has_result(); }

  // Stores the value (nothing for T = void) and wakes the parked coroutine, if any.
  // REQUIRES: !is_resolved().
  template <class... U>
  void resolve(U&&... value) {
    state_->slot.set_value(std::forward<U>(value)...);
    wake();
  }
  // Stores the exception that the co_await will rethrow. REQUIRES: !is_resolved().
  void reject(std::exception_ptr error) {
    state_->slot.set_exception(std::move(error));
    wake();
  }

  // Yields the value (moved out) or rethrows. REQUIRES: awaited by at most one coroutine,
  // once.
  auto operator co_await() const noexcept { return Awaiter{state_}; }

 private:
  struct State {
    explicit State(DeterministicScheduler* s) : scheduler(s) {}
    DeterministicScheduler* scheduler;
    stead::detail::ResultSlot<T> slot;
    std::coroutine_handle<> waiter;
  };

  struct Awaiter {
    std::shared_ptr<State> state;
    bool parked = false;

    Awaiter(std::shared_ptr<State> s) noexcept : state(std::move(s)) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    ~Awaiter() {
      if (parked) state->waiter = {};
    }
    bool await_ready() const noexcept { return state->slot.has_result(); }
    void await_suspend(std::coroutine_handle<> self) noexcept {
      state->waiter = self;
      parked = true;
    }
    T await_resume() {
      parked = false;
      return state->slot.take();
    }
  };

  void wake() {
    if (state_->waiter) state_->scheduler->schedule(std::exchange(state_->waiter, {}));
  }

  std::shared_ptr<State> state_;
};

}  // namespace stead::worker
