// The history Engine driven directly (no gRPC): start, workflow tasks, activities, buffering,
// retries, timeouts, bad input, recovery and termination. Histories are checked event by
// event against temporal-protocol.md §2 and §3.
#include <gtest/gtest.h>

#include <google/protobuf/any.pb.h>

#include <string>
#include <vector>

#include "server/history/engine.h"
#include "stead/server/v1/task_token.pb.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "engine_fixture.h"

namespace stead::server::history::engine_test {
namespace {

using Types = std::vector<std::string>;
using stead::server::v1::TaskToken;

// Event names, without the EVENT_TYPE_ prefix.
constexpr const char* kStarted = "WORKFLOW_EXECUTION_STARTED";
constexpr const char* kCompleted = "WORKFLOW_EXECUTION_COMPLETED";
constexpr const char* kTerminated = "WORKFLOW_EXECUTION_TERMINATED";
constexpr const char* kWftScheduled = "WORKFLOW_TASK_SCHEDULED";
constexpr const char* kWftStarted = "WORKFLOW_TASK_STARTED";
constexpr const char* kWftCompleted = "WORKFLOW_TASK_COMPLETED";
constexpr const char* kWftFailed = "WORKFLOW_TASK_FAILED";
constexpr const char* kWftTimedOut = "WORKFLOW_TASK_TIMED_OUT";
constexpr const char* kActScheduled = "ACTIVITY_TASK_SCHEDULED";
constexpr const char* kActStarted = "ACTIVITY_TASK_STARTED";
constexpr const char* kActCompleted = "ACTIVITY_TASK_COMPLETED";
constexpr const char* kActFailed = "ACTIVITY_TASK_FAILED";
constexpr const char* kActTimedOut = "ACTIVITY_TASK_TIMED_OUT";
constexpr const char* kMarker = "MARKER_RECORDED";

Duration dur(const google::protobuf::Duration& d) { return from_proto(d); }

Types types_of(const std::vector<HistoryEvent>& events) {
  Types out;
  for (const auto& e : events) out.push_back(short_name(e.event_type()));
  return out;
}

Types concat(Types a, const Types& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The first four events of every workflow here: start, first task, its completion.
const Types kFirstTaskCompleted = {kStarted, kWftScheduled, kWftStarted, kWftCompleted};

temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure already_started_detail(const Status& s) {
  google::protobuf::Any any;
  temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure detail;
  EXPECT_TRUE(any.ParseFromString(s.detail())) << "detail is not a serialized Any";
  EXPECT_TRUE(any.UnpackTo(&detail)) << "detail holds " << any.type_url();
  return detail;
}

command::Command with_retry(command::Command c, Duration initial, double coefficient, int32_t maximum_attempts) {
  auto* p = c.mutable_schedule_activity_task_command_attributes()->mutable_retry_policy();
  *p->mutable_initial_interval() = to_proto_duration(initial);
  p->set_backoff_coefficient(coefficient);
  p->set_maximum_attempts(maximum_attempts);
  return c;
}

// ================================================================ start

TEST_F(EngineTest, StartWritesStartedEventAndFirstWorkflowTask) {
  auto r = start(start_request("wf"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.value.started());
  EXPECT_FALSE(r.value.run_id().empty());
  EXPECT_EQ(r.value.status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);

  auto events = history("wf");
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled}));
  EXPECT_EQ(events[0].event_id(), 1);
  EXPECT_EQ(events[1].event_id(), 2);
  const auto& a = events[0].workflow_execution_started_event_attributes();
  EXPECT_EQ(a.workflow_type().name(), "MyWorkflow");
  EXPECT_EQ(a.task_queue().name(), "tq");
  EXPECT_EQ(a.task_queue().kind(), enums::TASK_QUEUE_KIND_NORMAL);
  EXPECT_EQ(a.input().payloads(0).data(), "\"input\"");
  EXPECT_EQ(dur(a.workflow_task_timeout()), 10s);  // default
  EXPECT_EQ(dur(a.workflow_run_timeout()), Duration::zero());
  EXPECT_EQ(dur(a.workflow_execution_timeout()), Duration::zero());
  EXPECT_FALSE(a.has_workflow_execution_expiration_time());
  EXPECT_EQ(a.attempt(), 1);
  EXPECT_EQ(a.original_execution_run_id(), r.value.run_id());
  EXPECT_EQ(a.first_execution_run_id(), r.value.run_id());
  EXPECT_EQ(a.identity(), "client");
  const auto& s = events[1].workflow_task_scheduled_event_attributes();
  EXPECT_EQ(s.task_queue().name(), "tq");
  EXPECT_EQ(dur(s.start_to_close_timeout()), 10s);
  EXPECT_EQ(s.attempt(), 1);

  auto d = describe("wf");
  ASSERT_TRUE(d.status.ok());
  EXPECT_EQ(d.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(d.value.pending_workflow_task().state(), enums::PENDING_WORKFLOW_TASK_STATE_SCHEDULED);
  EXPECT_EQ(workflow_backlog(), 1u);  // dispatched to matching once durable
}

TEST_F(EngineTest, StartNormalizesTimeouts) {
  struct Case {
    const char* workflow_id;
    Duration execution, run, task;
    Duration want_execution, want_run, want_task;
  };
  const Case cases[] = {
      // Task timeout is capped by the run timeout.
      {"run-caps-task", 0s, 5s, 0s, 0s, 5s, 5s},
      // Run timeout defaults to the execution timeout, and the task timeout to 10 s.
      {"exec-sets-run", 30s, 0s, 0s, 30s, 30s, 10s},
      // Run timeout longer than execution is cut to it.
      {"run-cut", 30s, 60s, 0s, 30s, 30s, 10s},
      // Task timeout is capped at 120 s.
      {"task-capped", 0s, 0s, 200s, 0s, 0s, 120s},
  };
  for (const auto& c : cases) {
    auto req = start_request(c.workflow_id);
    if (c.execution > 0s) *req.mutable_workflow_execution_timeout() = to_proto_duration(c.execution);
    if (c.run > 0s) *req.mutable_workflow_run_timeout() = to_proto_duration(c.run);
    if (c.task > 0s) *req.mutable_workflow_task_timeout() = to_proto_duration(c.task);
    ASSERT_TRUE(start(req).status.ok()) << c.workflow_id;
    auto events = history(c.workflow_id);
    ASSERT_EQ(events.size(), 2u) << c.workflow_id;
    const auto& a = events[0].workflow_execution_started_event_attributes();
    EXPECT_EQ(dur(a.workflow_execution_timeout()), c.want_execution) << c.workflow_id;
    EXPECT_EQ(dur(a.workflow_run_timeout()), c.want_run) << c.workflow_id;
    EXPECT_EQ(dur(a.workflow_task_timeout()), c.want_task) << c.workflow_id;
    EXPECT_EQ(dur(events[1].workflow_task_scheduled_event_attributes().start_to_close_timeout()), c.want_task)
        << c.workflow_id;
    if (c.want_execution > 0s) {
      EXPECT_EQ(from_proto(a.workflow_execution_expiration_time()), from_proto(events[0].event_time()) + c.want_execution)
          << c.workflow_id;
    }
  }
}

TEST_F(EngineTest, StartRejectsInvalidRequests) {
  auto no_id = start_request("");
  EXPECT_EQ(start(no_id).status.code(), StatusCode::kInvalidArgument);
  auto no_type = start_request("wf");
  no_type.clear_workflow_type();
  EXPECT_EQ(start(no_type).status.code(), StatusCode::kInvalidArgument);
  auto no_queue = start_request("wf");
  no_queue.clear_task_queue();
  EXPECT_EQ(start(no_queue).status.code(), StatusCode::kInvalidArgument);
  auto negative = start_request("wf");
  *negative.mutable_workflow_run_timeout() = to_proto_duration(-1s);
  EXPECT_EQ(start(negative).status.code(), StatusCode::kInvalidArgument);
  auto bad_retry = start_request("wf");
  bad_retry.mutable_retry_policy()->set_backoff_coefficient(0.5);
  Status s = start(bad_retry).status;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "BackoffCoefficient cannot be less than 1 on retry policy.");
  EXPECT_EQ(describe("wf").status.code(), StatusCode::kNotFound);  // nothing was created
}

TEST_F(EngineTest, SecondStartWithFailPolicyIsAlreadyExistsWithDetail) {
  auto first = start(start_request("wf"));
  ASSERT_TRUE(first.status.ok());
  auto again = start_request("wf");
  again.set_request_id("another-request");
  again.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL);
  auto r = start(again);
  EXPECT_EQ(r.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status.message(),
            "Workflow execution is already running. WorkflowId: wf, RunId: " + first.value.run_id() + ".");
  auto detail = already_started_detail(r.status);
  EXPECT_EQ(detail.run_id(), first.value.run_id());
  EXPECT_EQ(detail.start_request_id(), "req-wf");

