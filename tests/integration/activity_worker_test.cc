// The activity runner (src/worker/activity) against an in-process stead::Server. Workflows
// are played by FakeWorker (fake_worker.h): the workflow "RunActivity" schedules the
// activity its input names and ends the way the activity ended, so the client sees the
// activity's outcome as the workflow's.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "common/time_util.h"
#include "fake_worker.h"
#include "test_server.h"
#include "stead/activity.h"
#include "stead/async.h"
#include "stead/client.h"
#include "stead/server.h"
#include "worker/activity/activity_worker.h"

namespace acttest {
struct Order {
  std::string id{};
  int qty = 0;
  std::vector<std::string> tags{};
  bool operator==(const Order&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, qty, tags)

struct RetryReport {
  int attempt = 0;
  int previous_progress = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RetryReport, attempt, previous_progress)
}  // namespace acttest

namespace stead {
namespace {

using namespace std::chrono_literals;
using acttest::Order;
using itest::Command;
using itest::FakeWorker;
using itest::HistoryEvent;
using itest::TaskReply;
using worker::ActivityWorker;
using worker::ActivityWorkerOptions;
namespace enums = temporal::api::enums::v1;
namespace wsv1 = temporal::api::workflowservice::v1;

constexpr auto kWait = 60s;  // generous: only a hang reaches it

// How RunActivity schedules its activity.
struct Schedule {
  std::chrono::nanoseconds start_to_close = 30s;
  std::chrono::nanoseconds heartbeat_timeout = 0s;
  int max_attempts = 1;
  std::chrono::nanoseconds initial_interval = 100ms;
  // On a "cancel" signal: request cancellation, and with try_cancel complete the workflow
  // at once (TRY_CANCEL) instead of waiting for ActivityTaskCanceled (WAIT_CANCELLATION_COMPLETED).
  bool try_cancel = false;
};

Command schedule_activity(const std::string& queue, const std::vector<Payload>& input, const Schedule& s) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = c.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id("act");
  a->mutable_activity_type()->set_name(from_payload<std::string>(input.at(0)));
  a->mutable_task_queue()->set_name(queue);
  for (size_t i = 1; i < input.size(); ++i) *a->mutable_input()->add_payloads() = input[i];
  *a->mutable_start_to_close_timeout() = to_proto_duration(s.start_to_close);
  if (s.heartbeat_timeout > 0s) *a->mutable_heartbeat_timeout() = to_proto_duration(s.heartbeat_timeout);
  a->mutable_retry_policy()->set_maximum_attempts(s.max_attempts);
  *a->mutable_retry_policy()->mutable_initial_interval() = to_proto_duration(s.initial_interval);
  a->mutable_retry_policy()->set_backoff_coefficient(1.0);
  return c;
}

Command request_cancel_activity(int64_t scheduled_event_id) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK);
  c.mutable_request_cancel_activity_task_command_attributes()->set_scheduled_event_id(scheduled_event_id);
  return c;
}

// The failure a workflow SDK raises for a failed or timed-out activity: an ActivityFailure
// whose cause is what the activity (or the server's timeout) reported.
Failure activity_failure(const HistoryEvent& scheduled, int64_t started_event_id, const std::string& identity,
                         enums::RetryState retry_state, const Failure& cause) {
  Failure f;
  f.set_message("Activity task failed");
  auto* info = f.mutable_activity_failure_info();
  info->set_scheduled_event_id(scheduled.event_id());
  info->set_started_event_id(started_event_id);
  info->set_identity(identity);
  *info->mutable_activity_type() = scheduled.activity_task_scheduled_event_attributes().activity_type();
  info->set_activity_id(scheduled.activity_task_scheduled_event_attributes().activity_id());
  info->set_retry_state(retry_state);
  *f.mutable_cause() = cause;
  return f;
}

