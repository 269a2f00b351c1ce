// FakeWorker: a minimal workflow worker for integration tests, speaking the real protocol
// to the real server. It long-polls PollWorkflowTaskQueue on its own gRPC channel and answers
// every workflow task with the commands (and protocol messages) its handler returns, every
// legacy query task with RespondQueryTaskCompleted, and queries attached to a workflow task
// in the completion's query_results. Payloads and failures in its answers are made with the
// SDK's converters, as a C++ worker will make them.
//
// Thread safety: handlers run on the worker's polling thread, one task at a time.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "stead/converter.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead::itest {

namespace wsv1 = temporal::api::workflowservice::v1;
using Command = temporal::api::command::v1::Command;
using Message = temporal::api::protocol::v1::Message;
using HistoryEvent = temporal::api::history::v1::HistoryEvent;

struct TaskReply {
  std::vector<Command> commands{};
  std::vector<Message> messages{};
};

// The answer to a query: a result payload, or a failure message.
struct QueryAnswer {
  std::optional<Payload> result{};
  std::string error{};  // non-empty: the query failed with this message
};

using TaskHandler = std::function<TaskReply(const wsv1::PollWorkflowTaskQueueResponse& task)>;
using QueryHandler = std::function<QueryAnswer(const temporal::api::query::v1::WorkflowQuery& query)>;

class FakeWorker {
 public:
  // Starts polling `task_queue` in namespace "default" at `address`.
  FakeWorker(const std::string& address, std::string task_queue, TaskHandler on_task, QueryHandler on_query = {});
  ~FakeWorker();  // stops polling and joins
  FakeWorker(const FakeWorker&) = delete;
  FakeWorker& operator=(const FakeWorker&) = delete;

  // The first error the worker hit answering tasks ("" if none).
  std::string error() const;

 private:
  void run();
  void answer_workflow_task(const wsv1::PollWorkflowTaskQueueResponse& task);
  void answer_query_task(const wsv1::PollWorkflowTaskQueueResponse& task);

  std::unique_ptr<wsv1::WorkflowService::Stub> stub_;
  std::string task_queue_;
  TaskHandler on_task_;
  QueryHandler on_query_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  grpc::ClientContext* polling_ = nullptr;  // guarded by mu_
  std::string error_;                       // guarded by mu_
  std::thread thread_;
};

// ---- Reading a task's history.

// The workflow type of the task.
inline const std::string& workflow_type(const wsv1::PollWorkflowTaskQueueResponse& task) {
  return task.workflow_type().name();
}
// The run's input (WorkflowExecutionStarted.input).
std::vector<Payload> workflow_input(const wsv1::PollWorkflowTaskQueueResponse& task);
// The events of one type, in order.
std::vector<const HistoryEvent*> events_of(const wsv1::PollWorkflowTaskQueueResponse& task,
                                           temporal::api::enums::v1::EventType type);

// ---- Building commands.

Command complete_workflow(std::vector<Payload> result);
Command fail_workflow(const Failure& failure);
Command cancel_workflow();
Command continue_as_new(const std::string& workflow_type, const std::string& task_queue, std::vector<Payload> input);

// For every update request the task carries: a Payload answer accepts and completes it with
// that result; a Failure answer rejects it.
using UpdateAnswer = std::variant<Payload, Failure>;
TaskReply answer_updates(const wsv1::PollWorkflowTaskQueueResponse& task,
                         const std::function<UpdateAnswer(const temporal::api::update::v1::Request&)>& answer);

}  // namespace stead::itest
