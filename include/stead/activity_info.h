// stead::ActivityInfo: what an activity attempt knows about itself (ActivityContext::info()).
//
// Filled by the worker from the activity task the server handed out (PollActivityTaskQueue),
// or by whoever runs an activity directly (tests, local activities). Plain data: copy it
// freely; it never changes during an attempt.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stead/payload.h"

namespace stead {

struct ActivityInfo {
  std::string activity_id{};
  std::string activity_type{};
  std::string task_queue{};
  // The namespace and run of the workflow that scheduled the activity.
  std::string workflow_namespace{};
  std::string workflow_id{};
  std::string workflow_run_id{};
  std::string workflow_type{};
  // 1 for the first attempt; the server increments it on every retry.
  int32_t attempt = 1;
  // When the activity was first scheduled, when this attempt was scheduled, and when this
  // attempt started (server clock; the epoch when unknown).
  std::chrono::system_clock::time_point scheduled_time{};
  std::chrono::system_clock::time_point current_attempt_scheduled_time{};
  std::chrono::system_clock::time_point started_time{};
  // Zero: not set.
  std::chrono::nanoseconds schedule_to_close_timeout{0};
  std::chrono::nanoseconds start_to_close_timeout{0};
  std::chrono::nanoseconds heartbeat_timeout{0};
  // The details of the last heartbeat the previous attempts recorded (empty if none), with
  // the data converter's codecs already undone: read them with
  // ActivityContext::last_heartbeat_details<T>() or stead::from_payload<T>.
  std::vector<Payload> heartbeat_details{};
  // Identifies this attempt to the server (opaque bytes; async completion uses it).
  std::string task_token{};
  // True for a local activity (run by the workflow worker, without a server task).
  bool is_local = false;
  // The headers the scheduling workflow passed on (e.g. "traceparent", "request-id"; see
  // stead/workflow_info.h). Not decoded by codecs.
  std::map<std::string, Payload> headers{};
};

}  // namespace stead
