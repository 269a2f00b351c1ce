// The activity runner's pure parts: heartbeat throttling, cancellation, the context's
// heartbeat recording, ActivityInfo from a poll response and how an attempt's end is
// reported. A fake clock; no threads except where waiting is the point.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "common/time_util.h"
#include "stead/activity.h"
#include "worker/activity/activity_task.h"
#include "worker/delay_queue.h"
#include "worker/activity/heartbeat_throttler.h"
#include "worker/thread_pool.h"

namespace stead::worker {
namespace {

using namespace std::chrono_literals;
using Clock = HeartbeatThrottler::Clock;

std::vector<Payload> details(int n) { return to_payloads(n); }
int value_of(const std::optional<std::vector<Payload>>& sent) { return from_payload<int>(sent->at(0)); }

TEST(ActivityHeartbeatTest, IntervalIsEightyPercentOfTheTimeoutCappedOrTheDefault) {
  EXPECT_EQ(heartbeat_throttle_interval(10s, 30s, 60s), 8s);
  EXPECT_EQ(heartbeat_throttle_interval(0s, 30s, 60s), 30s);
  EXPECT_EQ(heartbeat_throttle_interval(600s, 30s, 60s), 60s);
}

TEST(ActivityHeartbeatTest, FirstHeartbeatGoesAtOnceLaterOnesAtTheEndOfTheInterval) {
  HeartbeatThrottler t(8s);
  Clock::time_point t0{};
  auto a = t.heartbeat(details(1), t0);
  ASSERT_TRUE(a.send);
  EXPECT_EQ(value_of(a.send), 1);
  EXPECT_FALSE(a.wake_at);
  EXPECT_FALSE(t.on_sent(t0 + 10ms).send);

  // Within the interval: held back, one timer for the end of the interval, latest wins.
  auto b = t.heartbeat(details(2), t0 + 1s);
  EXPECT_FALSE(b.send);
  ASSERT_TRUE(b.wake_at);
  EXPECT_EQ(*b.wake_at, t0 + 8s);
  auto c = t.heartbeat(details(3), t0 + 2s);
  EXPECT_FALSE(c.send);
  EXPECT_FALSE(c.wake_at);  // already armed
  EXPECT_TRUE(t.has_pending());

  auto d = t.on_timer(t0 + 8s);
  ASSERT_TRUE(d.send);
  EXPECT_EQ(value_of(d.send), 3);
  EXPECT_FALSE(t.has_pending());
  EXPECT_FALSE(t.on_sent(t0 + 8s + 5ms).send);

  // A timer with nothing pending sends nothing; after the interval a heartbeat goes at once.
  EXPECT_FALSE(t.on_timer(t0 + 9s).send);
  auto e = t.heartbeat(details(4), t0 + 17s);
  ASSERT_TRUE(e.send);
  EXPECT_EQ(value_of(e.send), 4);
}

TEST(ActivityHeartbeatTest, AtMostOneCallInFlight) {
  HeartbeatThrottler t(1s);
  Clock::time_point t0{};
  ASSERT_TRUE(t.heartbeat(details(1), t0).send);
  // The interval passed but the first call has not answered yet: wait for it.
  auto held = t.heartbeat(details(2), t0 + 2s);
  EXPECT_FALSE(held.send);
  EXPECT_FALSE(held.wake_at);  // on_sent() will come back
  auto after = t.on_sent(t0 + 3s);
  ASSERT_TRUE(after.send);
  EXPECT_EQ(value_of(after.send), 2);
  // A slow answer within the interval re-arms the timer instead.
  auto quick = t.heartbeat(details(3), t0 + 3s + 100ms);
  EXPECT_FALSE(quick.send);
  EXPECT_FALSE(quick.wake_at);
  auto sent = t.on_sent(t0 + 3s + 200ms);
  EXPECT_FALSE(sent.send);
  ASSERT_TRUE(sent.wake_at);
  EXPECT_EQ(*sent.wake_at, t0 + 4s);
}

TEST(ActivityCancellationTest, FirstReasonWinsAndWakesWaiters) {
  auto c = std::make_shared<ActivityCancellation>();
  EXPECT_FALSE(c->is_cancelled());
  EXPECT_FALSE(c->wait(1ms));
  bool stopped = false;
  std::stop_callback on_stop(c->stop_token(), [&] { stopped = true; });
  auto waiter = std::async(std::launch::async, [c] { return c->wait(60s); });
  EXPECT_TRUE(c->cancel(ActivityCancelReason::kCancelRequested));
  EXPECT_TRUE(waiter.get());
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(c->cancel(ActivityCancelReason::kWorkerShutdown));
  EXPECT_EQ(c->reason(), ActivityCancelReason::kCancelRequested);
  EXPECT_STREQ(activity_cancel_reason_name(c->reason()), "CANCEL_REQUESTED");
  EXPECT_THROW(c->cancel(ActivityCancelReason::kNone), std::invalid_argument);
}

TEST(ActivityCancellationTest, WorkerShutdownIsAnnouncedBeforeCancellation) {
  DataConverter converter;
  auto c = std::make_shared<ActivityCancellation>();
  ActivityContext ctx(ActivityInfo{}, converter, c);
  c->notify_worker_shutdown();
  EXPECT_TRUE(ctx.is_worker_shutdown());
  EXPECT_FALSE(ctx.is_cancelled());
  EXPECT_NO_THROW(ctx.throw_if_cancelled());
  c->cancel(ActivityCancelReason::kWorkerShutdown);
  EXPECT_TRUE(ctx.stop_token().stop_requested());
  EXPECT_EQ(ctx.cancel_reason(), ActivityCancelReason::kWorkerShutdown);
  EXPECT_THROW(ctx.throw_if_cancelled(), CanceledError);
}

TEST(ActivityContextTest, HeartbeatsAreConvertedRecordedAndHandedToTheSink) {
  DataConverter converter;
  std::vector<std::vector<Payload>> seen;
  ActivityInfo info;
  info.heartbeat_details = to_payloads(7, std::string("x"));
  ActivityContext ctx(info, converter, std::make_shared<ActivityCancellation>(),
                      [&](std::vector<Payload> d) { seen.push_back(std::move(d)); });
  EXPECT_FALSE(ctx.latest_heartbeat_details());
  ctx.heartbeat(1, std::string("a"));
  ctx.heartbeat();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(from_payload<std::string>(seen[0].at(1)), "a");
  EXPECT_TRUE(seen[1].empty());
  EXPECT_TRUE(ctx.latest_heartbeat_details()->empty());
  // The previous attempt's details, by index.
  EXPECT_EQ(ctx.last_heartbeat_details<int>(), 7);
  EXPECT_EQ(ctx.last_heartbeat_details<std::string>(1), "x");
  EXPECT_EQ(ctx.last_heartbeat_details<int>(2), std::nullopt);
  EXPECT_THROW(ctx.last_heartbeat_details<int>(1), PayloadConversionError);
}

TEST(ActivityTaskTest, InfoFromAPollResponse) {
  wsv1::PollActivityTaskQueueResponse task;
  task.set_task_token("tok");
  task.set_activity_id("a1");
  task.mutable_activity_type()->set_name("Charge");
  task.set_workflow_namespace("default");
  task.mutable_workflow_execution()->set_workflow_id("wf");
  task.mutable_workflow_execution()->set_run_id("run");
  task.mutable_workflow_type()->set_name("Order");
  task.set_attempt(2);
  auto t = std::chrono::system_clock::time_point(1700000000s);
  *task.mutable_scheduled_time() = to_proto(t);
  *task.mutable_current_attempt_scheduled_time() = to_proto(t + 5s);
  *task.mutable_started_time() = to_proto(t + 6s);
  *task.mutable_start_to_close_timeout() = to_proto_duration(10s);
  *task.mutable_heartbeat_timeout() = to_proto_duration(2s);
  *task.mutable_heartbeat_details()->add_payloads() = to_payload(41);
  DataConverter converter;
  ActivityInfo info = activity_info_from(task, "orders", converter);
  EXPECT_EQ(info.activity_id, "a1");
  EXPECT_EQ(info.activity_type, "Charge");
  EXPECT_EQ(info.task_queue, "orders");
  EXPECT_EQ(info.workflow_namespace, "default");
  EXPECT_EQ(info.workflow_id, "wf");
  EXPECT_EQ(info.workflow_run_id, "run");
  EXPECT_EQ(info.workflow_type, "Order");
  EXPECT_EQ(info.attempt, 2);
  EXPECT_EQ(info.scheduled_time, t);
  EXPECT_EQ(info.current_attempt_scheduled_time, t + 5s);
  EXPECT_EQ(info.started_time, t + 6s);
  EXPECT_EQ(info.start_to_close_timeout, 10s);
  EXPECT_EQ(info.schedule_to_close_timeout, 0s);
  EXPECT_EQ(info.heartbeat_timeout, 2s);
  ASSERT_EQ(info.heartbeat_details.size(), 1u);
  EXPECT_EQ(from_payload<int>(info.heartbeat_details[0]), 41);
  EXPECT_EQ(info.task_token, "tok");
  EXPECT_FALSE(info.is_local);
}

TEST(ActivityTaskTest, CanceledErrorAfterCancellationReportsCanceled) {
  DataConverter converter;
  auto error = std::make_exception_ptr(CanceledError("stopping", {.details = to_payloads(3)}));
  auto out = failed_outcome(error, ActivityCancelReason::kCancelRequested, converter);
  EXPECT_EQ(out.kind, ActivityOutcome::Kind::kCanceled);
  ASSERT_EQ(out.details.size(), 1u);
  EXPECT_EQ(from_payload<int>(out.details[0]), 3);
  EXPECT_EQ(failed_outcome(error, ActivityCancelReason::kNotFound, converter).kind, ActivityOutcome::Kind::kCanceled);
}

TEST(ActivityTaskTest, CanceledErrorWithoutCancellationIsAFailure) {
  DataConverter converter;
  auto out = failed_outcome(std::make_exception_ptr(CanceledError("mine")), ActivityCancelReason::kNone, converter);
  EXPECT_EQ(out.kind, ActivityOutcome::Kind::kFailed);
  EXPECT_EQ(out.failure.message(), "mine");
}

TEST(ActivityTaskTest, WorkerShutdownBecomesARetryableWorkerShutdownFailure) {
  DataConverter converter;
  auto out =
      failed_outcome(std::make_exception_ptr(CanceledError("bye")), ActivityCancelReason::kWorkerShutdown, converter);
  ASSERT_EQ(out.kind, ActivityOutcome::Kind::kFailed);
  EXPECT_EQ(out.failure.message(), "Worker shutdown");
  EXPECT_EQ(out.failure.application_failure_info().type(), kWorkerShutdownErrorType);
  EXPECT_FALSE(out.failure.application_failure_info().non_retryable());
}

TEST(ActivityTaskTest, ApplicationErrorsAndOtherExceptionsGoThroughTheFailureConverter) {
  DataConverter converter;
  auto app = failed_outcome(std::make_exception_ptr(ApplicationError(
                                "declined", {.type = "CardDeclined", .non_retryable = true, .details = to_payloads(5)})),
                            ActivityCancelReason::kCancelRequested, converter);
  ASSERT_EQ(app.kind, ActivityOutcome::Kind::kFailed);
  EXPECT_EQ(app.failure.message(), "declined");
  EXPECT_EQ(app.failure.application_failure_info().type(), "CardDeclined");
  EXPECT_TRUE(app.failure.application_failure_info().non_retryable());
  auto other = failed_outcome(std::make_exception_ptr(std::out_of_range("idx")), ActivityCancelReason::kNone, converter);
  EXPECT_EQ(other.failure.application_failure_info().type(), "std::out_of_range");
}

TEST(ActivityThreadPoolTest, RunsEverythingPostedOnAtMostMaxThreads) {
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::atomic<int> done{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(pool.post([&] {
        {
          std::lock_guard lock(mu);
          threads.insert(std::this_thread::get_id());
        }
        ++done;
      }));
    }
    pool.shutdown();
    EXPECT_FALSE(pool.post([] {}));
  }
  EXPECT_EQ(done.load(), 50);
  EXPECT_LE(threads.size(), 2u);
}

TEST(ActivityDelayQueueTest, RunsInDeadlineOrderAndCancels) {
  DelayQueue q;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> last;
  auto now = DelayQueue::Clock::now();
  auto record = [&](int n) {
    std::lock_guard lock(mu);
    order.push_back(n);
  };
  q.schedule(now + 30ms, [&] { record(2); });
  auto dropped = q.schedule(now + 20ms, [&] { record(99); });
  q.schedule(now, [&] { record(1); });
  q.schedule(now + 40ms, [&] {
    record(3);
    last.set_value();
  });
  EXPECT_TRUE(q.cancel(dropped));
  EXPECT_FALSE(q.cancel(dropped));
  ASSERT_EQ(last.get_future().wait_for(60s), std::future_status::ready);
  q.shutdown();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.schedule(now, [] {}), 0u);
}

}  // namespace
}  // namespace stead::worker