  // Unspecified conflict policy means FAIL too.
  again.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED);
  EXPECT_EQ(start(again).status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled}));
}

TEST_F(EngineTest, SameRequestIdReturnsTheSameRun) {
  auto first = start(start_request("wf"));
  ASSERT_TRUE(first.status.ok());
  auto retried = start(start_request("wf"));  // same request_id "req-wf"
  ASSERT_TRUE(retried.status.ok()) << retried.status.ToString();
  EXPECT_EQ(retried.value.run_id(), first.value.run_id());
  // Go (respondToRetriedRequest) answers a retried request with started = true.
  EXPECT_TRUE(retried.value.started());
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled}));
  EXPECT_EQ(workflow_backlog(), 1u);  // no second workflow task
}

TEST_F(EngineTest, UseExistingReturnsTheRunningRun) {
  auto first = start(start_request("wf"));
  ASSERT_TRUE(first.status.ok());
  auto again = start_request("wf");
  again.set_request_id("another-request");
  again.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
  auto r = start(again);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.value.run_id(), first.value.run_id());
  EXPECT_FALSE(r.value.started());
  EXPECT_EQ(r.value.status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled}));
}

TEST_F(EngineTest, TerminateExistingClosesTheOldRunAndStartsANewOne) {
  auto first = start(start_request("wf"));
  ASSERT_TRUE(first.status.ok());
  auto again = start_request("wf");
  again.set_request_id("another-request");
  again.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING);
  auto r = start(again);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.value.started());
  EXPECT_NE(r.value.run_id(), first.value.run_id());

  // The old run's close commits before the new run's start; its visibility to readers may trail.
  auto old_events = wait_for_history("wf", 3, first.value.run_id());
  ASSERT_EQ(types_of(old_events), (Types{kStarted, kWftScheduled, kTerminated}));
  EXPECT_EQ(old_events[2].workflow_execution_terminated_event_attributes().reason(),
            "TerminateIfRunning WorkflowIdReusePolicy");
  EXPECT_EQ(describe("wf", first.value.run_id()).value.workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);

  EXPECT_EQ(event_types("wf", r.value.run_id()), (Types{kStarted, kWftScheduled}));
  auto current = describe("wf");  // no run id: the current run
  EXPECT_EQ(current.value.workflow_execution_info().execution().run_id(), r.value.run_id());
  EXPECT_EQ(current.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
}

TEST_F(EngineTest, RejectDuplicateRefusesAClosedWorkflowId) {
  auto first = start(start_request("wf"));
  ASSERT_TRUE(first.status.ok());
  ASSERT_TRUE(terminate("wf").status.ok());

  auto again = start_request("wf");
  again.set_request_id("another-request");
  again.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
  auto rejected = start(again);
  EXPECT_EQ(rejected.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(already_started_detail(rejected.status).run_id(), first.value.run_id());

  // The default reuse policy (ALLOW_DUPLICATE) starts a new run.
  again.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED);
  auto allowed = start(again);
  ASSERT_TRUE(allowed.status.ok()) << allowed.status.ToString();
  EXPECT_NE(allowed.value.run_id(), first.value.run_id());
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled}));
}

TEST_F(EngineTest, AllowDuplicateFailedOnlyDependsOnHowTheLastRunClosed) {
  std::string completed_run = start_and_complete_first_task("done", {complete_workflow()});
  auto again = start_request("done");
  again.set_request_id("another-request");
  again.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY);
  auto rejected = start(again);
  EXPECT_EQ(rejected.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(already_started_detail(rejected.status).run_id(), completed_run);

  ASSERT_FALSE(start_workflow("killed").empty());
  ASSERT_TRUE(terminate("killed").status.ok());
  auto after_terminate = start_request("killed");
  after_terminate.set_request_id("another-request");
  after_terminate.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY);
  EXPECT_TRUE(start(after_terminate).status.ok());
}

// ================================================================ workflow task + activity

