// C++ SDK features end to end: workflows written with stead/workflow.h run by stead::Worker
// against the test server, each asserted through what the server recorded (events, search
// attributes, statuses) as well as through the workflow's result.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "stead/client.h"
#include "stead/replayer.h"
#include "stead/worker.h"
#include "stead/workflow.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "test_server.h"

namespace sdkfeat {

using namespace std::chrono_literals;
namespace workflow = stead::workflow;
namespace enums = temporal::api::enums::v1;
using temporal::api::history::v1::HistoryEvent;

// ---- Workflows.

// Completes once it has received `expected` "note" signals, with the notes joined by commas.
struct ReceiverWorkflow {
  static constexpr std::string_view name = "Receiver";
  stead::Task<std::string> run(int expected) {
    auto enough = [this, expected] { return static_cast<int>(notes_.size()) >= expected; };
    auto wait = workflow::wait_condition(enough);
    co_await wait;
    std::string out;
    for (const auto& note : notes_) out += (out.empty() ? "" : ",") + note;
    co_return out;
  }
  void note(std::string text) { notes_.push_back(std::move(text)); }
  static void handlers(stead::WorkflowHandlers<ReceiverWorkflow>& h) { h.signal("note", &ReceiverWorkflow::note); }

 private:
  std::vector<std::string> notes_;
};

// "ok", or the type of the ApplicationError the operation failed with.
stead::Task<std::string> outcome(workflow::OperationAwaiter<void> operation) {
  try {
    co_await operation;
  } catch (const stead::ApplicationError& e) {
    co_return e.type();
  }
  co_return "ok";
}

// Signals `target`, then a workflow that does not exist; reports both outcomes.
struct SignalerWorkflow {
  static constexpr std::string_view name = "Signaler";
  stead::Task<std::string> run(std::string target) {
    auto sent = outcome(workflow::signal_external_workflow(target, "", "note", std::string("from signaler")));
    std::string first = co_await sent;
    auto lost = outcome(workflow::signal_external_workflow(target + "-missing", "", "note", std::string("lost")));
    std::string second = co_await lost;
    co_return first + "; " + second;
  }
};

// Requests cancellation of `target`, then of a workflow that does not exist.
struct CancellerWorkflow {
  static constexpr std::string_view name = "Canceller";
  stead::Task<std::string> run(std::string target) {
    auto requested = outcome(workflow::cancel_external_workflow(target));
    std::string first = co_await requested;
    auto lost = outcome(workflow::cancel_external_workflow(target + "-missing"));
    std::string second = co_await lost;
    co_return first + "; " + second;
  }
};

struct SleeperWorkflow {
  static constexpr std::string_view name = "Sleeper";
  stead::Task<std::string> run() {
    co_await workflow::sleep(1h);
    co_return "woke";
  }
};

// Starts a Receiver child and signals it through its handle.
struct ParentSignalsChildWorkflow {
  static constexpr std::string_view name = "ParentSignalsChild";
  stead::Task<std::string> run() {
    auto start = workflow::start_child_workflow<std::string>("Receiver", {.id = workflow::info().workflow_id + "-child"}, 1);
    workflow::ChildWorkflowHandle<std::string> child = co_await start;
    auto sent = child.signal("note", std::string("from parent"));
    co_await sent;
    auto result = child.result();
    std::string got = co_await result;
    co_return "child got: " + got;
  }
};

// Upserts a keyword, then (in a later workflow task) replaces it and adds an int.
struct TaggingWorkflow {
  static constexpr std::string_view name = "Tagging";
  stead::Task<std::string> run() {
    workflow::upsert_search_attributes({{"CustomKeywordField", stead::Keyword{"packed"}}});
    co_await workflow::sleep(1ms);
    workflow::upsert_search_attributes({{"CustomKeywordField", stead::Keyword{"shipped"}}, {"CustomIntField", int64_t{5}}});
    co_return std::get<stead::Keyword>(workflow::info().search_attributes.at("CustomKeywordField")).value;
  }
};

// Draws a number at start (answered by the query "first"), another after the signal "go".
struct RandomWorkflow {
  static constexpr std::string_view name = "Random";
  stead::Task<std::string> run() {
    first_ = workflow::random()();
    auto go = [this] { return go_; };
    auto wait = workflow::wait_condition(go);
    co_await wait;
    uint64_t second = workflow::random()();
    co_return std::to_string(first_) + " " + std::to_string(second);
  }
  std::string first() const { return std::to_string(first_); }
  void go() { go_ = true; }
  static void handlers(stead::WorkflowHandlers<RandomWorkflow>& h) {
    h.query("first", &RandomWorkflow::first).signal("go", &RandomWorkflow::go);
  }

