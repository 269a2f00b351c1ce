// stead::sync_wait: run a Task to completion from ordinary (non-coroutine) code.
//
// This is the bridge behind the blocking forms of client calls and behind tests. Inside
// coroutines, `co_await` the task instead: sync_wait blocks a thread.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "stead/task.h"

namespace stead {
namespace detail {

// A one-shot event that is safe to destroy as soon as wait() returns: set() notifies while
// holding the mutex, so the waiter cannot wake, return and destroy it mid-notify.
class SyncWaitEvent {
 public:
  void set() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

// The coroutine that awaits the task on behalf of the blocked thread.
class SyncWaitDriver {
 public:
  struct promise_type {
    SyncWaitEvent* event = nullptr;

    SyncWaitDriver get_return_object() noexcept {
      return SyncWaitDriver(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      // The frame is owned by sync_wait, which destroys it once set() has returned to it:
      // nothing here touches the frame after set().
      void await_suspend(std::coroutine_handle<promise_type> self) noexcept { self.promise().event->set(); }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // The driver only awaits when_ready(), which never throws.
    void unhandled_exception() noexcept { std::terminate(); }
  };

  explicit SyncWaitDriver(std::coroutine_handle<promise_type> coro) noexcept : coro_(coro) {}
  SyncWaitDriver(SyncWaitDriver&& other) noexcept : coro_(std::exchange(other.coro_, {})) {}
  SyncWaitDriver(const SyncWaitDriver&) = delete;
  SyncWaitDriver& operator=(const SyncWaitDriver&) = delete;
  SyncWaitDriver& operator=(SyncWaitDriver&&) = delete;
  ~SyncWaitDriver() {
    if (coro_) coro_.destroy();
  }

  void run_and_wait(SyncWaitEvent& event) {
    coro_.promise().event = &event;
    coro_.resume();
    event.wait();
  }

 private:
  std::coroutine_handle<promise_type> coro_;
};

// Pointer parameter on purpose: coroutine parameters stay by value (g++ 12 rule).
template <class T>
SyncWaitDriver make_sync_wait_driver(Task<T>* task) {
  co_await task->when_ready();
}

}  // namespace detail

// Starts `task` on the calling thread, blocks that thread until the task finishes on
// whatever thread completes it, and returns its result (moved out; a reference for
// Task<T&>) or rethrows the exception that escaped it. The task's frame is destroyed before
// sync_wait returns or throws (the task must not return a reference into its own frame).
// Throws std::logic_error if `task` is empty.
// REQUIRES: the task's progress does not depend on the calling thread (e.g. a
// DeterministicScheduler pumped by this same thread): that would deadlock.
template <class T>
T sync_wait(Task<T> task) {
  if (!task.valid()) throw std::logic_error("stead::sync_wait: empty task");
  Task<T> owned = std::move(task);  // frame freed on return, whatever the caller's ABI
  {
    detail::SyncWaitEvent event;
    detail::SyncWaitDriver driver = detail::make_sync_wait_driver(&owned);
    driver.run_and_wait(event);
  }
  return detail::TaskAccess::take_result(owned);
}

}  // namespace stead
