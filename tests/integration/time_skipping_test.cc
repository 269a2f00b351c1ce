// Time skipping: TestService at the RPC level on an in-process stead::Server, and C++
// workflows on stead::testing::WorkflowEnvironment. Assertions are on the server's virtual
// time (what workflows and env.now() see), never on wall time: a test that did not skip would
// not finish within its timeout instead.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <future>
#include <thread>

#include "stead/client.h"
#include "stead/server.h"
#include "stead/testing.h"
#include "stead/worker.h"
#include "stead/workflow.h"
#include "temporal/api/testservice/v1/service.grpc.pb.h"

namespace tskip {

using namespace std::chrono_literals;
namespace workflow = stead::workflow;
namespace tsv1 = temporal::api::testservice::v1;
using Clock = std::chrono::system_clock;
constexpr auto kDay = std::chrono::hours(24);
// Real time that passes while a test runs on top of the virtual jumps.
constexpr auto kSlack = std::chrono::minutes(1);

// ---------------------------------------------------------------- TestService RPCs

class TestServiceRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = stead::Server::start({.time_skipping = true, .listen = false});
    stub_ = tsv1::TestService::NewStub(server_->in_process_channel());
  }
  void TearDown() override { server_->shutdown(); }

  grpc::Status call(auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    context.set_deadline(Clock::now() + 30s);
    return ((*stub_).*method)(&context, request, response);
  }
  Clock::time_point server_time() {
    tsv1::GetCurrentTimeResponse response;
    EXPECT_TRUE(call(&tsv1::TestService::Stub::GetCurrentTime, google::protobuf::Empty(), &response).ok());
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(response.time().seconds()) + std::chrono::nanoseconds(response.time().nanos())));
  }
  grpc::StatusCode unlock() {
    tsv1::UnlockTimeSkippingResponse response;
    return call(&tsv1::TestService::Stub::UnlockTimeSkipping, tsv1::UnlockTimeSkippingRequest(), &response).error_code();
  }
  grpc::StatusCode lock() {
    tsv1::LockTimeSkippingResponse response;
    return call(&tsv1::TestService::Stub::LockTimeSkipping, tsv1::LockTimeSkippingRequest(), &response).error_code();
  }
  static tsv1::SleepRequest sleep_request(std::chrono::seconds d) {
    tsv1::SleepRequest request;
    request.mutable_duration()->set_seconds(d.count());
    return request;
  }

  std::unique_ptr<stead::Server> server_;
  std::unique_ptr<tsv1::TestService::Stub> stub_;
};