 private:
  uint64_t first_ = 0;
  bool go_ = false;
};

// The activity "hold" blocks until the test opens this gate.
class Gate {
 public:
  void reset() {
    std::lock_guard lock(mu_);
    entered_ = open_ = false;
  }
  void enter_and_wait() {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, 60s, [this] { return open_; });
  }
  bool wait_entered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 60s, [this] { return entered_; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false, open_ = false;
};
Gate g_hold;

// Starts "hold" with ABANDON cancellation, cancels it on the signal "abandon", and ends on
// the signal "finish" with what the cancellation did (also the query "state").
struct AbandonWorkflow {
  static constexpr std::string_view name = "Abandon";
  stead::Task<std::string> run() {
    auto held = workflow::start_activity<std::string>(
        "hold", {.start_to_close_timeout = 2min, .cancellation_type = stead::ActivityCancellationType::kAbandon});
    auto abandon = [this] { return abandon_; };
    auto wait_abandon = workflow::wait_condition(abandon);
    co_await wait_abandon;
    held.cancel();
    try {
      std::string result = co_await held;
      state_ = "completed: " + result;
    } catch (const stead::ActivityError& e) {
      state_ = e.cause_as<stead::CanceledError>() ? "abandoned" : std::string("failed: ") + e.what();
    }
    auto finish = [this] { return finish_; };
    auto wait_finish = workflow::wait_condition(finish);
    co_await wait_finish;
    co_return state_;
  }
  std::string state() const { return state_; }
  void abandon() { abandon_ = true; }
  void finish() { finish_ = true; }
  static void handlers(stead::WorkflowHandlers<AbandonWorkflow>& h) {
    h.query("state", &AbandonWorkflow::state).signal("abandon", &AbandonWorkflow::abandon).signal("finish", &AbandonWorkflow::finish);
  }

 private:
  std::string state_ = "waiting";
  bool abandon_ = false, finish_ = false;
};

std::atomic<int> g_tally_instances{0};

// Sums the "add" signals; completes after `rounds` of them. Counts its instances, i.e. how
// often a worker had to rebuild a run from its history.
struct TallyWorkflow {
  static constexpr std::string_view name = "Tally";
  TallyWorkflow() { ++g_tally_instances; }
  stead::Task<int> run(int rounds) {
    auto done = [this, rounds] { return received_ >= rounds; };
    auto wait = workflow::wait_condition(done);
    co_await wait;
    co_return total_;
  }
  void add(int n) {
    total_ += n;
    ++received_;
  }
  static void handlers(stead::WorkflowHandlers<TallyWorkflow>& h) { h.signal("add", &TallyWorkflow::add); }

