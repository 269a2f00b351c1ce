// stead::ChildWorkflowOptions: how a workflow starts a child workflow
// (stead::workflow::start_child_workflow / execute_child_workflow).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "stead/payload.h"
#include "stead/retry_policy.h"
#include "stead/search_attributes.h"
#include "stead/workflow_options.h"

namespace stead {

// What happens to the child when the parent closes (temporal.api.enums.v1.ParentClosePolicy).
enum class ParentClosePolicy : int {
  kUnspecified = 0,  // the server's default: terminate
  kTerminate = 1,
  kAbandon = 2,
  kRequestCancel = 3,
};

// What cancelling the child from the parent does.
enum class ChildWorkflowCancellationType : int {
  kAbandon = 0,                    // report at once, do not tell the server
  kTryCancel = 1,                  // request cancellation, report at once
  kWaitCancellationCompleted = 2,  // request cancellation, wait until the child has closed
  kWaitCancellationRequested = 3,  // request cancellation, wait until the request is recorded
};

struct ChildWorkflowOptions {
  std::string id{};          // "": a deterministic UUID from the workflow's random source
  std::string task_queue{};  // "": the parent's task queue
  std::chrono::nanoseconds execution_timeout{0};
  std::chrono::nanoseconds run_timeout{0};
  std::chrono::nanoseconds task_timeout{0};
  WorkflowIdReusePolicy id_reuse_policy = WorkflowIdReusePolicy::kUnspecified;
  ParentClosePolicy parent_close_policy = ParentClosePolicy::kUnspecified;
  ChildWorkflowCancellationType cancellation_type = ChildWorkflowCancellationType::kWaitCancellationCompleted;
  std::optional<RetryPolicy> retry_policy{};
  std::string cron_schedule{};
  std::map<std::string, Payload> memo{};
  SearchAttributes search_attributes{};
};

}  // namespace stead
