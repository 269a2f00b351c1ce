// How a workflow class becomes a registered workflow type: its name, its `run` coroutine and
// its signal, query and update handlers (member functions, registered by name so that any
// SDK's client can call them by those names).
//
//   struct OrderWorkflow {
//     static constexpr std::string_view name = "OrderWorkflow";
//     stead::Task<std::string> run(std::string order_id);      // the workflow
//     void approve(std::string approver);                     // a signal
//     std::string status() const;                             // a query (const: no effects)
//     stead::Task<int> add_item(Item item);                   // an update (may await)
//     void validate_add_item(const Item& item) const;         // its validator (throw to reject)
//     static void handlers(stead::WorkflowHandlers<OrderWorkflow>& h) {
//       h.signal("approve", &OrderWorkflow::approve)
//        .query("status", &OrderWorkflow::status)
//        .update("add_item", &OrderWorkflow::add_item, &OrderWorkflow::validate_add_item);
//     }
//   };
//   worker.register_workflow<OrderWorkflow>();
//
// One object is created per run: with the run's arguments when the class has a constructor
// taking them (like Python's @workflow.init), else default-constructed. Handler forms:
//   run     Task<R> (Wf::*)(A...)
//   signal  void (Wf::*)(A...)  or  Task<void> (Wf::*)(A...)   (a coroutine handler may await)
//   query   R (Wf::*)(A...) const                               (must not start operations)
//   update  R (Wf::*)(A...)  or  Task<R> (Wf::*)(A...), optional validator void (Wf::*)(A...) const
// Arguments and results are converted by stead/payload_converter.h. Missing arguments of
// std::optional type are nullopt; extra arguments are ignored (as the other SDKs do).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "stead/errors.h"
#include "stead/payload.h"
#include "stead/payload_converter.h"
#include "stead/task.h"

namespace stead {

namespace detail {

// A registered workflow type with its types erased: what the worker's runtime calls.
// Every function takes the object `create` made; payloads are already decoded by codecs.
struct ErasedWorkflow {
  using Args = std::vector<Payload>;
  std::string name;
  std::function<std::shared_ptr<void>(const Args& args)> create;
  std::function<Task<std::optional<Payload>>(void* self, const Args& args)> run;

  struct Signal {
    // Exactly one is set.
    std::function<void(void* self, const Args& args)> sync;
    std::function<Task<void>(void* self, const Args& args)> coroutine;
  };
  struct Update {
    std::function<Task<std::optional<Payload>>(void* self, const Args& args)> run;
    std::function<void(const void* self, const Args& args)> validate;  // may be empty
  };
  std::map<std::string, Signal, std::less<>> signals;
  std::map<std::string, std::function<Payload(const void* self, const Args& args)>, std::less<>> queries;
  std::map<std::string, Update, std::less<>> updates;
};

template <class T>
struct IsTask : std::false_type {};
template <class T>
struct IsTask<Task<T>> : std::true_type {
  using value_type = T;
};

template <class M>
struct MemberFunction;
template <class C, class R, class... A>
struct MemberFunction<R (C::*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
  static constexpr bool kConst = false;
};
template <class C, class R, class... A>
struct MemberFunction<R (C::*)(A...) const> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
  static constexpr bool kConst = true;
};

template <class T>
T decode_arg(const std::vector<Payload>& args, std::size_t index) {
  if (index < args.size()) return stead::from_payload<T>(args[index]);
  if constexpr (is_optional_v<T>) {
    return std::nullopt;
  } else {
    throw PayloadConversionError("missing argument " + std::to_string(index + 1) + " (" + type_name<T>() +
                                 "): " + std::to_string(args.size()) + " given");
  }
}
template <class Tuple, std::size_t... I>
Tuple decode_args(const std::vector<Payload>& args, std::index_sequence<I...>) {
  return Tuple(decode_arg<std::tuple_element_t<I, Tuple>>(args, I)...);
}
// The arguments as the tuple of a handler's decayed parameter types.
template <class Tuple>
Tuple decode_args(const std::vector<Payload>& args) {
  return decode_args<Tuple>(args, std::make_index_sequence<std::tuple_size_v<Tuple>>());
}

template <class R>
Task<std::optional<Payload>> result_payload(Task<R> task) {
  if constexpr (std::is_void_v<R>) {
    co_await task;
    co_return std::nullopt;
  } else {
    R value = co_await task;
    co_return stead::to_payload(value);
  }
}

template <class Self, class F, class Tuple>
decltype(auto) apply_member(Self* self, F fn, Tuple& args) {
  return std::apply([&](auto&... a) -> decltype(auto) { return (self->*fn)(std::move(a)...); }, args);
}

template <class Wf, class Tuple>
struct ConstructibleFromArgs : std::false_type {};
template <class Wf, class... A>
struct ConstructibleFromArgs<Wf, std::tuple<A...>>
    : std::bool_constant<(sizeof...(A) > 0) && std::is_constructible_v<Wf, const A&...>> {};

// An object for one run: constructed from the run's arguments when Wf has such a
// constructor, else default-constructed.
template <class Wf, class RunArgs>
std::shared_ptr<void> create_workflow(const std::vector<Payload>& args) {
  if constexpr (ConstructibleFromArgs<Wf, RunArgs>::value) {
    RunArgs decoded = decode_args<RunArgs>(args);
    return std::apply([](const auto&... a) { return std::shared_ptr<void>(std::make_shared<Wf>(a...)); }, decoded);
  } else {
    return std::make_shared<Wf>();
  }
}

}  // namespace detail