 private:
  int total_ = 0, received_ = 0;
};

std::atomic<bool> g_flipped{false};

// Non-deterministic on purpose: which command it issues depends on a global the test flips.
struct FlipWorkflow {
  static constexpr std::string_view name = "Flip";
  stead::Task<void> run() {
    if (!g_flipped) {
      co_await workflow::sleep(1h);
    } else {
      auto packed = workflow::execute_activity<void>("pack", {.start_to_close_timeout = 10s});
      co_await packed;
    }
  }
  void poke() {}
  static void handlers(stead::WorkflowHandlers<FlipWorkflow>& h) { h.signal("poke", &FlipWorkflow::poke); }
};

// The life of a patch, registered as one workflow type "Versioned": before it (V1), the
// patch (V2), the patch deprecated (V3), the patch call removed (V4).
stead::Task<std::string> step(const char* activity) {
  auto a = workflow::execute_activity<std::string>(activity, {.start_to_close_timeout = 10s});
  std::string result = co_await a;
  co_return result;
}
struct VersionedV1 {
  stead::Task<std::string> run() { return step("old_step"); }
};
struct VersionedV2 {
  stead::Task<std::string> run() { return step(workflow::patched("new-step") ? "new_step" : "old_step"); }
};
struct VersionedV3 {
  stead::Task<std::string> run() {
    workflow::deprecate_patch("new-step");
    return step("new_step");
  }
};
struct VersionedV4 {
  stead::Task<std::string> run() { return step("new_step"); }
};

// ---- Fixture.

class SdkFeaturesBase {
 protected:
  static void start_server() {
    stead::ServerOptions options;
    options.search_attributes = {{"CustomKeywordField", "Keyword"}, {"CustomIntField", "Int"}};
    server_ = new stead::itest::TestServer(options);
    client_ = new stead::Client(stead::Client::connect({.address = server_->address()}));
  }
  static void stop_server() {
    delete client_;
    delete server_;
  }

  static std::string test_name() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name)
      if (c == '/') c = '-';
    return name;
  }
  static std::string queue(const std::string& suffix = "") { return "sdk-" + test_name() + suffix + stead::itest::run_suffix(); }
  static stead::WorkflowOptions options(const std::string& suffix = "") {
    return {.id = "sdk-" + test_name() + suffix + stead::itest::run_suffix(), .task_queue = queue()};
  }

  // A started worker for queue() with every workflow and activity of this file.
  static std::unique_ptr<stead::Worker> start_worker(std::size_t max_cached_workflows) {
    auto worker = std::make_unique<stead::Worker>(
        *client_, stead::WorkerOptions{.task_queue = queue(), .max_cached_workflows = max_cached_workflows});
    worker->register_workflow<ReceiverWorkflow>()
        .register_workflow<SignalerWorkflow>()
        .register_workflow<CancellerWorkflow>()
        .register_workflow<SleeperWorkflow>()
        .register_workflow<ParentSignalsChildWorkflow>()
        .register_workflow<TaggingWorkflow>()
        .register_workflow<RandomWorkflow>()
        .register_workflow<AbandonWorkflow>()
        .register_workflow<TallyWorkflow>()
        .register_workflow<FlipWorkflow>();
    worker->register_activity("hold", [] {
      g_hold.enter_and_wait();
      return std::string("held");
    });
    worker->register_activity("pack", [] {});
    worker->start();
    return worker;
  }

  // The workflow's history once it holds an event of `type` (polled until a deadline).
  static stead::History await_event(const stead::WorkflowHandle& handle, enums::EventType type) {
    stead::History history;
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
      history = handle.fetch_history();
      for (const auto& e : history.events())
        if (e.event_type() == type) return history;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "no " << enums::EventType_Name(type) << " in " << history.DebugString();
    return history;
  }

  static std::vector<const HistoryEvent*> events_of(const stead::History& history, enums::EventType type) {
    std::vector<const HistoryEvent*> out;
    for (const auto& e : history.events())
      if (e.event_type() == type) out.push_back(&e);
    return out;
  }

  static stead::itest::TestServer* server_;
  static stead::Client* client_;
};

stead::itest::TestServer* SdkFeaturesBase::server_ = nullptr;
stead::Client* SdkFeaturesBase::client_ = nullptr;

// Features run twice: with the sticky cache, and without (every task replays the history).
class SdkFeaturesTest : public SdkFeaturesBase, public ::testing::TestWithParam<std::size_t> {
 protected:
  static void SetUpTestSuite() { start_server(); }
  static void TearDownTestSuite() { stop_server(); }
  void SetUp() override { worker_ = start_worker(GetParam()); }
  void TearDown() override { worker_.reset(); }
  std::unique_ptr<stead::Worker> worker_;
};

// Tests that set up their workers themselves.
class SdkWorkerTest : public SdkFeaturesBase, public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start_server(); }
  static void TearDownTestSuite() { stop_server(); }
};