TEST_F(EngineTest, WorkflowWithOneActivityRunsToCompletion) {
  std::string run_id = start_workflow("wf");

  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok()) << task.status.ToString();
  EXPECT_EQ(task.value.started_event_id(), 3);
  EXPECT_EQ(task.value.previous_started_event_id(), 0);
  EXPECT_EQ(task.value.attempt(), 1);
  EXPECT_EQ(task.value.workflow_execution().workflow_id(), "wf");
  EXPECT_EQ(task.value.workflow_execution().run_id(), run_id);
  EXPECT_EQ(task.value.workflow_type().name(), "MyWorkflow");
  EXPECT_FALSE(task.value.task_token().empty());
  EXPECT_EQ(types_of(std::vector<HistoryEvent>(task.value.history().events().begin(), task.value.history().events().end())),
            (Types{kStarted, kWftScheduled, kWftStarted}));
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled, kWftStarted}));
  EXPECT_EQ(describe("wf").value.pending_workflow_task().state(), enums::PENDING_WORKFLOW_TASK_STATE_STARTED);

  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {schedule_activity("a1", 10s)}).status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled}));
  const auto& completed = events[3].workflow_task_completed_event_attributes();
  EXPECT_EQ(completed.scheduled_event_id(), 2);
  EXPECT_EQ(completed.started_event_id(), 3);
  const auto& scheduled = events[4].activity_task_scheduled_event_attributes();
  EXPECT_EQ(scheduled.activity_id(), "a1");
  EXPECT_EQ(scheduled.activity_type().name(), "Act");
  EXPECT_EQ(scheduled.task_queue().name(), "tq");  // defaults to the workflow's queue
  EXPECT_EQ(scheduled.workflow_task_completed_event_id(), 4);
  // Normalized (§3.2): start-to-close only, no run timeout -> the others stay unlimited.
  EXPECT_EQ(dur(scheduled.start_to_close_timeout()), 10s);
  EXPECT_EQ(dur(scheduled.schedule_to_close_timeout()), Duration::zero());
  EXPECT_EQ(dur(scheduled.schedule_to_start_timeout()), Duration::zero());
  EXPECT_EQ(dur(scheduled.heartbeat_timeout()), Duration::zero());
  // Default retry policy (§3.1).
  ASSERT_TRUE(scheduled.has_retry_policy());
  EXPECT_EQ(dur(scheduled.retry_policy().initial_interval()), 1s);
  EXPECT_DOUBLE_EQ(scheduled.retry_policy().backoff_coefficient(), 2.0);
  EXPECT_EQ(dur(scheduled.retry_policy().maximum_interval()), 100s);
  EXPECT_EQ(scheduled.retry_policy().maximum_attempts(), 0);
  EXPECT_EQ(activity_backlog(), 1u);

  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok()) << activity.status.ToString();
  EXPECT_EQ(activity.value.activity_id(), "a1");
  EXPECT_EQ(activity.value.activity_type().name(), "Act");
  EXPECT_EQ(activity.value.attempt(), 1);
  EXPECT_EQ(activity.value.input().payloads(0).data(), "\"in-a1\"");
  EXPECT_EQ(dur(activity.value.start_to_close_timeout()), 10s);
  EXPECT_EQ(activity.value.workflow_execution().run_id(), run_id);
  // ActivityTaskStarted is written only when the attempt ends.
  EXPECT_EQ(history("wf").size(), 5u);
  auto d = describe("wf");
  ASSERT_EQ(d.value.pending_activities_size(), 1);
  EXPECT_EQ(d.value.pending_activities(0).state(), enums::PENDING_ACTIVITY_STATE_STARTED);

  ASSERT_TRUE(complete_activity_task(activity.value.task_token(), "\"result\"").status.ok());
  events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled}));
  const auto& act_started = events[5].activity_task_started_event_attributes();
  EXPECT_EQ(act_started.scheduled_event_id(), 5);
  EXPECT_EQ(act_started.attempt(), 1);
  EXPECT_EQ(act_started.identity(), "test-worker");
  const auto& act_completed = events[6].activity_task_completed_event_attributes();
  EXPECT_EQ(act_completed.scheduled_event_id(), 5);
  EXPECT_EQ(act_completed.started_event_id(), 6);
  EXPECT_EQ(act_completed.result().payloads(0).data(), "\"result\"");
  EXPECT_EQ(events[7].workflow_task_scheduled_event_attributes().attempt(), 1);
  EXPECT_EQ(describe("wf").value.pending_activities_size(), 0);

  auto second = poll_workflow_task();
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.value.previous_started_event_id(), 3);
  EXPECT_EQ(second.value.started_event_id(), 9);
  EXPECT_EQ(second.value.history().events_size(), 9);  // full history on the normal queue

  ASSERT_TRUE(complete_workflow_task(second.value.task_token(), {complete_workflow("\"done\"")}).status.ok());
  events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled,
                                                           kWftStarted, kWftCompleted, kCompleted}));
  const auto& closed = events[10].workflow_execution_completed_event_attributes();
  EXPECT_EQ(closed.workflow_task_completed_event_id(), 10);
  EXPECT_EQ(closed.result().payloads(0).data(), "\"done\"");

  d = describe("wf");
  ASSERT_TRUE(d.status.ok());
  EXPECT_EQ(d.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  EXPECT_TRUE(d.value.workflow_execution_info().has_close_time());
  EXPECT_EQ(d.value.workflow_execution_info().history_length(), 11);
  EXPECT_FALSE(d.value.has_pending_workflow_task());
}

TEST_F(EngineTest, ActivityTimeoutsAreNormalized) {
  auto run_timeout = start_request("wf");
  *run_timeout.mutable_workflow_run_timeout() = to_proto_duration(50s);
  ASSERT_TRUE(start(run_timeout).status.ok());
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());

  auto with_heartbeat = schedule_activity("s2c", 60s, 30s);
  *with_heartbeat.mutable_schedule_activity_task_command_attributes()->mutable_heartbeat_timeout() =
      to_proto_duration(100s);
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(),
                                     {with_heartbeat, schedule_activity("st2c-only", 10s), schedule_activity("long", 90s)})
                  .status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActScheduled}));

  // Schedule-to-close set: start-to-close and schedule-to-start are cut to it; heartbeat to start-to-close.
  const auto& a = events[4].activity_task_scheduled_event_attributes();
  EXPECT_EQ(dur(a.schedule_to_close_timeout()), 30s);
  EXPECT_EQ(dur(a.start_to_close_timeout()), 30s);
  EXPECT_EQ(dur(a.schedule_to_start_timeout()), 30s);
  EXPECT_EQ(dur(a.heartbeat_timeout()), 30s);
  // Start-to-close only: schedule-to-close and schedule-to-start become the run timeout.
  const auto& b = events[5].activity_task_scheduled_event_attributes();
  EXPECT_EQ(dur(b.start_to_close_timeout()), 10s);
  EXPECT_EQ(dur(b.schedule_to_close_timeout()), 50s);
  EXPECT_EQ(dur(b.schedule_to_start_timeout()), 50s);
  // Everything is capped at the run timeout.
  const auto& c = events[6].activity_task_scheduled_event_attributes();
  EXPECT_EQ(dur(c.start_to_close_timeout()), 50s);
}

// ================================================================ buffering

// Runs wf to: two activities scheduled and started, a1 completed, its workflow task started.
// Returns the started workflow task and a2's activity task.
struct BufferingSetup {
  wsv1::PollWorkflowTaskQueueResponse workflow_task;
  wsv1::PollActivityTaskQueueResponse a2;
};

class BufferingTest : public EngineTest {
 protected:
  BufferingSetup run_until_second_task_started() {
    BufferingSetup out;
    start_and_complete_first_task("wf", {schedule_activity("a1", 10s), schedule_activity("a2", 10s)});
    auto first = poll_activity_task();
    auto second = poll_activity_task();
    EXPECT_TRUE(first.status.ok() && second.status.ok());
    auto a1 = first.value.activity_id() == "a1" ? first.value : second.value;
    out.a2 = first.value.activity_id() == "a2" ? first.value : second.value;
    EXPECT_TRUE(complete_activity_task(a1.task_token(), "\"r1\"").status.ok());
    auto task = poll_workflow_task();
    EXPECT_TRUE(task.status.ok());
    EXPECT_EQ(task.value.started_event_id(), 10);
    out.workflow_task = task.value;
    EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActStarted,
                                                              kActCompleted, kWftScheduled, kWftStarted}));
    return out;
  }
};

