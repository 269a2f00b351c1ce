// ExecutionStatus values of the list-filter language: the names of
// temporal.api.enums.v1.WorkflowExecutionStatus without their prefix, as Temporal's query
// language and the UI write them (ExecutionStatus = 'Running').
#pragma once

#include <cstdint>
#include <string_view>

namespace stead::server::visibility {

// Maps "Running", "Completed", "Failed", "Canceled", "Terminated", "ContinuedAsNew",
// "TimedOut", "Paused" (any case) or the full enum name ("WORKFLOW_EXECUTION_STATUS_RUNNING")
// to its WorkflowExecutionStatus number. Returns false for anything else, "Unspecified"
// included.
bool parse_execution_status(std::string_view text, int32_t* status);

// "Running" for 1, ... "Paused" for 8; "Unspecified" for anything else. The form CountWorkflow-
// Executions reports in the group values of GROUP BY ExecutionStatus.
std::string_view execution_status_name(int32_t status);

}  // namespace stead::server::visibility
