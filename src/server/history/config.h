// Tunables of the history engine. Defaults match the Temporal server's; several can be set
// with `--dynamic-config-value KEY=VALUE` (see server/dynamic_config.cc for the keys).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/time_util.h"

namespace stead::server::history {

struct Config {
  Duration default_workflow_task_timeout = std::chrono::seconds(10);
  Duration max_workflow_task_timeout = std::chrono::seconds(120);
  // Longest wait of a GetWorkflowExecutionHistory long poll before an empty page.
  Duration history_long_poll_interval = std::chrono::seconds(20);
  // Events per history page (poll responses and GetWorkflowExecutionHistory).
  int history_page_size = 256;
  // Payload blobs larger than this are rejected with INVALID_ARGUMENT (limit.blobSize.error).
  int64_t blob_size_limit_error = 2 * 1024 * 1024;
  Duration default_namespace_retention = std::chrono::hours(24);
  int executor_threads = 4;
  // How often retention and memory eviction run (Engine::sweep).
  Duration sweep_interval = std::chrono::seconds(60);
  // Longest namespace, workflow id, task queue, type, signal name, request id... in bytes
  // (limit.maxIDLength).
  size_t max_id_length = 1000;
  // Concurrent long polls per namespace and method (frontend.namespaceCount; see
  // frontend/long_poll_limiter.h).
  int max_concurrent_long_polls = 1200;
};

}  // namespace stead::server::history
