// Activities: plain C++ callables registered by name, run by a worker.
//
//   struct Receipt { std::string id; int cents; };          // + to_json/from_json (nlohmann ADL)
//   Receipt charge(std::string card, int cents);             // a plain function
//   stead::Task<std::string> fetch(stead::ActivityContext& ctx, std::string url);  // a coroutine
//
//   stead::ActivityRegistry activities;
//   activities.add("Charge", charge)
//             .add("Fetch", fetch)
//             .add("Greet", [](std::string who) { return "Hello, " + who; })
//             .add("Ship", &Shipping::ship, &shipping);     // a member function bound to an object
//
// Accepted shapes: `R f(Args...)`, `R f(ActivityContext&, Args...)`, and coroutines returning
// `stead::Task<R>` with the same parameters — function pointers and references, lambdas
// (not generic ones: the parameter types must be spelled out), std::function, any object
// with one non-template operator(), and member functions bound to a pointer (raw or smart)
// to their object. Arguments are decoded from the task's payloads with the data converter
// (codecs, then stead::from_payload<T> by the declared type, reference and const removed);
// a trailing std::optional parameter without a payload is std::nullopt. The result is
// converted with stead::to_payload and encoded; `void` (and Task<void>) gives binary/null.
//
// Errors, as the workflow sees them (ActivityError with this cause):
//   - argument count or payload mismatch, or a result that cannot be converted: a
//     non-retryable ApplicationError of type kPayloadConversionErrorType, naming the
//     activity and the argument;
//   - stead::ApplicationError thrown by the activity: as thrown (type, details,
//     non_retryable, next_retry_delay); any other exception: an ApplicationError whose type
//     is the exception's C++ class name (the data converter's failure converter decides);
//   - stead::CanceledError thrown after the attempt was cancelled (the workflow asked, the
//     server no longer knows the attempt, or its deadline passed): the attempt is reported
//     cancelled; after cancellation by worker shutdown: a retryable ApplicationError of type
//     kWorkerShutdownErrorType. A CanceledError without a cancellation is a plain failure.
//
// Synchronous activities run on the worker's thread pool (they may block); coroutine
// activities start on it and continue wherever what they await resumes them, holding no
// thread while suspended. Either way several attempts may run at once: the callable must be
// safe to call concurrently.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "stead/activity_context.h"
#include "stead/activity_info.h"
#include "stead/converter.h"
#include "stead/errors.h"
#include "stead/payload_converter.h"
#include "stead/task.h"

