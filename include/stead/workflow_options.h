// stead::WorkflowOptions: how a client starts a workflow run.
//
//   client.start_workflow("OrderWorkflow", order, {.id = "order-42", .task_queue = "orders",
//                                                  .execution_timeout = 1h});
//
// Zero durations and empty fields mean "not set": the server's defaults apply (no execution
// or run timeout, a 10 s workflow task timeout, reuse policy ALLOW_DUPLICATE, conflict policy
// FAIL).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stead/payload.h"
#include "stead/retry_policy.h"
#include "stead/search_attributes.h"

namespace stead {

// What may happen when a closed run with the same workflow id exists
// (temporal.api.enums.v1.WorkflowIdReusePolicy, same values).
enum class WorkflowIdReusePolicy : int {
  kUnspecified = 0,
  kAllowDuplicate = 1,
  kAllowDuplicateFailedOnly = 2,
  kRejectDuplicate = 3,
  // Deprecated by the server: prefer id_conflict_policy = kTerminateExisting.
  kTerminateIfRunning = 4,
};

// What happens when a run with the same workflow id is still running
// (temporal.api.enums.v1.WorkflowIdConflictPolicy, same values).
enum class WorkflowIdConflictPolicy : int {
  kUnspecified = 0,
  kFail = 1,               // WorkflowAlreadyStartedError
  kUseExisting = 2,        // the handle points at the running run
  kTerminateExisting = 3,  // terminate it, then start
};

struct WorkflowOptions {
  // REQUIRED: the workflow id, unique among running workflows of the namespace.
  std::string id{};
  // REQUIRED: the task queue the workflow's worker polls.
  std::string task_queue{};

  std::chrono::nanoseconds execution_timeout{0};  // whole chain, across retries and continue-as-new
  std::chrono::nanoseconds run_timeout{0};        // one run
  std::chrono::nanoseconds task_timeout{0};       // one workflow task (server default 10 s)

  WorkflowIdReusePolicy id_reuse_policy = WorkflowIdReusePolicy::kUnspecified;
  WorkflowIdConflictPolicy id_conflict_policy = WorkflowIdConflictPolicy::kUnspecified;
  // Retries of the whole workflow; unset: no retries.
  std::optional<RetryPolicy> retry_policy{};
  std::string cron_schedule{};

  // Values stored with the workflow, not indexed (stead::to_payload(value) each). Payload
  // codecs apply to them.
  std::map<std::string, Payload> memo{};
  SearchAttributes search_attributes{};

  // Headers of the start request (the WorkflowExecutionStarted event's `header`): context
  // that travels with the workflow rather than in its arguments, e.g. the "request-id" and
  // W3C "traceparent" of the web request that started it (stead::to_payload(value) each).
  // Sent as given: payload codecs do not apply, as in the other SDKs by default.
  std::map<std::string, Payload> header{};

  // Delay before the first workflow task is dispatched.
  std::chrono::nanoseconds start_delay{0};

  // Idempotency key of the start request; empty: a random UUID. Retrying a start with the
  // same request id returns the run that first request started.
  std::string request_id{};

  // Signal-with-start: when set, the start is a SignalWithStartWorkflowExecution that
  // delivers this signal (with these arguments, stead::to_payloads(...)) to the running
  // workflow with this id, or starts it and delivers the signal first.
  std::string start_signal{};
  std::vector<Payload> start_signal_args{};
};

}  // namespace stead
