// stead::WorkflowHandle: one workflow (by id, optionally one run of it) as seen from a client.
//
//   auto handle = client.start_workflow("OrderWorkflow", order, {.id = "order-42", .task_queue = "orders"});
//   handle.signal("approve", Approval{.by = "ana"});
//   auto status = handle.query<std::string>("status");
//   auto receipt = handle.result<Receipt>();   // waits for the run (and its continuations)
//
// Which run a call targets: a handle returned by start_workflow (or get_workflow_handle
// without a run id) sends signals, queries, updates and describe to the workflow id's
// current run, and cancel/terminate to the current run of the chain that began with
// first_execution_run_id(); result() starts at run_id() and follows continue-as-new, retries
// and cron runs. A handle from get_workflow_handle(id, run_id) targets exactly that run.
//
// Every call has a blocking typed form and an untyped callback form (same name, raw
// payloads, trailing Callback; see stead/outcome.h). Payloads passed to and received from
// the callback forms are before codecs / after codecs: the client's data converter applies
// its codecs itself. Errors: WorkflowNotFoundError, NamespaceNotFoundError, RPCError, plus
// the ones listed per call.
//
// Thread safety: a handle is a small value (ids and a shared reference to the client);
// copies may be used from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "stead/async.h"
#include "stead/errors.h"
#include "stead/outcome.h"
#include "stead/payload.h"
#include "stead/payload_converter.h"
#include "temporal/api/history/v1/message.pb.h"

namespace temporal::api::workflow::v1 {
class WorkflowExecutionInfo;
}
namespace temporal::api::workflowservice::v1 {
class DescribeWorkflowExecutionResponse;
}
namespace temporal::api::update::v1 {
class Outcome;
}

namespace stead {

namespace detail {
class ClientCore;
}

using History = temporal::api::history::v1::History;

// One workflow run as listed or described by the server.
struct WorkflowExecutionInfo {
  std::string workflow_id{};
  std::string run_id{};
  std::string workflow_type{};
  std::string task_queue{};
  WorkflowExecutionStatus status = WorkflowExecutionStatus::kUnspecified;
  std::chrono::system_clock::time_point start_time{};
  std::chrono::system_clock::time_point execution_time{};  // start_time + start delay / backoff
  std::optional<std::chrono::system_clock::time_point> close_time{};
  int64_t history_length = 0;
  int64_t history_size_bytes = 0;
  std::string parent_workflow_id{};  // "" for a top-level workflow
  std::string parent_run_id{};
  // Memo values, already through the client's codecs: stead::from_payload<T>(memo.at("k")).
  std::map<std::string, Payload> memo{};
  // Search attributes as the server returned them (with `type` metadata):
  // stead::to_search_attributes(search_attributes) gives typed values.
  std::map<std::string, Payload> search_attributes{};
  // The complete message, for fields not copied above.
  std::shared_ptr<const temporal::api::workflow::v1::WorkflowExecutionInfo> raw{};
};

struct WorkflowExecutionDescription : WorkflowExecutionInfo {
  // The complete DescribeWorkflowExecution response (pending activities, children, config).
  std::shared_ptr<const temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse> raw_description{};
};

struct ResultOptions {
  // Follow the chain to its last run (continue-as-new, workflow retries, cron). When false,
  // a run that continued as new throws WorkflowContinuedAsNewError.
  bool follow_runs = true;
};

// temporal.api.enums.v1.QueryRejectCondition (same values).
enum class QueryRejectCondition : int {
  kUnspecified = 0,          // the server's default: never reject
  kNone = 1,                 // never reject
  kNotOpen = 2,              // reject when the run is closed
  kNotCompletedCleanly = 3,  // reject when the run is closed and did not complete successfully
};

struct QueryOptions {
  // REQUIRED: the query handler's name.
  std::string name{};
  // When the server answers QueryRejectedError (with the run's status) instead of asking a worker.
  QueryRejectCondition reject_condition = QueryRejectCondition::kUnspecified;
};

// temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage (same values).
enum class UpdateStage : int { kUnspecified = 0, kAdmitted = 1, kAccepted = 2, kCompleted = 3 };

struct UpdateOptions {
  // REQUIRED: the update handler's name.
  std::string name{};
  // The update id (the idempotency key); empty: a random UUID.
  std::string id{};
  // kAccepted (start_update) or kCompleted (execute_update).
  UpdateStage wait_for_stage = UpdateStage::kAccepted;
};

// An update that the workflow accepted (or already finished), untyped.
class UntypedUpdateHandle {
 public:
  const std::string& id() const { return update_id_; }
  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& run_id() const { return run_id_; }