namespace stead {

// The ApplicationError type of an activity attempt whose arguments or result could not be
// converted (the demangled name of stead::PayloadConversionError, as the failure converter
// names C++ exceptions).
inline constexpr const char* kPayloadConversionErrorType = "stead::PayloadConversionError";
// The ApplicationError type of an attempt whose activity type is not registered (retryable:
// another worker on the queue may have it), the name the other SDKs use.
inline constexpr const char* kActivityNotFoundErrorType = "NotFoundError";
// The ApplicationError type of an attempt that worker shutdown cancelled (after the grace
// period) and that ended with stead::CanceledError: retryable, so another worker runs the
// next attempt (the Python SDK's "WorkerShutdown").
inline constexpr const char* kWorkerShutdownErrorType = "WorkerShutdown";

namespace detail {

template <class... A>
struct TypeList {
  static constexpr std::size_t size = sizeof...(A);
};

// The signature of a callable: Result and Args (as declared). kKnown is false for generic
// lambdas and overloaded call operators.
template <class F>
struct CallableTraits {
  static constexpr bool kKnown = false;
};
template <class R, class... A>
struct CallableTraits<R (*)(A...)> {
  static constexpr bool kKnown = true;
  using Result = R;
  using Args = TypeList<A...>;
};
template <class R, class... A>
struct CallableTraits<R (*)(A...) noexcept> : CallableTraits<R (*)(A...)> {};
template <class R, class... A>
struct CallableTraits<R(A...)> : CallableTraits<R (*)(A...)> {};
template <class R, class... A>
struct CallableTraits<R(A...) noexcept> : CallableTraits<R (*)(A...)> {};
template <class R, class C, class... A>
struct CallableTraits<R (C::*)(A...)> : CallableTraits<R (*)(A...)> {};
template <class R, class C, class... A>
struct CallableTraits<R (C::*)(A...) const> : CallableTraits<R (*)(A...)> {};
template <class R, class C, class... A>
struct CallableTraits<R (C::*)(A...) noexcept> : CallableTraits<R (*)(A...)> {};
template <class R, class C, class... A>
struct CallableTraits<R (C::*)(A...) const noexcept> : CallableTraits<R (*)(A...)> {};
template <class F>
  requires requires { &F::operator(); }
struct CallableTraits<F> : CallableTraits<decltype(&F::operator())> {};

template <class T>
inline constexpr bool is_task_v = false;
template <class T>
inline constexpr bool is_task_v<Task<T>> = true;

template <class A>
inline constexpr bool is_context_param_v =
    std::is_lvalue_reference_v<A> && std::is_same_v<std::remove_cvref_t<A>, ActivityContext>;

// Splits a parameter list into "takes an ActivityContext& first" and the payload arguments.
template <class L>
struct SplitContext {
  static constexpr bool kWithContext = false;
  using Args = L;
};
template <class A0, class... A>
  requires is_context_param_v<A0>
struct SplitContext<TypeList<A0, A...>> {
  static constexpr bool kWithContext = true;
  using Args = TypeList<A...>;
};

template <class A>
using arg_value_t = std::remove_cvref_t<A>;

template <class L>
struct ArgsTraits;
template <class... A>
struct ArgsTraits<TypeList<A...>> {
  using Tuple = std::tuple<arg_value_t<A>...>;
  // How many payloads are required: trailing std::optional parameters may be missing.
  static constexpr std::size_t required() {
    constexpr bool optional[] = {is_optional_v<arg_value_t<A>>..., false};
    std::size_t n = sizeof...(A);
    while (n > 0 && optional[n - 1]) --n;
    return n;
  }
  static constexpr bool kConvertible = (PayloadConvertible<arg_value_t<A>> && ...);
  static constexpr bool kNoContextAfterFirst = (!is_context_param_v<A> && ...);
};

// Non-retryable ApplicationError of type kPayloadConversionErrorType.
[[noreturn]] void throw_activity_conversion_error(const std::string& message);
// Checks the payload count against [required, total].
void check_activity_argument_count(const std::string& activity, std::size_t got, std::size_t required,
                                   std::size_t total);
[[noreturn]] void throw_activity_argument_error(const std::string& activity, std::size_t index,
                                                const std::exception& error);

template <class T>
T decode_activity_argument(const std::vector<Payload>& input, std::size_t index, const std::string& activity) {
  if constexpr (is_optional_v<T>) {
    if (index >= input.size()) return T{};  // a missing trailing std::optional (count checked before)
  }
  try {
    return stead::from_payload<T>(input[index]);
  } catch (const PayloadConversionError& e) {
    throw_activity_argument_error(activity, index, e);
  }
}

template <class... A, std::size_t... I>
std::tuple<arg_value_t<A>...> decode_activity_arguments(TypeList<A...>, std::index_sequence<I...>,
                                                         const std::vector<Payload>& input,
                                                         const std::string& activity) {
  check_activity_argument_count(activity, input.size(), ArgsTraits<TypeList<A...>>::required(), sizeof...(A));
  // Braced initialization decodes left to right.
  return std::tuple<arg_value_t<A>...>{decode_activity_argument<arg_value_t<A>>(input, I, activity)...};
}

// Calls f(ctx?, args...) passing each argument as its parameter is declared (by value:
// moved; by reference: the tuple element).
template <bool kWithContext, class F, class... A, std::size_t... I>
decltype(auto) call_activity(F& f, ActivityContext& ctx, std::tuple<arg_value_t<A>...>& args, TypeList<A...>,
                             std::index_sequence<I...>) {
  if constexpr (kWithContext) {
    return std::invoke(f, ctx, std::forward<A>(std::get<I>(args))...);
  } else {
    return std::invoke(f, std::forward<A>(std::get<I>(args))...);
  }
}

Payload encode_activity_payload(const ActivityContext& ctx, Payload payload);

template <class R>
Payload encode_activity_result(const ActivityContext& ctx, const std::string& activity, const R& value) {
  Payload payload;
  try {
    payload = stead::to_payload(value);
  } catch (const PayloadConversionError& e) {
    throw_activity_conversion_error("activity " + activity + ": cannot convert its result: " + e.what());
  }
  return encode_activity_payload(ctx, std::move(payload));
}

// The invokers: coroutines so that every error, argument decoding included, arrives through
// the Task. Parameters by value (g++ 12 rule); `ctx` outlives the task (ActivityDefinition::invoke).
template <class F, class Sig>
Task<Payload> run_sync_activity(std::shared_ptr<F> f, ActivityContext* ctx, std::vector<Payload> input,
                                std::string activity) {
  using Split = SplitContext<typename Sig::Args>;
  using Args = typename Split::Args;
  using R = typename Sig::Result;
  std::vector<Payload> decoded = ctx->data_converter().decode(std::move(input));
  auto args = decode_activity_arguments(Args{}, std::make_index_sequence<Args::size>{}, decoded, activity);
  ScopedActivityContext scope(ctx);  // no co_await below: this thread runs the whole call
  if constexpr (std::is_void_v<R>) {
    call_activity<Split::kWithContext>(*f, *ctx, args, Args{}, std::make_index_sequence<Args::size>{});
    co_return encode_activity_payload(*ctx, stead::to_payload());
  } else {
    R result = call_activity<Split::kWithContext>(*f, *ctx, args, Args{}, std::make_index_sequence<Args::size>{});
    Payload payload = encode_activity_result(*ctx, activity, result);
    co_return payload;
  }
}

template <class F, class Sig>
Task<Payload> run_coroutine_activity(std::shared_ptr<F> f, ActivityContext* ctx, std::vector<Payload> input,
                                     std::string activity) {
  using Split = SplitContext<typename Sig::Args>;
  using Args = typename Split::Args;
  using X = typename Sig::Result::value_type;
  std::vector<Payload> decoded = ctx->data_converter().decode(std::move(input));
  // Lives in this frame while the activity's coroutine runs: reference parameters point here.
  auto args = decode_activity_arguments(Args{}, std::make_index_sequence<Args::size>{}, decoded, activity);
  Task<X> inner = call_activity<Split::kWithContext>(*f, *ctx, args, Args{}, std::make_index_sequence<Args::size>{});
  if constexpr (std::is_void_v<X>) {
    co_await inner;
    co_return encode_activity_payload(*ctx, stead::to_payload());
  } else {
    X value = co_await inner;
    Payload payload = encode_activity_result(*ctx, activity, value);
    co_return payload;
  }
}

// A member function bound to `object` (a pointer, raw or smart), as a callable with the
// member's exact parameter types.
template <class R, class C, class... A, class Obj>
auto bind_activity_method(R (C::*method)(A...), Obj object) {
  return [method, object](A... args) -> R { return ((*object).*method)(std::forward<A>(args)...); };
}
template <class R, class C, class... A, class Obj>
auto bind_activity_method(R (C::*method)(A...) const, Obj object) {
  return [method, object](A... args) -> R { return ((*object).*method)(std::forward<A>(args)...); };
}
template <class R, class C, class... A, class Obj>
auto bind_activity_method(R (C::*method)(A...) noexcept, Obj object) {
  return [method, object](A... args) -> R { return ((*object).*method)(std::forward<A>(args)...); };
}
template <class R, class C, class... A, class Obj>
auto bind_activity_method(R (C::*method)(A...) const noexcept, Obj object) {
  return [method, object](A... args) -> R { return ((*object).*method)(std::forward<A>(args)...); };
}

}  // namespace detail

// One activity type: its name and how to run it. Immutable; invoke() is thread-safe.
class ActivityDefinition {
 public:
  // Starts one attempt: decodes `input`, runs the activity, encodes its result.
  using Invoker = std::function<Task<Payload>(ActivityContext& context, std::vector<Payload> input)>;

