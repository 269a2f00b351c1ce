#include "fake_worker.h"

namespace stead::itest {

namespace enums = temporal::api::enums::v1;
namespace update = temporal::api::update::v1;

FakeWorker::FakeWorker(const std::string& address, std::string task_queue, TaskHandler on_task, QueryHandler on_query)
    : stub_(wsv1::WorkflowService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      task_queue_(std::move(task_queue)),
      on_task_(std::move(on_task)),
      on_query_(std::move(on_query)),
      thread_([this] { run(); }) {}

FakeWorker::~FakeWorker() {
  stop_ = true;
  {
    std::lock_guard lock(mu_);
    if (polling_) polling_->TryCancel();
  }
  thread_.join();
}

std::string FakeWorker::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void FakeWorker::run() {
  while (!stop_) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      polling_ = &context;
    }
    wsv1::PollWorkflowTaskQueueRequest request;
    request.set_namespace_("default");
    request.mutable_task_queue()->set_name(task_queue_);
    request.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    request.set_identity("fake-worker");
    wsv1::PollWorkflowTaskQueueResponse task;
    grpc::Status status = stub_->PollWorkflowTaskQueue(&context, request, &task);
    {
      std::lock_guard lock(mu_);
      polling_ = nullptr;
    }
    if (!status.ok() || task.task_token().empty()) continue;
    try {
      if (task.has_query()) {
        answer_query_task(task);
      } else {
        answer_workflow_task(task);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mu_);
      if (error_.empty()) error_ = e.what();
    }
  }
}

void FakeWorker::answer_query_task(const wsv1::PollWorkflowTaskQueueResponse& task) {
  QueryAnswer answer = on_query_ ? on_query_(task.query()) : QueryAnswer{.error = "no query handler"};
  wsv1::RespondQueryTaskCompletedRequest request;
  request.set_namespace_("default");
  request.set_task_token(task.task_token());
  if (answer.error.empty()) {
    request.set_completed_type(enums::QUERY_RESULT_TYPE_ANSWERED);
    if (answer.result) *request.mutable_query_result()->add_payloads() = *answer.result;
  } else {
    request.set_completed_type(enums::QUERY_RESULT_TYPE_FAILED);
    request.set_error_message(answer.error);
    request.mutable_failure()->set_message(answer.error);
    request.mutable_failure()->mutable_application_failure_info()->set_type("QueryError");
  }
  grpc::ClientContext context;
  wsv1::RespondQueryTaskCompletedResponse response;
  grpc::Status status = stub_->RespondQueryTaskCompleted(&context, request, &response);
  if (!status.ok()) throw std::runtime_error("RespondQueryTaskCompleted: " + status.error_message());
}

void FakeWorker::answer_workflow_task(const wsv1::PollWorkflowTaskQueueResponse& task) {
  TaskReply reply = on_task_(task);
  wsv1::RespondWorkflowTaskCompletedRequest request;
  request.set_namespace_("default");
  request.set_task_token(task.task_token());
  request.set_identity("fake-worker");
  for (auto& command : reply.commands) *request.add_commands() = std::move(command);
  for (auto& message : reply.messages) *request.add_messages() = std::move(message);
  for (const auto& [id, query] : task.queries()) {
    QueryAnswer answer = on_query_ ? on_query_(query) : QueryAnswer{.error = "no query handler"};
    auto& result = (*request.mutable_query_results())[id];
    if (answer.error.empty()) {
      result.set_result_type(enums::QUERY_RESULT_TYPE_ANSWERED);
      if (answer.result) *result.mutable_answer()->add_payloads() = *answer.result;
    } else {
      result.set_result_type(enums::QUERY_RESULT_TYPE_FAILED);
      result.set_error_message(answer.error);
    }
  }
  grpc::ClientContext context;
  wsv1::RespondWorkflowTaskCompletedResponse response;
  grpc::Status status = stub_->RespondWorkflowTaskCompleted(&context, request, &response);
  // NOT_FOUND: the run closed meanwhile (terminated by the test); real workers drop the task too.
  if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) throw std::runtime_error("RespondWorkflowTaskCompleted: " + status.error_message());
}

std::vector<Payload> workflow_input(const wsv1::PollWorkflowTaskQueueResponse& task) {
  for (const auto& event : task.history().events())
    if (event.has_workflow_execution_started_event_attributes()) {
      const auto& input = event.workflow_execution_started_event_attributes().input().payloads();
      return {input.begin(), input.end()};
    }
  return {};
}

std::vector<const HistoryEvent*> events_of(const wsv1::PollWorkflowTaskQueueResponse& task, enums::EventType type) {
  std::vector<const HistoryEvent*> out;
  for (const auto& event : task.history().events())
    if (event.event_type() == type) out.push_back(&event);
  return out;
}

Command complete_workflow(std::vector<Payload> result) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  auto* attrs = c.mutable_complete_workflow_execution_command_attributes();
  for (auto& p : result) *attrs->mutable_result()->add_payloads() = std::move(p);
  return c;
}

Command fail_workflow(const Failure& failure) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  *c.mutable_fail_workflow_execution_command_attributes()->mutable_failure() = failure;
  return c;
}

Command cancel_workflow() {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION);
  c.mutable_cancel_workflow_execution_command_attributes();
  return c;
}

Command continue_as_new(const std::string& workflow_type, const std::string& task_queue, std::vector<Payload> input) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto* attrs = c.mutable_continue_as_new_workflow_execution_command_attributes();
  attrs->mutable_workflow_type()->set_name(workflow_type);
  attrs->mutable_task_queue()->set_name(task_queue);
  for (auto& p : input) *attrs->mutable_input()->add_payloads() = std::move(p);
  return c;
}

TaskReply answer_updates(const wsv1::PollWorkflowTaskQueueResponse& task,
                         const std::function<UpdateAnswer(const update::Request&)>& answer) {
  TaskReply reply;
  auto add = [&](const std::string& id, const std::string& instance, const google::protobuf::Message& body) {
    Message message;
    message.set_id(id);
    message.set_protocol_instance_id(instance);
    message.mutable_body()->PackFrom(body);
    reply.messages.push_back(message);
    Command c;
    c.set_command_type(enums::COMMAND_TYPE_PROTOCOL_MESSAGE);
    c.mutable_protocol_message_command_attributes()->set_message_id(id);
    reply.commands.push_back(std::move(c));
  };
  for (const auto& message : task.messages()) {
    update::Request request;
    if (!message.body().UnpackTo(&request)) continue;
    const std::string& update_id = message.protocol_instance_id();
    UpdateAnswer result = answer(request);
    if (const auto* failure = std::get_if<Failure>(&result)) {
      update::Rejection rejection;
      rejection.set_rejected_request_message_id(message.id());
      rejection.set_rejected_request_sequencing_event_id(message.event_id());
      *rejection.mutable_rejected_request() = request;
      *rejection.mutable_failure() = *failure;
      add(update_id + "/reject", update_id, rejection);
      continue;
    }
    update::Acceptance acceptance;
    acceptance.set_accepted_request_message_id(message.id());
    acceptance.set_accepted_request_sequencing_event_id(message.event_id());
    *acceptance.mutable_accepted_request() = request;
    add(update_id + "/accept", update_id, acceptance);
    update::Response response;
    *response.mutable_meta() = request.meta();
    *response.mutable_outcome()->mutable_success()->add_payloads() = std::get<Payload>(result);
    add(update_id + "/complete", update_id, response);
  }
  return reply;
}

}  // namespace stead::itest