  // Waits for the update's outcome: the result payload (after codecs; nullopt when the
  // handler returned none). Throws WorkflowUpdateFailedError when the handler failed or the
  // update was rejected.
  std::optional<Payload> result() const;
  void result(Callback<std::optional<Payload>> done) const;

 private:
  friend class WorkflowHandle;
  std::shared_ptr<detail::ClientCore> core_;
  std::string workflow_id_, run_id_, update_id_;
  std::shared_ptr<const temporal::api::update::v1::Outcome> outcome_;  // when known at start
};

template <class T>
class UpdateHandle {
 public:
  explicit UpdateHandle(UntypedUpdateHandle untyped) : untyped_(std::move(untyped)) {}
  const std::string& id() const { return untyped_.id(); }
  // The handler's result; see UntypedUpdateHandle::result.
  T result() const {
    auto payload = untyped_.result();
    return from_optional_payload<T>(payload ? &*payload : nullptr);
  }
  const UntypedUpdateHandle& untyped() const { return untyped_; }

 private:
  UntypedUpdateHandle untyped_;
};

namespace detail {
// Converts the awaited payload of `task` to T (absent payload: as binary/null).
template <class T>
Task<T> payload_task(Task<std::optional<Payload>> task) {
  std::optional<Payload> payload = co_await task;
  if constexpr (std::is_void_v<T>) {
    co_return;
  } else {
    co_return from_optional_payload<T>(payload ? &*payload : nullptr);
  }
}
// An update that completed at start (execute_update): its result as T, or its error.
template <class T>
Task<T> update_result_task(Task<UntypedUpdateHandle> task) {
  UntypedUpdateHandle handle = co_await task;
  if constexpr (std::is_void_v<T>) {
    UpdateHandle<T>(std::move(handle)).result();
    co_return;
  } else {
    co_return UpdateHandle<T>(std::move(handle)).result();
  }
}
}  // namespace detail

class WorkflowHandle {
 public:
  const std::string& id() const { return workflow_id_; }
  // The run this handle was created for: the run started, or the run id given to
  // get_workflow_handle ("" when none was given).
  const std::string& run_id() const { return run_id_; }
  const std::string& first_execution_run_id() const { return first_execution_run_id_; }

  // Waits for the workflow's result (long-polling its history for the close event) and
  // converts it to T (T = void ignores it). Throws WorkflowFailureError when the run failed
  // (cause: the workflow's failure), was canceled (CanceledError), terminated
  // (TerminatedError) or timed out (TimeoutError); WorkflowContinuedAsNewError when
  // !options.follow_runs and the run continued as new; PayloadConversionError when the
  // result is not a T.
  template <class T = void>
  T result(ResultOptions options = {}) const {
    auto payload = wait_for<std::optional<Payload>>([&](auto done) { result(options, std::move(done)); });
    return from_optional_payload<T>(payload ? &*payload : nullptr);
  }
  void result(ResultOptions options, Callback<std::optional<Payload>> done) const;

  WorkflowExecutionDescription describe() const;
  void describe(Callback<WorkflowExecutionDescription> done) const;

  // Sends a signal. Succeeds once the server recorded it.
  template <class... Args>
    requires(PayloadConvertible<Args> && ...)
  void signal(std::string_view name, const Args&... args) const {
    wait_for<void>([&](auto done) { signal(name, to_payloads(args...), std::move(done)); });
  }
  void signal(std::string_view name, std::vector<Payload> args, Callback<void> done) const;

  // Runs a query handler on a worker and converts its result. Throws QueryRejectedError
  // (options.reject_condition matched the run's status; never with the default options) and
  // QueryFailedError (the handler failed, or the workflow has no handler of that name).
  //   handle.query<std::string>({.name = "status", .reject_condition = stead::QueryRejectCondition::kNotOpen});
  template <class T, class... Args>
    requires(PayloadConvertible<Args> && ...)
  T query(const QueryOptions& options, const Args&... args) const {
    auto payload =
        wait_for<std::optional<Payload>>([&](auto done) { query(options, to_payloads(args...), std::move(done)); });
    return from_optional_payload<T>(payload ? &*payload : nullptr);
  }
  template <class T, class... Args>
    requires(PayloadConvertible<Args> && ...)
  T query(std::string_view name, const Args&... args) const {
    return query<T>(QueryOptions{.name = std::string(name)}, args...);
  }
  void query(const QueryOptions& options, std::vector<Payload> args, Callback<std::optional<Payload>> done) const;
  void query(std::string_view name, std::vector<Payload> args, Callback<std::optional<Payload>> done) const;

