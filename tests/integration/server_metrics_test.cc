// stead::Server::metrics_text: what the server counts (RPCs by method and code, their
// durations, long polls held) after real calls over a loopback port.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "stead/server.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead {
namespace {

using namespace std::chrono_literals;
namespace wsv1 = temporal::api::workflowservice::v1;

// The value of the sample `series` (name with labels, exactly as rendered), or -1.
double sample(const std::string& text, const std::string& series) {
  const std::string prefix = series + " ";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + prefix.size()));
  }
  return -1;
}

class ServerMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    server_ = Server::start(options);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = wsv1::WorkflowService::NewStub(channel_);
  }
  grpc::Status start(const std::string& id, const std::string& request_id = "") {
    wsv1::StartWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.set_workflow_id(id);
    request.mutable_workflow_type()->set_name("Metered");
    request.mutable_task_queue()->set_name("metrics-q");
    request.set_request_id(request_id.empty() ? "start-" + id : request_id);
    wsv1::StartWorkflowExecutionResponse response;
    grpc::ClientContext context;
    return stub_->StartWorkflowExecution(&context, request, &response);
  }

  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<wsv1::WorkflowService::Stub> stub_;
};

TEST_F(ServerMetricsTest, CountsCallsByMethodAndCodeAndTimesThem) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(start("wf-" + std::to_string(i)).ok());
  ASSERT_EQ(start("wf-0", "another-request").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  {
    wsv1::DescribeWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.mutable_execution()->set_workflow_id("no-such-workflow");
    wsv1::DescribeWorkflowExecutionResponse response;
    grpc::ClientContext context;
    ASSERT_EQ(stub_->DescribeWorkflowExecution(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    // A method the server does not have: counted once under "unregistered", whatever its name.
    grpc::GenericStub generic(channel_);
    grpc::ClientContext context;
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;  // an empty message
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
    generic.UnaryCall(&context, "/temporal.api.workflowservice.v1.WorkflowService/NoSuchMethod", {}, &request,
                      &response, [&](grpc::Status s) {
                        std::lock_guard lock(mu);
                        status = s;
                        done = true;
                        cv.notify_all();
                      });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
    ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }

  const std::string text = server_->metrics_text();
  EXPECT_EQ(sample(text, "stead_rpc_requests_total{method=\"StartWorkflowExecution\",code=\"OK\"}"), 3) << text;
  EXPECT_EQ(sample(text, "stead_rpc_requests_total{method=\"StartWorkflowExecution\",code=\"ALREADY_EXISTS\"}"), 1)
      << text;
  EXPECT_EQ(sample(text, "stead_rpc_requests_total{method=\"DescribeWorkflowExecution\",code=\"NOT_FOUND\"}"), 1)
      << text;
  EXPECT_EQ(sample(text, "stead_rpc_requests_total{method=\"unregistered\",code=\"UNIMPLEMENTED\"}"), 1) << text;
  EXPECT_EQ(text.find("NoSuchMethod"), std::string::npos) << "a client-chosen name must not become a label";
  EXPECT_EQ(sample(text, "stead_rpc_duration_seconds_count{method=\"StartWorkflowExecution\"}"), 4) << text;
  EXPECT_EQ(sample(text, "stead_rpc_duration_seconds_bucket{method=\"StartWorkflowExecution\",le=\"+Inf\"}"), 4);
  EXPECT_GT(sample(text, "stead_rpc_duration_seconds_sum{method=\"StartWorkflowExecution\"}"), 0);
  // Methods never called add no series.
  EXPECT_EQ(text.find("method=\"TerminateWorkflowExecution\""), std::string::npos);
}

TEST_F(ServerMetricsTest, LongPollsHeldAreAGauge) {
  // A workflow task poll on an empty queue waits (up to its deadline); the gauge shows it.
  std::thread poller([&] {
    wsv1::PollWorkflowTaskQueueRequest request;
    request.set_namespace_("default");
    request.mutable_task_queue()->set_name("empty-q");
    wsv1::PollWorkflowTaskQueueResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    stub_->PollWorkflowTaskQueue(&context, request, &response);
  });
  const std::string series = "stead_long_polls_waiting{namespace=\"default\",method=\"PollWorkflowTaskQueue\"}";
  std::string text;
  for (auto deadline = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < deadline;) {
    text = server_->metrics_text();
    if (sample(text, series) == 1) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(sample(text, series), 1) << text;
  ASSERT_TRUE(start("wakes-nobody").ok());  // another queue: the poll keeps waiting
  EXPECT_EQ(sample(server_->metrics_text(), series), 1);
  server_->shutdown();  // answers the poll (empty) and ends it
  poller.join();
}

}  // namespace
}  // namespace stead
