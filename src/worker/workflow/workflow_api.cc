// The functions of stead/workflow.h: each reaches the runtime of the workflow running on this
// thread (WorkflowRuntime::current()).
#include "common/log.h"
#include "common/uuid.h"
#include "stead/workflow.h"
#include "worker/workflow/operation.h"
#include "worker/workflow/workflow_runtime.h"

namespace stead::workflow {
namespace detail {

using worker::WorkflowRuntime;

bool operation_ready(const Operation& op) noexcept { return op.resolved(); }
void operation_suspend(Operation& op, std::coroutine_handle<> waiter) { op.suspend(waiter); }
std::optional<Payload> operation_take(Operation& op) { return op.take(); }
void operation_cancel(Operation& op) { op.cancel(); }

OperationPtr start_activity(std::string_view activity_type, const ActivityOptions& options, std::vector<Payload> args) {
  return WorkflowRuntime::current().start_activity(activity_type, options, std::move(args));
}
OperationPtr start_local_activity(std::string_view activity_type, const LocalActivityOptions& options,
                                  std::vector<Payload> args) {
  return WorkflowRuntime::current().start_local_activity(activity_type, options, std::move(args));
}
OperationPtr start_timer(std::chrono::nanoseconds duration) { return WorkflowRuntime::current().start_timer(duration); }
ChildOperations start_child_workflow(std::string_view workflow_type, const ChildWorkflowOptions& options,
                                     std::vector<Payload> args) {
  return WorkflowRuntime::current().start_child(workflow_type, options, std::move(args));
}
OperationPtr signal_external_workflow(std::string workflow_id, std::string run_id, std::string signal_name,
                                      std::vector<Payload> args, bool child_workflow_only) {
  return WorkflowRuntime::current().signal_external(std::move(workflow_id), std::move(run_id), std::move(signal_name),
                                                    std::move(args), child_workflow_only);
}
OperationPtr cancel_external_workflow(std::string workflow_id, std::string run_id) {
  return WorkflowRuntime::current().cancel_external(std::move(workflow_id), std::move(run_id));
}

Task<void> wait_condition(std::function<bool()> predicate) {
  WorkflowRuntime& runtime = WorkflowRuntime::current();
  auto scope = runtime.current_scope();
  auto ready = [&predicate, &scope] { return predicate() || scope->cancelled(); };
  co_await runtime.scheduler().wait_condition(ready);
  runtime.set_current_scope(scope);
  if (!predicate()) throw CanceledError("wait_condition canceled");
}

Task<bool> wait_condition(std::function<bool()> predicate, std::chrono::nanoseconds timeout) {
  WorkflowRuntime& runtime = WorkflowRuntime::current();
  auto scope = runtime.current_scope();
  if (predicate()) co_return true;
  OperationPtr timer = runtime.start_timer(timeout);
  auto ready = [&predicate, &scope, &timer] { return predicate() || timer->resolved() || scope->cancelled(); };
  co_await runtime.scheduler().wait_condition(ready);
  runtime.set_current_scope(scope);
  if (predicate()) {
    timer->cancel();
    co_return true;
  }
  if (scope->cancelled() || timer->failed()) throw CanceledError("wait_condition canceled");
  co_return false;
}

std::shared_ptr<ScopeState> new_scope(bool shielded) {
  WorkflowRuntime& runtime = WorkflowRuntime::current();
  auto parent = runtime.current_scope();
  auto scope = std::make_shared<ScopeState>(parent, shielded);
  parent->add_child(scope);
  return scope;
}
std::shared_ptr<ScopeState> current_scope() { return WorkflowRuntime::current().current_scope(); }
std::shared_ptr<ScopeState> enter_scope(std::shared_ptr<ScopeState> scope) {
  return WorkflowRuntime::current().set_current_scope(std::move(scope));
}
void cancel_scope(ScopeState& scope) { scope.cancel(); }
bool scope_cancelled(const ScopeState& scope) { return scope.cancelled(); }

}  // namespace detail

using worker::WorkflowRuntime;

bool patched(std::string_view patch_id) { return WorkflowRuntime::current().patched(patch_id, false); }
void deprecate_patch(std::string_view patch_id) { WorkflowRuntime::current().patched(patch_id, true); }
void upsert_search_attributes(const SearchAttributes& attributes) {
  WorkflowRuntime::current().upsert_search_attributes(attributes);
}
const WorkflowInfo& info() { return WorkflowRuntime::current().info(); }
std::chrono::system_clock::time_point now() { return WorkflowRuntime::current().now(); }
std::mt19937_64& random() { return WorkflowRuntime::current().random(); }
bool is_replaying() { return WorkflowRuntime::current().replaying(); }
bool is_cancel_requested() { return WorkflowRuntime::current().cancel_requested(); }

std::string uuid4() {
  auto& rng = random();
  uint64_t hi = rng();
  uint64_t lo = rng();
  return uuid4_from_bits(hi, lo);
}

void log(LogLevel level, std::string_view message) {
  WorkflowRuntime& runtime = WorkflowRuntime::current();
  if (runtime.replaying()) return;
  stead::log::Level l = level == LogLevel::kDebug  ? stead::log::Level::kDebug
                        : level == LogLevel::kInfo ? stead::log::Level::kInfo
                        : level == LogLevel::kWarn ? stead::log::Level::kWarn
                                                   : stead::log::Level::kError;
  if (!stead::log::enabled(l)) return;
  const WorkflowInfo& info = runtime.info();
  std::string line = "workflow ";
  line.append(info.workflow_type).append(" ").append(info.workflow_id).append("/").append(info.run_id).append(": ");
  line.append(message);
  stead::log::write(l, line);
}

}  // namespace stead::workflow
