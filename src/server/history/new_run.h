// Parameters of a new run (start_workflow.cc), shared by starts, signal-with-start,
// continue-as-new and workflow retries.
#pragma once

#include <optional>
#include <string>

#include "common/time_util.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace stead::server::history {

namespace wsv1 = temporal::api::workflowservice::v1;

// A signal delivered with a start (SignalWithStart) or on its own.
struct SignalParams {
  std::string signal_name;
  temporal::api::common::v1::Payloads input;
  std::string identity;
  temporal::api::common::v1::Header header;
  std::string request_id;
};

// Inputs of a new run: a start request plus, for continue-as-new and retries, its lineage.
struct NewRunParams {
  const SignalParams* signal = nullptr;  // SignalWithStart: recorded before the first task
  std::string run_id;                    // empty: a fresh id
  // Carried over from the previous run of a chain (the execution timeout spans all runs).
  std::optional<TimePoint> execution_expiration;
  const wsv1::StartWorkflowExecutionRequest* request = nullptr;
  int32_t attempt = 1;
  std::string first_execution_run_id;      // empty: the new run is the first of its chain
  std::string continued_execution_run_id;  // run this one continues, if any
  temporal::api::enums::v1::ContinueAsNewInitiator initiator{};
  // Set for child workflows.
  std::string parent_namespace;
  temporal::api::common::v1::WorkflowExecution parent_execution;
  int64_t parent_initiated_event_id = 0;
};

// A run to start right after the current one closes, in the same commit.
struct Successor {
  wsv1::StartWorkflowExecutionRequest request;
  NewRunParams params;  // params.request is set when the successor starts
};

}  // namespace stead::server::history