// ---- Signals and cancellation between workflows.

TEST_P(SdkFeaturesTest, SignalExternalWorkflowReachesTheTargetAndFailsForAMissingOne) {
  auto receiver = client_->start_workflow<ReceiverWorkflow>(1, options("-receiver"));
  auto result = client_->execute_workflow<SignalerWorkflow>(receiver.id(), options("-signaler"));
  EXPECT_EQ(result, "ok; SignalExternalWorkflowExecutionFailed");
  EXPECT_EQ(receiver.result<std::string>(), "from signaler");
}

TEST_P(SdkFeaturesTest, CancelExternalWorkflowCancelsTheTargetAndFailsForAMissingOne) {
  auto sleeper = client_->start_workflow<SleeperWorkflow>(options("-sleeper"));
  auto result = client_->execute_workflow<CancellerWorkflow>(sleeper.id(), options("-canceller"));
  EXPECT_EQ(result, "ok; CancelExternalWorkflowExecutionFailed");
  try {
    sleeper.result<std::string>();
    FAIL() << "the sleeper should end canceled";
  } catch (const stead::WorkflowFailureError& e) {
    EXPECT_NE(e.cause_as<stead::CanceledError>(), nullptr) << e.what();
  }
  EXPECT_EQ(sleeper.describe().status, stead::WorkflowExecutionStatus::kCanceled);
}