// Registers a workflow class's handlers; see the top of this file.
template <class Wf>
class WorkflowHandlers {
 public:
  explicit WorkflowHandlers(detail::ErasedWorkflow* definition) : def_(definition) {}

  template <class M>
  WorkflowHandlers& signal(std::string name, M fn) {
    using Traits = detail::MemberFunction<M>;
    using Args = typename Traits::Args;
    detail::ErasedWorkflow::Signal handler;
    if constexpr (detail::IsTask<typename Traits::Result>::value) {
      handler.coroutine = [fn](void* self, const std::vector<Payload>& payloads) {
        Args args = detail::decode_args<Args>(payloads);
        return detail::apply_member(static_cast<Wf*>(self), fn, args);
      };
    } else {
      static_assert(std::is_void_v<typename Traits::Result>, "stead: a signal handler returns void or Task<void>");
      handler.sync = [fn](void* self, const std::vector<Payload>& payloads) {
        Args args = detail::decode_args<Args>(payloads);
        detail::apply_member(static_cast<Wf*>(self), fn, args);
      };
    }
    add(def_->signals, std::move(name), std::move(handler), "signal");
    return *this;
  }

  template <class M>
  WorkflowHandlers& query(std::string name, M fn) {
    using Traits = detail::MemberFunction<M>;
    static_assert(Traits::kConst, "stead: a query handler is a const member function");
    static_assert(!detail::IsTask<typename Traits::Result>::value, "stead: a query handler cannot be a coroutine");
    using Args = typename Traits::Args;
    auto handler = [fn](const void* self, const std::vector<Payload>& payloads) {
      Args args = detail::decode_args<Args>(payloads);
      if constexpr (std::is_void_v<typename Traits::Result>) {
        detail::apply_member(static_cast<const Wf*>(self), fn, args);
        return stead::to_payload();
      } else {
        return stead::to_payload(detail::apply_member(static_cast<const Wf*>(self), fn, args));
      }
    };
    add(def_->queries, std::move(name), std::function<Payload(const void*, const std::vector<Payload>&)>(handler),
        "query");
    return *this;
  }

  template <class M, class V = std::nullptr_t>
  WorkflowHandlers& update(std::string name, M fn, V validator = nullptr) {
    using Traits = detail::MemberFunction<M>;
    using Args = typename Traits::Args;
    using Result = typename Traits::Result;
    detail::ErasedWorkflow::Update handler;
    handler.run = [fn](void* self, const std::vector<Payload>& payloads) -> Task<std::optional<Payload>> {
      Args args = detail::decode_args<Args>(payloads);
      if constexpr (detail::IsTask<Result>::value) {
        return detail::result_payload(detail::apply_member(static_cast<Wf*>(self), fn, args));
      } else if constexpr (std::is_void_v<Result>) {
        detail::apply_member(static_cast<Wf*>(self), fn, args);
        return detail::result_payload(ready_task());
      } else {
        return detail::result_payload(ready_task(detail::apply_member(static_cast<Wf*>(self), fn, args)));
      }
    };
    if constexpr (!std::is_same_v<V, std::nullptr_t>) {
      using VTraits = detail::MemberFunction<V>;
      static_assert(VTraits::kConst, "stead: an update validator is a const member function");
      handler.validate = [validator](const void* self, const std::vector<Payload>& payloads) {
        typename VTraits::Args args = detail::decode_args<typename VTraits::Args>(payloads);
        detail::apply_member(static_cast<const Wf*>(self), validator, args);
      };
    }
    add(def_->updates, std::move(name), std::move(handler), "update");
    return *this;
  }

 private:
  static Task<void> ready_task() { co_return; }
  template <class T>
  static Task<T> ready_task(T value) {
    co_return value;
  }
  template <class Map, class H>
  static void add(Map& map, std::string name, H handler, const char* kind) {
    if (name.empty()) throw std::invalid_argument(std::string("stead: empty ") + kind + " name");
    if (!map.emplace(name, std::move(handler)).second)
      throw std::invalid_argument(std::string("stead: ") + kind + " '" + name + "' registered twice");
  }

  detail::ErasedWorkflow* def_;
};

// The definition of workflow class Wf under `name`: its run method, constructor and the
// handlers Wf::handlers registers (when it has that static member).
template <class Wf>
detail::ErasedWorkflow make_workflow_definition(std::string name) {
  using Traits = detail::MemberFunction<decltype(&Wf::run)>;
  using RunArgs = typename Traits::Args;
  static_assert(detail::IsTask<typename Traits::Result>::value, "stead: Wf::run must return stead::Task<R>");
  if (name.empty()) throw std::invalid_argument("stead: empty workflow type name");
  detail::ErasedWorkflow def;
  def.name = std::move(name);
  def.create = [](const std::vector<Payload>& args) { return detail::create_workflow<Wf, RunArgs>(args); };
  def.run = [](void* self, const std::vector<Payload>& payloads) {
    RunArgs args = detail::decode_args<RunArgs>(payloads);
    return detail::result_payload(detail::apply_member(static_cast<Wf*>(self), &Wf::run, args));
  };
  if constexpr (requires(WorkflowHandlers<Wf>& h) { Wf::handlers(h); }) {
    WorkflowHandlers<Wf> handlers(&def);
    Wf::handlers(handlers);
  }
  return def;
}

}  // namespace stead
