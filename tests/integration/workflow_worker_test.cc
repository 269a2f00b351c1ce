// The C++ worker end to end: workflows written with stead/workflow.h and activities, run by
// stead::Worker against an in-process stead::Server, driven by stead::Client.
// Each test runs with the sticky cache on and off (the second replays every task from the
// full history, so it also checks replay determinism of the same code).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "stead/client.h"
#include "stead/server.h"
#include "stead/sync_wait.h"
#include "stead/worker.h"
#include "stead/workflow.h"
#include "test_server.h"

namespace wfit {

using namespace std::chrono_literals;
namespace workflow = stead::workflow;

struct Order {
  std::string id{};
  int qty = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, qty)

std::atomic<int> g_cleanups{0};

struct GreetingWorkflow {
  static constexpr std::string_view name = "GreetingWorkflow";
  stead::Task<std::string> run(std::string who) {
    auto greeting = workflow::execute_activity<std::string>("compose", {.start_to_close_timeout = 10s}, who);
    std::string text = co_await greeting;
    co_return text;
  }
};

struct OrderWorkflow {
  static constexpr std::string_view name = "OrderWorkflow";
  stead::Task<std::string> run(Order order) {
    auto charge = workflow::execute_activity<std::string>(
        "charge", {.start_to_close_timeout = 10s, .retry_policy = stead::RetryPolicy{.maximum_attempts = 2}}, order);
    std::string receipt = co_await charge;
    co_await workflow::sleep(10ms);
    co_return receipt + " for " + std::to_string(order.qty);
  }
};

// Waits for an approval signal; answers queries; takes updates.
struct ApprovalWorkflow {
  static constexpr std::string_view name = "ApprovalWorkflow";
  stead::Task<std::string> run() {
    auto approved = [this] { return !approver_.empty(); };
    auto wait = workflow::wait_condition(approved);
    co_await wait;
    co_return "approved by " + approver_ + " with " + std::to_string(items_) + " items";
  }
  void approve(std::string by) { approver_ = std::move(by); }
  std::string status() const { return approver_.empty() ? "waiting" : "approved"; }
  stead::Task<int> add_items(int n) {
    co_await workflow::sleep(1ms);
    items_ += n;
    co_return items_;
  }
  void validate_add_items(int n) const {
    if (n <= 0) throw stead::ApplicationError("n must be positive", {.type = "InvalidCount"});
  }
  static void handlers(stead::WorkflowHandlers<ApprovalWorkflow>& h) {
    h.signal("approve", &ApprovalWorkflow::approve)
        .query("status", &ApprovalWorkflow::status)
        .update("add_items", &ApprovalWorkflow::add_items, &ApprovalWorkflow::validate_add_items);
  }