TEST_P(SdkFeaturesTest, ChildWorkflowHandleSignalsTheChild) {
  auto parent = client_->start_workflow<ParentSignalsChildWorkflow>(options());
  EXPECT_EQ(parent.result<std::string>(), "child got: from parent");
  // The signal went through the server as a child-only SignalExternal command.
  auto history = parent.fetch_history();
  auto initiated = events_of(history, enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
  ASSERT_EQ(initiated.size(), 1u);
  const auto& a = initiated[0]->signal_external_workflow_execution_initiated_event_attributes();
  EXPECT_EQ(a.workflow_execution().workflow_id(), parent.id() + "-child");
  EXPECT_TRUE(a.child_workflow_only());
  EXPECT_EQ(events_of(history, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED).size(), 1u);
}

// ---- Search attributes.

TEST_P(SdkFeaturesTest, UpsertedSearchAttributesAreVisibleToDescribeAndList) {
  auto handle = client_->start_workflow<TaggingWorkflow>(options());
  EXPECT_EQ(handle.result<std::string>(), "shipped");
  auto attributes = stead::to_search_attributes(handle.describe().search_attributes);
  EXPECT_EQ(std::get<stead::Keyword>(attributes.at("CustomKeywordField")).value, "shipped");
  EXPECT_EQ(std::get<int64_t>(attributes.at("CustomIntField")), 5);
  const std::string mine = " AND WorkflowId = '" + handle.id() + "'";
  EXPECT_EQ(client_->list_workflows("CustomKeywordField = 'shipped'" + mine).size(), 1u);
  EXPECT_EQ(client_->list_workflows("CustomKeywordField = 'packed'" + mine).size(), 0u);
  EXPECT_EQ(client_->list_workflows("CustomIntField = 5" + mine).size(), 1u);
  EXPECT_EQ(events_of(handle.fetch_history(), enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).size(), 2u);
}

// ---- ABANDON activity cancellation.

TEST_P(SdkFeaturesTest, AbandonedActivityIsNotWaitedForAndNotTold) {
  g_hold.reset();
  auto handle = client_->start_workflow<AbandonWorkflow>(options());
  ASSERT_TRUE(g_hold.wait_entered()) << "the activity never started";
  handle.signal("abandon");
  // The workflow moves on while the activity is still running.
  std::string state;
  for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
    state = handle.query<std::string>("state");
    if (state != "waiting") break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(state, "abandoned");
  // Nothing asked the server to cancel it: no event, and the pending activity is not marked.
  EXPECT_TRUE(events_of(handle.fetch_history(), enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED).empty());
  auto description = handle.describe();
  ASSERT_EQ(description.raw_description->pending_activities_size(), 1);
  EXPECT_EQ(description.raw_description->pending_activities(0).state(), enums::PENDING_ACTIVITY_STATE_STARTED);

  // Its late result is recorded, and the workflow (replaying it, without the cache) ignores it.
  g_hold.open();
  await_event(handle, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  handle.signal("finish");
  EXPECT_EQ(handle.result<std::string>(), "abandoned");
  EXPECT_TRUE(events_of(handle.fetch_history(), enums::EVENT_TYPE_WORKFLOW_TASK_FAILED).empty());
}

INSTANTIATE_TEST_SUITE_P(Cache, SdkFeaturesTest, ::testing::Values(std::size_t{1000}, std::size_t{0}),
                         [](const auto& info) { return info.param ? std::string("Sticky") : std::string("NoCache"); });

// ---- random().

TEST_F(SdkWorkerTest, RandomGivesTheSameValuesAfterAWorkerRestart) {
  auto worker = start_worker(1000);
  auto handle = client_->start_workflow<RandomWorkflow>(options("-a"));
  auto other = client_->start_workflow<RandomWorkflow>(options("-b"));
  std::string first = handle.query<std::string>("first");
  EXPECT_NE(first, other.query<std::string>("first")) << "each run has its own seed";
  // A new worker has nothing cached: it rebuilds the run from its history, drawing again.
  worker.reset();
  worker = start_worker(1000);
  EXPECT_EQ(handle.query<std::string>("first"), first);
  handle.signal("go");
  std::string result = handle.result<std::string>();
  EXPECT_EQ(result.substr(0, first.size() + 1), first + " ") << result;
  EXPECT_NE(result, first + " " + first);
  other.terminate();
}

// ---- The sticky cache.

TEST_F(SdkWorkerTest, MoreWorkflowsThanCacheSlotsStillCompleteCorrectly) {
  auto worker = start_worker(2);
  g_tally_instances = 0;
  constexpr int kWorkflows = 5, kRounds = 3;
  // Waits until the run has answered `n` workflow tasks.
  auto await_tasks = [](const stead::WorkflowHandle& handle, std::size_t n) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
      if (events_of(handle.fetch_history(), enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED).size() >= n) return;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << handle.id() << " did not answer " << n << " workflow tasks";
  };
  std::vector<stead::WorkflowHandle> handles;
  for (int i = 0; i < kWorkflows; ++i) {
    handles.push_back(client_->start_workflow<TallyWorkflow>(kRounds, options("-" + std::to_string(i))));
    await_tasks(handles.back(), 1);
  }
  // One task at a time, round robin: with two slots, each run's next task finds it evicted.
  for (int round = 1; round <= kRounds; ++round)
    for (int i = 0; i < kWorkflows; ++i) {
      handles[i].signal("add", 10 * i + round);
      await_tasks(handles[i], round + 1);
    }
  for (int i = 0; i < kWorkflows; ++i) {
    EXPECT_EQ(handles[i].result<int>(), 30 * i + 6) << handles[i].id();
    EXPECT_TRUE(events_of(handles[i].fetch_history(), enums::EVENT_TYPE_WORKFLOW_TASK_FAILED).empty())
        << handles[i].id();
  }
  // Evicted runs were rebuilt from their histories (nearly every task; a run still in use
  // when another is added stays cached a little longer, so not an exact count).
  EXPECT_GT(g_tally_instances.load(), kWorkflows + kRounds);
}

// ---- Non-determinism on a live worker.

TEST_F(SdkWorkerTest, CodeThatChangesBetweenTasksFailsTheTaskAsNonDeterministic) {
  g_flipped = false;
  auto worker = start_worker(0);  // every task replays, so the change is seen at once
  auto opts = options();
  opts.task_timeout = 3s;  // how soon a retried task that is not answered times out
  auto handle = client_->start_workflow<FlipWorkflow>(opts);
  auto history = await_event(handle, enums::EVENT_TYPE_TIMER_STARTED);
  int64_t timer_event = events_of(history, enums::EVENT_TYPE_TIMER_STARTED).at(0)->event_id();
  g_flipped = true;
  handle.signal("poke");
  history = await_event(handle, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);
  const auto& failed = events_of(history, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED).at(0)->workflow_task_failed_event_attributes();
  EXPECT_EQ(failed.cause(), enums::WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR);
  const std::string& message = failed.failure().message();
  EXPECT_NE(message.find("event " + std::to_string(timer_event) + " TimerStarted"), std::string::npos) << message;
  EXPECT_NE(message.find("ScheduleActivityTask"), std::string::npos) << message;
  EXPECT_NE(message.find("pack"), std::string::npos) << message;

  // The retried task fails the same way, but only attempt 1 is reported: the retry is left to
  // time out rather than fail again at once (no tight loop between worker and server).
  history = await_event(handle, enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
  g_flipped = false;
  EXPECT_EQ(events_of(history, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED).size(), 1u);
  // The run is not failed: a fixed build can pick it up.
  EXPECT_EQ(handle.describe().status, stead::WorkflowExecutionStatus::kRunning);
  handle.terminate("test over");
}

// ---- deprecate_patch.

// Runs version Wf of "Versioned" to completion on a worker of its own; returns the history.
template <class Wf>
stead::History run_versioned(const stead::Client& client, const std::string& version, std::string* result) {
  const std::string id = "sdk-versioned-" + version + stead::itest::run_suffix();
  stead::Worker worker(client, {.task_queue = id});
  worker.register_workflow<Wf>("Versioned");
  worker.register_activity("old_step", [] { return std::string("old"); });
  worker.register_activity("new_step", [] { return std::string("new"); });
  worker.start();
  auto handle = client.start_workflow("Versioned", {.id = id, .task_queue = id});
  *result = handle.result<std::string>();
  return handle.fetch_history();
}

// The patch markers of a history: {patch id, deprecated}.
std::vector<std::pair<std::string, bool>> patch_markers(const stead::History& history) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& e : history.events()) {
    if (e.event_type() != enums::EVENT_TYPE_MARKER_RECORDED) continue;
    const auto& a = e.marker_recorded_event_attributes();
    if (a.marker_name() != "core_patch") continue;
    for (const auto& [key, payloads] : a.details()) {
      auto json = stead::from_payload<nlohmann::json>(payloads.payloads(0));
      out.emplace_back(json.value("id", ""), json.value("deprecated", false));
    }
  }
  return out;
}

