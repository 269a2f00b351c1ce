#include "worker/workflow/scheduler.h"

#include <cassert>

namespace stead::worker {
namespace detail {

// The frame that owns a spawned Task<void>. It is listed in the scheduler's spawned_ list
// from creation to destruction, so the scheduler can free it on eviction; it frees itself
// when the task ends (final_suspend never suspends).
struct SpawnedTaskPromise {
  DeterministicScheduler* scheduler = nullptr;
  std::list<std::coroutine_handle<>>::iterator self;

  struct Handle {
    using promise_type = SpawnedTaskPromise;
    std::coroutine_handle<SpawnedTaskPromise> coro;
  };
  Handle get_return_object() noexcept { return {std::coroutine_handle<SpawnedTaskPromise>::from_promise(*this)}; }
  std::suspend_always initial_suspend() noexcept { return {}; }
  std::suspend_never final_suspend() noexcept { return {}; }
  void return_void() noexcept {}
  void unhandled_exception() noexcept {
    if (!scheduler->spawn_error_) scheduler->spawn_error_ = std::current_exception();
  }
  ~SpawnedTaskPromise() {
    if (scheduler) scheduler->spawned_.erase(self);
  }
};

}  // namespace detail

namespace {

// By-value parameter: the Task lives in this frame (g++ 12 rule: no reference parameters).
detail::SpawnedTaskPromise::Handle DriveSpawned(Task<void> task) { co_await task; }

// Resets the reentrancy flag however run_until_idle() leaves.
struct RunningGuard {
  bool& flag;
  explicit RunningGuard(bool& f) : flag(f) { flag = true; }
  ~RunningGuard() { flag = false; }
};

}  // namespace

DeterministicScheduler::~DeterministicScheduler() {
  ready_.clear();
  // Each destroy() erases the front entry (~SpawnedTaskPromise); nested frames go with it,
  // and their condition awaiters unlink themselves from the list below.
  while (!spawned_.empty()) spawned_.front().destroy();
  assert(condition_count_ == 0 && "stead: a condition waiter outlived its coroutine frame");
}

void DeterministicScheduler::schedule(std::coroutine_handle<> coro) {
  assert(coro && !coro.done() && "stead: scheduled a null or finished coroutine");
  ready_.push_back(coro);
}

void DeterministicScheduler::spawn(Task<void> task) {
  assert(task.valid() && !task.is_ready() && "stead: spawned an empty or finished task");
  auto coro = DriveSpawned(std::move(task)).coro;
  auto& promise = coro.promise();
  try {
    promise.self = spawned_.insert(spawned_.end(), coro);
    promise.scheduler = this;
    schedule(coro);
  } catch (...) {
    coro.destroy();  // ~SpawnedTaskPromise unlists it if it was listed
    throw;
  }
}

std::size_t DeterministicScheduler::run_until_idle() {
  assert(!running_ && "stead: run_until_idle() called from a coroutine it runs");
  RunningGuard guard(running_);
  std::size_t resumed = 0;
  do {
    while (!ready_.empty()) {
      std::coroutine_handle<> next = ready_.front();
      ready_.pop_front();
      ++resumed;
      next.resume();
      if (spawn_error_) std::rethrow_exception(std::exchange(spawn_error_, nullptr));
    }
  } while (wake_satisfied_conditions());
  return resumed;
}

void DeterministicScheduler::park_condition(detail::ConditionWaiter& waiter) {
  waiter.prev = conditions_tail_;
  waiter.next = nullptr;
  (conditions_tail_ ? conditions_tail_->next : conditions_head_) = &waiter;
  conditions_tail_ = &waiter;
  waiter.linked = true;
  ++condition_count_;
}

void DeterministicScheduler::unlink_condition(detail::ConditionWaiter& waiter) noexcept {
  (waiter.prev ? waiter.prev->next : conditions_head_) = waiter.next;
  (waiter.next ? waiter.next->prev : conditions_tail_) = waiter.prev;
  waiter.prev = waiter.next = nullptr;
  waiter.linked = false;
  --condition_count_;
}

bool DeterministicScheduler::wake_satisfied_conditions() {
  bool woke = false;
  for (detail::ConditionWaiter* waiter = conditions_head_; waiter != nullptr;) {
    detail::ConditionWaiter* next = waiter->next;
    bool satisfied = false;
    try {
      satisfied = waiter->evaluate(*waiter);
    } catch (...) {
      waiter->error = std::current_exception();
      satisfied = true;
    }
    if (satisfied) {
      unlink_condition(*waiter);
      schedule(waiter->handle);
      woke = true;
    }
    waiter = next;
  }
  return woke;
}

}  // namespace stead::worker