 private:
  std::string approver_;
  int items_ = 0;
};

// Sleeps an hour; when cancelled, runs a cleanup activity in a shielded scope.
struct CancellableWorkflow {
  static constexpr std::string_view name = "CancellableWorkflow";
  stead::Task<void> run() {
    std::exception_ptr error;
    try {
      co_await workflow::sleep(1h);
    } catch (const stead::CanceledError&) {
      error = std::current_exception();
    }
    if (!error) co_return;
    auto cleanup = workflow::shielded([] { return cleanup_activity(); });
    co_await cleanup;
    std::rethrow_exception(error);
  }
  static stead::Task<void> cleanup_activity() {
    auto a = workflow::execute_activity<void>("cleanup", {.start_to_close_timeout = 10s});
    co_await a;
  }
};

struct ParentWorkflow {
  static constexpr std::string_view name = "ParentWorkflow";
  stead::Task<std::string> run(std::string who) {
    auto child = workflow::execute_child_workflow<std::string>("GreetingWorkflow", {.id = workflow::info().workflow_id + "-child"}, who);
    std::string greeting = co_await child;
    co_return "child said: " + greeting;
  }
};

struct CounterWorkflow {
  static constexpr std::string_view name = "CounterWorkflow";
  stead::Task<int> run(int n) {
    if (n < 3) workflow::continue_as_new(n + 1);
    co_return n;
  }
};

struct FailingWorkflow {
  static constexpr std::string_view name = "FailingWorkflow";
  stead::Task<void> run() {
    auto a = workflow::execute_activity<void>("decline", {.start_to_close_timeout = 10s});
    co_await a;
  }
};

// Deterministic API: now(), uuid4(), patched(), wait_condition with a timeout.
struct DeterminismWorkflow {
  static constexpr std::string_view name = "DeterminismWorkflow";
  stead::Task<std::string> run() {
    std::string id = workflow::uuid4();
    auto before = workflow::now();
    bool v2 = workflow::patched("v2");
    auto never = [] { return false; };
    auto waited = workflow::wait_condition(never, 20ms);
    bool met = co_await waited;
    auto after = workflow::now();
    co_return id + (v2 ? " v2 " : " v1 ") + (met ? "met" : "timeout") + (after > before ? " later" : " same");
  }
};

std::atomic<int> g_local_runs{0};

// A local activity that fails its first attempt, then a timer (a second workflow task, which
// the no-cache worker answers by replaying: the local activity must not run again).
struct LocalActivityWorkflow {
  static constexpr std::string_view name = "LocalActivityWorkflow";
  stead::Task<std::string> run(std::string who) {
    auto local = workflow::execute_local_activity<std::string>(
        "flaky_local",
        {.start_to_close_timeout = 5s,
         .retry_policy = stead::RetryPolicy{.initial_interval = 10ms, .maximum_attempts = 3}},
        who);
    std::string text = co_await local;
    co_await workflow::sleep(10ms);
    std::string failure;
    try {
      auto declined = workflow::execute_local_activity<void>("decline", {.start_to_close_timeout = 5s});
      co_await declined;
    } catch (const stead::ActivityError& e) {
      if (auto* app = e.cause_as<stead::ApplicationError>()) failure = app->type();
    }
    co_return text + " / " + failure;
  }
};

// Headers of the start request reach workflow code, activities, local activities and children.
struct TracingWorkflow {
  static constexpr std::string_view name = "TracingWorkflow";
  stead::Task<std::string> run(bool child) {
    auto it = workflow::info().headers.find("traceparent");
    std::string mine = it == workflow::info().headers.end() ? "none" : stead::from_payload<std::string>(it->second);
    if (child) co_return mine;
    auto remote = workflow::execute_activity<std::string>("trace_echo", {.start_to_close_timeout = 10s});
    std::string in_activity = co_await remote;
    auto local = workflow::execute_local_activity<std::string>("trace_echo", {.start_to_close_timeout = 10s});
    std::string in_local = co_await local;
    auto sub = workflow::execute_child_workflow<std::string>("TracingWorkflow", {.id = workflow::info().workflow_id + "-child"}, true);
    std::string in_child = co_await sub;
    co_return mine + "|" + in_activity + "|" + in_local + "|" + in_child;
  }
};

class WorkflowWorkerTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  static void SetUpTestSuite() {
    server_ = new stead::itest::TestServer();
    client_ = new stead::Client(stead::Client::connect({.address = server_->address()}));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
  }

  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test)
      if (c == '/') c = '-';
    queue_ = "wf-" + test + stead::itest::run_suffix();
    worker_ = std::make_unique<stead::Worker>(*client_, stead::WorkerOptions{.task_queue = queue_,
                                                                             .max_cached_workflows = GetParam()});
    worker_->register_workflow<GreetingWorkflow>()
        .register_workflow<OrderWorkflow>()
        .register_workflow<ApprovalWorkflow>()
        .register_workflow<CancellableWorkflow>()
        .register_workflow<ParentWorkflow>()
        .register_workflow<CounterWorkflow>()
        .register_workflow<FailingWorkflow>()
        .register_workflow<DeterminismWorkflow>()
        .register_workflow<LocalActivityWorkflow>()
        .register_workflow<TracingWorkflow>();
    worker_->register_activity("trace_echo", [](stead::ActivityContext& context) {
      auto it = context.info().headers.find("traceparent");
      return it == context.info().headers.end() ? std::string("none") : stead::from_payload<std::string>(it->second);
    });
    worker_->register_activity("flaky_local", [](stead::ActivityContext& context, std::string who) {
      ++g_local_runs;
      if (context.info().attempt == 1) throw std::runtime_error("first attempt fails");
      return "local hello " + who + " on attempt " + std::to_string(context.info().attempt);
    });
    worker_->register_activity("compose", [](std::string who) { return "Hello, " + who + "!"; });
    worker_->register_activity("charge", [](Order order) { return "receipt-" + order.id; });
    worker_->register_activity("cleanup", [] { ++g_cleanups; });
    worker_->register_activity("decline", []() -> void {
      throw stead::ApplicationError("card declined", {.type = "CardDeclined", .non_retryable = true});
    });
    worker_->start();
  }
  void TearDown() override { worker_.reset(); }

  stead::WorkflowOptions options(const std::string& id) const {
    return {.id = id + "-" + std::to_string(GetParam()) + stead::itest::run_suffix(), .task_queue = queue_};
  }

  static stead::itest::TestServer* server_;
  static stead::Client* client_;
  std::string queue_;
  std::unique_ptr<stead::Worker> worker_;
};