TEST_F(BufferingTest, EventsArrivingDuringAStartedTaskFollowTheCommandEvents) {
  BufferingSetup s = run_until_second_task_started();

  ASSERT_TRUE(complete_activity_task(s.a2.task_token(), "\"r2\"").status.ok());
  EXPECT_EQ(history("wf").size(), 10u) << "a2's events must wait for the workflow task";
  EXPECT_EQ(workflow_backlog(), 0u) << "no new workflow task while one is started";

  ASSERT_TRUE(complete_workflow_task(s.workflow_task.task_token(), {record_marker("m")}).status.ok());
  auto events = history("wf");
  const Types before = concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActStarted, kActCompleted,
                                                    kWftScheduled, kWftStarted});
  ASSERT_EQ(types_of(events), concat(before, {kWftCompleted, kMarker, kActStarted, kActCompleted, kWftScheduled}));
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].event_id(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(events[11].marker_recorded_event_attributes().workflow_task_completed_event_id(), 11);
  EXPECT_EQ(events[12].activity_task_started_event_attributes().scheduled_event_id(), 6);
  const auto& completed = events[13].activity_task_completed_event_attributes();
  EXPECT_EQ(completed.scheduled_event_id(), 6);
  EXPECT_EQ(completed.started_event_id(), 13) << "started_event_id must be fixed up when the buffer is flushed";
  EXPECT_EQ(completed.result().payloads(0).data(), "\"r2\"");

  auto next = poll_workflow_task();
  ASSERT_TRUE(next.status.ok());
  EXPECT_EQ(next.value.previous_started_event_id(), 10);
  EXPECT_EQ(next.value.started_event_id(), 16);
}

TEST_F(BufferingTest, ClosingTheWorkflowWhileEventsAreBufferedIsAnUnhandledCommand) {
  BufferingSetup s = run_until_second_task_started();
  ASSERT_TRUE(complete_activity_task(s.a2.task_token(), "\"r2\"").status.ok());

  auto r = complete_workflow_task(s.workflow_task.task_token(), {complete_workflow()});
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << r.status.ToString();

  auto events = history("wf");
  const Types before = concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActStarted, kActCompleted,
                                                    kWftScheduled, kWftStarted});
  ASSERT_EQ(types_of(events), concat(before, {kWftFailed, kActStarted, kActCompleted, kWftScheduled}));
  const auto& failed = events[10].workflow_task_failed_event_attributes();
  EXPECT_EQ(failed.cause(), enums::WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND);
  EXPECT_EQ(failed.scheduled_event_id(), 9);
  EXPECT_EQ(failed.started_event_id(), 10);
  EXPECT_EQ(events[12].activity_task_completed_event_attributes().started_event_id(), 12);
  EXPECT_EQ(events[13].workflow_task_scheduled_event_attributes().attempt(), 1);
  EXPECT_EQ(describe("wf").value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);

  // The worker sees the buffered result and may now complete.
  auto next = poll_workflow_task();
  ASSERT_TRUE(next.status.ok());
  EXPECT_EQ(next.value.attempt(), 1);
  ASSERT_TRUE(complete_workflow_task(next.value.task_token(), {complete_workflow()}).status.ok());
  auto types = event_types("wf");
  ASSERT_GE(types.size(), 3u);
  EXPECT_EQ(Types(types.end() - 3, types.end()), (Types{kWftStarted, kWftCompleted, kCompleted}));
}

// ================================================================ activity failures

TEST_F(EngineTest, RetryableActivityFailureIsRetriedWithBackoffAndNoEvents) {
  start_and_complete_first_task("wf", {with_retry(schedule_activity("a1", 10s), 1s, 2.0, 3)});
  const Types scheduled = concat(kFirstTaskCompleted, {kActScheduled});

  auto attempt1 = poll_activity_task();
  ASSERT_TRUE(attempt1.status.ok());
  EXPECT_EQ(attempt1.value.attempt(), 1);

  TimePoint before = clock_.now();
  ASSERT_TRUE(fail_activity_task(attempt1.value.task_token(), application_failure("Transient")).status.ok());
  TimePoint after = clock_.now();
  EXPECT_EQ(event_types("wf"), scheduled) << "a retry writes no event";
  EXPECT_EQ(activity_backlog(), 0u) << "the next attempt waits for its backoff";
  auto d = describe("wf");
  ASSERT_EQ(d.value.pending_activities_size(), 1);
  const auto& pending = d.value.pending_activities(0);
  EXPECT_EQ(pending.attempt(), 2);
  EXPECT_EQ(pending.state(), enums::PENDING_ACTIVITY_STATE_SCHEDULED);
  EXPECT_EQ(pending.last_failure().application_failure_info().type(), "Transient");
  // Backoff of attempt 1 = initial interval.
  EXPECT_GE(from_proto(pending.scheduled_time()), before + 1s);
  EXPECT_LE(from_proto(pending.scheduled_time()), after + 1s);

  advance(1s);
  auto attempt2 = poll_activity_task();
  ASSERT_TRUE(attempt2.status.ok());
  EXPECT_EQ(attempt2.value.attempt(), 2);

  before = clock_.now();
  ASSERT_TRUE(fail_activity_task(attempt2.value.task_token(), application_failure("Transient")).status.ok());
  after = clock_.now();
  d = describe("wf");
  ASSERT_EQ(d.value.pending_activities_size(), 1);
  EXPECT_EQ(d.value.pending_activities(0).attempt(), 3);
  // Backoff of attempt 2 = initial * coefficient.
  EXPECT_GE(from_proto(d.value.pending_activities(0).scheduled_time()), before + 2s);
  EXPECT_LE(from_proto(d.value.pending_activities(0).scheduled_time()), after + 2s);

  advance(2s);
  auto attempt3 = poll_activity_task();
  ASSERT_TRUE(attempt3.status.ok());
  EXPECT_EQ(attempt3.value.attempt(), 3);
  ASSERT_TRUE(fail_activity_task(attempt3.value.task_token(), application_failure("Transient")).status.ok());

  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(scheduled, {kActStarted, kActFailed, kWftScheduled}));
  const auto& started = events[5].activity_task_started_event_attributes();
  EXPECT_EQ(started.attempt(), 3);
  EXPECT_EQ(started.last_failure().application_failure_info().type(), "Transient");
  const auto& failed = events[6].activity_task_failed_event_attributes();
  EXPECT_EQ(failed.retry_state(), enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(failed.scheduled_event_id(), 5);
  EXPECT_EQ(failed.started_event_id(), 6);
  EXPECT_EQ(failed.failure().application_failure_info().type(), "Transient");
  EXPECT_EQ(describe("wf").value.pending_activities_size(), 0);
}

TEST_F(EngineTest, FailureWithNextRetryDelayOverridesTheBackoff) {
  start_and_complete_first_task("wf", {schedule_activity("a1", 60s)});
  auto attempt1 = poll_activity_task();
  ASSERT_TRUE(attempt1.status.ok());
  auto failure = application_failure("Throttled");
  *failure.mutable_application_failure_info()->mutable_next_retry_delay() = to_proto_duration(300s);  // > max 100 s

  TimePoint before = clock_.now();
  ASSERT_TRUE(fail_activity_task(attempt1.value.task_token(), failure).status.ok());
  TimePoint after = clock_.now();
  auto d = describe("wf");
  ASSERT_EQ(d.value.pending_activities_size(), 1);
  EXPECT_GE(from_proto(d.value.pending_activities(0).scheduled_time()), before + 300s);
  EXPECT_LE(from_proto(d.value.pending_activities(0).scheduled_time()), after + 300s);

  advance(300s);
  auto attempt2 = poll_activity_task();
  ASSERT_TRUE(attempt2.status.ok());
  EXPECT_EQ(attempt2.value.attempt(), 2);
}

