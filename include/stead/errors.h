// The exceptions of the public SDK surface.
//
//   stead::Error                          every exception the SDK throws (std::runtime_error)
//   ├─ FailureError                       a failure that crosses the wire as a Temporal Failure
//   │  ├─ ApplicationError                raised by workflow/activity code (type, details, ...)
//   │  ├─ ActivityError                   an activity failed; cause() says why
//   │  ├─ ChildWorkflowError              a child workflow failed; cause() says why
//   │  ├─ TimeoutError                    a timeout fired (timeout_type)
//   │  ├─ CanceledError                   cancellation
//   │  ├─ TerminatedError                 the workflow was terminated
//   │  └─ ServerError                     the server failed it
//   ├─ WorkflowFailureError               a workflow result: the run failed; cause() holds the chain
//   ├─ WorkflowContinuedAsNewError        a result without following runs: it continued as new
//   ├─ WorkflowUpdateFailedError          an update's handler failed or rejected it; cause()
//   ├─ QueryRejectedError                 the query's reject condition matched
//   ├─ PayloadConversionError             a value cannot be converted to or from a Payload
//   └─ RPCError                           a gRPC call failed (code, message)
//      ├─ WorkflowAlreadyStartedError     ALREADY_EXISTS on start
//      ├─ WorkflowNotFoundError           NOT_FOUND on a workflow call
//      ├─ NamespaceNotFoundError          NOT_FOUND with a NamespaceNotFoundFailure detail
//      └─ QueryFailedError                the query handler failed (INVALID_ARGUMENT)
//
// A FailureError converts to and from temporal.api.failure.v1.Failure (stead/failure_converter.h);
// its cause() is the next error in the Failure's cause chain. Errors are immutable after
// construction and copyable (causes are shared), so they can be rethrown across threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "stead/payload.h"
#include "temporal/api/failure/v1/message.pb.h"

namespace stead {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// temporal.api.enums.v1.RetryState (same values).
enum class RetryState : int {
  kUnspecified = 0,
  kInProgress = 1,
  kNonRetryableFailure = 2,
  kTimeout = 3,
  kMaximumAttemptsReached = 4,
  kRetryPolicyNotSet = 5,
  kInternalServerError = 6,
  kCancelRequested = 7,
};

// temporal.api.enums.v1.TimeoutType (same values).
enum class TimeoutType : int {
  kUnspecified = 0,
  kStartToClose = 1,
  kScheduleToStart = 2,
  kScheduleToClose = 3,
  kHeartbeat = 4,
};

// temporal.api.enums.v1.ApplicationErrorCategory (same values). kBenign failures are logged
// at a lower level and not counted as failures in metrics by the SDKs that honour it.
enum class ApplicationErrorCategory : int { kUnspecified = 0, kBenign = 1 };

// ---------------------------------------------------------------------------------------
// Failures

class FailureError : public Error {
 public:
  // A failure of a kind this SDK has no class for (e.g. a Nexus failure) decodes to a plain
  // FailureError with its message and cause.
  explicit FailureError(std::string message, std::shared_ptr<const FailureError> cause = nullptr);

  const std::string& message() const { return message_; }
  // The stack trace the failing SDK recorded ("" when none; C++ records none).
  const std::string& stack_trace() const { return stack_trace_; }
  // The next failure in the chain, or null.
  const std::shared_ptr<const FailureError>& cause() const { return cause_; }
  // cause() as an E, or null when there is no cause or it is not an E.
  template <class E>
  const E* cause_as() const {
    return dynamic_cast<const E*>(cause_.get());
  }
  // The Failure proto this error was decoded from, or null when it was raised in this
  // process. Encoding an error that has one reproduces it exactly, so failures from other
  // SDKs pass through C++ code without losing fields.
  const temporal::api::failure::v1::Failure* original_failure() const { return original_.get(); }

  // Throws a copy of this error with its dynamic type (so `catch (const ActivityError&)`
  // matches an ActivityError held through a FailureError pointer).
  [[noreturn]] virtual void rethrow() const { throw *this; }

