// Awaiting callback-style asynchronous operations.
//
// The client core is callback based: an operation is started with a function to call when it
// completes, possibly on another thread, possibly before the start call returns. This header
// turns such an operation into something a coroutine can `co_await`:
//
//   Task<Description> describe_async(Client client, std::string id) {
//     auto start = [client, id](stead::Resumer<Description> resume) {
//       client.describe(id, stead::Callback<Description>([resume](stead::Outcome<Description> o) {
//         resume.complete_with([&] { return std::move(o).value(); });  // value or error
//       }));
//     };
//     auto op = stead::async_callback<Description>(std::move(start));
//     Description d = co_await op;
//     co_return d;
//   }
//
// Contract of an awaited CallbackAwaiter<T>:
//   - `start(resumer)` is invoked exactly once, from await_suspend, on the awaiting thread
//     (so nothing starts until the awaiter is awaited, and awaiting it twice is a bug);
//   - the operation must complete by invoking the Resumer exactly once, either with a value
//     (`resume(value)`, `resume()` for T = void) or with `resume.set_exception(eptr)`;
//   - if the Resumer is invoked before `start` returns (synchronous completion, on this or
//     any thread), the coroutine does not suspend and continues inline on the awaiting
//     thread; otherwise it resumes on the thread that invokes the Resumer, inside that call;
//   - `co_await` yields the value (moved; a reference for T&) or rethrows the exception;
//   - if `start` throws, the exception propagates out of the `co_await`. REQUIRES: a start
//     that throws has not handed the Resumer to anything that will invoke it.
// Resumption on a foreign thread is why workflow code must not await these: workflow
// coroutines park on their DeterministicScheduler instead.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

#include "stead/outcome.h"
#include "stead/task.h"

namespace stead {

template <class T>
class Resumer;
template <class T, class Start = std::function<void(Resumer<T>)>>
class CallbackAwaiter;

namespace detail {

// The awaiting side's state, shared with the Resumer through a pointer: it lives in the
// awaiting coroutine's frame, which stays alive until the coroutine is resumed.
template <class T>
class CallbackState {
 protected:
  friend class Resumer<T>;

  // Whoever comes second between await_suspend and the completion resumes the coroutine.
  void complete() noexcept {
    if (handshake_.exchange(true, std::memory_order_acq_rel)) waiter_.resume();
  }

  ResultSlot<T> slot_;
  std::coroutine_handle<> waiter_;
  std::atomic<bool> handshake_{false};
};

}  // namespace detail

// The completion handle passed to an operation's start function. Cheap to copy (it is a
// pointer), so it fits into std::function callbacks; it also converts to
// std::function<void(T)> (std::function<void()> for T = void).
// REQUIRES: exactly one of the copies is invoked exactly once; after that invocation no copy
// may be used (the state it points to may be gone).
template <class T>
class Resumer {
 public:
  // Completes with a value. If constructing the stored value throws, the operation completes
  // with that exception instead.
  template <class U = T>
    requires(!std::is_void_v<T> && std::constructible_from<std::conditional_t<std::is_void_v<T>, int, T>, U &&>)
  void operator()(U&& value) const noexcept {
    try {
      if constexpr (std::is_reference_v<T>) {
        T ref = std::forward<U>(value);
        state_->slot_.set_value(ref);
      } else {
        state_->slot_.set_value(std::forward<U>(value));
      }
    } catch (...) {
      state_->slot_.set_exception(std::current_exception());
    }
    state_->complete();
  }

  // Completes a Resumer<void>.
  void operator()() const noexcept
    requires std::is_void_v<T>
  {
    state_->slot_.set_value();
    state_->complete();
  }

  // Completes with an exception, rethrown by the `co_await`. REQUIRES: error != nullptr.
  void set_exception(std::exception_ptr error) const noexcept {
    state_->slot_.set_exception(std::move(error));
    state_->complete();
  }

  // Invokes `body()` and completes with what it returns (nothing for T = void) or with the
  // exception it throws: `resume.complete_with([&] { return std::move(outcome).value(); })`.
  template <class F>
    requires std::invocable<F&&>
  void complete_with(F&& body) const noexcept {
    try {
      if constexpr (std::is_void_v<T>) {
        std::forward<F>(body)();
        state_->slot_.set_value();
      } else if constexpr (std::is_reference_v<T>) {
        T ref = std::forward<F>(body)();
        state_->slot_.set_value(ref);
      } else {
        state_->slot_.set_value(std::forward<F>(body)());
      }
    } catch (...) {
      state_->slot_.set_exception(std::current_exception());
    }
    state_->complete();
  }

 private:
  template <class, class>
  friend class CallbackAwaiter;
  explicit Resumer(detail::CallbackState<T>* state) noexcept : state_(state) {}

  detail::CallbackState<T>* state_;
};

// The awaitable for one callback-style operation; see the contract at the top of this file.
// `CallbackAwaiter<T>` (type-erased start) can be named in signatures; async_callback<T>()
// keeps the start function's own type, which may be move-only.
// Neither copyable nor movable: the Resumer points into it. Await it at most once.
template <class T, class Start>
class [[nodiscard]] CallbackAwaiter : private detail::CallbackState<T> {
 public:
  explicit CallbackAwaiter(Start start) : start_(std::move(start)) {}
  CallbackAwaiter(const CallbackAwaiter&) = delete;
  CallbackAwaiter& operator=(const CallbackAwaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> awaiting) {
    this->waiter_ = awaiting;
    std::invoke(std::move(start_), Resumer<T>(this));
    // true: the completion has not run yet and will resume `awaiting` itself.
    return !this->handshake_.exchange(true, std::memory_order_acq_rel);
  }
  T await_resume() { return this->slot_.take(); }

 private:
  Start start_;
};

// Wraps `start` (invocable with a Resumer<T>) into an awaitable; see CallbackAwaiter.
template <class T, class Start>
  requires std::invocable<std::decay_t<Start>&&, Resumer<T>>
CallbackAwaiter<T, std::decay_t<Start>> async_callback(Start&& start) {
  return CallbackAwaiter<T, std::decay_t<Start>>(std::forward<Start>(start));
}

// The awaitable form of a callback-form operation (stead/outcome.h): `start(Callback<T>)`
// starts it; the Task yields its value or rethrows its error. Lazy like every Task: nothing
// starts until it is awaited. After the co_await the awaiting coroutine runs on the thread that
// completed the operation (a client completion thread): do not block there.
template <class T, class Start>
Task<T> await_operation(Start start) {
  auto op = async_callback<T>([&start](Resumer<T> resume) {
    start(Callback<T>([resume](Outcome<T> outcome) { resume.complete_with([&] { return std::move(outcome).value(); }); }));
  });
  if constexpr (std::is_void_v<T>) {
    co_await op;
  } else {
    co_return co_await op;
  }
}

}  // namespace stead