stead::itest::TestServer* WorkflowWorkerTest::server_ = nullptr;
stead::Client* WorkflowWorkerTest::client_ = nullptr;

TEST_P(WorkflowWorkerTest, ActivityResultIsTheWorkflowResult) {
  EXPECT_EQ(client_->execute_workflow<GreetingWorkflow>(std::string("Ada"), options("greet")), "Hello, Ada!");
}

TEST_P(WorkflowWorkerTest, StructArgumentsActivityAndTimer) {
  auto result = client_->execute_workflow<OrderWorkflow>(Order{.id = "o-1", .qty = 3}, options("order"));
  EXPECT_EQ(result, "receipt-o-1 for 3");
}

TEST_P(WorkflowWorkerTest, SignalQueryAndUpdate) {
  auto handle = client_->start_workflow<ApprovalWorkflow>(options("approval"));
  EXPECT_EQ(handle.query<std::string>("status"), "waiting");
  EXPECT_EQ(handle.execute_update<int>("add_items", 2), 2);
  EXPECT_EQ(handle.execute_update<int>("add_items", 3), 5);
  try {
    handle.execute_update<int>("add_items", -1);
    ADD_FAILURE() << "the validator should have rejected the update";
  } catch (const stead::WorkflowUpdateFailedError& e) {
    auto* cause = dynamic_cast<const stead::ApplicationError*>(e.cause().get());
    ASSERT_NE(cause, nullptr);
    EXPECT_EQ(cause->type(), "InvalidCount");
  }
  handle.signal("approve", std::string("Grace"));
  EXPECT_EQ(handle.result<std::string>(), "approved by Grace with 5 items");
  // Closed: the query is answered from a replay of the full history.
  EXPECT_EQ(handle.query<std::string>("status"), "approved");
}

TEST_P(WorkflowWorkerTest, CancellationRunsShieldedCleanup) {
  int before = g_cleanups.load();
  auto handle = client_->start_workflow<CancellableWorkflow>(options("cancel"));
  // Wait until the workflow is blocked on its timer.
  for (int i = 0; i < 200 && handle.fetch_history().events_size() < 5; ++i) std::this_thread::sleep_for(20ms);
  handle.cancel();
  try {
    handle.result<void>();
    ADD_FAILURE() << "the workflow should end as canceled";
  } catch (const stead::WorkflowFailureError& e) {
    EXPECT_NE(dynamic_cast<const stead::CanceledError*>(e.cause().get()), nullptr) << e.what();
  }
  EXPECT_EQ(g_cleanups.load(), before + 1);
  EXPECT_EQ(handle.describe().status, stead::WorkflowExecutionStatus::kCanceled);
}

TEST_P(WorkflowWorkerTest, ChildWorkflow) {
  EXPECT_EQ(client_->execute_workflow<ParentWorkflow>(std::string("Bob"), options("parent")),
            "child said: Hello, Bob!");
}

TEST_P(WorkflowWorkerTest, ContinueAsNewFollowedByResult) {
  EXPECT_EQ(client_->execute_workflow<CounterWorkflow>(0, options("counter")), 3);
}

TEST_P(WorkflowWorkerTest, ActivityFailureFailsTheWorkflowWithItsCauseChain) {
  auto handle = client_->start_workflow<FailingWorkflow>(options("fail"));
  try {
    handle.result<void>();
    ADD_FAILURE() << "the workflow should fail";
  } catch (const stead::WorkflowFailureError& e) {
    auto* activity = dynamic_cast<const stead::ActivityError*>(e.cause().get());
    ASSERT_NE(activity, nullptr) << e.what();
    EXPECT_EQ(activity->activity_type(), "decline");
    auto* app = activity->cause_as<stead::ApplicationError>();
    ASSERT_NE(app, nullptr);
    EXPECT_EQ(app->type(), "CardDeclined");
    EXPECT_EQ(app->message(), "card declined");
  }
}