  // Sends an update and waits for its result. Throws WorkflowUpdateFailedError when the
  // workflow rejected it or its handler failed.
  template <class T = void, class... Args>
    requires(PayloadConvertible<Args> && ...)
  T execute_update(std::string_view name, const Args&... args) const {
    UpdateOptions options{.name = std::string(name), .wait_for_stage = UpdateStage::kCompleted};
    auto handle = wait_for<UntypedUpdateHandle>(
        [&](auto done) { start_update(options, to_payloads(args...), std::move(done)); });
    return UpdateHandle<T>(std::move(handle)).result();
  }
  // Sends an update and returns once the workflow accepted it (or rejected it: the
  // rejection surfaces from result()).
  template <class T = void, class... Args>
    requires(PayloadConvertible<Args> && ...)
  UpdateHandle<T> start_update(std::string_view name, const Args&... args) const {
    UpdateOptions options{.name = std::string(name)};
    return UpdateHandle<T>(wait_for<UntypedUpdateHandle>(
        [&](auto done) { start_update(options, to_payloads(args...), std::move(done)); }));
  }
  void start_update(const UpdateOptions& options, std::vector<Payload> args, Callback<UntypedUpdateHandle> done) const;
  // A handle for an update started earlier (by id).
  template <class T = void>
  UpdateHandle<T> get_update_handle(std::string update_id) const {
    return UpdateHandle<T>(untyped_update_handle(std::move(update_id)));
  }
  UntypedUpdateHandle untyped_update_handle(std::string update_id) const;

  // Requests cancellation: the workflow sees it and decides (usually ending as Canceled).
  // Succeeds also when the workflow is already closed.
  void cancel() const;
  void cancel(Callback<void> done) const;

  // Ends the run at once (no workflow code runs); result() then throws WorkflowFailureError
  // with a TerminatedError cause carrying `reason`.
  void terminate(std::string_view reason = "") const;
  void terminate(std::string reason, Callback<void> done) const;

  // The whole event history (all pages) of run_id(), or of the current run when run_id() is empty.
  History fetch_history() const;
  void fetch_history(Callback<History> done) const;

  // ---- Awaitable forms (stead/async.h's await_operation): the same calls and errors as the
  // blocking forms above. The Task holds a copy of the handle, so it may outlive this one.
  template <class T = void>
  Task<T> result_async(ResultOptions options = {}) const {
    return detail::payload_task<T>(await_operation<std::optional<Payload>>(
        [self = *this, options](Callback<std::optional<Payload>> done) { self.result(options, std::move(done)); }));
  }
  Task<WorkflowExecutionDescription> describe_async() const {
    return await_operation<WorkflowExecutionDescription>(
        [self = *this](Callback<WorkflowExecutionDescription> done) { self.describe(std::move(done)); });
  }
  template <class... Args>
    requires(PayloadConvertible<Args> && ...)
  Task<void> signal_async(std::string name, const Args&... args) const {
    return await_operation<void>([self = *this, name = std::move(name), payloads = to_payloads(args...)](
                                     Callback<void> done) { self.signal(name, payloads, std::move(done)); });
  }
  template <class T, class... Args>
    requires(PayloadConvertible<Args> && ...)
  Task<T> query_async(std::string name, const Args&... args) const {
    return detail::payload_task<T>(await_operation<std::optional<Payload>>(
        [self = *this, name = std::move(name), payloads = to_payloads(args...)](
            Callback<std::optional<Payload>> done) { self.query(name, payloads, std::move(done)); }));
  }
  template <class T = void, class... Args>
    requires(PayloadConvertible<Args> && ...)
  Task<T> execute_update_async(std::string name, const Args&... args) const {
    UpdateOptions options{.name = std::move(name), .wait_for_stage = UpdateStage::kCompleted};
    return detail::update_result_task<T>(await_operation<UntypedUpdateHandle>(
        [self = *this, options, payloads = to_payloads(args...)](Callback<UntypedUpdateHandle> done) {
          self.start_update(options, payloads, std::move(done));
        }));
  }
  Task<void> cancel_async() const {
    return await_operation<void>([self = *this](Callback<void> done) { self.cancel(std::move(done)); });
  }
  Task<void> terminate_async(std::string reason = "") const {
    return await_operation<void>(
        [self = *this, reason = std::move(reason)](Callback<void> done) { self.terminate(reason, std::move(done)); });
  }
  Task<History> fetch_history_async() const {
    return await_operation<History>([self = *this](Callback<History> done) { self.fetch_history(std::move(done)); });
  }

 private:
  friend class Client;
  WorkflowHandle(std::shared_ptr<detail::ClientCore> core, std::string workflow_id, std::string run_id,
                 std::string target_run_id, std::string first_execution_run_id);

  std::shared_ptr<detail::ClientCore> core_;
  std::string workflow_id_;
  std::string run_id_;
  std::string target_run_id_;  // "" = the current run
  std::string first_execution_run_id_;
};

}  // namespace stead
