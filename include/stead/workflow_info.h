// stead::WorkflowInfo: what a running workflow knows about itself (stead::workflow::info()).
//
// Read from the run's WorkflowExecutionStarted event, so it is the same on every replay.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "stead/retry_policy.h"
#include "stead/search_attributes.h"

namespace stead {

struct WorkflowInfo {
  std::string namespace_{};
  std::string workflow_id{};
  std::string run_id{};
  std::string workflow_type{};
  std::string task_queue{};
  int32_t attempt = 1;
  // The run that started this chain of runs (retries and continue-as-new keep it).
  std::string first_execution_run_id{};
  // The run this one continues (continue-as-new, retry or cron), or "".
  std::string continued_run_id{};
  std::string parent_workflow_id{};  // "" when not a child
  std::string parent_run_id{};
  std::string cron_schedule{};
  std::chrono::nanoseconds execution_timeout{0};  // zero: none
  std::chrono::nanoseconds run_timeout{0};
  std::chrono::nanoseconds task_timeout{0};
  std::optional<RetryPolicy> retry_policy{};
  std::chrono::system_clock::time_point start_time{};  // the Started event's time
  SearchAttributes search_attributes{};                // as given at start
  // The start request's headers (WorkflowOptions::header; the web routes put "request-id" and
  // "traceparent" there). The worker passes them on to the activities, local activities and
  // child workflows this run starts, so a trace continues through them. Not decoded by codecs.
  std::map<std::string, Payload> headers{};
};

}  // namespace stead