TEST_P(WorkflowWorkerTest, DeterministicApis) {
  auto result = client_->execute_workflow<DeterminismWorkflow>(options("determinism"));
  EXPECT_EQ(result.size(), 36u + std::string(" v2 timeout later").size()) << result;
  EXPECT_NE(result.find(" v2 timeout later"), std::string::npos) << result;
}

TEST_P(WorkflowWorkerTest, UnknownWorkflowTypeFailsTheTaskNotTheRun) {
  auto handle = client_->start_workflow("NoSuchWorkflow", options("unknown"));
  // The task fails (and is retried); the run stays open.
  const temporal::api::history::v1::HistoryEvent* failed = nullptr;
  temporal::api::history::v1::History history;
  for (auto deadline = std::chrono::steady_clock::now() + 60s; !failed && std::chrono::steady_clock::now() < deadline;) {
    history = handle.fetch_history();
    for (const auto& e : history.events())
      if (e.event_type() == temporal::api::enums::v1::EVENT_TYPE_WORKFLOW_TASK_FAILED) failed = &e;
    if (!failed) std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(failed, nullptr) << "no WorkflowTaskFailed in " << history.DebugString();
  EXPECT_NE(failed->workflow_task_failed_event_attributes().failure().message().find("NoSuchWorkflow"), std::string::npos)
      << failed->DebugString();
  EXPECT_EQ(handle.describe().status, stead::WorkflowExecutionStatus::kRunning);
  handle.terminate("test over");
}

TEST_P(WorkflowWorkerTest, LocalActivityRetriesAndIsNotRerunOnReplay) {
  g_local_runs = 0;
  auto result = client_->execute_workflow<LocalActivityWorkflow>(std::string("Kim"), options("local"));
  EXPECT_EQ(result, "local hello Kim on attempt 2 / CardDeclined");
  EXPECT_EQ(g_local_runs.load(), 2);
}

TEST_P(WorkflowWorkerTest, HeadersReachActivitiesLocalActivitiesAndChildren) {
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto options = this->options("tracing");
  options.header["traceparent"] = stead::to_payload(trace);
  EXPECT_EQ(client_->execute_workflow<TracingWorkflow>(false, options), trace + "|" + trace + "|" + trace + "|" + trace);
}

// The awaitable client forms, driven by sync_wait from the test thread.
stead::Task<std::string> approve_async(stead::Client client, stead::WorkflowOptions options) {
  stead::WorkflowHandle handle = co_await client.start_workflow_async<ApprovalWorkflow>(options);
  std::string status = co_await handle.query_async<std::string>("status");
  int items = co_await handle.execute_update_async<int>("add_items", 4);
  co_await handle.signal_async("approve", std::string("Lin"));
  std::string result = co_await handle.result_async<std::string>();
  stead::WorkflowExecutionDescription description = co_await handle.describe_async();
  co_return status + "|" + std::to_string(items) + "|" + result + "|" +
      (description.status == stead::WorkflowExecutionStatus::kCompleted ? "completed" : "open");
}

TEST_P(WorkflowWorkerTest, AwaitableClientForms) {
  auto task = approve_async(*client_, options("awaitable"));
  EXPECT_EQ(stead::sync_wait(std::move(task)), "waiting|4|approved by Lin with 4 items|completed");
}

INSTANTIATE_TEST_SUITE_P(Cache, WorkflowWorkerTest, ::testing::Values(std::size_t{1000}, std::size_t{0}),
                         [](const auto& info) { return info.param ? std::string("Sticky") : std::string("NoCache"); });

}  // namespace wfit

namespace wfit {

// The in-process connection to an embedded server: client and worker share no socket with it.
TEST(InProcessConnectionTest, ClientAndWorkerOverTheInProcessChannel) {
  stead::ServerOptions options;
  options.port = 0;
  auto server = stead::Server::start(options);
  auto client = stead::Client::connect({.channel = server->in_process_channel()});
  {
    stead::Worker worker(client, {.task_queue = "in-process"});
    worker.register_workflow<GreetingWorkflow>();
    worker.register_activity("compose", [](std::string who) { return "Hi, " + who + "!"; });
    worker.start();
    EXPECT_EQ(client.execute_workflow<GreetingWorkflow>(std::string("Ann"), {.id = "in-process-1", .task_queue = "in-process"}),
              "Hi, Ann!");
  }
  server->shutdown();
}

}  // namespace wfit