TEST_F(EngineTest, NonRetryableActivityFailuresCloseTheActivityAtOnce) {
  auto listed = schedule_activity("listed", 10s);
  listed.mutable_schedule_activity_task_command_attributes()->mutable_retry_policy()->add_non_retryable_error_types(
      "Fatal");
  start_and_complete_first_task("wf", {listed, schedule_activity("flagged", 10s)});
  auto first = poll_activity_task();
  auto second = poll_activity_task();
  ASSERT_TRUE(first.status.ok() && second.status.ok());
  auto listed_task = first.value.activity_id() == "listed" ? first.value : second.value;
  auto flagged_task = first.value.activity_id() == "flagged" ? first.value : second.value;

  // A type listed in non_retryable_error_types.
  ASSERT_TRUE(fail_activity_task(listed_task.task_token(), application_failure("Fatal")).status.ok());
  auto events = history("wf");
  const Types scheduled = concat(kFirstTaskCompleted, {kActScheduled, kActScheduled});
  ASSERT_EQ(types_of(events), concat(scheduled, {kActStarted, kActFailed, kWftScheduled}));
  EXPECT_EQ(events[7].activity_task_failed_event_attributes().retry_state(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  EXPECT_EQ(events[7].activity_task_failed_event_attributes().scheduled_event_id(), 5);

  // An ApplicationFailure marked non_retryable; a workflow task is already scheduled (not
  // started), so the events are appended directly and no second task is scheduled.
  ASSERT_TRUE(fail_activity_task(flagged_task.task_token(), application_failure("Any", true)).status.ok());
  events = history("wf");
  ASSERT_EQ(types_of(events), concat(scheduled, {kActStarted, kActFailed, kWftScheduled, kActStarted, kActFailed}));
  const auto& failed = events[10].activity_task_failed_event_attributes();
  EXPECT_EQ(failed.retry_state(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  EXPECT_EQ(failed.scheduled_event_id(), 6);
  EXPECT_EQ(failed.started_event_id(), 10);
  EXPECT_EQ(workflow_backlog(), 1u);
}

// ================================================================ activity timeouts

TEST_F(EngineTest, ActivityStartToCloseTimeoutIsRetried) {
  start_and_complete_first_task("wf", {schedule_activity("a1", 10s)});
  auto attempt1 = poll_activity_task();
  ASSERT_TRUE(attempt1.status.ok());

  advance(11s);
  ASSERT_TRUE(wait_for_state("wf", [](const auto& d) {
    return d.pending_activities_size() == 1 && d.pending_activities(0).attempt() == 2;
  }));
  auto d = describe("wf");
  const auto& pending = d.value.pending_activities(0);
  EXPECT_EQ(pending.state(), enums::PENDING_ACTIVITY_STATE_SCHEDULED);
  EXPECT_EQ(pending.last_failure().timeout_failure_info().timeout_type(), enums::TIMEOUT_TYPE_START_TO_CLOSE);
  EXPECT_EQ(pending.last_failure().message(), "activity StartToClose timeout");
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled}));

  // The late worker's token is stale now.
  EXPECT_EQ(complete_activity_task(attempt1.value.task_token(), "\"late\"").status.code(), StatusCode::kNotFound);

  advance(1s);  // the retry backoff
  auto attempt2 = poll_activity_task();
  ASSERT_TRUE(attempt2.status.ok());
  EXPECT_EQ(attempt2.value.attempt(), 2);
  ASSERT_TRUE(complete_activity_task(attempt2.value.task_token(), "\"ok\"").status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled}));
  EXPECT_EQ(events[5].activity_task_started_event_attributes().attempt(), 2);
  EXPECT_EQ(events[5].activity_task_started_event_attributes().last_failure().timeout_failure_info().timeout_type(),
            enums::TIMEOUT_TYPE_START_TO_CLOSE);
}