// RunActivity: input = [activity type, activity args...].
TaskReply run_activity(const wsv1::PollWorkflowTaskQueueResponse& task, const Schedule& s) {
  auto scheduled = itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  if (scheduled.empty()) {
    return {.commands = {schedule_activity(task.workflow_execution_task_queue().name(), itest::workflow_input(task), s)}};
  }
  const HistoryEvent& sched = *scheduled.front();
  for (const auto* e : itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED)) {
    const auto& r = e->activity_task_completed_event_attributes().result().payloads();
    return {.commands = {itest::complete_workflow({r.begin(), r.end()})}};
  }
  for (const auto* e : itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED)) {
    const auto& a = e->activity_task_failed_event_attributes();
    return {.commands = {itest::fail_workflow(
                activity_failure(sched, a.started_event_id(), a.identity(), a.retry_state(), a.failure()))}};
  }
  for (const auto* e : itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)) {
    const auto& a = e->activity_task_timed_out_event_attributes();
    return {.commands = {itest::fail_workflow(activity_failure(sched, a.started_event_id(), "", a.retry_state(), a.failure()))}};
  }
  if (!itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED).empty())
    return {.commands = {itest::complete_workflow(to_payloads(std::string("canceled")))}};
  bool cancel_signaled = !itest::events_of(task, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).empty();
  bool cancel_requested = !itest::events_of(task, enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED).empty();
  if (cancel_signaled && !cancel_requested) {
    TaskReply reply{.commands = {request_cancel_activity(sched.event_id())}};
    if (s.try_cancel) reply.commands.push_back(itest::complete_workflow(to_payloads(std::string("cancel requested"))));
    return reply;
  }
  return {};
}

// A one-shot flag a test waits on (with a deadline) and an activity sets, or the reverse.
class Latch {
 public:
  void set() {
    std::lock_guard lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::nanoseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

class ActivityWorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new itest::TestServer();
    client_ = new Client(Client::connect({.address = server_->address()}));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
  }

  void SetUp() override { name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name(); }
  void TearDown() override {
    workers_.clear();  // shutdown(0) each
    if (fake_) {
      std::string error = fake_->error();
      fake_.reset();
      EXPECT_EQ(error, "") << "the fake workflow worker failed";
    }
  }

  std::string queue() const { return "aq-" + name_ + itest::run_suffix(); }
  const Client& client() const { return *client_; }

  // Starts the fake workflow worker (RunActivity with `s`) and an activity worker running
  // `registry`'s activities on the test's queue.
  ActivityWorker& start(std::shared_ptr<ActivityRegistry> registry, Schedule s = {},
                        ActivityWorkerOptions options = {}) {
    if (!fake_) {
      fake_ = std::make_unique<FakeWorker>(
          server_->address(), queue(), [s](const wsv1::PollWorkflowTaskQueueResponse& task) { return run_activity(task, s); });
    }
    return add_worker(std::move(registry), std::move(options));
  }
  ActivityWorker& add_worker(std::shared_ptr<const ActivityRegistry> registry, ActivityWorkerOptions options = {}) {
    options.task_queue = queue();
    workers_.push_back(std::make_unique<ActivityWorker>(detail::core_of(client()), options, std::move(registry)));
    workers_.back()->start();
    return *workers_.back();
  }

  // Starts RunActivity for `activity_type` with `args`.
  template <class... Args>
  WorkflowHandle run(const std::string& suffix, const std::string& activity_type, const Args&... args) {
    return client().start_workflow("RunActivity", to_payloads(activity_type, args...),
                                   {.id = "wf-" + name_ + suffix + itest::run_suffix(), .task_queue = queue()});
  }

  // The cause chain of a failed RunActivity: WorkflowFailureError -> ActivityError -> E.
  template <class E, class R = std::string>
  std::shared_ptr<const FailureError> activity_failure_cause(const WorkflowHandle& handle) {
    try {
      handle.result<R>();
    } catch (const WorkflowFailureError& e) {
      const auto* activity = e.cause_as<ActivityError>();
      if (!activity) {
        ADD_FAILURE() << "the workflow failed, but not with an ActivityError: " << e.what();
        return nullptr;
      }
      if (!activity->cause_as<E>()) ADD_FAILURE() << "the ActivityError's cause is not the expected type";
      return activity->cause();
    }
    ADD_FAILURE() << "expected the workflow to fail";
    return nullptr;
  }

  static itest::TestServer* server_;
  static Client* client_;
  std::string name_;
  std::unique_ptr<FakeWorker> fake_;
  std::vector<std::unique_ptr<ActivityWorker>> workers_;
};

itest::TestServer* ActivityWorkerTest::server_ = nullptr;
Client* ActivityWorkerTest::client_ = nullptr;

