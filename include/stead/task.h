// stead::Task<T>: the coroutine type of the SDK (workflow code, awaitable client calls).
//
// A Task is lazy, move-only and awaited at most once, in the spirit of cppcoro::task:
//   - calling a `Task<T>` coroutine allocates its frame and runs nothing; the body starts
//     when the Task is first `co_await`ed (or driven by stead::sync_wait or a scheduler);
//   - `co_await task` yields the `co_return`ed value, or rethrows the exception that escaped
//     the body. `T` may be `void`, a reference (`Task<Order&>`) or a move-only type; the
//     value is moved out of the frame, so `auto v = co_await t;` works for move-only `T`;
//   - destroying a Task destroys its frame (locals and by-value parameters included),
//     whether it never started or already finished.
//
// Executor: a Task has no executor of its own. Its body starts on the thread that awaits
// it, and after each inner `co_await` it continues wherever that awaitable resumes it (a
// deterministic workflow scheduler, a client completion thread). When the body finishes,
// the awaiting coroutine resumes on that same thread. A Task has no cancellation channel of
// its own: cancellation reaches it as an exception from something it awaits.
//
// Stack depth: a Task that finishes synchronously (without really suspending) hands control
// back to its awaiter by returning from await_suspend, so a loop of 1,000,000 synchronous
// `co_await`s runs in constant stack. A Task that finishes later resumes its awaiter by
// symmetric transfer. HACK(gcc PR 100897): g++ 12 turns symmetric transfer into a tail call
// only at -O2 without sanitizers (a plain symmetric-transfer task overflows the stack at
// -O0/-O1 and under ASan), hence the start-inline plus atomic handshake below rather than
// relying on the tail call alone.
//
// g++ 12 rules for code that awaits Tasks (docs/architecture.md, "Workflow code and g++ 12"):
// in a `co_await` full-expression, no aggregate temporaries and no lambdas whose captures
// have destructors (g++ 12 destroys them twice); take coroutine parameters by value.
//
// Thread safety: a Task object is not thread-safe; one owner moves it around and one
// coroutine awaits it. Its completion may happen on another thread than its start: the
// hand-off is synchronized (acquire/release), so the awaiter sees the result.
#pragma once

#include <atomic>
#include <cassert>
#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace stead {

template <class T = void>
class Task;

namespace detail {

// The outcome of an asynchronous operation: nothing yet, a value, or an exception.
// References are stored as pointers; `take()` rethrows a stored exception.
template <class T>
class ResultSlot {
  using Stored = std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>;

 public:
  template <class U>
  void set_value(U&& value) {
    if constexpr (std::is_reference_v<T>) {
      result_.template emplace<1>(std::addressof(value));
    } else {
      result_.template emplace<1>(std::forward<U>(value));
    }
  }
  void set_exception(std::exception_ptr error) noexcept { result_.template emplace<2>(std::move(error)); }
  bool has_result() const noexcept { return result_.index() != 0; }

  // REQUIRES: has_result(). Moves the value out (references are returned as is).
  T take() {
    if (result_.index() == 2) std::rethrow_exception(std::get<2>(result_));
    assert(result_.index() == 1 && "stead: result taken before it was set");
    if constexpr (std::is_reference_v<T>) {
      return static_cast<T>(*std::get<1>(result_));
    } else {
      return std::move(std::get<1>(result_));
    }
  }

 private:
  std::variant<std::monostate, Stored, std::exception_ptr> result_;
};

template <>
class ResultSlot<void> {
 public:
  void set_value() noexcept { done_ = true; }
  void set_exception(std::exception_ptr error) noexcept { error_ = std::move(error); }
  bool has_result() const noexcept { return done_ || error_ != nullptr; }
  void take() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  bool done_ = false;
  std::exception_ptr error_;
};

// What every Task promise shares: the awaiting coroutine and the start/finish handshake.
class TaskPromiseBase {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      TaskPromiseBase& p = self.promise();
      // Second to arrive resumes the awaiter. If the awaiter's await_suspend has not
      // finished yet (synchronous completion), it will see the flag and not suspend.
      if (p.handshake_.exchange(true, std::memory_order_acq_rel)) return p.continuation_;
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  // Runs the task until it suspends or finishes, with `awaiting` as its continuation.
  // Returns whether `awaiting` must stay suspended (false: the task already finished).
  bool start(std::coroutine_handle<> self, std::coroutine_handle<> awaiting) noexcept {
    continuation_ = awaiting;
    self.resume();
    return !handshake_.exchange(true, std::memory_order_acq_rel);
  }

