// stead::Outcome<T> and stead::Callback<T>: how the client's asynchronous core reports back.
//
// Every client call has a callback form: it starts the operation and returns at once; later,
// on a gRPC completion thread (or inline, before the call returns, when it fails early), it
// invokes the callback exactly once with an Outcome: the value, or the exception the blocking
// form would have thrown. The callback forms never throw themselves. Blocking forms and
// awaitable forms (stead/async.h's async_callback) are layered on top of them.
//
// REQUIRES of a callback: it does not block (it runs on a thread gRPC needs back), and it
// does not call a blocking client method.
#pragma once

#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

namespace stead {

template <class T>
class Outcome {
 public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}                        // NOLINT
  Outcome(std::exception_ptr error) : v_(std::in_place_index<1>, std::move(error)) {}         // NOLINT

  bool ok() const { return v_.index() == 0; }
  // The value; rethrows the error when !ok().
  T& value() & {
    if (!ok()) std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T&& value() && { return std::move(value()); }
  // The error, or nullptr when ok().
  std::exception_ptr error() const { return ok() ? nullptr : std::get<1>(v_); }

 private:
  std::variant<T, std::exception_ptr> v_;
};

template <>
class Outcome<void> {
 public:
  Outcome() = default;
  Outcome(std::exception_ptr error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return error_ == nullptr; }
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  std::exception_ptr error() const { return error_; }

 private:
  std::exception_ptr error_;
};

template <class T>
using Callback = std::function<void(Outcome<T>)>;

// Runs `body` and returns its value as an Outcome; an exception becomes the Outcome's error.
template <class F>
auto capture_outcome(F&& body) -> Outcome<std::invoke_result_t<F>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(body)();
      return {};
    } else {
      return std::forward<F>(body)();
    }
  } catch (...) {
    return std::current_exception();
  }
}

// Runs a callback-form operation and blocks until it completes: the blocking form of every
// client call. `start` receives the Callback<T> to hand to the operation. Returns the value
// or rethrows the error. REQUIRES: not called on a thread the operation needs to complete
// (a client callback).
template <class T, class Start>
T wait_for(Start&& start) {
  auto promise = std::make_shared<std::promise<Outcome<T>>>();
  auto future = promise->get_future();
  std::forward<Start>(start)(Callback<T>([promise](Outcome<T> outcome) { promise->set_value(std::move(outcome)); }));
  return future.get().value();
}

}  // namespace stead