TEST_F(ActivityWorkerTest, ResultsRoundTripStringStructAndVoid) {
  auto registry = std::make_shared<ActivityRegistry>();
  std::atomic<int> voids{0};
  registry->add("Greet", [](std::string who) { return "Hello, " + who + "!"; })
      .add("Pack", [](Order order, int extra) {
        order.qty += extra;
        order.tags.push_back("packed");
        return order;
      })
      .add("Touch", [&voids]() { ++voids; });
  start(registry);
  EXPECT_EQ(run("-s", "Greet", std::string("Ana")).result<std::string>(), "Hello, Ana!");
  EXPECT_EQ(run("-o", "Pack", Order{.id = "o-1", .qty = 2, .tags = {"gift"}}, 3).result<Order>(),
            (Order{.id = "o-1", .qty = 5, .tags = {"gift", "packed"}}));
  auto handle = run("-v", "Touch");
  handle.result<void>();
  EXPECT_EQ(voids.load(), 1);
  // A void activity answers binary/null, as the other SDKs do.
  auto history = handle.fetch_history();
  bool seen = false;
  for (const auto& e : history.events()) {
    if (e.event_type() != enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED) continue;
    seen = true;
    const auto& result = e.activity_task_completed_event_attributes().result();
    ASSERT_EQ(result.payloads_size(), 1);
    EXPECT_EQ(encoding_of(result.payloads(0)), encoding::kNull);
    EXPECT_EQ(e.activity_task_completed_event_attributes().identity(), client().identity());
  }
  EXPECT_TRUE(seen);
}

TEST_F(ActivityWorkerTest, ApplicationErrorReachesTheClientAsTheActivityErrorsCause) {
  auto registry = std::make_shared<ActivityRegistry>();
  registry->add("Charge", [](int cents) -> std::string {
    throw ApplicationError("card declined", {.type = "CardDeclined",
                                             .non_retryable = true,
                                             .details = to_payloads(Order{.id = "o-7", .qty = cents})});
  });
  start(registry, {.max_attempts = 5});
  auto handle = run("", "Charge", 250);
  try {
    handle.result<std::string>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    const auto* activity = e.cause_as<ActivityError>();
    ASSERT_NE(activity, nullptr) << e.what();
    EXPECT_EQ(activity->activity_type(), "Charge");
    EXPECT_EQ(activity->activity_id(), "act");
    EXPECT_EQ(activity->retry_state(), RetryState::kNonRetryableFailure);
    const auto* app = activity->cause_as<ApplicationError>();
    ASSERT_NE(app, nullptr);
    EXPECT_EQ(app->message(), "card declined");
    EXPECT_EQ(app->type(), "CardDeclined");
    EXPECT_TRUE(app->non_retryable());
    ASSERT_EQ(app->details().size(), 1u);
    EXPECT_EQ(from_payload<Order>(app->details()[0]), (Order{.id = "o-7", .qty = 250}));
  }
}

TEST_F(ActivityWorkerTest, RetriesSeeTheAttemptAndThePreviousAttemptsHeartbeatDetails) {
  auto registry = std::make_shared<ActivityRegistry>();
  std::mutex mu;
  std::vector<std::optional<int>> seen;  // last_heartbeat_details per attempt
  registry->add("Flaky", [&](ActivityContext& ctx) {
    {
      std::lock_guard lock(mu);
      seen.push_back(ctx.last_heartbeat_details<int>());
    }
    int attempt = ctx.info().attempt;
    if (attempt < 3) {
      ctx.heartbeat(attempt * 10);
      throw std::runtime_error("attempt " + std::to_string(attempt) + " failed");
    }
    return acttest::RetryReport{.attempt = attempt, .previous_progress = ctx.last_heartbeat_details<int>().value_or(-1)};
  });
  start(registry, {.max_attempts = 5});
  auto report = run("", "Flaky").result<acttest::RetryReport>();
  EXPECT_EQ(report.attempt, 3);
  EXPECT_EQ(report.previous_progress, 20);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::optional<int>>{std::nullopt, 10, 20}));
}

TEST_F(ActivityWorkerTest, HeartbeatTimeoutFailsTheActivityWithTheLastDetails) {
  auto registry = std::make_shared<ActivityRegistry>();
  auto release = std::make_shared<Latch>();
  registry->add("Stall", [release](ActivityContext& ctx) {
    ctx.heartbeat(std::string("started"));
    release->wait();  // no more heartbeats: the server times the attempt out
    return std::string("too late");
  });
  start(registry, {.heartbeat_timeout = 1s});
  auto cause = activity_failure_cause<TimeoutError>(run("", "Stall"));
  release->set();
  const auto* timeout = dynamic_cast<const TimeoutError*>(cause.get());
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(timeout->timeout_type(), TimeoutType::kHeartbeat);
  ASSERT_EQ(timeout->last_heartbeat_details().size(), 1u);
  EXPECT_EQ(from_payload<std::string>(timeout->last_heartbeat_details()[0]), "started");
}