  // A definition from an invoker (for callers that decode and encode themselves).
  // Throws std::invalid_argument for an empty name or invoker.
  ActivityDefinition(std::string name, Invoker invoke, bool is_coroutine = false);

  // A definition from a callable of one of the accepted shapes (top of this file).
  template <class F>
  static ActivityDefinition from(std::string name, F fn) {
    using Fn = std::decay_t<F>;
    using Sig = detail::CallableTraits<std::remove_pointer_t<Fn>>;
    static_assert(Sig::kKnown,
                  "stead: cannot tell this activity's parameter types (a generic lambda or an overloaded "
                  "operator()); spell the parameter types out");
    using Split = detail::SplitContext<typename Sig::Args>;
    using Args = detail::ArgsTraits<typename Split::Args>;
    static_assert(Args::kNoContextAfterFirst, "stead: an ActivityContext& parameter must come first");
    static_assert(Args::kConvertible,
                  "stead: an activity parameter type has no payload conversion (define to_json/from_json "
                  "for it or specialize stead::PayloadConverter)");
    constexpr bool kCoroutine = detail::is_task_v<std::remove_cvref_t<typename Sig::Result>>;
    auto shared = std::make_shared<Fn>(std::move(fn));
    if constexpr (kCoroutine) {
      static_assert(std::is_same_v<std::remove_cvref_t<typename Sig::Result>, typename Sig::Result>,
                    "stead: a coroutine activity returns stead::Task<R> by value");
      Invoker invoke = [shared, name](ActivityContext& ctx, std::vector<Payload> input) {
        return detail::run_coroutine_activity<Fn, Sig>(shared, &ctx, std::move(input), name);
      };
      return ActivityDefinition(std::move(name), std::move(invoke), true);
    } else {
      Invoker invoke = [shared, name](ActivityContext& ctx, std::vector<Payload> input) {
        return detail::run_sync_activity<Fn, Sig>(shared, &ctx, std::move(input), name);
      };
      return ActivityDefinition(std::move(name), std::move(invoke), false);
    }
  }

