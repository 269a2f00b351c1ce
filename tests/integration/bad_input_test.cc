// Bad input over gRPC: an in-process server on a loopback socket gets malformed and hostile
// requests (random bytes, empty and unknown-field messages, invalid UTF-8, 100 KB strings,
// huge metadata, 1,000-year and negative durations, 20,000-character ids). Each must get a
// clear status (a code and a short message) and leave the server serving normal calls on the
// same channel.
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "stead/server.h"
#include "stead/version.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead {
namespace {

namespace wsv1 = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
using std::chrono::seconds;
using std::chrono::system_clock;

const std::string kService = "/temporal.api.workflowservice.v1.WorkflowService/";
constexpr int64_t kYear = 365LL * 24 * 3600;
constexpr int64_t kHundredYears = 100 * kYear;
// A "short" message: well below the 2 KiB cap, and far below gRPC's 8 KiB metadata limit.
constexpr size_t kShort = 2100;

google::protobuf::Duration duration(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

class GrpcBadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = Server::start({.port = 0}).release();
    channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    stub_ = wsv1::WorkflowService::NewStub(*channel_).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete channel_;
    server_->shutdown();
    delete server_;
  }
  // After every case the server still answers a normal call on the same channel.
  void TearDown() override {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    wsv1::DescribeNamespaceRequest request;
    request.set_namespace_("default");
    wsv1::DescribeNamespaceResponse response;
    grpc::Status status = stub_->DescribeNamespace(&ctx, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_EQ(response.namespace_info().name(), "default");
  }

  std::string name() const { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

  // Sends `bytes` as the request message of `method`, as raw bytes on the wire.
  static grpc::Status raw_call(const std::string& method, const std::string& bytes, std::string* response = nullptr) {
    grpc::GenericStub generic(*channel_);
    grpc::CompletionQueue cq;
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    auto call = generic.PrepareUnaryCall(&ctx, kService + method, request, &cq);
    call->StartCall();
    grpc::ByteBuffer reply;
    grpc::Status status;
    call->Finish(&reply, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    if (response && status.ok()) {
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(reply.Dump(&slices).ok());
      for (const auto& s : slices) response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return status;
  }

  std::string queue() const { return "q-" + name(); }
  wsv1::StartWorkflowExecutionRequest start_request(const std::string& id, const std::string& task_queue = "") const {
    wsv1::StartWorkflowExecutionRequest r;
    r.set_namespace_("default");
    r.set_workflow_id(id);
    r.mutable_workflow_type()->set_name("BadInput");
    r.mutable_task_queue()->set_name(task_queue.empty() ? queue() : task_queue);
    r.set_request_id(id + "-request");
    return r;
  }
  grpc::Status start(const wsv1::StartWorkflowExecutionRequest& r, wsv1::StartWorkflowExecutionResponse* resp = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    wsv1::StartWorkflowExecutionResponse ignored;
    return stub_->StartWorkflowExecution(&ctx, r, resp ? resp : &ignored);
  }
  wsv1::DescribeWorkflowExecutionResponse describe(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    wsv1::DescribeWorkflowExecutionRequest r;
    r.set_namespace_("default");
    r.mutable_execution()->set_workflow_id(id);
    wsv1::DescribeWorkflowExecutionResponse resp;
    grpc::Status status = stub_->DescribeWorkflowExecution(&ctx, r, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }
  std::vector<temporal::api::history::v1::HistoryEvent> history(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    wsv1::GetWorkflowExecutionHistoryRequest r;
    r.set_namespace_("default");
    r.mutable_execution()->set_workflow_id(id);
    wsv1::GetWorkflowExecutionHistoryResponse resp;
    grpc::Status status = stub_->GetWorkflowExecutionHistory(&ctx, r, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {resp.history().events().begin(), resp.history().events().end()};
  }
  // Polls `task_queue` (default: this test's) for the workflow task of a just-started workflow.
  wsv1::PollWorkflowTaskQueueResponse poll_task(const std::string& task_queue = "") {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(60));
    wsv1::PollWorkflowTaskQueueRequest r;
    r.set_namespace_("default");
    r.mutable_task_queue()->set_name(task_queue.empty() ? queue() : task_queue);
    wsv1::PollWorkflowTaskQueueResponse task;
    grpc::Status status = stub_->PollWorkflowTaskQueue(&ctx, r, &task);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(task.task_token().empty());
    return task;
  }
  grpc::Status complete(const wsv1::PollWorkflowTaskQueueResponse& task, std::vector<command::Command> commands) {
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + seconds(30));
    wsv1::RespondWorkflowTaskCompletedRequest r;
    r.set_namespace_("default");
    r.set_task_token(task.task_token());
    for (auto& c : commands) *r.add_commands() = std::move(c);
    wsv1::RespondWorkflowTaskCompletedResponse resp;
    return stub_->RespondWorkflowTaskCompleted(&ctx, r, &resp);
  }

  static Server* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
  static wsv1::WorkflowService::Stub* stub_;
};

Server* GrpcBadInputTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* GrpcBadInputTest::channel_ = nullptr;
wsv1::WorkflowService::Stub* GrpcBadInputTest::stub_ = nullptr;

command::Command start_timer(const std::string& id, const google::protobuf::Duration& d) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_START_TIMER);
  c.mutable_start_timer_command_attributes()->set_timer_id(id);
  *c.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout() = d;
  return c;
}

command::Command schedule_activity(const std::string& id, const google::protobuf::Duration& start_to_close,
                                   const google::protobuf::Duration& heartbeat = {}) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = c.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(id);
  a->mutable_activity_type()->set_name("act");
  *a->mutable_start_to_close_timeout() = start_to_close;
  if (heartbeat.seconds() != 0 || heartbeat.nanos() != 0) *a->mutable_heartbeat_timeout() = heartbeat;
  return c;
}

command::Command continue_as_new(const google::protobuf::Duration& run_timeout) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto* a = c.mutable_continue_as_new_workflow_execution_command_attributes();
  a->mutable_workflow_type()->set_name("BadInput");
  *a->mutable_workflow_run_timeout() = run_timeout;
  return c;
}

