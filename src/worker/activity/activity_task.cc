#include "worker/activity/activity_task.h"

#include "common/time_util.h"

namespace stead::worker {


ActivityInfo activity_info_from(const wsv1::PollActivityTaskQueueResponse& task, const std::string& task_queue,
                                const DataConverter& converter) {
  ActivityInfo info;
  info.activity_id = task.activity_id();
  info.activity_type = task.activity_type().name();
  info.task_queue = task_queue;
  info.workflow_namespace = task.workflow_namespace();
  info.workflow_id = task.workflow_execution().workflow_id();
  info.workflow_run_id = task.workflow_execution().run_id();
  info.workflow_type = task.workflow_type().name();
  info.attempt = task.attempt() > 0 ? task.attempt() : 1;
  info.scheduled_time = from_proto(task.scheduled_time());
  info.current_attempt_scheduled_time = from_proto(task.current_attempt_scheduled_time());
  info.started_time = from_proto(task.started_time());
  info.schedule_to_close_timeout = from_proto(task.schedule_to_close_timeout());
  info.start_to_close_timeout = from_proto(task.start_to_close_timeout());
  info.heartbeat_timeout = from_proto(task.heartbeat_timeout());
  const auto& details = task.heartbeat_details().payloads();
  if (!details.empty()) info.heartbeat_details = converter.decode({details.begin(), details.end()});
  info.task_token = task.task_token();
  info.is_local = false;
  info.headers.insert(task.header().fields().begin(), task.header().fields().end());
  return info;
}

ActivityOutcome completed_outcome(Payload result) {
  ActivityOutcome out;
  out.kind = ActivityOutcome::Kind::kCompleted;
  out.result = std::move(result);
  return out;
}

namespace {

Failure plain_failure(const std::string& message) {
  Failure failure;
  failure.set_message(message);
  failure.set_source(DefaultFailureConverter::kSource);
  failure.mutable_application_failure_info()->set_type("stead::FailureConversionError");
  return failure;
}

Failure to_failure_or_plain(std::exception_ptr error, const DataConverter& converter) {
  try {
    return converter.to_failure(error);
  } catch (const std::exception& e) {
    std::string original = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& inner) {
      original = inner.what();
    } catch (...) {
    }
    return plain_failure(original + " (and converting it to a failure failed: " + e.what() + ")");
  } catch (...) {
    return plain_failure("converting an activity error to a failure failed");
  }
}

}  // namespace

ActivityOutcome failed_outcome(std::exception_ptr error, ActivityCancelReason reason, const DataConverter& converter) {
  ActivityOutcome out;
  try {
    std::rethrow_exception(error);
  } catch (const CanceledError& canceled) {
    if (reason == ActivityCancelReason::kWorkerShutdown) {
      out.kind = ActivityOutcome::Kind::kFailed;
      out.failure = to_failure_or_plain(
          std::make_exception_ptr(ApplicationError("Worker shutdown", {.type = kWorkerShutdownErrorType})), converter);
      return out;
    }
    if (reason != ActivityCancelReason::kNone) {
      out.kind = ActivityOutcome::Kind::kCanceled;
      try {
        out.details = converter.encode(canceled.details());
      } catch (...) {
        out.details.clear();  // a codec failure must not turn a cancellation into a failure
      }
      return out;
    }
  } catch (...) {
  }
  out.kind = ActivityOutcome::Kind::kFailed;
  out.failure = to_failure_or_plain(error, converter);
  return out;
}

}  // namespace stead::worker
