// stead::testing::ActivityEnvironment: runs one activity on the test's thread with a test
// ActivityContext, without a server or a worker (Python's ActivityEnvironment, TypeScript's
// MockActivityEnvironment). Part of the testing kit (stead/testing.h).
//
//   stead::testing::ActivityEnvironment env;
//   int beats = 0;
//   env.on_heartbeat([&](const std::vector<stead::Payload>&) { if (++beats == 3) env.cancel(); });
//   EXPECT_THROW(env.run(download, "https://example.com/big"), stead::CanceledError);
//   EXPECT_EQ(env.heartbeats<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
//
// run(fn, args...) calls `fn` as the worker would, minus the payload conversion: with the
// environment's ActivityContext first when `fn` takes one, with activity::context() set for
// its thread, and sync_wait for a coroutine activity (stead::Task<R>). It returns what `fn`
// returns and lets what `fn` throws escape unchanged. run_definition() takes the worker's
// path instead: payloads in, the data converter, the encoded result payload out.
//
// Every heartbeat is recorded (no throttling) with the data converter's codecs undone, and
// handed to the on_heartbeat listener on the activity's thread. cancel() cancels the attempt
// that is running, or the next one when none is; each run() after that starts uncancelled.
// notify_worker_shutdown() announces a worker shutdown (ActivityContext::is_worker_shutdown)
// to the same attempt; a shutdown that cancels is cancel(ActivityCancelReason::kWorkerShutdown).
//
// Thread safety: run() and run_definition() from one thread at a time; cancel(),
// notify_worker_shutdown(), heartbeats() from any thread, also from within the activity and
// the listener.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "stead/activity.h"
#include "stead/activity_context.h"
#include "stead/activity_info.h"
#include "stead/converter.h"
#include "stead/payload.h"
#include "stead/sync_wait.h"
#include "stead/task.h"

namespace stead::testing {

// The info a test attempt gets unless the test sets its own: activity "test" of type
// "unknown" on task queue "test", scheduled by workflow "test" (run "test-run", type
// "test") in namespace "default", attempt 1, start-to-close and schedule-to-close 1 s (the
// Python SDK's defaults). The times are set when each attempt starts.
ActivityInfo default_activity_info();

struct ActivityEnvironmentOptions {
  ActivityInfo info = default_activity_info();
  DataConverter data_converter{};
};

class ActivityEnvironment {
 public:
  using HeartbeatListener = std::function<void(const std::vector<Payload>& details)>;

  explicit ActivityEnvironment(ActivityEnvironmentOptions options = {});
  ActivityEnvironment(const ActivityEnvironment&) = delete;
  ActivityEnvironment& operator=(const ActivityEnvironment&) = delete;

  // The info of the next attempt (change it between runs, e.g. attempt or heartbeat_details).
  ActivityInfo& info() { return info_; }
  const DataConverter& data_converter() const { return converter_; }

  // Runs `fn(args...)` (or `fn(context, args...)`) as one attempt; see the top of this file.
  template <class F, class... Args>
  decltype(auto) run(F&& fn, Args&&... args) {
    Attempt attempt = begin_attempt();
    detail::ScopedActivityContext scope(attempt.context.get());
    auto call = [&]() -> decltype(auto) {
      if constexpr (std::is_invocable_v<F&, ActivityContext&, Args...>) {
        return std::invoke(fn, *attempt.context, std::forward<Args>(args)...);
      } else {
        static_assert(std::is_invocable_v<F&, Args...>,
                      "stead::testing::ActivityEnvironment::run: the activity cannot be called with these "
                      "arguments (with or without a leading ActivityContext&)");
        return std::invoke(fn, std::forward<Args>(args)...);
      }
    };
    using Result = decltype(call());
    if constexpr (detail::is_task_v<std::remove_cvref_t<Result>>) {
      return stead::sync_wait(call());
    } else {
      return call();
    }
  }

  // Runs `definition` as the worker does: decodes `input` with the data converter, converts
  // the arguments, runs the attempt, and returns the encoded result payload (or throws what
  // the attempt failed with, see stead/activity.h).
  Payload run_definition(const ActivityDefinition& definition, std::vector<Payload> input);

  // Called with every heartbeat's details (codecs undone), on the activity's thread, after
  // the heartbeat is recorded. Set before run().
  void on_heartbeat(HeartbeatListener listener) { listener_ = std::move(listener); }
  // The details of every heartbeat of the latest attempt, in order (codecs undone).
  std::vector<std::vector<Payload>> heartbeats() const;
  // Detail `index` of every heartbeat of the latest attempt, as T (heartbeats without that
  // detail are skipped). Throws PayloadConversionError on a mismatch.
  template <class T>
  std::vector<T> heartbeats(std::size_t index = 0) const {
    std::vector<T> values;
    for (const auto& details : heartbeats())
      if (index < details.size()) values.push_back(stead::from_payload<T>(details[index]));
    return values;
  }

  void cancel(ActivityCancelReason reason = ActivityCancelReason::kCancelRequested);
  void notify_worker_shutdown();

 private:
  // One run: its context, and a fresh cancellation for the next run once it ends.
  class Attempt {
   public:
    Attempt(ActivityEnvironment* env, std::unique_ptr<ActivityContext> context)
        : env_(env), context(std::move(context)) {}
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt() { env_->end_attempt(); }

   private:
    ActivityEnvironment* env_;

   public:
    const std::unique_ptr<ActivityContext> context;
  };
  Attempt begin_attempt();
  void end_attempt();
  void record_heartbeat(std::vector<Payload> details);

  ActivityInfo info_;
  DataConverter converter_;
  HeartbeatListener listener_;
  mutable std::mutex mu_;
  // The running attempt's cancellation, or the next one's when none runs.
  std::shared_ptr<ActivityCancellation> cancellation_;  // guarded by mu_
  std::vector<std::vector<Payload>> heartbeats_;        // guarded by mu_
};

}  // namespace stead::testing