// An activity that heartbeats until it is cancelled, then reports why and stops.
struct Cancellable {
  Latch started;
  std::promise<ActivityCancelReason> reason;
  std::string operator()(ActivityContext& ctx) {
    started.set();
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      ctx.heartbeat();
      if (ctx.wait_for_cancellation(50ms)) {
        reason.set_value(ctx.cancel_reason());
        throw CanceledError("stopped", {.details = to_payloads(std::string("cleaned up"))});
      }
    }
    return "never cancelled";
  }
};

TEST_F(ActivityWorkerTest, CancellationWaitCancellationCompletedReportsActivityTaskCanceled) {
  auto registry = std::make_shared<ActivityRegistry>();
  auto activity = std::make_shared<Cancellable>();
  registry->add("Wait", &Cancellable::operator(), activity);
  start(registry, {.heartbeat_timeout = 1s});
  auto handle = run("", "Wait");
  ASSERT_TRUE(activity->started.wait());
  handle.signal("cancel");
  EXPECT_EQ(handle.result<std::string>(), "canceled");  // the workflow saw ActivityTaskCanceled
  auto reason = activity->reason.get_future();
  ASSERT_EQ(reason.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(reason.get(), ActivityCancelReason::kCancelRequested);
  bool seen = false;
  auto history = handle.fetch_history();
  for (const auto& e : history.events()) {
    if (e.event_type() != enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED) continue;
    seen = true;
    const auto& details = e.activity_task_canceled_event_attributes().details();
    ASSERT_EQ(details.payloads_size(), 1);
    EXPECT_EQ(from_payload<std::string>(details.payloads(0)), "cleaned up");
  }
  EXPECT_TRUE(seen);
}

TEST_F(ActivityWorkerTest, CancellationTryCancelLetsTheWorkflowFinishFirst) {
  auto registry = std::make_shared<ActivityRegistry>();
  auto activity = std::make_shared<Cancellable>();
  registry->add("Wait", &Cancellable::operator(), activity);
  start(registry, {.heartbeat_timeout = 1s, .try_cancel = true});
  auto handle = run("", "Wait");
  ASSERT_TRUE(activity->started.wait());
  handle.signal("cancel");
  EXPECT_EQ(handle.result<std::string>(), "cancel requested");
  // The run closed with the cancellation request: the next heartbeat finds the attempt gone.
  auto reason = activity->reason.get_future();
  ASSERT_EQ(reason.wait_for(kWait), std::future_status::ready);
  auto r = reason.get();
  EXPECT_TRUE(r == ActivityCancelReason::kNotFound || r == ActivityCancelReason::kCancelRequested)
      << activity_cancel_reason_name(r);
}

TEST_F(ActivityWorkerTest, GracefulShutdownLetsActivitiesFinishWithinTheGracePeriod) {
  auto registry = std::make_shared<ActivityRegistry>();
  auto started = std::make_shared<Latch>();
  registry->add("Drain", [started](ActivityContext& ctx) {
    started->set();
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!ctx.is_worker_shutdown() && std::chrono::steady_clock::now() < deadline) ctx.wait_for_cancellation(20ms);
    return std::string(ctx.is_cancelled() ? "cancelled" : "drained");
  });
  auto& worker = start(registry);
  auto handle = run("", "Drain");
  ASSERT_TRUE(started->wait());
  worker.shutdown(kWait);  // returns once the activity finished and was reported
  EXPECT_EQ(worker.running(), 0u);
  EXPECT_EQ(handle.result<std::string>(), "drained");
}

