// stead::ActivityOptions: how a workflow schedules an activity (stead::workflow::execute_activity).
//
//   co_await stead::workflow::execute_activity<std::string>(
//       "process_order", {.start_to_close_timeout = 5min, .retry_policy = stead::RetryPolicy{.maximum_attempts = 3}},
//       order_id);
//
// At least one of start_to_close_timeout and schedule_to_close_timeout is required (as in
// every Temporal SDK); zero means "not set".
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "stead/retry_policy.h"

namespace stead {

// What cancelling a scheduled activity does (coresdk ActivityCancellationType, same meaning).
enum class ActivityCancellationType : int {
  // Ask the server to cancel it and report the cancellation to the workflow at once.
  kTryCancel = 0,
  // Ask the server to cancel it and wait until the activity has acknowledged (or finished).
  kWaitCancellationCompleted = 1,
  // Report the cancellation at once and do not tell the server.
  kAbandon = 2,
};

struct ActivityOptions {
  std::string task_queue{};  // "": the workflow's task queue
  std::chrono::nanoseconds schedule_to_close_timeout{0};
  std::chrono::nanoseconds schedule_to_start_timeout{0};
  std::chrono::nanoseconds start_to_close_timeout{0};
  std::chrono::nanoseconds heartbeat_timeout{0};
  // Unset: the server's default (unlimited attempts, 1 s initial interval, coefficient 2).
  std::optional<RetryPolicy> retry_policy{};
  ActivityCancellationType cancellation_type = ActivityCancellationType::kTryCancel;
  std::string activity_id{};  // "": a sequence number unique within the run
};

// How a workflow runs a local activity (stead::workflow::execute_local_activity): in the
// worker that runs the workflow, without a round trip through the server's task queues; its
// result is recorded in the history as a `core_local_activity` marker, so replays do not run
// it again. Meant for short operations. At least one of start_to_close_timeout and
// schedule_to_close_timeout is required.
//
// Retries happen inside the workflow task, per retry_policy, and stop early when the next
// attempt would start after 80% of the workflow task timeout has passed (the task must be
// answered in time); the activity then fails with its last failure. (Temporal's core SDK
// continues such retries later on a timer; Stead does not yet.)
struct LocalActivityOptions {
  std::chrono::nanoseconds schedule_to_close_timeout{0};
  std::chrono::nanoseconds start_to_close_timeout{0};
  std::optional<RetryPolicy> retry_policy{};
  std::string activity_id{};  // "": a sequence number unique within the run
};

}  // namespace stead
