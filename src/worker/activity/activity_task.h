// The worker's view of one activity task: ActivityInfo from a PollActivityTaskQueue response,
// and how an attempt's end becomes one of the three answers (Completed, Failed, Canceled).
// Pure functions, no I/O.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include "stead/activity.h"
#include "stead/activity_context.h"
#include "stead/activity_info.h"
#include "stead/converter.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace stead::worker {

namespace wsv1 = temporal::api::workflowservice::v1;

using stead::kWorkerShutdownErrorType;  // stead/activity.h

// The info of a polled task. Heartbeat details are decoded with the converter's codecs
// (throws what a codec throws). Timestamps and durations absent from the task stay zero.
ActivityInfo activity_info_from(const wsv1::PollActivityTaskQueueResponse& task, const std::string& task_queue,
                                const DataConverter& converter);

// How an attempt ended, as the server will be told.
struct ActivityOutcome {
  enum class Kind { kCompleted, kFailed, kCanceled };
  Kind kind = Kind::kCompleted;
  Payload result{};              // kCompleted: encoded
  Failure failure{};             // kFailed: payloads inside encoded
  std::vector<Payload> details;  // kCanceled: encoded
};

ActivityOutcome completed_outcome(Payload result);
// The outcome of an attempt that threw `error`:
//   CanceledError after cancellation by the workflow, the server (NOT_FOUND), the attempt's
//   deadline, pause or reset   -> kCanceled with the error's details
//   CanceledError after worker shutdown -> kFailed: ApplicationError "Worker shutdown" of
//                                          type kWorkerShutdownErrorType (retryable)
//   anything else (CanceledError without cancellation included) -> kFailed, converted by
//                                          the converter's failure converter
// Never throws: a converter that fails yields a plain failure naming both errors.
ActivityOutcome failed_outcome(std::exception_ptr error, ActivityCancelReason reason, const DataConverter& converter);

}  // namespace stead::worker