TEST_F(SdkWorkerTest, DeprecatedPatchReplaysHistoriesMadeWithThePatchButNotFromBeforeIt) {
  std::string result;
  stead::History before = run_versioned<VersionedV1>(*client_, "v1", &result);
  EXPECT_EQ(result, "old");
  stead::History patched = run_versioned<VersionedV2>(*client_, "v2", &result);
  EXPECT_EQ(result, "new");
  stead::History deprecated = run_versioned<VersionedV3>(*client_, "v3", &result);
  EXPECT_EQ(result, "new");
  EXPECT_TRUE(patch_markers(before).empty());
  EXPECT_EQ(patch_markers(patched), (std::vector<std::pair<std::string, bool>>{{"new-step", false}}));
  EXPECT_EQ(patch_markers(deprecated), (std::vector<std::pair<std::string, bool>>{{"new-step", true}}));

  stead::Replayer v3;
  v3.register_workflow<VersionedV3>("Versioned");
  EXPECT_NO_THROW(v3.replay(patched));
  EXPECT_NO_THROW(v3.replay(deprecated));
  // Deprecating is only safe once no run from before the patch is left: those diverge.
  EXPECT_THROW(v3.replay(before), stead::NondeterminismError);

  // Once the call is removed, a deprecated marker may stand in history without a command,
  // a marker of the live patch may not.
  stead::Replayer v4;
  v4.register_workflow<VersionedV4>("Versioned");
  EXPECT_NO_THROW(v4.replay(deprecated));
  EXPECT_THROW(v4.replay(patched), stead::NondeterminismError);
}

}  // namespace sdkfeat