TEST_F(TestServiceRpcTest, StartsLockedAtWallClockTimeAndCountsLocks) {
  const auto wall = Clock::now();
  const auto start = server_time();
  EXPECT_LT(std::chrono::abs(start - wall), kSlack);
  // Counter 1 at start: one unlock succeeds, the next one is unbalanced.
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(lock(), grpc::StatusCode::OK);
  EXPECT_EQ(lock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TestServiceRpcTest, SleepWhileLockedWaitsForTimeToPass) {
  const auto before = server_time();
  tsv1::SleepRequest request;
  request.mutable_duration()->set_nanos(300'000'000);
  tsv1::SleepResponse response;
  ASSERT_TRUE(call(&tsv1::TestService::Stub::Sleep, request, &response).ok());
  const auto after = server_time();
  EXPECT_GE(after - before, 300ms);
  EXPECT_LT(after - before, kSlack);  // locked: no jump
}

TEST_F(TestServiceRpcTest, SleepWhileUnlockedJumps) {
  ASSERT_EQ(unlock(), grpc::StatusCode::OK);
  const auto before = server_time();
  tsv1::SleepResponse response;
  ASSERT_TRUE(call(&tsv1::TestService::Stub::Sleep, sleep_request(std::chrono::hours(24 * 10)), &response).ok());
  const auto after = server_time();
  EXPECT_GE(after - before, 10 * kDay);
  EXPECT_LT(after - before, 10 * kDay + kSlack);
}

TEST_F(TestServiceRpcTest, UnlockWithSleepJumpsAndLocksAgain) {
  const auto before = server_time();
  tsv1::SleepResponse response;
  ASSERT_TRUE(
      call(&tsv1::TestService::Stub::UnlockTimeSkippingWithSleep, sleep_request(std::chrono::hours(24 * 5)), &response).ok());
  const auto after = server_time();
  EXPECT_GE(after - before, 5 * kDay);
  EXPECT_LT(after - before, 5 * kDay + kSlack);
  // Locked again: exactly one unlock is possible.
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::FAILED_PRECONDITION);
  // At zero, UnlockTimeSkippingWithSleep is an unbalanced unlock too.
  EXPECT_EQ(call(&tsv1::TestService::Stub::UnlockTimeSkippingWithSleep, sleep_request(1s), &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TestServiceRpcTest, AnAbandonedSleepDoesNotMoveTheClock) {
  const auto before = server_time();
  {
    grpc::ClientContext context;
    context.set_deadline(Clock::now() + 200ms);
    tsv1::SleepResponse response;
    EXPECT_EQ(stub_->Sleep(&context, sleep_request(std::chrono::hours(24 * 10)), &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // The server sees the deadline pass on its own timer: give it ample time before unlocking.
  std::this_thread::sleep_for(1s);
  // Unlocked and idle: a live 10-day deadline would be jumped to at once; an abandoned one is not.
  ASSERT_EQ(unlock(), grpc::StatusCode::OK);
  std::this_thread::sleep_for(300ms);
  EXPECT_LT(server_time() - before, kSlack);
}

TEST_F(TestServiceRpcTest, AnAbandonedUnlockWithSleepLocksAgain) {
  ASSERT_EQ(lock(), grpc::StatusCode::OK);  // counter 2: the unlock below leaves time locked
  {
    grpc::ClientContext context;
    context.set_deadline(Clock::now() + 200ms);
    tsv1::SleepResponse response;
    EXPECT_EQ(stub_->UnlockTimeSkippingWithSleep(&context, sleep_request(std::chrono::hours(24)), &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // Back at 2 once the server has seen the cancellation (it learns of it on its own schedule).
  for (int i = 0; i < 1000 && server_->time_skipping_locks() != 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->time_skipping_locks(), 2);
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TestServiceRpcTest, SleepUntilThePastReturnsAtOnce) {
  const auto before = server_time();
  tsv1::SleepUntilRequest request;
  request.mutable_timestamp()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>((before - 1h).time_since_epoch()).count());
  tsv1::SleepResponse response;
  ASSERT_TRUE(call(&tsv1::TestService::Stub::SleepUntil, request, &response).ok());
  EXPECT_LT(server_time() - before, kSlack);
}

TEST_F(TestServiceRpcTest, BadDurationsAreInvalidArguments) {
  tsv1::SleepResponse response;
  EXPECT_EQ(call(&tsv1::TestService::Stub::Sleep, sleep_request(-5s), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  tsv1::SleepUntilRequest far;
  far.mutable_timestamp()->set_seconds(int64_t{253402300799});  // 9999-12-31
  EXPECT_EQ(call(&tsv1::TestService::Stub::SleepUntil, far, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Still locked once: nothing above changed the counter.
  EXPECT_EQ(unlock(), grpc::StatusCode::OK);
  EXPECT_EQ(unlock(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(TestServiceWithoutTimeSkipping, AnswersUnimplemented) {
  auto server = stead::Server::start({.listen = false});
  auto stub = tsv1::TestService::NewStub(server->in_process_channel());
  grpc::ClientContext context;
  tsv1::LockTimeSkippingResponse response;
  EXPECT_EQ(stub->LockTimeSkipping(&context, {}, &response).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THROW(server->lock_time_skipping(), std::logic_error);
}

// ---------------------------------------------------------------- workflows

int64_t seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::seconds>(b - a).count();
}

// Sleeps 30 days, runs an activity that fails twice with hours of backoff, then waits a year
// for a signal that never comes. Returns the virtual seconds each step took.
struct LongHaulWorkflow {
  static constexpr std::string_view name = "LongHaulWorkflow";
  stead::Task<std::vector<int64_t>> run() {
    auto t0 = workflow::now();
    auto month = workflow::sleep(30 * kDay);
    co_await month;
    auto t1 = workflow::now();
    // Inline options, named handle: the form g++ 12 accepts (stead/workflow_gcc12_guard.h).
    auto charge = workflow::execute_activity<std::string>(
        "flaky", {.start_to_close_timeout = 10s,
                  .retry_policy = stead::RetryPolicy{.initial_interval = 1h, .backoff_coefficient = 2.0}});
    std::string receipt = co_await charge;
    auto t2 = workflow::now();
    auto approved = [this] { return approved_; };
    auto wait = workflow::wait_condition(approved, 365 * kDay);
    bool signalled = co_await wait;
    auto t3 = workflow::now();
    co_return std::vector<int64_t>{seconds_between(t0, t1), seconds_between(t1, t2), seconds_between(t2, t3),
                                   signalled ? 1 : 0, receipt == "charged on attempt 3" ? 1 : 0};
  }
  void approve() { approved_ = true; }
  static void handlers(stead::WorkflowHandlers<LongHaulWorkflow>& h) { h.signal("approve", &LongHaulWorkflow::approve); }

 private:
  bool approved_ = false;
};

// The co_await forms g++ 12 and clang both compile correctly, written inline as a user would
// (docs/architecture.md, "Workflow code and g++ 12"): a named options object with temporary
// arguments, a condition with a [this] lambda inside `if`, a Task called with a temporary.
// The sanitize tier runs it under AddressSanitizer.
struct NaturalFormsWorkflow {
  static constexpr std::string_view name = "NaturalFormsWorkflow";
  stead::Task<std::string> run(std::string order) {
    const stead::ActivityOptions options{
        .start_to_close_timeout = 10s,
        .retry_policy = stead::RetryPolicy{.initial_interval = 1h, .backoff_coefficient = 2.0}};
    std::string receipt = co_await workflow::execute_activity<std::string>("flaky", options);
    std::string echoed = co_await workflow::execute_activity<std::string>("echo", options, order + std::string(40, '.'));
    co_await workflow::sleep(kDay);
    if (!co_await workflow::wait_condition([this] { return approved_; }, kDay)) receipt += ", unapproved";
    std::string size = co_await describe(echoed + std::string(60, '!'));
    co_return receipt + ", " + size;
  }
  static stead::Task<std::string> describe(std::string text) {
    co_await workflow::sleep(1h);
    co_return std::to_string(text.size());
  }

 private:
  bool approved_ = false;
};

#if !STEAD_GCC12_COAWAIT_GUARD
// The same workflow with the forms only g++ 12 rejects (stead/workflow_gcc12_guard.h):
// options with designated initializers inside the co_await, a lambda whose capture has a
// destructor passed straight to wait_condition. Built by clang (the sanitize tier runs it
// under AddressSanitizer) and g++ 13 or later.
struct FullyInlineFormsWorkflow {
  static constexpr std::string_view name = "FullyInlineFormsWorkflow";
  stead::Task<std::string> run(std::string order) {
    std::string receipt = co_await workflow::execute_activity<std::string>(
        "flaky", {.start_to_close_timeout = 10s,
                  .retry_policy = stead::RetryPolicy{.initial_interval = 1h, .backoff_coefficient = 2.0}});
    std::string echoed = co_await workflow::execute_activity<std::string>(
        "echo", {.start_to_close_timeout = 10s}, order + std::string(40, '.'));
    co_await workflow::sleep(kDay);
    if (!co_await workflow::wait_condition([this, expected = std::string(50, 'x')] { return approved_ == expected; }, kDay)) {
      receipt += ", unapproved";
    }
    std::string size = co_await NaturalFormsWorkflow::describe(echoed + std::string(60, '!'));
    co_return receipt + ", " + size;
  }

 private:
  std::string approved_;
};
#endif

// Waits for a signal until its run or execution timeout.
struct WaitForeverWorkflow {
  static constexpr std::string_view name = "WaitForeverWorkflow";
  stead::Task<void> run() {
    auto never = [] { return false; };
    auto wait = workflow::wait_condition(never);
    co_await wait;
  }
};

// Runs one activity with the options the test passes by activity type.
struct OneActivityWorkflow {
  static constexpr std::string_view name = "OneActivityWorkflow";
  stead::Task<std::string> run(std::string type) {
    stead::ActivityOptions options{.retry_policy = stead::RetryPolicy{.maximum_attempts = 1}};
    if (type == "hang") options.start_to_close_timeout = 1s;
    if (type == "silent") {
      options.start_to_close_timeout = 1min;
      options.heartbeat_timeout = 1s;
    }
    if (type == "unserved") {
      options.schedule_to_start_timeout = 1s;
      options.start_to_close_timeout = 1min;
      options.task_queue = "nobody-polls-this";
    }
    if (type == "fails_then_hangs") {
      // Two failed attempts a day apart, then one that runs into the deadline a second later.
      options.schedule_to_close_timeout = 2 * kDay + 1s;
      options.retry_policy = stead::RetryPolicy{.initial_interval = kDay, .backoff_coefficient = 1.0};
    }
    auto activity = workflow::execute_activity<std::string>(type, options);
    std::string result = co_await activity;
    co_return result;
  }
};

// An update whose handler takes a day of workflow time.
struct SlowUpdateWorkflow {
  static constexpr std::string_view name = "SlowUpdateWorkflow";
  stead::Task<void> run() {
    auto done = [this] { return done_; };
    auto wait = workflow::wait_condition(done);
    co_await wait;
  }
  stead::Task<int64_t> slow(int64_t days) {
    auto start = workflow::now();
    auto nap = workflow::sleep(days * kDay);
    co_await nap;
    done_ = true;
    co_return seconds_between(start, workflow::now());
  }
  static void handlers(stead::WorkflowHandlers<SlowUpdateWorkflow>& h) { h.update("slow", &SlowUpdateWorkflow::slow); }

 private:
  bool done_ = false;
};

struct Sleeper {
  static constexpr std::string_view name = "Sleeper";
  stead::Task<void> run() {
    auto nap = workflow::sleep(2h);
    co_await nap;
  }
};

class TimeSkippingWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = std::make_unique<stead::Worker>(env_.client(), stead::WorkerOptions{.task_queue = "tq"});
    worker_->register_workflow<LongHaulWorkflow>()
        .register_workflow<WaitForeverWorkflow>()
        .register_workflow<OneActivityWorkflow>()
        .register_workflow<SlowUpdateWorkflow>()
        .register_workflow<Sleeper>()
        .register_workflow<NaturalFormsWorkflow>();
#if !STEAD_GCC12_COAWAIT_GUARD
    worker_->register_workflow<FullyInlineFormsWorkflow>();
#endif
    worker_->register_activity("flaky", [](stead::ActivityContext& ctx) -> std::string {
      if (ctx.info().attempt < 3) throw stead::ApplicationError("not yet");
      return "charged on attempt " + std::to_string(ctx.info().attempt);
    });
    worker_->register_activity("hang", [](stead::ActivityContext& ctx) -> std::string {
      while (!ctx.is_cancelled()) std::this_thread::sleep_for(10ms);
      return "too late";
    });
    worker_->register_activity("silent", [](stead::ActivityContext& ctx) -> std::string {
      while (!ctx.is_cancelled()) std::this_thread::sleep_for(10ms);
      return "too late";
    });
    worker_->register_activity("echo", [](std::string text) { return text; });
    worker_->register_activity("unserved", [] { return std::string("never runs"); });
    worker_->register_activity("fails_then_hangs", [](stead::ActivityContext& ctx) -> std::string {
      if (ctx.info().attempt < 3) throw stead::ApplicationError("down");
      while (!ctx.is_cancelled()) std::this_thread::sleep_for(10ms);
      return "too late";
    });
    worker_->start();
  }
  void TearDown() override {
    worker_->shutdown();
    env_.shutdown();
  }

  stead::WorkflowHandle start(std::string_view type, const std::string& id, stead::WorkflowOptions options = {}) {
    options.id = id;
    options.task_queue = "tq";
    return env_.client().start_workflow(type, options);
  }

  stead::testing::WorkflowEnvironment env_ = stead::testing::WorkflowEnvironment::start_time_skipping();
  std::unique_ptr<stead::Worker> worker_;
};

TEST_F(TimeSkippingWorkflowTest, MonthsOfTimersBackoffAndWaitsPassInstantly) {
  const auto env_start = env_.now();
  auto handle = env_.client().start_workflow<LongHaulWorkflow>({.id = "long-haul", .task_queue = "tq"});
  auto steps = handle.result<std::vector<int64_t>>();
  ASSERT_EQ(steps.size(), 5u);
  const int64_t day = 24 * 3600;
  EXPECT_GE(steps[0], 30 * day);
  EXPECT_LT(steps[0], 30 * day + 60);
  // Backoffs of 1 h and 2 h between the three attempts.
  EXPECT_GE(steps[1], 3 * 3600);
  EXPECT_LT(steps[1], 3 * 3600 + 60);
  EXPECT_GE(steps[2], 365 * day);
  EXPECT_LT(steps[2], 365 * day + 60);
  EXPECT_EQ(steps[3], 0);  // the wait timed out
  EXPECT_EQ(steps[4], 1);  // the third attempt succeeded
  const auto elapsed = env_.now() - env_start;
  EXPECT_GE(elapsed, 395 * kDay + 3h);
  // Stale deadlines (the activities' and workflow tasks' timeouts) do not move the clock on.
  EXPECT_LT(elapsed, 395 * kDay + 3h + kSlack);
}

TEST_F(TimeSkippingWorkflowTest, InlineCoAwaitFormsRunCorrectly) {
  const auto env_start = env_.now();
  auto handle = env_.client().start_workflow<NaturalFormsWorkflow>(std::string("order-7"),
                                                                   {.id = "natural", .task_queue = "tq"});
  EXPECT_EQ(handle.result<std::string>(), "charged on attempt 3, unapproved, 107");
  // 1 h + 2 h of backoff, a day of sleep, a day of waiting, an hour in describe().
  const auto elapsed = env_.now() - env_start;
  EXPECT_GE(elapsed, 2 * kDay + 4h);
  EXPECT_LT(elapsed, 2 * kDay + 4h + kSlack);
}

#if !STEAD_GCC12_COAWAIT_GUARD
TEST_F(TimeSkippingWorkflowTest, FullyInlineCoAwaitFormsRunCorrectly) {
  const auto env_start = env_.now();
  auto handle = env_.client().start_workflow<FullyInlineFormsWorkflow>(std::string("order-7"),
                                                                       {.id = "inline", .task_queue = "tq"});
  EXPECT_EQ(handle.result<std::string>(), "charged on attempt 3, unapproved, 107");
  EXPECT_GE(env_.now() - env_start, 2 * kDay + 4h);
}
#endif

TEST_F(TimeSkippingWorkflowTest, RunAndExecutionTimeoutsFireAtTheirVirtualInstant) {
  for (bool execution : {false, true}) {
    SCOPED_TRACE(execution ? "execution timeout" : "run timeout");
    stead::WorkflowOptions options;
    (execution ? options.execution_timeout : options.run_timeout) = 7 * kDay;
    auto handle = start("WaitForeverWorkflow", execution ? "wait-exec" : "wait-run", options);
    try {
      handle.result<void>();
      ADD_FAILURE() << "the workflow should have timed out";
    } catch (const stead::WorkflowFailureError& e) {
      ASSERT_NE(e.cause_as<stead::TimeoutError>(), nullptr) << e.what();
    }
    auto info = handle.describe();
    ASSERT_TRUE(info.close_time.has_value());
    EXPECT_GE(*info.close_time - info.start_time, 7 * kDay);
    EXPECT_LT(*info.close_time - info.start_time, 7 * kDay + kSlack);
  }
}

TEST_F(TimeSkippingWorkflowTest, ActivityTimeoutsOfEveryKindFire) {
  const std::vector<std::pair<std::string, stead::TimeoutType>> cases = {
      {"hang", stead::TimeoutType::kStartToClose},
      {"silent", stead::TimeoutType::kHeartbeat},
      {"unserved", stead::TimeoutType::kScheduleToStart},
      {"fails_then_hangs", stead::TimeoutType::kScheduleToClose},
  };
  for (const auto& [type, timeout] : cases) {
    SCOPED_TRACE(type);
    const auto before = env_.now();
    auto handle = env_.client().start_workflow("OneActivityWorkflow", type, {.id = "activity-" + type, .task_queue = "tq"});
    try {
      handle.result<std::string>();
      ADD_FAILURE() << "the activity should have timed out";
    } catch (const stead::WorkflowFailureError& e) {
      const auto* activity = e.cause_as<stead::ActivityError>();
      ASSERT_NE(activity, nullptr) << e.what();
      const auto* cause = dynamic_cast<const stead::TimeoutError*>(activity->cause().get());
      ASSERT_NE(cause, nullptr) << e.what();
      EXPECT_EQ(cause->timeout_type(), timeout);
    }
    if (type == "fails_then_hangs") {
      // Two backoffs of a day skipped, then the running attempt's last second.
      EXPECT_GE(env_.now() - before, 2 * kDay);
      EXPECT_LT(env_.now() - before, 2 * kDay + kSlack);
    } else {
      // A running (or unclaimed) activity holds the clock: its 1 s timeout took 1 s.
      EXPECT_GE(env_.now() - before, 1s);
      EXPECT_LT(env_.now() - before, kSlack);
    }
  }
}

TEST_F(TimeSkippingWorkflowTest, AnUpdateAwaitedByTheClientSkipsTime) {
  auto handle = start("SlowUpdateWorkflow", "slow-update");
  const auto before = env_.now();
  auto took = handle.execute_update<int64_t>("slow", int64_t{3});
  EXPECT_GE(took, 3 * 24 * 3600);
  EXPECT_GE(env_.now() - before, 3 * kDay);
  handle.result<void>();
}

TEST_F(TimeSkippingWorkflowTest, SleepSkipsAndDisabledAutoSkippingWaits) {
  auto handle = start("Sleeper", "sleeper");
  {
    auto manual = env_.auto_time_skipping_disabled();
    std::promise<void> finished;
    handle.result(stead::ResultOptions{}, [&](stead::Outcome<std::optional<stead::Payload>>) { finished.set_value(); });
    auto future = finished.get_future();
    // The result is awaited but auto-skipping is off: the two-hour timer does not fire...
    EXPECT_EQ(future.wait_for(300ms), std::future_status::timeout);
    // ...until the test moves time itself.
    env_.sleep(3h);
    EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
  }
}

TEST(TimeSkippingEnvironments, HaveTheirOwnClocks) {
  auto a = stead::testing::WorkflowEnvironment::start_time_skipping();
  auto b = stead::testing::WorkflowEnvironment::start_time_skipping();
  const auto b_before = b.now();
  a.sleep(10 * kDay);
  EXPECT_GE(a.now() - Clock::now(), 10 * kDay - kSlack);
  EXPECT_LT(b.now() - b_before, kSlack);
  EXPECT_TRUE(a.supports_time_skipping());
  auto local = stead::testing::WorkflowEnvironment::start_local();
  EXPECT_FALSE(local.supports_time_skipping());
  EXPECT_LT(std::chrono::abs(local.now() - Clock::now()), kSlack);
}

}  // namespace tskip