TEST_F(EngineTest, ActivityScheduleToCloseTimeoutTimesItOut) {
  start_and_complete_first_task("wf", {schedule_activity("a1", Duration::zero(), 5s)});
  // The attempt starts 3 s after scheduling so that only the schedule-to-close deadline passes
  // below (a start-to-close expiry with no time left reports the same timeout type, but through
  // the retry path with another message and retry state).
  advance(3s);
  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok());
  EXPECT_EQ(dur(activity.value.schedule_to_close_timeout()), 5s);
  EXPECT_EQ(dur(activity.value.start_to_close_timeout()), 5s);

  advance(3s);  // scheduled + 6 s: past schedule-to-close, before start-to-close (started + 5 s)
  auto events = wait_for_history("wf", 8);
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActTimedOut, kWftScheduled}));
  const auto& timed_out = events[6].activity_task_timed_out_event_attributes();
  EXPECT_EQ(timed_out.failure().timeout_failure_info().timeout_type(), enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
  // The Go server 1.29 (the version Stead reports) asks its retry policy about the timeout
  // failure itself, which is not retryable; Go >= 1.30 (#9132) and temporal-protocol.md §3.1
  // say RETRY_STATE_TIMEOUT. The interop tests pin the 1.29 behaviour, so do we.
  EXPECT_EQ(timed_out.retry_state(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  EXPECT_EQ(timed_out.scheduled_event_id(), 5);
  EXPECT_EQ(timed_out.started_event_id(), 6);
  EXPECT_EQ(complete_activity_task(activity.value.task_token(), "\"late\"").status.code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, ActivityScheduleToStartTimeoutTimesItOutWithoutAStartedEvent) {
  auto c = schedule_activity("a1", 10s);
  *c.mutable_schedule_activity_task_command_attributes()->mutable_schedule_to_start_timeout() = to_proto_duration(5s);
  start_and_complete_first_task("wf", {c});
  EXPECT_EQ(activity_backlog(), 1u);  // nobody polls

  advance(6s);
  auto events = wait_for_history("wf", 7);
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActTimedOut, kWftScheduled}));
  const auto& timed_out = events[5].activity_task_timed_out_event_attributes();
  EXPECT_EQ(timed_out.failure().timeout_failure_info().timeout_type(), enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
  EXPECT_EQ(timed_out.failure().message(), "activity ScheduleToStart timeout");
  EXPECT_EQ(timed_out.retry_state(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE);  // as Go 1.29, see above
  EXPECT_EQ(timed_out.scheduled_event_id(), 5);
  EXPECT_EQ(timed_out.started_event_id(), 0);
  // The task still queued in matching is stale now: a poll skips it.
  auto r = await_reply<wsv1::PollActivityTaskQueueResponse>([&](auto reply) {
    wsv1::PollActivityTaskQueueRequest poll;
    poll.set_identity("late-worker");
    auto task = poll_matching({kNamespace, kTaskQueue, matching::TaskKind::kActivity});
    ASSERT_TRUE(task.has_value());
    engine_->record_activity_task_started(*task, poll, std::move(reply));
  });
  EXPECT_EQ(r.status.code(), StatusCode::kNotFound);
}

// ================================================================ durable timers

// Deadlines that pass together (a time skip, a restart, a busy server) must still be handled
// in deadline order: Go processes a run's expired timers sorted by deadline, and the order of
// TimerFired events is what workflow code observes.
TEST_F(EngineTest, TimersThatExpireTogetherAreHandledInDeadlineOrder) {
  // Many runs with many timers: an engine that handles expired timers concurrently inverts
  // some of them almost surely; a correct one never does.
  constexpr int kRuns = 4;
  constexpr int kTimers = 200;
  std::vector<std::string> expected;
  for (int i = 1; i <= kTimers; ++i) expected.push_back("t" + std::to_string(i));
  for (int run = 0; run < kRuns; ++run) {
    std::vector<command::Command> commands;
    for (int i = kTimers; i >= 1; --i) {  // started latest-first, so event order != deadline order
      command::Command c;
      c.set_command_type(enums::COMMAND_TYPE_START_TIMER);
      c.mutable_start_timer_command_attributes()->set_timer_id("t" + std::to_string(i));
      *c.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout() = to_proto_duration(i * 1s);
      commands.push_back(c);
    }
    start_and_complete_first_task("wf" + std::to_string(run), commands);
  }

  advance(std::chrono::seconds(kTimers + 1));
  for (int run = 0; run < kRuns; ++run) {
    auto events = wait_for_history("wf" + std::to_string(run), 4 + 2 * kTimers + 1);
    std::vector<std::string> fired;
    for (const auto& e : events) {
      if (e.event_type() == enums::EVENT_TYPE_TIMER_FIRED) fired.push_back(e.timer_fired_event_attributes().timer_id());
    }
    ASSERT_EQ(fired.size(), expected.size());
    size_t first_wrong = 0;
    while (first_wrong < fired.size() && fired[first_wrong] == expected[first_wrong]) ++first_wrong;
    EXPECT_EQ(first_wrong, fired.size()) << "TimerFired events of wf" << run << " are out of deadline order: "
                                         << "position " << first_wrong << " holds "
                                         << (first_wrong < fired.size() ? fired[first_wrong] : "") << ", expected "
                                         << (first_wrong < fired.size() ? expected[first_wrong] : "");
  }
}

// ================================================================ workflow task failures

TEST_F(EngineTest, WorkflowTaskStartToCloseTimeoutSchedulesAnotherAttempt) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());

  advance(11s);  // default task timeout is 10 s
  auto events = wait_for_history("wf", 5);
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftTimedOut, kWftScheduled}));
  const auto& timed_out = events[3].workflow_task_timed_out_event_attributes();
  EXPECT_EQ(timed_out.timeout_type(), enums::TIMEOUT_TYPE_START_TO_CLOSE);
  EXPECT_EQ(timed_out.scheduled_event_id(), 2);
  EXPECT_EQ(timed_out.started_event_id(), 3);
  EXPECT_EQ(events[4].workflow_task_scheduled_event_attributes().attempt(), 2);

  EXPECT_EQ(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.code(),
            StatusCode::kNotFound);

  auto retry = poll_workflow_task();
  ASSERT_TRUE(retry.status.ok());
  EXPECT_EQ(retry.value.attempt(), 2);
  EXPECT_EQ(retry.value.started_event_id(), 6);
  ASSERT_TRUE(complete_workflow_task(retry.value.task_token(), {complete_workflow()}).status.ok());
  EXPECT_EQ(describe("wf").value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(EngineTest, RespondWorkflowTaskFailedSchedulesAnotherAttempt) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  ASSERT_TRUE(fail_workflow_task(task.value.task_token(),
                                 enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, "boom")
                  .status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled}));
  const auto& failed = events[3].workflow_task_failed_event_attributes();
  EXPECT_EQ(failed.cause(), enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
  EXPECT_EQ(failed.failure().message(), "boom");
  EXPECT_EQ(failed.scheduled_event_id(), 2);
  EXPECT_EQ(failed.started_event_id(), 3);
  EXPECT_EQ(failed.identity(), "test-worker");
  EXPECT_EQ(events[4].workflow_task_scheduled_event_attributes().attempt(), 2);

  auto retry = poll_workflow_task();
  ASSERT_TRUE(retry.status.ok());
  EXPECT_EQ(retry.value.attempt(), 2);
  ASSERT_TRUE(fail_workflow_task(retry.value.task_token(),
                                 enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, "again")
                  .status.ok());
  EXPECT_EQ(history("wf").back().workflow_task_scheduled_event_attributes().attempt(), 3);
}

// ================================================================ bad input

TEST_F(EngineTest, MalformedTaskTokensAreInvalidArgument) {
  start_and_complete_first_task("wf", {schedule_activity("a1", 10s)});
  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok());

  EXPECT_EQ(complete_workflow_task("", {}).status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(complete_workflow_task("\xff\xff not a token", {}).status.code(), StatusCode::kInvalidArgument);
  // A real token of the other kind.
  EXPECT_EQ(complete_workflow_task(activity.value.task_token(), {}).status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fail_workflow_task("", enums::WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED, "x").status.code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(complete_activity_task("", "1").status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fail_activity_task("\xff\xff", application_failure("X")).status.code(), StatusCode::kInvalidArgument);

  TaskToken workflow_kind;
  workflow_kind.set_kind(TaskToken::KIND_WORKFLOW_TASK);
  workflow_kind.set_namespace_(kNamespace);
  workflow_kind.set_workflow_id("wf");
  workflow_kind.set_run_id(activity.value.workflow_execution().run_id());
  workflow_kind.set_scheduled_event_id(5);
  workflow_kind.set_attempt(1);
  EXPECT_EQ(complete_activity_task(workflow_kind.SerializeAsString(), "1").status.code(), StatusCode::kInvalidArgument);

  // None of this touched the workflow.
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled}));
  EXPECT_TRUE(complete_activity_task(activity.value.task_token(), "1").status.ok());
}

