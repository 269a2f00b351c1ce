// Fuzz target: arbitrary bytes as the request message of the server's gRPC methods, sent to a
// real in-process stead::Server (in-memory SQLite) through its in-process channel. Task tokens,
// durations, ids and every nested message of the requests are decoded by the code under test.
//
// Input: byte 0 picks the method (index into kMethods, modulo its size); the rest is the
// serialized request. Seeds (corpus/grpc_request/) are valid requests written by
// tests/fuzz/make_grpc_request_seeds.py, whose method list must match kMethods.
//
// Checks, for every input, beyond "does not crash, hang or trip a sanitizer":
// - the status is one a client can act on: never UNKNOWN, INTERNAL, DATA_LOSS or
//   UNIMPLEMENTED (each method here is implemented), and DEADLINE_EXCEEDED only for methods
//   that may wait (long polls, updates);
// - an error message stays short (gRPC sends it as a header; a long one breaks the channel);
// - the server still answers GetSystemInfo afterwards.
//
// FUZZ_TRACE=1 prints each answer. Built with -fsanitize=fuzzer when STEAD_FUZZ=ON
// (scripts/fuzz), otherwise linked with standalone_driver.cc to replay the corpus as a unit test.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "stead/server.h"

namespace {

#define FUZZ_CHECK(cond, what)                                                                      \
  do {                                                                                              \
    if (!(cond)) {                                                                                  \
      std::fprintf(stderr, "grpc_request_fuzz: check failed: %s (%s)\n", #cond, std::string(what).c_str()); \
      std::abort();                                                                                 \
    }                                                                                               \
  } while (0)

struct Method {
  const char* path;
  bool may_wait;  // long polls and updates: answered when something happens or at the deadline
};

constexpr const char* kWs = "/temporal.api.workflowservice.v1.WorkflowService/";
// Keep in the order of METHODS in make_grpc_request_seeds.py.
constexpr std::array<Method, 32> kMethods = {{
    {"StartWorkflowExecution", false},
    {"SignalWorkflowExecution", false},
    {"SignalWithStartWorkflowExecution", false},
    {"QueryWorkflow", true},
    {"DescribeWorkflowExecution", false},
    {"GetWorkflowExecutionHistory", true},
    {"RequestCancelWorkflowExecution", false},
    {"TerminateWorkflowExecution", false},
    {"ListWorkflowExecutions", false},
    {"CountWorkflowExecutions", false},
    {"RespondWorkflowTaskCompleted", false},
    {"RespondWorkflowTaskFailed", false},
    {"RespondActivityTaskCompleted", false},
    {"RespondActivityTaskFailed", false},
    {"RespondActivityTaskCanceled", false},
    {"RecordActivityTaskHeartbeat", false},
    {"RespondActivityTaskCompletedById", false},
    {"RecordActivityTaskHeartbeatById", false},
    {"UpdateWorkflowExecution", true},
    {"PollWorkflowExecutionUpdate", true},
    {"RegisterNamespace", false},
    {"DescribeNamespace", false},
    {"UpdateNamespace", false},
    {"ListNamespaces", false},
    {"GetSystemInfo", false},
    {"PollWorkflowTaskQueue", true},
    {"PollActivityTaskQueue", true},
    {"RespondQueryTaskCompleted", false},
    {"RespondActivityTaskFailedById", false},
    {"RespondActivityTaskCanceledById", false},
    {"GetClusterInfo", false},
    {"ShutdownWorker", false},
}};

struct Harness {
  std::unique_ptr<stead::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  grpc::CompletionQueue cq;

  Harness() {
    server = stead::Server::start({.port = 0, .namespaces = {"fuzz"}});
    channel = server->in_process_channel();
    stub = std::make_unique<grpc::GenericStub>(channel);
  }

  grpc::Status call(const std::string& method, std::string_view bytes, std::chrono::milliseconds deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    grpc::Slice slice(bytes.data(), bytes.size());
    grpc::ByteBuffer request(&slice, 1), response;
    auto reader = stub->PrepareUnaryCall(&context, method, request, &cq);
    reader->StartCall();
    grpc::Status status;
    reader->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    FUZZ_CHECK(cq.Next(&tag, &ok), "completion queue shut down");
    return status;
  }
};

Harness& harness() {
  static Harness* h = new Harness();  // lives for the process: libFuzzer never returns
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Method& m = kMethods[data[0] % kMethods.size()];
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  // Waiting methods get a short deadline (they may legitimately wait); the rest a long one
  // that only a hang reaches.
  auto deadline = m.may_wait ? std::chrono::milliseconds(200) : std::chrono::milliseconds(60'000);
  grpc::Status status = harness().call(std::string(kWs) + m.path, bytes, deadline);
  if (std::getenv("FUZZ_TRACE"))
    std::fprintf(stderr, "%s: %d %.300s\n", m.path, static_cast<int>(status.error_code()), status.error_message().c_str());
  const std::string what = std::string(m.path) + ": " + std::to_string(status.error_code()) + " " +
                           status.error_message().substr(0, 300);
  switch (status.error_code()) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNIMPLEMENTED: FUZZ_CHECK(false, what); break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: FUZZ_CHECK(m.may_wait, what); break;
    default: break;
  }
  FUZZ_CHECK(status.error_message().size() <= 4096, what);
  grpc::Status alive = harness().call(std::string(kWs) + "GetSystemInfo", "", std::chrono::milliseconds(60'000));
  FUZZ_CHECK(alive.ok(), "GetSystemInfo after " + what + ": " + alive.error_message());
  return 0;
}