TEST_F(ActivityWorkerTest, ShutdownCancelsActivitiesAfterTheGracePeriodAndTheyAreRetried) {
  auto registry = std::make_shared<ActivityRegistry>();
  auto started = std::make_shared<Latch>();
  auto reason = std::make_shared<std::promise<ActivityCancelReason>>();
  registry->add("Stubborn", [started, reason](ActivityContext& ctx) {
    if (ctx.info().attempt > 1) return "attempt " + std::to_string(ctx.info().attempt);
    started->set();
    ctx.wait_for_cancellation(kWait);  // ignores the shutdown notice; only cancellation stops it
    reason->set_value(ctx.cancel_reason());
    ctx.throw_if_cancelled();
    return std::string("not cancelled");
  });
  // Up to 5 attempts: the stopped worker's polls stay in flight (ClientCore::call cannot
  // cancel them) and may each take one retry, which it fails with "WorkerShutdown" at once.
  auto& first = start(registry, {.max_attempts = 5});
  auto handle = run("", "Stubborn");
  ASSERT_TRUE(started->wait());
  first.shutdown(100ms);
  EXPECT_EQ(first.running(), 0u);
  auto r = reason->get_future();
  ASSERT_EQ(r.wait_for(0s), std::future_status::ready);  // shutdown() waited for it
  EXPECT_EQ(r.get(), ActivityCancelReason::kWorkerShutdown);

  // The attempt failed retryably ("WorkerShutdown"): another worker runs the next one.
  add_worker(registry);
  auto result = handle.result<std::string>();
  EXPECT_EQ(result.rfind("attempt ", 0), 0u) << result;
  EXPECT_NE(result, "attempt 1");
  bool seen = false;
  auto history = handle.fetch_history();
  for (const auto& e : history.events()) {
    if (e.event_type() != enums::EVENT_TYPE_ACTIVITY_TASK_STARTED) continue;
    seen = true;
    const auto& last = e.activity_task_started_event_attributes().last_failure();
    EXPECT_EQ(last.message(), "Worker shutdown");
    EXPECT_EQ(last.application_failure_info().type(), kWorkerShutdownErrorType);
  }
  EXPECT_TRUE(seen);
}

TEST_F(ActivityWorkerTest, CoroutineActivitiesResumeOnOtherThreads) {
  auto registry = std::make_shared<ActivityRegistry>();
  registry->add("Slow", [](ActivityContext& ctx, std::string who) -> Task<std::string> {
    ctx.heartbeat(1);
    auto start = [](Resumer<std::string> resume) {
      std::thread([resume] {
        std::this_thread::sleep_for(20ms);
        resume(std::string("Hello"));
      }).detach();
    };
    auto op = async_callback<std::string>(std::move(start));
    std::string greeting = co_await op;
    co_return greeting + ", " + who + " (attempt " + std::to_string(ctx.info().attempt) + ")";
  });
  start(registry);
  auto a = run("-a", "Slow", std::string("A"));
  auto b = run("-b", "Slow", std::string("B"));
  EXPECT_EQ(a.result<std::string>(), "Hello, A (attempt 1)");
  EXPECT_EQ(b.result<std::string>(), "Hello, B (attempt 1)");
}

TEST_F(ActivityWorkerTest, SlotsBoundConcurrency) {
  auto registry = std::make_shared<ActivityRegistry>();
  std::atomic<int> now{0}, peak{0};
  registry->add("Busy", [&](int n) {
    int v = ++now;
    int p = peak.load();
    while (v > p && !peak.compare_exchange_weak(p, v)) {
    }
    std::this_thread::sleep_for(30ms);
    --now;
    return n;
  });
  start(registry, {}, {.max_concurrent_activities = 2, .pollers = 2});
  std::vector<WorkflowHandle> handles;
  for (int i = 0; i < 5; ++i) handles.push_back(run("-" + std::to_string(i), "Busy", i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(handles[i].result<int>(), i);
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

TEST_F(ActivityWorkerTest, UnknownActivityTypeFailsWithNotFoundError) {
  auto registry = std::make_shared<ActivityRegistry>();
  registry->add("Charge", [](int n) { return n; }).add("Ship", [](int n) { return n; });
  start(registry);
  auto cause = activity_failure_cause<ApplicationError>(run("", "Refund", 1));
  const auto* app = dynamic_cast<const ApplicationError*>(cause.get());
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type(), kActivityNotFoundErrorType);
  EXPECT_FALSE(app->non_retryable());
  EXPECT_EQ(app->message(),
            "Activity function Refund is not registered on this worker, available activities: Charge, Ship");
}

TEST_F(ActivityWorkerTest, WrongArgumentsFailNonRetryably) {
  auto registry = std::make_shared<ActivityRegistry>();
  registry->add("Add", [](int a, int b) { return a + b; });
  start(registry, {.max_attempts = 5});
  auto cause = activity_failure_cause<ApplicationError>(run("", "Add", std::string("one"), 2));
  const auto* app = dynamic_cast<const ApplicationError*>(cause.get());
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type(), kPayloadConversionErrorType);
  EXPECT_TRUE(app->non_retryable());
  EXPECT_NE(app->message().find("cannot convert argument 1"), std::string::npos) << app->message();
}

}  // namespace
}  // namespace stead