 private:
  std::coroutine_handle<> continuation_;
  std::atomic<bool> handshake_{false};
};

template <class T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  void unhandled_exception() noexcept { slot_.set_exception(std::current_exception()); }

  // `U = T` lets `co_return {a, b};` construct a T from a braced list.
  template <class U = T>
    requires(!std::is_reference_v<T> && std::constructible_from<T, U &&>)
  void return_value(U&& value) {
    slot_.set_value(std::forward<U>(value));
  }
  template <class U = T>
    requires(std::is_reference_v<T> && std::convertible_to<U&&, T>)
  void return_value(U&& value) {
    T ref = std::forward<U>(value);
    slot_.set_value(ref);
  }

  ResultSlot<T>& slot() noexcept { return slot_; }

 private:
  ResultSlot<T> slot_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void unhandled_exception() noexcept { slot_.set_exception(std::current_exception()); }
  void return_void() noexcept { slot_.set_value(); }
  ResultSlot<void>& slot() noexcept { return slot_; }

 private:
  ResultSlot<void> slot_;
};

struct TaskAccess;

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;

  // An empty task: awaiting it throws std::logic_error.
  Task() noexcept = default;
  Task(Task&& other) noexcept : coro_(std::exchange(other.coro_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      coro_ = std::exchange(other.coro_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  // Frees the frame. REQUIRES: the task is not running, and if it is suspended mid-body,
  // nothing will resume it again (e.g. a workflow evicted together with its scheduler).
  ~Task() { reset(); }

  // False for a default-constructed or moved-from task.
  bool valid() const noexcept { return static_cast<bool>(coro_); }
  // True once the body has finished (with a value or an exception), or if !valid().
  bool is_ready() const noexcept { return !coro_ || coro_.done(); }

  // `co_await task` (lvalue or rvalue): starts the task if needed and yields its result,
  // moved out of the frame, or rethrows its exception. Throws std::logic_error if !valid().
  // REQUIRES: no other coroutine awaits or awaited this task.
  auto operator co_await() const noexcept {
    struct Awaiter : Starter {
      T await_resume() {
        if (!this->coro_) throw std::logic_error("stead::Task: co_await on an empty task");
        return this->coro_.promise().slot().take();
      }
    };
    return Awaiter{{coro_}};
  }

  // Awaitable that completes when the task finishes, without consuming its result and
  // without rethrowing its exception (for drivers such as sync_wait and schedulers).
  auto when_ready() const noexcept {
    struct Awaiter : Starter {
      void await_resume() const noexcept {}
    };
    return Awaiter{{coro_}};
  }

 private:
  friend class detail::TaskPromise<T>;
  friend struct detail::TaskAccess;
  using Handle = std::coroutine_handle<promise_type>;

  explicit Task(Handle coro) noexcept : coro_(coro) {}

  struct Starter {
    Handle coro_;
    bool await_ready() const noexcept { return !coro_ || coro_.done(); }
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
      return coro_.promise().start(coro_, awaiting);
    }
  };

  void reset() noexcept {
    if (coro_) std::exchange(coro_, {}).destroy();
  }

  Handle coro_;
};

namespace detail {

template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

// Lets drivers (sync_wait, schedulers) read a finished task's outcome.
struct TaskAccess {
  // REQUIRES: task.valid() && task.is_ready(). Returns the value or rethrows.
  template <class T>
  static T take_result(Task<T>& task) {
    return task.coro_.promise().slot().take();
  }
};

}  // namespace detail
}  // namespace stead