TEST_F(EngineTest, StaleTokensAreNotFound) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {schedule_activity("a1", 10s)}).status.ok());
  EXPECT_EQ(complete_workflow_task(task.value.task_token(), {}).status.code(), StatusCode::kNotFound);
  EXPECT_EQ(fail_workflow_task(task.value.task_token(), enums::WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED, "x").status.code(),
            StatusCode::kNotFound);

  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok());
  ASSERT_TRUE(complete_activity_task(activity.value.task_token(), "1").status.ok());
  EXPECT_EQ(complete_activity_task(activity.value.task_token(), "2").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(fail_activity_task(activity.value.task_token(), application_failure("X")).status.code(),
            StatusCode::kNotFound);
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled}));

  // A well-formed token naming a workflow that does not exist.
  TaskToken unknown;
  unknown.set_kind(TaskToken::KIND_WORKFLOW_TASK);
  unknown.set_namespace_(kNamespace);
  unknown.set_workflow_id("never-started");
  unknown.set_run_id("no-such-run");
  unknown.set_scheduled_event_id(2);
  unknown.set_started_event_id(3);
  EXPECT_EQ(complete_workflow_task(unknown.SerializeAsString(), {}).status.code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, InvalidCommandFailsTheWorkflowTask) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  auto r = complete_workflow_task(task.value.task_token(), {schedule_activity("a1", Duration::zero())});
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);

  auto events = history("wf");
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled}));
  const auto& failed = events[3].workflow_task_failed_event_attributes();
  EXPECT_EQ(failed.cause(), enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);
  EXPECT_EQ(failed.failure().message(), "A valid StartToCloseTimeout or ScheduleToCloseTimeout must be set.");
  EXPECT_EQ(events[4].workflow_task_scheduled_event_attributes().attempt(), 2);
  EXPECT_EQ(activity_backlog(), 0u);

  // The retried task fails the same way: Go drops the completion (no event) so that the task
  // times out instead of spinning through failures.
  auto retry = poll_workflow_task();
  ASSERT_TRUE(retry.status.ok());
  EXPECT_EQ(retry.value.attempt(), 2);
  r = complete_workflow_task(retry.value.task_token(), {schedule_activity("a1", Duration::zero())});
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled, kWftStarted}));
  advance(11s);
  events = wait_for_history("wf", 8);
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled, kWftStarted,
                                     kWftTimedOut, kWftScheduled}));
  EXPECT_EQ(events[7].workflow_task_scheduled_event_attributes().attempt(), 3);
}

TEST_F(EngineTest, DuplicateActivityIdFailsTheWorkflowTask) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  auto r = complete_workflow_task(task.value.task_token(), {schedule_activity("a1", 10s), schedule_activity("a1", 10s)});
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  auto events = history("wf");
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled}));
  EXPECT_EQ(events[3].workflow_task_failed_event_attributes().cause(),
            enums::WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID);
  EXPECT_EQ(activity_backlog(), 0u) << "a rejected completion applies none of its commands";
}

TEST_F(EngineTest, UnknownWorkflowIsNotFound) {
  EXPECT_EQ(describe("nope").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(get_history("nope").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(terminate("nope").status.code(), StatusCode::kNotFound);
  start_workflow("wf");
  EXPECT_EQ(describe("wf", "no-such-run").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(get_history("wf", "no-such-run").status.code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, OversizedPayloadsAreInvalidArgument) {
  close();
  config_.blob_size_limit_error = 1024;
  open("");
  const std::string big(2048, 'x');

  auto req = start_request("big");
  *req.mutable_input() = payloads(big);
  Status s = start(req).status;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Blob data size exceeds limit.");
  EXPECT_EQ(describe("big").status.code(), StatusCode::kNotFound);

  start_and_complete_first_task("wf", {schedule_activity("a1", 10s)});
  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok());
  EXPECT_EQ(complete_activity_task(activity.value.task_token(), big).status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled})) << "the activity is still pending";
  ASSERT_TRUE(complete_activity_task(activity.value.task_token(), "\"small\"").status.ok());

  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  auto big_activity = schedule_activity("a2", 10s);
  *big_activity.mutable_schedule_activity_task_command_attributes()->mutable_input() = payloads(big);
  EXPECT_EQ(complete_workflow_task(task.value.task_token(), {big_activity}).status.code(), StatusCode::kInvalidArgument);
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled,
                                                           kWftStarted, kWftFailed, kWftScheduled}));
  EXPECT_EQ(events[9].workflow_task_failed_event_attributes().cause(),
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);

  auto big_result = start_request("big-result");
  big_result.mutable_task_queue()->set_name("tq-big");  // wf's retried task waits on "tq"
  ASSERT_TRUE(start(big_result).status.ok());
  task = poll_workflow_task("tq-big");
  ASSERT_TRUE(task.status.ok());
  EXPECT_EQ(complete_workflow_task(task.value.task_token(), {complete_workflow("\"" + big + "\"")}).status.code(),
            StatusCode::kInvalidArgument);
  events = history("big-result");
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kWftScheduled}));
  EXPECT_EQ(events[3].workflow_task_failed_event_attributes().cause(),
            enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES);
  EXPECT_EQ(describe("big-result").value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
}

// ================================================================ recovery

TEST_F(EngineTest, PendingActivityIsDispatchedAgainAfterRestart) {
  close();
  std::string path = temp_db_path();
  open(path);
  std::string run_id = start_and_complete_first_task("wf", {schedule_activity("a1", 10s)});
  close();

  open(path);
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled}));
  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok()) << activity.status.ToString();
  EXPECT_EQ(activity.value.activity_id(), "a1");
  EXPECT_EQ(activity.value.attempt(), 1);
  EXPECT_EQ(activity.value.workflow_execution().run_id(), run_id);
  ASSERT_TRUE(complete_activity_task(activity.value.task_token(), "\"r\"").status.ok());
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled, kActStarted, kActCompleted, kWftScheduled}));

  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  EXPECT_EQ(task.value.previous_started_event_id(), 3);
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.ok());
  EXPECT_EQ(describe("wf").value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(EngineTest, ScheduledWorkflowTaskIsDispatchedAgainAfterRestart) {
  close();
  std::string path = temp_db_path();
  open(path);
  start_workflow("wf");
  close();

  open(path);
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  EXPECT_EQ(task.value.started_event_id(), 3);
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.ok());
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled, kWftStarted, kWftCompleted, kCompleted}));
}

TEST_F(EngineTest, StartedWorkflowTaskSurvivesRestartAndItsTimeoutIsRearmed) {
  close();
  std::string path = temp_db_path();
  open(path);
  start_workflow("wf");
  start_workflow("wf-late");
  auto task = poll_workflow_task();
  auto late_task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok() && late_task.status.ok());
  if (task.value.workflow_execution().workflow_id() != "wf") std::swap(task, late_task);
  close();

  open(path);
  EXPECT_EQ(workflow_backlog(), 0u) << "a started task is not dispatched again";
  // The worker that held the task may still complete it after the restart.
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.ok());
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled, kWftStarted, kWftCompleted, kCompleted}));

  // The other one's worker is gone: the re-armed start-to-close timeout retries the task.
  advance(11s);
  auto events = wait_for_history("wf-late", 5);
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftTimedOut, kWftScheduled}));
  auto retry = poll_workflow_task();
  ASSERT_TRUE(retry.status.ok());
  EXPECT_EQ(retry.value.workflow_execution().workflow_id(), "wf-late");
  EXPECT_EQ(retry.value.attempt(), 2);
}

