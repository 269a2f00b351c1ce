// stead::ActivityContext: what a running activity attempt can ask and tell its worker —
// its ActivityInfo, heartbeats, and whether (and why) it has been cancelled.
//
//   std::string fetch(stead::ActivityContext& ctx, std::string url) {
//     auto from = ctx.last_heartbeat_details<int64_t>().value_or(0);  // resume after a retry
//     for (int64_t chunk = from; chunk < total; ++chunk) {
//       download(url, chunk);
//       ctx.heartbeat(chunk);        // throttled; also how cancellation reaches the activity
//       ctx.throw_if_cancelled();    // stead::CanceledError once cancelled
//     }
//     return "done";
//   }
//
// A synchronous activity may instead call stead::activity::context() (below). Coroutine
// activities must take the ActivityContext& parameter: a coroutine resumes on other threads.
//
// Cancellation reaches an activity only through heartbeats (the server answers a heartbeat
// with cancel_requested), through its own timeout (the worker cancels it when the
// start-to-close or schedule-to-close deadline passes), or through worker shutdown after the
// grace period. What the activity does about it is up to it: it may stop by throwing
// stead::CanceledError (reported as cancelled when the workflow asked for it), finish, or
// fail as usual.
//
// Thread safety: every method is safe to call from any thread, concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "stead/activity_info.h"
#include "stead/converter.h"
#include "stead/payload.h"

namespace stead {

// Why an activity attempt was cancelled.
enum class ActivityCancelReason : int {
  kNone = 0,             // not cancelled
  kCancelRequested = 1,  // the workflow requested cancellation (RequestCancelActivityTask)
  kNotFound = 2,         // the server no longer knows the attempt (the run closed, the attempt
                         // timed out or was superseded): heartbeats get NOT_FOUND
  kTimedOut = 3,         // the attempt's start-to-close / schedule-to-close deadline passed
  kWorkerShutdown = 4,   // the worker is shutting down and the grace period is over
  kPaused = 5,           // the activity was paused (heartbeat response activity_paused)
  kReset = 6,            // the activity was reset (heartbeat response activity_reset)
};

// "CANCEL_REQUESTED", "NOT_FOUND", ... ("NONE" for kNone).
const char* activity_cancel_reason_name(ActivityCancelReason reason);

// The cancellation state of one activity attempt, shared between the code that runs the
// activity (which cancels it) and the activity (which observes it). Cancellation happens at
// most once; the first reason wins. Worker shutdown is announced separately, before the
// grace period ends, so an activity can wind down on its own.
// Thread-safe.
class ActivityCancellation {
 public:
  // Cancels with `reason` (REQUIRES: reason != kNone). Returns false if it was already
  // cancelled (the first reason stays).
  bool cancel(ActivityCancelReason reason);
  bool is_cancelled() const { return reason() != ActivityCancelReason::kNone; }
  ActivityCancelReason reason() const { return reason_.load(std::memory_order_acquire); }
  // Stops (stop_requested()) when cancelled, for std::stop_callback / std::jthread users.
  std::stop_token stop_token() const { return source_.get_token(); }
  // Blocks until cancelled or `timeout` passed; returns is_cancelled().
  bool wait(std::chrono::nanoseconds timeout) const;

  // The worker started shutting down (the activity is not cancelled yet).
  void notify_worker_shutdown();
  bool is_worker_shutdown() const { return worker_shutdown_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::stop_source source_;
  std::atomic<ActivityCancelReason> reason_{ActivityCancelReason::kNone};
  std::atomic<bool> worker_shutdown_{false};
};

class ActivityContext {
 public:
  // Receives heartbeat details, already converted and encoded by the data converter. The
  // worker throttles and sends them; it must not block.
  using HeartbeatSink = std::function<void(std::vector<Payload> details)>;

  // REQUIRES: `converter` outlives the context; cancellation != nullptr. Without a sink,
  // heartbeats are only recorded (latest_heartbeat_details()), e.g. for local activities.
  ActivityContext(ActivityInfo info, const DataConverter& converter, std::shared_ptr<ActivityCancellation> cancellation,
                  HeartbeatSink heartbeat = {});
  ActivityContext(const ActivityContext&) = delete;
  ActivityContext& operator=(const ActivityContext&) = delete;

  const ActivityInfo& info() const { return info_; }
  const DataConverter& data_converter() const { return converter_; }

  // ---- Heartbeats. Tells the server the activity is alive (needed when the activity has a
  // heartbeat timeout), records progress for the next attempt, and is how a cancellation
  // request reaches the activity. Sent at most once per throttle interval (80% of the
  // heartbeat timeout, or the worker's default of 30 s without one); the latest details
  // of an interval are sent at its end. Throws PayloadConversionError when a detail cannot
  // be converted.
  template <PayloadConvertible... Details>
  void heartbeat(const Details&... details) const {
    heartbeat_payloads(converter_.to_payloads(details...));
  }
  // The same with payloads that are already converted and encoded.
  void heartbeat_payloads(std::vector<Payload> details) const;
  // The details of this attempt's latest heartbeat (encoded), or none.
  std::optional<std::vector<Payload>> latest_heartbeat_details() const;

  // Detail `index` of the previous attempts' last heartbeat (info().heartbeat_details) as a
  // T, or nullopt when there is no such detail. Throws PayloadConversionError on a mismatch.
  template <class T>
  std::optional<T> last_heartbeat_details(std::size_t index = 0) const {
    if (index >= info_.heartbeat_details.size()) return std::nullopt;
    return stead::from_payload<T>(info_.heartbeat_details[index]);
  }

  // ---- Cancellation (see the top of this file).
  bool is_cancelled() const { return cancellation_->is_cancelled(); }
  ActivityCancelReason cancel_reason() const { return cancellation_->reason(); }
  std::stop_token stop_token() const { return cancellation_->stop_token(); }
  // Blocks until cancelled or `timeout` passed; returns is_cancelled(). Also a cancellable
  // sleep: `if (ctx.wait_for_cancellation(5s)) throw stead::CanceledError(...)`.
  bool wait_for_cancellation(std::chrono::nanoseconds timeout) const { return cancellation_->wait(timeout); }
  // Throws stead::CanceledError naming the reason when cancelled.
  void throw_if_cancelled() const;
  // The worker is shutting down: finish soon (cancellation follows after the grace period).
  bool is_worker_shutdown() const { return cancellation_->is_worker_shutdown(); }
  const std::shared_ptr<ActivityCancellation>& cancellation() const { return cancellation_; }

 private:
  const ActivityInfo info_;
  const DataConverter& converter_;
  const std::shared_ptr<ActivityCancellation> cancellation_;
  const HeartbeatSink sink_;
  mutable std::mutex mu_;
  mutable std::optional<std::vector<Payload>> latest_;  // guarded by mu_
};

namespace activity {

// The context of the synchronous activity running on this thread. Throws std::logic_error
// outside one (in particular inside coroutine activities: take an ActivityContext& there).
ActivityContext& context();
// Whether this thread is running a synchronous activity.
bool in_activity();

}  // namespace activity

namespace detail {

// Makes `context` this thread's activity::context() for its lifetime (nesting restores the
// previous one). Used by the code that calls synchronous activity functions.
class ScopedActivityContext {
 public:
  explicit ScopedActivityContext(ActivityContext* context);
  ~ScopedActivityContext();
  ScopedActivityContext(const ScopedActivityContext&) = delete;
  ScopedActivityContext& operator=(const ScopedActivityContext&) = delete;

 private:
  ActivityContext* previous_;
};

}  // namespace detail
}  // namespace stead
