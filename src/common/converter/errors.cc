#include "stead/errors.h"

#include <utility>

namespace stead {

namespace {

std::string with_cause(std::string message, const std::shared_ptr<const FailureError>& cause) {
  if (cause && !cause->message().empty()) message += ": " + cause->message();
  return message;
}

const char* status_name(WorkflowExecutionStatus status) {
  switch (status) {
    case WorkflowExecutionStatus::kRunning: return "Running";
    case WorkflowExecutionStatus::kCompleted: return "Completed";
    case WorkflowExecutionStatus::kFailed: return "Failed";
    case WorkflowExecutionStatus::kCanceled: return "Canceled";
    case WorkflowExecutionStatus::kTerminated: return "Terminated";
    case WorkflowExecutionStatus::kContinuedAsNew: return "ContinuedAsNew";
    case WorkflowExecutionStatus::kTimedOut: return "TimedOut";
    case WorkflowExecutionStatus::kUnspecified: break;
  }
  return "Unspecified";
}

}  // namespace

FailureError::FailureError(std::string message, std::shared_ptr<const FailureError> cause)
    : Error(message), message_(std::move(message)), cause_(std::move(cause)) {}

ApplicationError::ApplicationError(std::string message, ApplicationErrorInfo info,
                                   std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), info_(std::move(info)) {}

ActivityError::ActivityError(std::string message, ActivityErrorInfo info, std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), info_(std::move(info)) {}

ChildWorkflowError::ChildWorkflowError(std::string message, ChildWorkflowErrorInfo info,
                                       std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), info_(std::move(info)) {}

TimeoutError::TimeoutError(std::string message, TimeoutErrorInfo info, std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), info_(std::move(info)) {}

CanceledError::CanceledError(std::string message, CanceledErrorInfo info, std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), info_(std::move(info)) {}

TerminatedError::TerminatedError(std::string message, std::string identity, std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), identity_(std::move(identity)) {}

ServerError::ServerError(std::string message, bool non_retryable, std::shared_ptr<const FailureError> cause)
    : FailureError(std::move(message), std::move(cause)), non_retryable_(non_retryable) {}

WorkflowFailureError::WorkflowFailureError(std::string message, std::shared_ptr<const FailureError> cause,
                                           RetryState retry_state)
    : Error(with_cause(std::move(message), cause)), cause_(std::move(cause)), retry_state_(retry_state) {}

WorkflowContinuedAsNewError::WorkflowContinuedAsNewError(std::string new_execution_run_id)
    : Error("Workflow execution continued as new (run " + new_execution_run_id + ")"),
      new_run_id_(std::move(new_execution_run_id)) {}

WorkflowUpdateFailedError::WorkflowUpdateFailedError(std::shared_ptr<const FailureError> cause)
    : Error(with_cause("Workflow update failed", cause)), cause_(std::move(cause)) {}

QueryRejectedError::QueryRejectedError(WorkflowExecutionStatus status)
    : Error(std::string("Query rejected, workflow status: ") + status_name(status)), status_(status) {}

const char* rpc_code_name(RpcCode code) {
  switch (code) {
    case RpcCode::kOk: return "OK";
    case RpcCode::kCancelled: return "CANCELLED";
    case RpcCode::kUnknown: return "UNKNOWN";
    case RpcCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case RpcCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case RpcCode::kNotFound: return "NOT_FOUND";
    case RpcCode::kAlreadyExists: return "ALREADY_EXISTS";
    case RpcCode::kPermissionDenied: return "PERMISSION_DENIED";
    case RpcCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case RpcCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case RpcCode::kAborted: return "ABORTED";
    case RpcCode::kOutOfRange: return "OUT_OF_RANGE";
    case RpcCode::kUnimplemented: return "UNIMPLEMENTED";
    case RpcCode::kInternal: return "INTERNAL";
    case RpcCode::kUnavailable: return "UNAVAILABLE";
    case RpcCode::kDataLoss: return "DATA_LOSS";
    case RpcCode::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

RPCError::RPCError(RpcCode code, std::string message, std::string status_details)
    : Error(std::string(rpc_code_name(code)) + ": " + message),
      code_(code),
      message_(std::move(message)),
      status_details_(std::move(status_details)) {}

WorkflowAlreadyStartedError::WorkflowAlreadyStartedError(std::string message, std::string workflow_id,
                                                         std::string workflow_type, std::string run_id,
                                                         std::string status_details)
    : RPCError(RpcCode::kAlreadyExists, std::move(message), std::move(status_details)),
      workflow_id_(std::move(workflow_id)),
      workflow_type_(std::move(workflow_type)),
      run_id_(std::move(run_id)) {}

WorkflowNotFoundError::WorkflowNotFoundError(std::string message, std::string workflow_id, std::string run_id,
                                             std::string status_details)
    : RPCError(RpcCode::kNotFound, std::move(message), std::move(status_details)),
      workflow_id_(std::move(workflow_id)),
      run_id_(std::move(run_id)) {}

NamespaceNotFoundError::NamespaceNotFoundError(std::string message, std::string namespace_name,
                                               std::string status_details)
    : RPCError(RpcCode::kNotFound, std::move(message), std::move(status_details)),
      namespace_name_(std::move(namespace_name)) {}

QueryFailedError::QueryFailedError(std::string message, std::shared_ptr<const FailureError> cause,
                                   std::string status_details)
    : RPCError(RpcCode::kInvalidArgument, std::move(message), std::move(status_details)), cause_(std::move(cause)) {}

}  // namespace stead