TEST_F(EngineTest, ActivityTimersAreRearmedAfterRestart) {
  close();
  std::string path = temp_db_path();
  open(path);
  start_and_complete_first_task("started", {schedule_activity("a1", 10s)});
  start_and_complete_first_task("backoff", {schedule_activity("a1", 10s)});
  auto first = poll_activity_task();
  auto second = poll_activity_task();
  ASSERT_TRUE(first.status.ok() && second.status.ok());
  if (first.value.workflow_execution().workflow_id() != "started") std::swap(first, second);
  // "backoff" fails once: at the restart its second attempt waits for the retry timer.
  ASSERT_TRUE(fail_activity_task(second.value.task_token(), application_failure("Transient")).status.ok());
  close();

  open(path);
  EXPECT_EQ(activity_backlog(), 0u);
  advance(2s);  // past the backoff, not the start-to-close timeout
  auto retried = poll_activity_task();
  ASSERT_TRUE(retried.status.ok());
  EXPECT_EQ(retried.value.workflow_execution().workflow_id(), "backoff");
  EXPECT_EQ(retried.value.attempt(), 2);
  ASSERT_TRUE(complete_activity_task(retried.value.task_token(), "1").status.ok());

  advance(10s);  // the "started" activity's start-to-close timeout, then its backoff
  ASSERT_TRUE(wait_for_state("started", [](const auto& d) {
    return d.pending_activities_size() == 1 && d.pending_activities(0).attempt() == 2;
  }));
  advance(1s);
  auto timed_out_retry = poll_activity_task();
  ASSERT_TRUE(timed_out_retry.status.ok());
  EXPECT_EQ(timed_out_retry.value.workflow_execution().workflow_id(), "started");
  EXPECT_EQ(timed_out_retry.value.attempt(), 2);
}

TEST_F(EngineTest, BufferedEventsSurviveRestart) {
  close();
  std::string path = temp_db_path();
  open(path);
  start_and_complete_first_task("wf", {schedule_activity("a1", 10s), schedule_activity("a2", 10s)});
  auto a1 = poll_activity_task();
  auto a2 = poll_activity_task();
  ASSERT_TRUE(a1.status.ok() && a2.status.ok());
  ASSERT_TRUE(complete_activity_task(a1.value.task_token(), "1").status.ok());
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  ASSERT_TRUE(complete_activity_task(a2.value.task_token(), "2").status.ok());  // buffered
  close();

  open(path);
  const Types before = concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActStarted, kActCompleted,
                                                    kWftScheduled, kWftStarted});
  EXPECT_EQ(event_types("wf"), before);
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {}).status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(before, {kWftCompleted, kActStarted, kActCompleted, kWftScheduled}));
  EXPECT_EQ(events[12].activity_task_completed_event_attributes().started_event_id(), 12);
  EXPECT_EQ(events[12].activity_task_completed_event_attributes().result().payloads(0).data(), "2");
}

TEST_F(EngineTest, ClosedWorkflowIdIsRememberedAfterRestart) {
  close();
  std::string path = temp_db_path();
  open(path);
  std::string first_run = start_workflow("wf");
  ASSERT_TRUE(terminate("wf").status.ok());
  close();

  open(path);
  auto d = describe("wf");
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_EQ(d.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
  EXPECT_EQ(event_types("wf"), (Types{kStarted, kWftScheduled, kTerminated}));

  // The same start request is still recognised as a retry of the first one.
  auto retried = start(start_request("wf"));
  ASSERT_TRUE(retried.status.ok());
  EXPECT_EQ(retried.value.run_id(), first_run);

  auto again = start_request("wf");
  again.set_request_id("another-request");
  again.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
  EXPECT_EQ(start(again).status.code(), StatusCode::kAlreadyExists);
  again.set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  auto second = start(again);
  ASSERT_TRUE(second.status.ok());
  EXPECT_NE(second.value.run_id(), first_run);
}

// ================================================================ terminate

TEST_F(EngineTest, TerminateClosesARunningWorkflowAndInvalidatesItsTask) {
  start_workflow("wf");
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());

  ASSERT_TRUE(terminate("wf").status.ok());
  auto events = history("wf");
  // The started workflow task is failed first (FORCE_CLOSE_COMMAND), as the Go server does.
  ASSERT_EQ(types_of(events), (Types{kStarted, kWftScheduled, kWftStarted, kWftFailed, kTerminated}));
  EXPECT_EQ(events[3].workflow_task_failed_event_attributes().cause(),
            enums::WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND);
  const auto& terminated = events[4].workflow_execution_terminated_event_attributes();
  EXPECT_EQ(terminated.reason(), "test says stop");
  EXPECT_EQ(terminated.identity(), "operator");
  auto d = describe("wf");
  EXPECT_EQ(d.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
  EXPECT_FALSE(d.value.has_pending_workflow_task());

  EXPECT_EQ(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.code(), StatusCode::kNotFound);
  EXPECT_EQ(terminate("wf").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(history("wf").size(), 5u);
}

TEST_F(EngineTest, TerminateDropsPendingActivities) {
  start_and_complete_first_task("wf", {schedule_activity("a1", 10s)});
  auto activity = poll_activity_task();
  ASSERT_TRUE(activity.status.ok());
  ASSERT_TRUE(terminate("wf").status.ok());
  EXPECT_EQ(event_types("wf"), concat(kFirstTaskCompleted, {kActScheduled, kTerminated}));
  EXPECT_EQ(complete_activity_task(activity.value.task_token(), "1").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(describe("wf").value.pending_activities_size(), 0);
}

TEST_F(EngineTest, TerminateFlushesBufferedEventsBeforeTheCloseEvent) {
  start_and_complete_first_task("wf", {schedule_activity("a1", 10s), schedule_activity("a2", 10s)});
  auto a1 = poll_activity_task();
  auto a2 = poll_activity_task();
  ASSERT_TRUE(complete_activity_task(a1.value.task_token(), "1").status.ok());
  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  ASSERT_TRUE(complete_activity_task(a2.value.task_token(), "2").status.ok());  // buffered

  ASSERT_TRUE(terminate("wf").status.ok());
  auto events = history("wf");
  ASSERT_EQ(types_of(events), concat(kFirstTaskCompleted, {kActScheduled, kActScheduled, kActStarted, kActCompleted,
                                                           kWftScheduled, kWftStarted, kWftFailed, kActStarted,
                                                           kActCompleted, kTerminated}));
  EXPECT_EQ(events[12].activity_task_completed_event_attributes().started_event_id(), 12);
}

// ================================================================ history long poll

TEST_F(EngineTest, HistoryLongPollForTheCloseEventWakesOnCompletion) {
  start_workflow("wf");
  wsv1::GetWorkflowExecutionHistoryRequest r;
  r.set_namespace_(kNamespace);
  r.mutable_execution()->set_workflow_id("wf");
  r.set_wait_new_event(true);
  r.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  auto promise = std::make_shared<std::promise<Result<wsv1::GetWorkflowExecutionHistoryResponse>>>();
  auto future = promise->get_future();
  engine_->get_history(r, std::chrono::system_clock::now() + 30s, [promise](Status s, auto resp) {
    promise->set_value({std::move(s), std::move(resp)});
  });
  EXPECT_EQ(future.wait_for(0s), std::future_status::timeout) << "the run is still open";

  auto task = poll_workflow_task();
  ASSERT_TRUE(task.status.ok());
  ASSERT_TRUE(complete_workflow_task(task.value.task_token(), {complete_workflow()}).status.ok());
  ASSERT_EQ(future.wait_for(kWaitLimit), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.value.history().events_size(), 1);
  EXPECT_EQ(result.value.history().events(0).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(result.value.history().events(0).event_id(), 5);
}

}  // namespace
}  // namespace stead::server::history::engine_test