 private:
  friend class DefaultFailureConverter;
  std::string message_;
  std::string stack_trace_;
  std::shared_ptr<const FailureError> cause_;
  std::shared_ptr<const temporal::api::failure::v1::Failure> original_;
};

struct ApplicationErrorInfo {
  // The error's type name: what retry policies' non_retryable_error_types match. Empty:
  // the failure converter uses the C++ class name of a subclass of ApplicationError.
  std::string type{};
  bool non_retryable = false;
  // Extra values, already converted (stead::to_payloads(...)); decode with from_payload<T>.
  std::vector<Payload> details{};
  // Overrides the retry policy's next interval for this attempt (activities).
  std::optional<std::chrono::nanoseconds> next_retry_delay{};
  ApplicationErrorCategory category = ApplicationErrorCategory::kUnspecified;
};

// The error user code raises to fail a workflow or an activity with a chosen type:
//   throw stead::ApplicationError("card declined", {.type = "CardDeclined", .non_retryable = true});
// Any other exception escaping user code becomes an ApplicationError whose type is the
// exception's C++ class name (e.g. "std::invalid_argument").
class ApplicationError : public FailureError {
 public:
  explicit ApplicationError(std::string message, ApplicationErrorInfo info = {},
                            std::shared_ptr<const FailureError> cause = nullptr);
  const std::string& type() const { return info_.type; }
  bool non_retryable() const { return info_.non_retryable; }
  const std::vector<Payload>& details() const { return info_.details; }
  std::optional<std::chrono::nanoseconds> next_retry_delay() const { return info_.next_retry_delay; }
  ApplicationErrorCategory category() const { return info_.category; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  ApplicationErrorInfo info_;
};

struct ActivityErrorInfo {
  int64_t scheduled_event_id = 0;
  int64_t started_event_id = 0;
  std::string identity{};
  std::string activity_type{};
  std::string activity_id{};
  RetryState retry_state = RetryState::kUnspecified;
};

class ActivityError : public FailureError {
 public:
  explicit ActivityError(std::string message, ActivityErrorInfo info = {},
                         std::shared_ptr<const FailureError> cause = nullptr);
  int64_t scheduled_event_id() const { return info_.scheduled_event_id; }
  int64_t started_event_id() const { return info_.started_event_id; }
  const std::string& identity() const { return info_.identity; }
  const std::string& activity_type() const { return info_.activity_type; }
  const std::string& activity_id() const { return info_.activity_id; }
  RetryState retry_state() const { return info_.retry_state; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  ActivityErrorInfo info_;
};

struct ChildWorkflowErrorInfo {
  std::string namespace_{};
  std::string workflow_id{};
  std::string run_id{};
  std::string workflow_type{};
  int64_t initiated_event_id = 0;
  int64_t started_event_id = 0;
  RetryState retry_state = RetryState::kUnspecified;
};

class ChildWorkflowError : public FailureError {
 public:
  explicit ChildWorkflowError(std::string message, ChildWorkflowErrorInfo info = {},
                              std::shared_ptr<const FailureError> cause = nullptr);
  const std::string& namespace_() const { return info_.namespace_; }
  const std::string& workflow_id() const { return info_.workflow_id; }
  const std::string& run_id() const { return info_.run_id; }
  const std::string& workflow_type() const { return info_.workflow_type; }
  int64_t initiated_event_id() const { return info_.initiated_event_id; }
  int64_t started_event_id() const { return info_.started_event_id; }
  RetryState retry_state() const { return info_.retry_state; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  ChildWorkflowErrorInfo info_;
};

struct TimeoutErrorInfo {
  TimeoutType timeout_type = TimeoutType::kUnspecified;
  std::vector<Payload> last_heartbeat_details{};
};

class TimeoutError : public FailureError {
 public:
  explicit TimeoutError(std::string message, TimeoutErrorInfo info = {},
                        std::shared_ptr<const FailureError> cause = nullptr);
  TimeoutType timeout_type() const { return info_.timeout_type; }
  const std::vector<Payload>& last_heartbeat_details() const { return info_.last_heartbeat_details; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  TimeoutErrorInfo info_;
};

struct CanceledErrorInfo {
  std::vector<Payload> details{};
  std::string identity{};
};

class CanceledError : public FailureError {
 public:
  explicit CanceledError(std::string message, CanceledErrorInfo info = {},
                         std::shared_ptr<const FailureError> cause = nullptr);
  const std::vector<Payload>& details() const { return info_.details; }
  const std::string& identity() const { return info_.identity; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  CanceledErrorInfo info_;
};

class TerminatedError : public FailureError {
 public:
  explicit TerminatedError(std::string message, std::string identity = "",
                           std::shared_ptr<const FailureError> cause = nullptr);
  const std::string& identity() const { return identity_; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  std::string identity_;
};

class ServerError : public FailureError {
 public:
  explicit ServerError(std::string message, bool non_retryable = false,
                       std::shared_ptr<const FailureError> cause = nullptr);
  bool non_retryable() const { return non_retryable_; }
  [[noreturn]] void rethrow() const override { throw *this; }