// ---------------------------------------------------------------- malformed messages

TEST_F(GrpcBadInputTest, RandomBytesAreRefusedWithAShortStatus) {
  const std::vector<std::string> methods = {"StartWorkflowExecution", "PollWorkflowTaskQueue",
                                            "SignalWorkflowExecution", "RespondWorkflowTaskCompleted",
                                            "DescribeWorkflowExecution", "QueryWorkflow"};
  std::mt19937 random(9);  // fixed: the same bytes every run
  for (const auto& method : methods) {
    for (int i = 0; i < 20; ++i) {
      std::string bytes(1 + random() % 512, '\0');
      for (auto& b : bytes) b = static_cast<char>(random());
      if (i % 2 == 0) bytes[0] = '\xFF';  // field 31 with wire type 7: never a valid message
      grpc::Status status = raw_call(method, bytes);
      EXPECT_FALSE(status.ok()) << method;
      EXPECT_LT(status.error_message().size(), kShort) << method;
      if (bytes[0] == '\xFF') {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
        EXPECT_EQ(status.error_message(), "Unable to parse request message for " + kService + method);
      }
    }
  }
}

TEST_F(GrpcBadInputTest, AnEmptyMessageIsARequestWithNothingSet) {
  grpc::Status status = raw_call("StartWorkflowExecution", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "Namespace is empty.");
  status = raw_call("PollActivityTaskQueue", "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::string response;
  ASSERT_TRUE(raw_call("GetSystemInfo", "", &response).ok());
  wsv1::GetSystemInfoResponse info;
  ASSERT_TRUE(info.ParseFromString(response));
  // Temporal's protocol version, then Stead's (include/stead/version.h) as build metadata.
  EXPECT_EQ(info.server_version(), std::string("1.29.0+stead.") + STEAD_VERSION_STRING);
}

TEST_F(GrpcBadInputTest, UnknownFieldsAreIgnored) {
  wsv1::DescribeNamespaceRequest request;
  request.set_namespace_("default");
  std::string bytes = request.SerializeAsString();
  bytes += std::string("\xB8\xE2\x04\x2A", 4);  // field 10007, varint 42: unknown to every version
  std::string response;
  grpc::Status status = raw_call("DescribeNamespace", bytes, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  wsv1::DescribeNamespaceResponse described;
  ASSERT_TRUE(described.ParseFromString(response));
  EXPECT_EQ(described.namespace_info().name(), "default");
}

TEST_F(GrpcBadInputTest, InvalidUtf8InAStringFieldFailsParsing) {
  // proto3 `string` fields must hold UTF-8; protobuf's parser rejects the message.
  std::string bytes = std::string("\x0A\x07", 2) + "default" + std::string("\x12\x03\xFF\xFE\x80", 5);
  grpc::Status status = raw_call("DescribeWorkflowExecution", bytes);  // field 2: execution (a message)
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = raw_call("StartWorkflowExecution", bytes);  // field 2: workflow_id (a string)
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "Unable to parse request message for " + kService + "StartWorkflowExecution");
}

// ---------------------------------------------------------------- oversized input

TEST_F(GrpcBadInputTest, HundredKilobyteStringsAreRefusedNamingTheField) {
  const std::string big(100 * 1024, 'a');
  grpc::Status status = start(start_request(big));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "WorkflowId length exceeds limit.");

  grpc::ClientContext ctx;
  wsv1::SignalWorkflowExecutionRequest signal;
  signal.set_namespace_("default");
  signal.mutable_workflow_execution()->set_workflow_id("wf-" + name());
  signal.set_signal_name(big);
  wsv1::SignalWorkflowExecutionResponse signalled;
  status = stub_->SignalWorkflowExecution(&ctx, signal, &signalled);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "SignalName length exceeds limit.");

  grpc::ClientContext poll_ctx;
  wsv1::PollActivityTaskQueueRequest poll;
  poll.set_namespace_("default");
  poll.mutable_task_queue()->set_name(big);
  wsv1::PollActivityTaskQueueResponse task;
  status = stub_->PollActivityTaskQueue(&poll_ctx, poll, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "TaskQueue length exceeds limit.");
}

