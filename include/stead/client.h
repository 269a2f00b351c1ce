// stead::Client: start, signal, query, update, cancel, terminate and list workflows on a
// Temporal-compatible server (a Temporal cluster, `stead server start-dev`, or a
// stead::Server embedded in this process).
//
//   auto client = stead::Client::connect({.address = "localhost:7233"});
//   auto handle = client.start_workflow("OrderWorkflow", order,
//                                       {.id = "order-" + order.id, .task_queue = "orders"});
//   Receipt receipt = handle.result<Receipt>();
//   // or, in one call:
//   auto receipt = client.execute_workflow<Receipt>("OrderWorkflow", order, {.id = ..., .task_queue = "orders"});
//
// Workflows are named by their type name (what every SDK registers them under), or by a
// class with a `static constexpr std::string_view name` (and a `run` method whose
// parameters the arguments must match): client.start_workflow<OrderWorkflow>(order, {...}).
// Arguments are converted by stead/payload_converter.h; up to four typed arguments are
// accepted (Temporal's advice is one argument holding a struct), any number as payloads:
// client.start_workflow("Name", stead::to_payloads(a, b, c, d, e), {...}).
//
// Embedded server: connect to it like any other, {.address = server->address()} (a loopback
// TCP socket), or in process with {.channel = server->in_process_channel()}.
//
// Every call has a blocking form, a callback form (stead/outcome.h: it starts the call and
// returns; its Callback later receives the value or the error) and an awaitable form
// (`..._async`, a stead::Task; after the co_await the coroutine continues on a client
// completion thread). The blocking and awaitable forms are built on the callback forms.
//
// Errors: RPCError (with the gRPC code) for transport and server errors, and the typed
// subclasses named per call (stead/errors.h).
//
// Thread safety: a Client is a cheap handle to one shared connection (one gRPC channel);
// copy it freely and use it from any number of threads. The connection closes when the last
// copy, the last WorkflowHandle and the last in-flight call are gone.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "stead/client_options.h"
#include "stead/converter.h"
#include "stead/outcome.h"
#include "stead/workflow_handle.h"
#include "stead/workflow_options.h"

namespace stead {

// A workflow class usable as client.start_workflow<Wf>(...): it names its workflow type.
template <class Wf>
concept NamedWorkflow = requires {
  { std::string_view(Wf::name) };
};

class Client;
namespace detail {
const std::shared_ptr<ClientCore>& core_of(const Client& client);

template <class R>
struct AwaitedValue {
  using type = R;
};
template <class R>
  requires requires { typename R::value_type; typename R::promise_type; }
struct AwaitedValue<R> {
  using type = typename R::value_type;
};
// The result type of workflow class Wf called with Args: the value its `run` co_returns.
template <class Wf, class... Args>
using workflow_result_t =
    typename AwaitedValue<std::invoke_result_t<decltype(&Wf::run), Wf&, const Args&...>>::type;

template <class Wf, class... Args>
constexpr void check_workflow_args() {
  if constexpr (requires { &Wf::run; }) {
    static_assert(std::is_invocable_v<decltype(&Wf::run), Wf&, const Args&...>,
                  "stead: these arguments do not match the workflow's run() parameters");
  }
}
}  // namespace detail

// The result of count_workflows: the total, and per-group counts for "GROUP BY" queries.
struct WorkflowCount {
  struct Group {
    std::vector<Payload> values{};  // the grouped search attribute values, e.g. "Running"
    int64_t count = 0;
  };
  int64_t count = 0;
  std::vector<Group> groups{};
};

class Client {
 public:
  // Opens the connection and checks it with GetSystemInfo (a server answering UNIMPLEMENTED
  // is accepted). Throws RPCError when the server cannot be reached within
  // options.connect_timeout, std::invalid_argument for unusable options (e.g. an unreadable
  // certificate file).
  static Client connect(ClientOptions options);
  static void connect(ClientOptions options, Callback<Client> done);

  const std::string& namespace_() const;
  const std::string& identity() const;
  const DataConverter& data_converter() const;
  // Replaces the API key sent with every later call (e.g. after rotation).
  void set_api_key(std::string api_key) const;