 private:
  bool non_retryable_;
};

// ---------------------------------------------------------------------------------------
// Client-side outcomes

// A workflow run ended without a result: failed, canceled, terminated or timed out.
// cause() is the FailureError saying why (ApplicationError, CanceledError, TerminatedError,
// TimeoutError, ...). what() is e.g. "Workflow execution failed: card declined".
class WorkflowFailureError : public Error {
 public:
  WorkflowFailureError(std::string message, std::shared_ptr<const FailureError> cause,
                       RetryState retry_state = RetryState::kUnspecified);
  const std::shared_ptr<const FailureError>& cause() const { return cause_; }
  template <class E>
  const E* cause_as() const {
    return dynamic_cast<const E*>(cause_.get());
  }
  RetryState retry_state() const { return retry_state_; }

 private:
  std::shared_ptr<const FailureError> cause_;
  RetryState retry_state_;
};

// result() with follow_runs = false reached a run that continued as new.
class WorkflowContinuedAsNewError : public Error {
 public:
  explicit WorkflowContinuedAsNewError(std::string new_execution_run_id);
  const std::string& new_execution_run_id() const { return new_run_id_; }

 private:
  std::string new_run_id_;
};

// An update was rejected by the workflow's validator or its handler failed; cause() says why.
class WorkflowUpdateFailedError : public Error {
 public:
  explicit WorkflowUpdateFailedError(std::shared_ptr<const FailureError> cause);
  const std::shared_ptr<const FailureError>& cause() const { return cause_; }
  template <class E>
  const E* cause_as() const {
    return dynamic_cast<const E*>(cause_.get());
  }

 private:
  std::shared_ptr<const FailureError> cause_;
};

// temporal.api.enums.v1.WorkflowExecutionStatus (same values).
enum class WorkflowExecutionStatus : int {
  kUnspecified = 0,
  kRunning = 1,
  kCompleted = 2,
  kFailed = 3,
  kCanceled = 4,
  kTerminated = 5,
  kContinuedAsNew = 6,
  kTimedOut = 7,
};

// A query was not run because the workflow's status matched the query's reject condition.
class QueryRejectedError : public Error {
 public:
  explicit QueryRejectedError(WorkflowExecutionStatus status);
  WorkflowExecutionStatus status() const { return status_; }

 private:
  WorkflowExecutionStatus status_;
};

class PayloadConversionError : public Error {
 public:
  using Error::Error;
};

// Replaying a workflow's history made the workflow code issue different commands than the
// history records (the code changed without stead::workflow::patched, or it is not
// deterministic). The message names the event and the command. A worker reports it as a
// workflow task failure with cause NON_DETERMINISTIC_ERROR; the Replayer throws it.
class NondeterminismError : public Error {
 public:
  using Error::Error;
};

// gRPC status codes (same values as grpc::StatusCode).
enum class RpcCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "NOT_FOUND" for RpcCode::kNotFound, and so on.
const char* rpc_code_name(RpcCode code);

// A gRPC call failed. what() is "<CODE>: <message>".
class RPCError : public Error {
 public:
  // `status_details` is the raw grpc-status-details-bin (a serialized google.rpc.Status).
  RPCError(RpcCode code, std::string message, std::string status_details = "");
  RpcCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& status_details() const { return status_details_; }

 private:
  RpcCode code_;
  std::string message_;
  std::string status_details_;
};

class WorkflowAlreadyStartedError : public RPCError {
 public:
  WorkflowAlreadyStartedError(std::string message, std::string workflow_id, std::string workflow_type,
                              std::string run_id, std::string status_details = "");
  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& workflow_type() const { return workflow_type_; }
  // The run that is already running (or, under a reject policy, the last run).
  const std::string& run_id() const { return run_id_; }

 private:
  std::string workflow_id_, workflow_type_, run_id_;
};

class WorkflowNotFoundError : public RPCError {
 public:
  WorkflowNotFoundError(std::string message, std::string workflow_id, std::string run_id,
                        std::string status_details = "");
  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& run_id() const { return run_id_; }

 private:
  std::string workflow_id_, run_id_;
};

class NamespaceNotFoundError : public RPCError {
 public:
  NamespaceNotFoundError(std::string message, std::string namespace_name, std::string status_details = "");
  const std::string& namespace_() const { return namespace_name_; }

 private:
  std::string namespace_name_;
};

// The workflow's query handler failed, or no handler has that name. cause() is the failure
// the worker reported, when it reported one.
class QueryFailedError : public RPCError {
 public:
  QueryFailedError(std::string message, std::shared_ptr<const FailureError> cause, std::string status_details = "");
  const std::shared_ptr<const FailureError>& cause() const { return cause_; }

 private:
  std::shared_ptr<const FailureError> cause_;
};

}  // namespace stead
