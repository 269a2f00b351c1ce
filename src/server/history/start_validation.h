// Validation of a start request (also the start half of SignalWithStart).
#pragma once

#include "common/status.h"
#include "server/history/config.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace stead::server::history {

// INVALID_ARGUMENT naming the first bad field: ids, type and task queue set and within
// length limits, valid timeouts, a valid retry policy, payloads within blob limits.
// Normalizes `request` as Temporal does: durations above 100 years are capped and the
// retry policy gets its defaults.
Status validate_start(temporal::api::workflowservice::v1::StartWorkflowExecutionRequest* request, const Config& config);

}  // namespace stead::server::history