  const std::string& name() const { return name_; }
  // True for coroutine activities (they hold no thread while suspended).
  bool is_coroutine() const { return is_coroutine_; }

  // Runs one attempt outside any worker (tests, local activities): the returned Task yields
  // the encoded result payload or throws what the attempt failed with (see the top of this
  // file). Nothing runs until the Task is awaited or passed to stead::sync_wait; a
  // synchronous activity then runs inline on that thread.
  // REQUIRES: `context` and this definition outlive the Task.
  Task<Payload> invoke(ActivityContext& context, std::vector<Payload> input) const {
    return invoke_(context, std::move(input));
  }

 private:
  std::string name_;
  Invoker invoke_;
  bool is_coroutine_;
};

// The activities a worker runs, by activity type name.
// Thread safety: add() is not thread-safe; the const methods are, once adding is over (the
// worker takes a std::shared_ptr<const ActivityRegistry>).
class ActivityRegistry {
 public:
  // Registers `fn` (any accepted shape) as activity type `name`. Throws
  // std::invalid_argument for an empty or already registered name.
  template <class F>
  ActivityRegistry& add(std::string name, F&& fn) {
    return add(ActivityDefinition::from(std::move(name), std::forward<F>(fn)));
  }
  // Registers a member function bound to `object` (C*, std::shared_ptr<C>, ...), which must
  // outlive the worker when it is a raw pointer.
  template <class M, class Obj>
    requires std::is_member_function_pointer_v<M>
  ActivityRegistry& add(std::string name, M method, Obj object) {
    return add(std::move(name), detail::bind_activity_method(method, std::move(object)));
  }
  ActivityRegistry& add(ActivityDefinition definition);

  // The definition registered as `name`, or null.
  std::shared_ptr<const ActivityDefinition> find(std::string_view name) const;
  // The registered names, sorted.
  std::vector<std::string> names() const;
  std::size_t size() const { return activities_.size(); }
  bool empty() const { return activities_.empty(); }

  // The error an attempt of an unregistered activity type fails with: ApplicationError of
  // type kActivityNotFoundErrorType (retryable) naming the registered types.
  ApplicationError not_found_error(std::string_view activity_type) const;

 private:
  std::map<std::string, std::shared_ptr<const ActivityDefinition>, std::less<>> activities_;
};

}  // namespace stead
