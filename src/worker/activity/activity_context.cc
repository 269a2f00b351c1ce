// ActivityCancellation, ActivityContext and the thread-local activity::context().
#include "stead/activity_context.h"

#include <stdexcept>

namespace stead {

const char* activity_cancel_reason_name(ActivityCancelReason reason) {
  switch (reason) {
    case ActivityCancelReason::kNone: return "NONE";
    case ActivityCancelReason::kCancelRequested: return "CANCEL_REQUESTED";
    case ActivityCancelReason::kNotFound: return "NOT_FOUND";
    case ActivityCancelReason::kTimedOut: return "TIMED_OUT";
    case ActivityCancelReason::kWorkerShutdown: return "WORKER_SHUTDOWN";
    case ActivityCancelReason::kPaused: return "PAUSED";
    case ActivityCancelReason::kReset: return "RESET";
  }
  return "UNKNOWN";
}

bool ActivityCancellation::cancel(ActivityCancelReason reason) {
  if (reason == ActivityCancelReason::kNone) throw std::invalid_argument("ActivityCancellation::cancel: no reason");
  {
    std::lock_guard lock(mu_);
    if (reason_.load(std::memory_order_relaxed) != ActivityCancelReason::kNone) return false;
    reason_.store(reason, std::memory_order_release);
    cv_.notify_all();
  }
  // Outside the lock: stop callbacks run inline and may call back into this object.
  source_.request_stop();
  return true;
}

bool ActivityCancellation::wait(std::chrono::nanoseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return is_cancelled(); });
  return is_cancelled();
}

void ActivityCancellation::notify_worker_shutdown() { worker_shutdown_.store(true, std::memory_order_release); }

ActivityContext::ActivityContext(ActivityInfo info, const DataConverter& converter,
                                 std::shared_ptr<ActivityCancellation> cancellation, HeartbeatSink heartbeat)
    : info_(std::move(info)),
      converter_(converter),
      cancellation_(std::move(cancellation)),
      sink_(std::move(heartbeat)) {
  if (!cancellation_) throw std::invalid_argument("ActivityContext: null cancellation");
}

void ActivityContext::heartbeat_payloads(std::vector<Payload> details) const {
  {
    std::lock_guard lock(mu_);
    latest_ = details;
  }
  if (sink_) sink_(std::move(details));
}

std::optional<std::vector<Payload>> ActivityContext::latest_heartbeat_details() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void ActivityContext::throw_if_cancelled() const {
  ActivityCancelReason reason = cancel_reason();
  if (reason == ActivityCancelReason::kNone) return;
  throw CanceledError(std::string("Activity cancelled: ") + activity_cancel_reason_name(reason));
}

namespace {
thread_local ActivityContext* current_context = nullptr;
}  // namespace

ActivityContext& activity::context() {
  if (!current_context)
    throw std::logic_error(
        "stead::activity::context() called outside a synchronous activity (coroutine activities take an "
        "ActivityContext& parameter)");
  return *current_context;
}

bool activity::in_activity() { return current_context != nullptr; }

detail::ScopedActivityContext::ScopedActivityContext(ActivityContext* context) : previous_(current_context) {
  current_context = context;
}

detail::ScopedActivityContext::~ScopedActivityContext() { current_context = previous_; }

}  // namespace stead