  // ---- start_workflow: starts a run and returns its handle.
  // Throws WorkflowAlreadyStartedError when a run with this id is running (under the default
  // conflict policy) or the reuse policy forbids a new run; std::invalid_argument when
  // options.id or options.task_queue is empty.
  WorkflowHandle start_workflow(std::string_view workflow_type, std::vector<Payload> args,
                                const WorkflowOptions& options) const;
  void start_workflow(std::string_view workflow_type, std::vector<Payload> args, const WorkflowOptions& options,
                      Callback<WorkflowHandle> done) const;

  WorkflowHandle start_workflow(std::string_view workflow_type, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, std::vector<Payload>{}, options);
  }
  template <PayloadConvertible A1>
  WorkflowHandle start_workflow(std::string_view workflow_type, const A1& a1, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1), options);
  }
  template <PayloadConvertible A1, PayloadConvertible A2>
  WorkflowHandle start_workflow(std::string_view workflow_type, const A1& a1, const A2& a2,
                                const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1, a2), options);
  }
  template <PayloadConvertible A1, PayloadConvertible A2, PayloadConvertible A3>
  WorkflowHandle start_workflow(std::string_view workflow_type, const A1& a1, const A2& a2, const A3& a3,
                                const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1, a2, a3), options);
  }
  template <PayloadConvertible A1, PayloadConvertible A2, PayloadConvertible A3, PayloadConvertible A4>
  WorkflowHandle start_workflow(std::string_view workflow_type, const A1& a1, const A2& a2, const A3& a3,
                                const A4& a4, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1, a2, a3, a4), options);
  }

  // By workflow class: start_workflow<OrderWorkflow>(order, {...}).
  template <NamedWorkflow Wf>
  WorkflowHandle start_workflow(const WorkflowOptions& options) const {
    detail::check_workflow_args<Wf>();
    return start_workflow(Wf::name, std::vector<Payload>{}, options);
  }
  template <NamedWorkflow Wf, PayloadConvertible A1>
  WorkflowHandle start_workflow(const A1& a1, const WorkflowOptions& options) const {
    detail::check_workflow_args<Wf, A1>();
    return start_workflow(Wf::name, to_payloads(a1), options);
  }
  template <NamedWorkflow Wf, PayloadConvertible A1, PayloadConvertible A2>
  WorkflowHandle start_workflow(const A1& a1, const A2& a2, const WorkflowOptions& options) const {
    detail::check_workflow_args<Wf, A1, A2>();
    return start_workflow(Wf::name, to_payloads(a1, a2), options);
  }
  template <NamedWorkflow Wf, PayloadConvertible A1, PayloadConvertible A2, PayloadConvertible A3>
  WorkflowHandle start_workflow(const A1& a1, const A2& a2, const A3& a3, const WorkflowOptions& options) const {
    detail::check_workflow_args<Wf, A1, A2, A3>();
    return start_workflow(Wf::name, to_payloads(a1, a2, a3), options);
  }

  // ---- execute_workflow: start_workflow, then result<R>() (same errors as both).
  template <class R>
    requires(!NamedWorkflow<R>)
  R execute_workflow(std::string_view workflow_type, std::vector<Payload> args, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, std::move(args), options).template result<R>();
  }
  template <class R>
    requires(!NamedWorkflow<R>)
  R execute_workflow(std::string_view workflow_type, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, std::vector<Payload>{}, options).template result<R>();
  }
  template <class R, PayloadConvertible A1>
    requires(!NamedWorkflow<R>)
  R execute_workflow(std::string_view workflow_type, const A1& a1, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1), options).template result<R>();
  }
  template <class R, PayloadConvertible A1, PayloadConvertible A2>
    requires(!NamedWorkflow<R>)
  R execute_workflow(std::string_view workflow_type, const A1& a1, const A2& a2, const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1, a2), options).template result<R>();
  }
  template <class R, PayloadConvertible A1, PayloadConvertible A2, PayloadConvertible A3>
    requires(!NamedWorkflow<R>)
  R execute_workflow(std::string_view workflow_type, const A1& a1, const A2& a2, const A3& a3,
                     const WorkflowOptions& options) const {
    return start_workflow(workflow_type, to_payloads(a1, a2, a3), options).template result<R>();
  }
  // By workflow class; the result type is what Wf::run co_returns.
  template <NamedWorkflow Wf>
  auto execute_workflow(const WorkflowOptions& options) const {
    return start_workflow<Wf>(options).template result<detail::workflow_result_t<Wf>>();
  }
  template <NamedWorkflow Wf, PayloadConvertible A1>
  auto execute_workflow(const A1& a1, const WorkflowOptions& options) const {
    return start_workflow<Wf>(a1, options).template result<detail::workflow_result_t<Wf, A1>>();
  }
  template <NamedWorkflow Wf, PayloadConvertible A1, PayloadConvertible A2>
  auto execute_workflow(const A1& a1, const A2& a2, const WorkflowOptions& options) const {
    return start_workflow<Wf>(a1, a2, options).template result<detail::workflow_result_t<Wf, A1, A2>>();
  }

  // ---- signal_with_start_workflow: signals the running workflow with options.id, or starts
  // it and delivers the signal as its first event. The same as start_workflow with
  // options.start_signal set. With the default conflict policy an already running workflow
  // is signaled, not an error.
  WorkflowHandle signal_with_start_workflow(std::string_view workflow_type, std::vector<Payload> args,
                                            std::string_view signal_name, std::vector<Payload> signal_args,
                                            WorkflowOptions options) const;

  // A handle for an existing workflow (no call is made). With an empty run_id it targets the
  // workflow id's current run.
  WorkflowHandle get_workflow_handle(std::string workflow_id, std::string run_id = "") const;

  // ---- visibility. `query` is Temporal's list filter, e.g.
  // "WorkflowType = 'OrderWorkflow' AND ExecutionStatus = 'Running'"; empty lists everything.
  // Reads every page. Throws RPCError(INVALID_ARGUMENT) for a malformed query.
  std::vector<WorkflowExecutionInfo> list_workflows(std::string_view query = "") const;
  void list_workflows(std::string query, Callback<std::vector<WorkflowExecutionInfo>> done) const;
  // One page of the list: at most page_size runs, and the token of the next page ("" when
  // this is the last). Pass "" as page_token for the first page. Throws RPCError
  // (INVALID_ARGUMENT for a malformed query or a token that is not the server's).
  struct WorkflowPage {
    std::vector<WorkflowExecutionInfo> workflows{};
    std::string next_page_token{};
  };
  WorkflowPage list_workflows_page(std::string_view query, int page_size, std::string_view page_token = "") const;
  void list_workflows_page(std::string query, int page_size, std::string page_token, Callback<WorkflowPage> done) const;
  WorkflowCount count_workflows(std::string_view query = "") const;
  void count_workflows(std::string query, Callback<WorkflowCount> done) const;

  // ---- Awaitable forms (stead/async.h's await_operation): the same calls and errors as the
  // blocking forms. The Task holds a copy of the client.
  //   auto handle = co_await client.start_workflow_async("OrderWorkflow", stead::to_payloads(order), options);
  //   auto receipt = co_await handle.result_async<Receipt>();
  Task<WorkflowHandle> start_workflow_async(std::string workflow_type, std::vector<Payload> args,
                                            WorkflowOptions options) const {
    return await_operation<WorkflowHandle>(
        [self = *this, workflow_type = std::move(workflow_type), args = std::move(args),
         options = std::move(options)](Callback<WorkflowHandle> done) {
          self.start_workflow(workflow_type, args, options, std::move(done));
        });
  }
  template <NamedWorkflow Wf, PayloadConvertible... Args>
  Task<WorkflowHandle> start_workflow_async(WorkflowOptions options, const Args&... args) const {
    detail::check_workflow_args<Wf, Args...>();
    return start_workflow_async(std::string(Wf::name), to_payloads(args...), std::move(options));
  }
  Task<std::vector<WorkflowExecutionInfo>> list_workflows_async(std::string query = "") const {
    return await_operation<std::vector<WorkflowExecutionInfo>>(
        [self = *this, query = std::move(query)](Callback<std::vector<WorkflowExecutionInfo>> done) {
          self.list_workflows(query, std::move(done));
        });
  }
  Task<WorkflowCount> count_workflows_async(std::string query = "") const {
    return await_operation<WorkflowCount>([self = *this, query = std::move(query)](Callback<WorkflowCount> done) {
      self.count_workflows(query, std::move(done));
    });
  }

 private:
  friend const std::shared_ptr<detail::ClientCore>& detail::core_of(const Client& client);
  explicit Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::ClientCore> core_;
};

// The connection a Client shares (for the worker, which polls on the client's connection).
inline const std::shared_ptr<detail::ClientCore>& detail::core_of(const Client& client) { return client.core_; }

}  // namespace stead