TEST_F(GrpcBadInputTest, TwentyThousandCharacterIdsGetAShortErrorAndSpareTheChannel) {
  // A worker's long poll is in flight on the same channel while the bad calls are answered.
  grpc::CompletionQueue cq;
  grpc::ClientContext poll_ctx;
  poll_ctx.set_deadline(system_clock::now() + seconds(60));
  wsv1::PollWorkflowTaskQueueRequest poll;
  poll.set_namespace_("default");
  poll.mutable_task_queue()->set_name(queue());
  auto pending = stub_->PrepareAsyncPollWorkflowTaskQueue(&poll_ctx, poll, &cq);
  pending->StartCall();
  wsv1::PollWorkflowTaskQueueResponse polled;
  grpc::Status poll_status;
  pending->Finish(&polled, &poll_status, reinterpret_cast<void*>(1));

  const std::string id(20'000, 'w');
  {
    grpc::ClientContext ctx;
    wsv1::DescribeWorkflowExecutionRequest r;
    r.set_namespace_("default");
    r.mutable_execution()->set_workflow_id(id);
    wsv1::DescribeWorkflowExecutionResponse resp;
    grpc::Status status = stub_->DescribeWorkflowExecution(&ctx, r, &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message().size();
    EXPECT_EQ(status.error_message(), "WorkflowId length exceeds limit.");
  }
  {
    grpc::ClientContext ctx;
    wsv1::DescribeNamespaceRequest r;
    r.set_namespace_(id);
    wsv1::DescribeNamespaceResponse resp;
    grpc::Status status = stub_->DescribeNamespace(&ctx, r, &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message().size();
    EXPECT_EQ(status.error_message(), "Namespace length exceeds limit.");
  }
  {
    // A method the server does not know, with a 5,000-character name (the request headers
    // must stay under the server's own 8 KiB limit): the echo in the message is truncated.
    grpc::Status status = raw_call(std::string(5'000, 'M'), "");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_LE(status.error_message().size(), 2048u);
    EXPECT_NE(status.error_message().find("(truncated)"), std::string::npos) << status.error_message().size();
  }
  // The long poll was not disturbed: it gets the task of a workflow started now.
  ASSERT_TRUE(start(start_request("wf-" + name())).ok());
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_TRUE(poll_status.ok()) << poll_status.error_code() << " " << poll_status.error_message();
  EXPECT_EQ(polled.workflow_execution().workflow_id(), "wf-" + name());
}

TEST_F(GrpcBadInputTest, HugeMetadataIsRefusedAndTheServerKeepsServing) {
  // gRPC refuses request headers above its 8 KiB limit and closes that connection (its HPACK
  // state is lost), so the offender gets a channel of its own: a private subchannel pool
  // keeps it off the connection the other tests share.
  auto own_channel = [] {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return wsv1::WorkflowService::NewStub(
        grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args));
  };
  auto offender = own_channel();
  grpc::ClientContext ctx;
  ctx.set_deadline(system_clock::now() + seconds(30));
  ctx.AddMetadata("x-huge", std::string(100 * 1024, 'h'));
  wsv1::GetSystemInfoRequest request;
  wsv1::GetSystemInfoResponse response;
  grpc::Status status = offender->GetSystemInfo(&ctx, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_LT(status.error_message().size(), kShort);
  // A new connection is served (TearDown checks the shared channel). The offender's own
  // connection may still be closing, so a call on it could fail with UNAVAILABLE, which
  // clients retry.
  grpc::ClientContext again;
  again.set_deadline(system_clock::now() + seconds(30));
  grpc::Status fresh = own_channel()->GetSystemInfo(&again, request, &response);
  EXPECT_TRUE(fresh.ok()) << fresh.error_code() << " " << fresh.error_message();
}

// ---------------------------------------------------------------- durations

TEST_F(GrpcBadInputTest, ThousandYearTimeoutsAndDelaysAreCappedAtAHundredYears) {
  const std::string id = "wf-" + name();
  auto r = start_request(id);
  *r.mutable_workflow_start_delay() = duration(1000 * kYear);
  *r.mutable_workflow_run_timeout() = duration(1000 * kYear);
  *r.mutable_workflow_execution_timeout() = duration(1000 * kYear);
  grpc::Status status = start(r);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto described = describe(id);
  const auto& info = described.workflow_execution_info();
  // Starts 100 years from now (not in 1857), and the timeouts are 100 years (not negative).
  EXPECT_EQ(info.execution_time().seconds() - info.start_time().seconds(), kHundredYears);
  EXPECT_EQ(described.execution_config().workflow_run_timeout().seconds(), kHundredYears);
  EXPECT_EQ(described.execution_config().workflow_execution_timeout().seconds(), kHundredYears);
  auto events = history(id);
  ASSERT_FALSE(events.empty());
  const auto& started = events[0].workflow_execution_started_event_attributes();
  EXPECT_EQ(started.workflow_run_timeout().seconds(), kHundredYears);
  EXPECT_GT(started.workflow_execution_expiration_time().seconds(), info.start_time().seconds());

  // And its first workflow task is not handed out now: a workflow started after it, with no
  // delay, is the first one a worker gets from the queue.
  ASSERT_TRUE(start(start_request(id + "-next")).ok());
  EXPECT_EQ(poll_task().workflow_execution().workflow_id(), id + "-next");
}

TEST_F(GrpcBadInputTest, InvalidDurationsAreInvalidArgumentNamingTheField) {
  struct Case {
    const char* field;
    std::function<void(wsv1::StartWorkflowExecutionRequest*)> set;
  };
  const Case cases[] = {
      {"WorkflowRunTimeout", [](auto* r) { *r->mutable_workflow_run_timeout() = duration(-1); }},
      {"WorkflowTaskTimeout", [](auto* r) { *r->mutable_workflow_task_timeout() = duration(0, -5); }},
      {"WorkflowExecutionTimeout", [](auto* r) { *r->mutable_workflow_execution_timeout() = duration(5, -1); }},
      {"WorkflowStartDelay", [](auto* r) { *r->mutable_workflow_start_delay() = duration(1, 2'000'000'000); }},
      {"InitialInterval", [](auto* r) { *r->mutable_retry_policy()->mutable_initial_interval() = duration(-1); }},
      {"MaximumInterval", [](auto* r) { *r->mutable_retry_policy()->mutable_maximum_interval() = duration(INT64_MIN); }},
  };
  for (const auto& c : cases) {
    auto r = start_request("wf-" + name() + "-" + c.field);
    c.set(&r);
    grpc::Status status = start(r);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(status.error_message().find(c.field), std::string::npos) << c.field << ": " << status.error_message();
  }

  // Namespace retention: negative is refused, a thousand years is capped.
  grpc::ClientContext ctx;
  wsv1::RegisterNamespaceRequest reg;
  reg.set_namespace_("ns-" + name());
  *reg.mutable_workflow_execution_retention_period() = duration(-kYear);
  wsv1::RegisterNamespaceResponse registered;
  grpc::Status status = stub_->RegisterNamespace(&ctx, reg, &registered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "A valid retention period is not set on request.");
  grpc::ClientContext ctx2;
  *reg.mutable_workflow_execution_retention_period() = duration(1000 * kYear);
  ASSERT_TRUE(stub_->RegisterNamespace(&ctx2, reg, &registered).ok());
  grpc::ClientContext ctx3;
  wsv1::DescribeNamespaceRequest describe_ns;
  describe_ns.set_namespace_(reg.namespace_());
  wsv1::DescribeNamespaceResponse described;
  ASSERT_TRUE(stub_->DescribeNamespace(&ctx3, describe_ns, &described).ok());
  EXPECT_EQ(described.config().workflow_execution_retention_ttl().seconds(), kHundredYears);
}

TEST_F(GrpcBadInputTest, ThousandYearCommandTimeoutsAreCappedInHistory) {
  const std::string id = "wf-" + name();
  ASSERT_TRUE(start(start_request(id)).ok());
  auto task = poll_task();
  grpc::Status status =
      complete(task, {start_timer("t", duration(1000 * kYear)), schedule_activity("a", duration(1000 * kYear))});
  ASSERT_TRUE(status.ok()) << status.error_message();
  bool timer = false, activity = false;
  for (const auto& e : history(id)) {
    if (e.event_type() == enums::EVENT_TYPE_TIMER_STARTED) {
      timer = true;
      EXPECT_EQ(e.timer_started_event_attributes().start_to_fire_timeout().seconds(), kHundredYears);
    }
    if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      activity = true;
      EXPECT_EQ(e.activity_task_scheduled_event_attributes().start_to_close_timeout().seconds(), kHundredYears);
    }
  }
  EXPECT_TRUE(timer);
  EXPECT_TRUE(activity);
  auto described = describe(id);
  ASSERT_EQ(described.pending_activities_size(), 1);
}

TEST_F(GrpcBadInputTest, BadCommandDurationsAndIdsFailTheWorkflowTaskWithTheirCause) {
  struct Case {
    std::string suffix;
    command::Command command;
    enums::WorkflowTaskFailedCause cause;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"timer", start_timer("t", duration(-5)), enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
       "StartToFireTimeout"},
      {"heartbeat", schedule_activity("a", duration(10), duration(0, -1)),
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, "HeartbeatTimeout"},
      {"nanos", schedule_activity("a", duration(10, 1'500'000'000)),
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, "StartToCloseTimeout"},
      {"continue-as-new", continue_as_new(duration(-1)), enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
       "WorkflowRunTimeout on ContinueAsNewWorkflowExecutionCommand"},
      {"timer-id", start_timer(std::string(20'000, 't'), duration(10)),
       enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, "TimerId exceeds length limit."},
  };
  for (const auto& c : cases) {
    // A queue per case: the failed task of one case is retried on its queue.
    const std::string id = "wf-" + name() + "-" + c.suffix;
    ASSERT_TRUE(start(start_request(id, queue() + "-" + c.suffix)).ok());
    auto task = poll_task(queue() + "-" + c.suffix);
    grpc::Status status = complete(task, {c.command});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.suffix;
    EXPECT_NE(status.error_message().find(c.field), std::string::npos) << status.error_message();
    const temporal::api::history::v1::HistoryEvent* failed = nullptr;
    auto events = history(id);
    for (const auto& e : events)
      if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_FAILED) failed = &e;
    ASSERT_NE(failed, nullptr) << c.suffix;
    EXPECT_EQ(failed->workflow_task_failed_event_attributes().cause(), c.cause) << c.suffix;
  }
}

// ---------------------------------------------------------------- load limits

// Three polls against a cap of two: exactly one is refused at once, the others wait.
void expect_third_poll_refused(Server& server) {
  auto stub = wsv1::WorkflowService::NewStub(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue cq;
  struct Poll {
    grpc::ClientContext ctx;
    wsv1::PollWorkflowTaskQueueResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<wsv1::PollWorkflowTaskQueueResponse>> call;
  };
  std::vector<std::unique_ptr<Poll>> polls;
  for (int i = 0; i < 3; ++i) {
    auto poll = std::make_unique<Poll>();
    poll->ctx.set_deadline(system_clock::now() + seconds(60));
    wsv1::PollWorkflowTaskQueueRequest r;
    r.set_namespace_("default");
    r.mutable_task_queue()->set_name("limited");
    poll->call = stub->PrepareAsyncPollWorkflowTaskQueue(&poll->ctx, r, &cq);
    poll->call->StartCall();
    poll->call->Finish(&poll->response, &poll->status, poll.get());
    polls.push_back(std::move(poll));
  }
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  auto* refused = static_cast<Poll*>(tag);
  EXPECT_EQ(refused->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused->status.error_message(), "namespace concurrent poller limit exceeded");

  // Work for the two waiting polls: each gets a task, and so returns its slot.
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    wsv1::StartWorkflowExecutionRequest r;
    r.set_namespace_("default");
    r.set_workflow_id("limited-" + std::to_string(i));
    r.mutable_workflow_type()->set_name("Limited");
    r.mutable_task_queue()->set_name("limited");
    wsv1::StartWorkflowExecutionResponse resp;
    ASSERT_TRUE(stub->StartWorkflowExecution(&ctx, r, &resp).ok());
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(cq.Next(&tag, &ok));
    auto* served = static_cast<Poll*>(tag);
    EXPECT_TRUE(served->status.ok()) << served->status.error_message();
    EXPECT_FALSE(served->response.task_token().empty());
  }
  // Slots are back: a new poll is accepted and gets the next task.
  grpc::ClientContext start_ctx;
  wsv1::StartWorkflowExecutionRequest start;
  start.set_namespace_("default");
  start.set_workflow_id("limited-2");
  start.mutable_workflow_type()->set_name("Limited");
  start.mutable_task_queue()->set_name("limited");
  wsv1::StartWorkflowExecutionResponse started;
  ASSERT_TRUE(stub->StartWorkflowExecution(&start_ctx, start, &started).ok());
  grpc::ClientContext ctx;
  ctx.set_deadline(system_clock::now() + seconds(60));
  wsv1::PollWorkflowTaskQueueRequest r;
  r.set_namespace_("default");
  r.mutable_task_queue()->set_name("limited");
  wsv1::PollWorkflowTaskQueueResponse response;
  grpc::Status status = stub->PollWorkflowTaskQueue(&ctx, r, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.workflow_execution().workflow_id(), "limited-2");
}

TEST(LongPollLimit, ServerOptionsCapConcurrentPollsPerNamespace) {
  auto server = Server::start({.port = 0, .max_concurrent_long_polls = 2});
  expect_third_poll_refused(*server);
  server->shutdown();
}

TEST(LongPollLimit, DynamicConfigUsesTemporalsKey) {
  auto server = Server::start(
      {.port = 0, .dynamic_config = {{"frontend.namespaceCount", "2"}, {"matching.numTaskqueueReadPartitions", "4"}}});
  // The key Stead does not honour is named in a warning; the honoured one is not.
  ASSERT_EQ(server->warnings().size(), 1u);
  EXPECT_NE(server->warnings()[0].find("matching.numTaskqueueReadPartitions"), std::string::npos);
  expect_third_poll_refused(*server);
  server->shutdown();
}

}  // namespace
}  // namespace stead
