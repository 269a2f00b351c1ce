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

}  // namespace stead
