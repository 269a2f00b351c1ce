// The g++ 12 guard of workflow code: the forms of a `co_await` expression that g++ 12
// miscompiles fail to compile there, with a message saying how to write them instead.
//
// g++ 12 destroys twice (a double free at run time) a temporary built in a `co_await`
// full-expression when it is an aggregate with a member that has a destructor (options written
// with designated initializers inline, an argument `Order{.id = ...}`) or a lambda whose
// captures have destructors (docs/architecture.md, "Workflow code and g++ 12"). The workflow
// functions (stead/workflow.h) take such arguments through overloads that see whether the
// caller passed a temporary of that kind; if so, they return the awaitable wrapped in
// BuiltFromTemporaries, which can be awaited as a named variable (the temporaries died at the
// end of the statement that made it) but not as the temporary itself:
//
//   co_await execute_activity<R>("x", {.start_to_close_timeout = 5s}, id);   // error on g++ 12
//   auto charge = execute_activity<R>("x", {.start_to_close_timeout = 5s}, id);
//   co_await charge;                                                          // fine everywhere
//
// Other compilers (clang, g++ 13 and later) get the plain awaitable: nothing is wrapped and every
// form compiles. What the guard cannot see: `co_await` in both arms of `?:` (also miscompiled by
// g++ 12) and a wrapped awaitable converted to its plain type inside the same expression.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#define STEAD_GCC12_COAWAIT_GUARD 1
#else
#define STEAD_GCC12_COAWAIT_GUARD 0
#endif

namespace stead::workflow::detail {

// True when an argument of type T (as a forwarding reference deduces it) is a temporary that
// g++ 12 destroys twice in a co_await full-expression: an aggregate with a destructor. A class
// with a constructor (std::string, std::vector, std::function) is handled correctly.
template <class T>
inline constexpr bool is_miscompiled_temporary_v =
    !std::is_lvalue_reference_v<T> && std::is_aggregate_v<std::remove_cvref_t<T>> &&
    !std::is_trivially_destructible_v<std::remove_cvref_t<T>>;

// The same for a callable: a lambda has no constructor either, so one whose captures have a
// destructor is destroyed twice. Any other callable class with a destructor is treated alike
// (the type traits cannot tell a lambda from a hand-written function object).
template <class F>
inline constexpr bool is_miscompiled_callable_v =
    !std::is_lvalue_reference_v<F> && std::is_class_v<std::remove_cvref_t<F>> &&
    !std::is_trivially_destructible_v<std::remove_cvref_t<F>> &&
    !std::is_same_v<std::remove_cvref_t<F>, std::function<bool()>>;

template <class>
inline constexpr bool kAlwaysFalse = false;

// An awaitable that owned temporaries g++ 12 would destroy twice if it were awaited in the
// statement that built it. Converts to, and behaves as, the awaitable it wraps.
template <class Awaitable>
class [[nodiscard]] BuiltFromTemporaries : public Awaitable {
 public:
  explicit BuiltFromTemporaries(Awaitable awaitable) : Awaitable(std::move(awaitable)) {}

  // Awaiting a named variable: the temporaries are gone already.
  decltype(auto) operator co_await() & {
    if constexpr (requires(Awaitable& a) { a.operator co_await(); }) {
      return static_cast<Awaitable&>(*this).operator co_await();
    } else {
      return static_cast<Awaitable&>(*this);
    }
  }
  auto operator co_await() const&
    requires requires(const Awaitable& a) { a.operator co_await(); }
  {
    return static_cast<const Awaitable&>(*this).operator co_await();
  }

  template <class Deferred = Awaitable>
  decltype(auto) operator co_await() && {
    static_assert(kAlwaysFalse<Deferred>,
                  "stead: g++ 12 destroys the temporaries of this co_await expression twice "
                  "(options or an argument written as an aggregate with designated initializers, "
                  "or a lambda whose captures have destructors). Build them in a statement of "
                  "their own first: `const stead::ActivityOptions options{...};`, or "
                  "`auto handle = stead::workflow::execute_activity<R>(...); co_await handle;` "
                  "(stead/workflow_gcc12_guard.h). clang and g++ 13 accept this form.");
    return static_cast<BuiltFromTemporaries&>(*this).operator co_await();
  }
};

// `awaitable` as is, or wrapped in BuiltFromTemporaries when `from_temporaries` and the
// compiler is g++ 12.
template <bool from_temporaries, class Awaitable>
auto guard_temporaries(Awaitable awaitable) {
  if constexpr (STEAD_GCC12_COAWAIT_GUARD && from_temporaries) {
    return BuiltFromTemporaries<Awaitable>(std::move(awaitable));
  } else {
    return awaitable;
  }
}

template <class... Args>
inline constexpr bool any_miscompiled_temporary_v = (is_miscompiled_temporary_v<Args> || ...);

}  // namespace stead::workflow::detail
