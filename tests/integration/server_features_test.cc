// Server features driven through raw gRPC stubs against an in-process stead::Server: the test
// thread polls and answers workflow and activity tasks itself, so every command and every
// event is visible to the assertions.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "fake_worker.h"
#include "google/rpc/status.pb.h"
#include "stead/client.h"
#include "stead/converter.h"
#include "stead/server.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace wsv1 = temporal::api::workflowservice::v1;
namespace osv1 = temporal::api::operatorservice::v1;
using temporal::api::command::v1::Command;
using temporal::api::history::v1::HistoryEvent;
using itest::complete_workflow;
using itest::fail_workflow;

std::unique_ptr<grpc::ClientContext> context_for(std::chrono::seconds timeout = 30s) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

Failure application_failure(const std::string& message, const std::string& type) {
  return DataConverter{}.to_failure(std::make_exception_ptr(ApplicationError(message, {.type = type})));
}

Command schedule_activity(const std::string& activity_id, const std::string& queue) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = c.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(activity_id);
  a->mutable_activity_type()->set_name("remote");
  a->mutable_task_queue()->set_name(queue);
  a->mutable_start_to_close_timeout()->set_seconds(3600);
  a->mutable_retry_policy()->set_maximum_attempts(1);
  return c;
}

Command signal_external(const std::string& workflow_id, const std::string& signal_name, const Payload& arg) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = c.mutable_signal_external_workflow_execution_command_attributes();
  a->mutable_execution()->set_workflow_id(workflow_id);
  a->set_signal_name(signal_name);
  *a->mutable_input()->add_payloads() = arg;
  return c;
}

Command cancel_external(const std::string& workflow_id) {
  Command c;
  c.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION);
  auto* a = c.mutable_request_cancel_external_workflow_execution_command_attributes();
  a->set_workflow_id(workflow_id);
  a->set_reason("no longer needed");
  return c;
}

std::vector<const HistoryEvent*> events_of(const History& history, enums::EventType type) {
  std::vector<const HistoryEvent*> out;
  for (const auto& event : history.events())
    if (event.event_type() == type) out.push_back(&event);
  return out;
}

const HistoryEvent* find_event(const History& history, enums::EventType type) {
  auto events = events_of(history, type);
  return events.empty() ? nullptr : events.front();
}

class ServerFeaturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.port = 0;
    server_ = Server::start(options).release();
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    workflow_service_ = wsv1::WorkflowService::NewStub(channel).release();
    operator_service_ = osv1::OperatorService::NewStub(channel).release();
    client_ = new Client(Client::connect({.address = server_->address()}));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete operator_service_;
    delete workflow_service_;
    server_->shutdown();
    delete server_;
  }

  void SetUp() override { name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

  // One task queue per test (and per role), so each poll can only get this test's task.
  std::string queue(const std::string& role = "") const { return "q-" + name_ + role; }
  WorkflowOptions options(const std::string& suffix = "", const std::string& role = "") const {
    return {.id = "wf-" + name_ + suffix, .task_queue = queue(role)};
  }

  // The next task a poll of `task_queue` hands out; fails the test when none comes.
  template <class Request, class Response>
  static Response poll(const std::string& task_queue,
                       grpc::Status (wsv1::WorkflowService::Stub::*method)(grpc::ClientContext*, const Request&, Response*)) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
      Request request;
      request.set_namespace_("default");
      request.mutable_task_queue()->set_name(task_queue);
      request.set_identity("server-features-test");
      Response task;
      grpc::Status status = (workflow_service_->*method)(context_for().get(), request, &task);
      if (status.ok() && !task.task_token().empty()) return task;
    }
    ADD_FAILURE() << "no task on " << task_queue;
    return {};
  }
  static wsv1::PollWorkflowTaskQueueResponse poll_workflow_task(const std::string& task_queue) {
    return poll(task_queue, &wsv1::WorkflowService::Stub::PollWorkflowTaskQueue);
  }
  static wsv1::PollActivityTaskQueueResponse poll_activity_task(const std::string& task_queue) {
    return poll(task_queue, &wsv1::WorkflowService::Stub::PollActivityTaskQueue);
  }

  static wsv1::RespondWorkflowTaskCompletedRequest completion(const wsv1::PollWorkflowTaskQueueResponse& task,
                                                              std::vector<Command> commands) {
    wsv1::RespondWorkflowTaskCompletedRequest request;
    request.set_namespace_("default");
    request.set_task_token(task.task_token());
    request.set_identity("server-features-test");
    for (auto& command : commands) *request.add_commands() = std::move(command);
    return request;
  }

  static grpc::Status respond(const wsv1::RespondWorkflowTaskCompletedRequest& request) {
    wsv1::RespondWorkflowTaskCompletedResponse response;
    return workflow_service_->RespondWorkflowTaskCompleted(context_for().get(), request, &response);
  }

  static void complete_task(const wsv1::PollWorkflowTaskQueueResponse& task, std::vector<Command> commands) {
    grpc::Status status = respond(completion(task, std::move(commands)));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static History history(const std::string& workflow_id, const std::string& run_id) {
    return client_->get_workflow_handle(workflow_id, run_id).fetch_history();
  }

  // Polls the run's history until it holds an event of `type` (or a deadline passes).
  static History await_event(const std::string& workflow_id, const std::string& run_id, enums::EventType type) {
    History h;
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
      h = history(workflow_id, run_id);
      if (find_event(h, type)) return h;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "no " << enums::EventType_Name(type) << " in " << h.DebugString();
    return h;
  }

  // The run ids of a workflow id's chain (retries, continue-as-new), oldest first.
  static std::vector<std::string> chain(const std::string& workflow_id, const std::string& first_run_id) {
    std::vector<std::string> runs{first_run_id};
    for (;;) {
      History h = history(workflow_id, runs.back());
      const HistoryEvent& last = h.events(h.events_size() - 1);
      std::string next;
      if (last.has_workflow_execution_failed_event_attributes())
        next = last.workflow_execution_failed_event_attributes().new_execution_run_id();
      if (last.has_workflow_execution_timed_out_event_attributes())
        next = last.workflow_execution_timed_out_event_attributes().new_execution_run_id();
      if (last.has_workflow_execution_continued_as_new_event_attributes())
        next = last.workflow_execution_continued_as_new_event_attributes().new_execution_run_id();
      if (next.empty()) return runs;
      runs.push_back(next);
    }
  }

  static Server* server_;
  static wsv1::WorkflowService::Stub* workflow_service_;
  static osv1::OperatorService::Stub* operator_service_;
  static Client* client_;
  std::string name_;
};

Server* ServerFeaturesTest::server_ = nullptr;
wsv1::WorkflowService::Stub* ServerFeaturesTest::workflow_service_ = nullptr;
osv1::OperatorService::Stub* ServerFeaturesTest::operator_service_ = nullptr;
Client* ServerFeaturesTest::client_ = nullptr;

// ---- OperatorService search attributes.

TEST_F(ServerFeaturesTest, AddedSearchAttributesAreListedFilterableAndRemovable) {
  auto add = [](std::map<std::string, enums::IndexedValueType> attributes) {
    osv1::AddSearchAttributesRequest request;
    request.set_namespace_("default");
    for (const auto& [name, type] : attributes) (*request.mutable_search_attributes())[name] = type;
    osv1::AddSearchAttributesResponse response;
    return operator_service_->AddSearchAttributes(context_for().get(), request, &response);
  };
  auto list = [] {
    osv1::ListSearchAttributesRequest request;
    request.set_namespace_("default");
    osv1::ListSearchAttributesResponse response;
    grpc::Status status = operator_service_->ListSearchAttributes(context_for().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  auto remove = [](std::vector<std::string> names) {
    osv1::RemoveSearchAttributesRequest request;
    request.set_namespace_("default");
    for (const auto& name : names) request.add_search_attributes(name);
    osv1::RemoveSearchAttributesResponse response;
    return operator_service_->RemoveSearchAttributes(context_for().get(), request, &response);
  };

  ASSERT_TRUE(add({{"OrderTier", enums::INDEXED_VALUE_TYPE_KEYWORD}, {"OrderScore", enums::INDEXED_VALUE_TYPE_INT}}).ok());
  // Adding again with the same type changes nothing.
  EXPECT_TRUE(add({{"OrderTier", enums::INDEXED_VALUE_TYPE_KEYWORD}}).ok());
  auto listed = list();
  EXPECT_EQ(listed.custom_attributes().at("OrderTier"), enums::INDEXED_VALUE_TYPE_KEYWORD);
  EXPECT_EQ(listed.custom_attributes().at("OrderScore"), enums::INDEXED_VALUE_TYPE_INT);
  EXPECT_EQ(listed.system_attributes().at("WorkflowId"), enums::INDEXED_VALUE_TYPE_KEYWORD);
  EXPECT_FALSE(listed.custom_attributes().contains("WorkflowId"));

  // The added attributes are usable at start and in list filters.
  auto gold_options = options("-gold");
  gold_options.search_attributes = {{"OrderTier", Keyword{"gold"}}, {"OrderScore", int64_t{9}}};
  auto gold = client_->start_workflow("Listed", gold_options);
  auto silver_options = options("-silver");
  silver_options.search_attributes = {{"OrderTier", Keyword{"silver"}}, {"OrderScore", int64_t{3}}};
  auto silver = client_->start_workflow("Listed", silver_options);
  auto by_tier = client_->list_workflows("OrderTier = 'gold'");
  ASSERT_EQ(by_tier.size(), 1u);
  EXPECT_EQ(by_tier[0].workflow_id, gold.id());
  auto by_score = client_->list_workflows("OrderScore < 5");
  ASSERT_EQ(by_score.size(), 1u);
  EXPECT_EQ(by_score[0].workflow_id, silver.id());

  // Errors: another type for an existing name, a system name, no type, an unknown type, a bad name.
  EXPECT_EQ(add({{"OrderTier", enums::INDEXED_VALUE_TYPE_INT}}).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(add({{"WorkflowId", enums::INDEXED_VALUE_TYPE_KEYWORD}}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add({{"NoType", enums::INDEXED_VALUE_TYPE_UNSPECIFIED}}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add({{"BadType", static_cast<enums::IndexedValueType>(99)}}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add({{"1st-attribute", enums::INDEXED_VALUE_TYPE_TEXT}}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A failed request adds nothing, not even its valid entries.
  EXPECT_EQ(add({{"Fine", enums::INDEXED_VALUE_TYPE_BOOL}, {"OrderTier", enums::INDEXED_VALUE_TYPE_DOUBLE}}).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_FALSE(list().custom_attributes().contains("Fine"));
  EXPECT_EQ(list().custom_attributes().at("OrderTier"), enums::INDEXED_VALUE_TYPE_KEYWORD);

  EXPECT_EQ(remove({"NoSuchAttribute"}).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(remove({"OrderScore"}).ok());
  listed = list();
  EXPECT_FALSE(listed.custom_attributes().contains("OrderScore"));
  EXPECT_TRUE(listed.custom_attributes().contains("OrderTier"));
  // A removed attribute is no longer known to the filter.
  EXPECT_THROW(client_->list_workflows("OrderScore < 5"), RPCError);
  EXPECT_EQ(client_->list_workflows("OrderTier = 'silver'").size(), 1u);
  gold.terminate();
  silver.terminate();
}

// ---- Namespaces.

TEST_F(ServerFeaturesTest, NamespacesRegisterDescribeUpdateAndListInPages) {
  auto register_namespace = [](const std::string& name) {
    wsv1::RegisterNamespaceRequest request;
    request.set_namespace_(name);
    request.set_description("namespace " + name);
    request.set_owner_email("ops@example.com");
    request.mutable_workflow_execution_retention_period()->set_seconds(3 * 86400);
    wsv1::RegisterNamespaceResponse response;
    return workflow_service_->RegisterNamespace(context_for().get(), request, &response);
  };
  auto describe = [](const std::string& name) {
    wsv1::DescribeNamespaceRequest request;
    request.set_namespace_(name);
    wsv1::DescribeNamespaceResponse response;
    grpc::Status status = workflow_service_->DescribeNamespace(context_for().get(), request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return response;
  };
  for (const char* name : {"billing", "shipping", "returns"}) ASSERT_TRUE(register_namespace(name).ok()) << name;

  grpc::Status again = register_namespace("billing");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(again.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_TRUE(details.details(0).Is<temporal::api::errordetails::v1::NamespaceAlreadyExistsFailure>());

  auto shipping = describe("shipping");
  EXPECT_EQ(shipping.namespace_info().name(), "shipping");
  EXPECT_EQ(shipping.namespace_info().description(), "namespace shipping");
  EXPECT_EQ(shipping.namespace_info().owner_email(), "ops@example.com");
  EXPECT_EQ(shipping.namespace_info().state(), enums::NAMESPACE_STATE_REGISTERED);
  EXPECT_FALSE(shipping.namespace_info().id().empty());
  EXPECT_EQ(shipping.config().workflow_execution_retention_ttl().seconds(), 3 * 86400);

  wsv1::UpdateNamespaceRequest update;
  update.set_namespace_("shipping");
  update.mutable_update_info()->set_description("parcels and freight");
  update.mutable_config()->mutable_workflow_execution_retention_ttl()->set_seconds(5 * 86400);
  wsv1::UpdateNamespaceResponse updated;
  ASSERT_TRUE(workflow_service_->UpdateNamespace(context_for().get(), update, &updated).ok());
  EXPECT_EQ(updated.namespace_info().description(), "parcels and freight");
  shipping = describe("shipping");
  EXPECT_EQ(shipping.namespace_info().description(), "parcels and freight");
  EXPECT_EQ(shipping.namespace_info().owner_email(), "ops@example.com");  // not in the update: kept
  EXPECT_EQ(shipping.config().workflow_execution_retention_ttl().seconds(), 5 * 86400);
  // By id as well as by name.
  wsv1::DescribeNamespaceRequest by_id;
  by_id.set_id(shipping.namespace_info().id());
  wsv1::DescribeNamespaceResponse described;
  ASSERT_TRUE(workflow_service_->DescribeNamespace(context_for().get(), by_id, &described).ok());
  EXPECT_EQ(described.namespace_info().name(), "shipping");

  update.set_namespace_("no-such-namespace");
  EXPECT_EQ(workflow_service_->UpdateNamespace(context_for().get(), update, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Two per page: every namespace exactly once, across pages.
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    wsv1::ListNamespacesRequest request;
    request.set_page_size(2);
    request.set_next_page_token(token);
    wsv1::ListNamespacesResponse page;
    ASSERT_TRUE(workflow_service_->ListNamespaces(context_for().get(), request, &page).ok());
    EXPECT_LE(page.namespaces_size(), 2);
    for (const auto& ns : page.namespaces()) names.push_back(ns.namespace_info().name());
    token = page.next_page_token();
    ASSERT_LT(++pages, 10) << "paging does not end";
  } while (!token.empty());
  EXPECT_GE(pages, 2);
  std::multiset<std::string> seen(names.begin(), names.end());
  for (const char* name : {"default", "billing", "shipping", "returns"}) EXPECT_EQ(seen.count(name), 1u) << name;
  EXPECT_EQ(seen.size(), 4u);

  // A registered namespace runs workflows.
  auto in_billing = Client::connect({.address = server_->address(), .namespace_ = "billing"});
  auto handle = in_billing.start_workflow("Listed", options());
  EXPECT_EQ(handle.describe().status, WorkflowExecutionStatus::kRunning);
  EXPECT_THROW(client_->get_workflow_handle(handle.id()).describe(), WorkflowNotFoundError);
  handle.terminate();
}

// ---- Workflow timeouts.

TEST_F(ServerFeaturesTest, RunTimeoutClosesTheRunAsTimedOut) {
  auto opts = options();
  opts.run_timeout = 1s;
  auto handle = client_->start_workflow("Sleeper", opts);
  // Nobody answers the workflow task: only the run timeout can close the run.
  try {
    handle.result<void>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    EXPECT_NE(e.cause_as<TimeoutError>(), nullptr) << e.what();
  }
  auto h = history(handle.id(), handle.run_id());
  const HistoryEvent& last = h.events(h.events_size() - 1);
  ASSERT_EQ(last.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT) << h.DebugString();
  EXPECT_EQ(last.workflow_execution_timed_out_event_attributes().retry_state(), enums::RETRY_STATE_RETRY_POLICY_NOT_SET);
  EXPECT_TRUE(last.workflow_execution_timed_out_event_attributes().new_execution_run_id().empty());
  EXPECT_EQ(events_of(h, enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT).size(), 1u);
  EXPECT_EQ(handle.describe().status, WorkflowExecutionStatus::kTimedOut);
}

TEST_F(ServerFeaturesTest, ExecutionTimeoutSpansContinueAsNew) {
  auto opts = options();
  opts.execution_timeout = 3s;
  opts.run_timeout = 1h;  // the chain's deadline, not the run's, must end it
  auto handle = client_->start_workflow("Chain", opts);
  auto first = poll_workflow_task(queue());
  Command again;
  again.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto* attrs = again.mutable_continue_as_new_workflow_execution_command_attributes();
  attrs->mutable_workflow_type()->set_name("Chain");
  attrs->mutable_task_queue()->set_name(queue());
  complete_task(first, {again});
  // The second run's task is never answered: only the chain's deadline can close the run.
  auto second = poll_workflow_task(queue());
  ASSERT_NE(second.workflow_execution().run_id(), handle.run_id());

  try {
    handle.result<void>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    EXPECT_NE(e.cause_as<TimeoutError>(), nullptr) << e.what();
  }
  auto runs = chain(handle.id(), handle.run_id());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1], second.workflow_execution().run_id());
  auto h1 = history(handle.id(), runs[0]);
  auto h2 = history(handle.id(), runs[1]);
  ASSERT_EQ(h2.events(h2.events_size() - 1).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT);
  const auto& started1 = h1.events(0).workflow_execution_started_event_attributes();
  const auto& started2 = h2.events(0).workflow_execution_started_event_attributes();
  EXPECT_TRUE(started1.has_workflow_execution_expiration_time());
  EXPECT_EQ(started2.workflow_execution_expiration_time().DebugString(), started1.workflow_execution_expiration_time().DebugString());
}

TEST_F(ServerFeaturesTest, ExecutionTimeoutSpansWorkflowRetries) {
  auto opts = options();
  opts.execution_timeout = 3s;
  opts.retry_policy = RetryPolicy{.initial_interval = 10ms, .backoff_coefficient = 1.0};
  auto handle = client_->start_workflow("Flaky", opts);
  complete_task(poll_workflow_task(queue()), {fail_workflow(application_failure("try again", "Transient"))});
  auto retry = poll_workflow_task(queue());
  EXPECT_EQ(retry.history().events(0).workflow_execution_started_event_attributes().attempt(), 2);

  EXPECT_THROW(handle.result<void>(), WorkflowFailureError);
  auto runs = chain(handle.id(), handle.run_id());
  ASSERT_EQ(runs.size(), 2u);
  auto h2 = history(handle.id(), runs[1]);
  ASSERT_EQ(h2.events(h2.events_size() - 1).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT)
      << h2.DebugString();
  auto h1 = history(handle.id(), runs[0]);
  const auto& started1 = h1.events(0).workflow_execution_started_event_attributes();
  EXPECT_TRUE(started1.has_workflow_execution_expiration_time());
  EXPECT_EQ(h2.events(0).workflow_execution_started_event_attributes().workflow_execution_expiration_time().DebugString(),
            started1.workflow_execution_expiration_time().DebugString());
}

// ---- Workflow retry policy.

TEST_F(ServerFeaturesTest, AFailingWorkflowIsRetriedAsNewRunsUntilMaximumAttempts) {
  auto opts = options();
  opts.retry_policy = RetryPolicy{.initial_interval = 50ms, .backoff_coefficient = 2.0, .maximum_attempts = 3};
  auto handle = client_->start_workflow("Flaky", std::string("order-1"), opts);
  std::vector<std::string> answered;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto task = poll_workflow_task(queue());
    const auto& started = task.history().events(0).workflow_execution_started_event_attributes();
    EXPECT_EQ(started.attempt(), attempt);
    EXPECT_EQ(started.first_execution_run_id(), handle.run_id());
    EXPECT_EQ(from_payload<std::string>(started.input().payloads(0)), "order-1");  // same input every run
    if (attempt > 1) {
      // A retry waits out its backoff, and knows why it runs.
      int64_t backoff_ms = started.first_workflow_task_backoff().seconds() * 1000 +
                           started.first_workflow_task_backoff().nanos() / 1000000;
      EXPECT_GT(backoff_ms, 0);
      EXPECT_EQ(started.continued_failure().message(), "attempt " + std::to_string(attempt - 1));
      EXPECT_EQ(started.initiator(), enums::CONTINUE_AS_NEW_INITIATOR_RETRY);
    }
    answered.push_back(task.workflow_execution().run_id());
    complete_task(task, {fail_workflow(application_failure("attempt " + std::to_string(attempt), "Transient"))});
  }

  try {
    handle.result<void>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    const auto* app = e.cause_as<ApplicationError>();
    ASSERT_NE(app, nullptr) << e.what();
    EXPECT_EQ(app->message(), "attempt 3");
  }
  EXPECT_EQ(chain(handle.id(), handle.run_id()), answered);
  for (std::size_t i = 0; i < answered.size(); ++i) {
    auto h = history(handle.id(), answered[i]);
    const auto& failed = h.events(h.events_size() - 1).workflow_execution_failed_event_attributes();
    if (i + 1 < answered.size()) {
      EXPECT_EQ(failed.retry_state(), enums::RETRY_STATE_IN_PROGRESS);
      EXPECT_EQ(failed.new_execution_run_id(), answered[i + 1]);
    } else {
      EXPECT_EQ(failed.retry_state(), enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
      EXPECT_TRUE(failed.new_execution_run_id().empty());
    }
  }
  EXPECT_EQ(client_->get_workflow_handle(handle.id()).describe().status, WorkflowExecutionStatus::kFailed);
}

TEST_F(ServerFeaturesTest, ANonRetryableErrorTypeEndsTheRetries) {
  auto opts = options();
  opts.retry_policy = RetryPolicy{.initial_interval = 10ms, .non_retryable_error_types = {"CardDeclined"}};
  auto handle = client_->start_workflow("Flaky", opts);
  complete_task(poll_workflow_task(queue()), {fail_workflow(application_failure("declined", "CardDeclined"))});
  EXPECT_THROW(handle.result<void>(), WorkflowFailureError);
  auto h = history(handle.id(), handle.run_id());
  const HistoryEvent& last = h.events(h.events_size() - 1);
  ASSERT_EQ(last.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  EXPECT_EQ(last.workflow_execution_failed_event_attributes().retry_state(), enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  EXPECT_TRUE(last.workflow_execution_failed_event_attributes().new_execution_run_id().empty());
  EXPECT_EQ(client_->get_workflow_handle(handle.id()).describe().run_id, handle.run_id());
}

// ---- Signal and cancel of external workflows.

TEST_F(ServerFeaturesTest, SignalExternalCommandSignalsTheTargetAndTellsTheInitiator) {
  auto target = client_->start_workflow("Target", options("-target", "-target"));
  auto initiator = client_->start_workflow("Initiator", options("-initiator", "-initiator"));
  complete_task(poll_workflow_task(queue("-initiator")),
                {signal_external(target.id(), "ping", to_payload(std::string("hello"))),
                 signal_external("wf-nobody-" + name_, "ping", to_payload(std::string("lost")))});

  auto target_history = await_event(target.id(), target.run_id(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const auto& signaled =
      find_event(target_history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)->workflow_execution_signaled_event_attributes();
  EXPECT_EQ(signaled.signal_name(), "ping");
  EXPECT_EQ(from_payload<std::string>(signaled.input().payloads(0)), "hello");
  EXPECT_EQ(signaled.external_workflow_execution().workflow_id(), initiator.id());

  // The initiator hears of both outcomes in its next workflow tasks.
  auto h = await_event(initiator.id(), initiator.run_id(), enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED);
  h = await_event(initiator.id(), initiator.run_id(), enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED);
  auto initiated = events_of(h, enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
  ASSERT_EQ(initiated.size(), 2u);
  const auto& ok = find_event(h, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                       ->external_workflow_execution_signaled_event_attributes();
  EXPECT_EQ(ok.initiated_event_id(), initiated[0]->event_id());
  EXPECT_EQ(ok.workflow_execution().workflow_id(), target.id());
  const auto& failed = find_event(h, enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                           ->signal_external_workflow_execution_failed_event_attributes();
  EXPECT_EQ(failed.initiated_event_id(), initiated[1]->event_id());
  EXPECT_EQ(failed.cause(), enums::SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
  auto next = poll_workflow_task(queue("-initiator"));
  EXPECT_EQ(next.workflow_execution().run_id(), initiator.run_id());
  complete_task(next, {complete_workflow({})});
  target.terminate();
}

TEST_F(ServerFeaturesTest, CancelExternalCommandRequestsCancellationAndTellsTheInitiator) {
  auto target = client_->start_workflow("Target", options("-target", "-target"));
  auto initiator = client_->start_workflow("Initiator", options("-initiator", "-initiator"));
  complete_task(poll_workflow_task(queue("-initiator")),
                {cancel_external(target.id()), cancel_external("wf-nobody-" + name_)});

  auto target_history =
      await_event(target.id(), target.run_id(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  const auto& requested = find_event(target_history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                              ->workflow_execution_cancel_requested_event_attributes();
  EXPECT_EQ(requested.external_workflow_execution().workflow_id(), initiator.id());
  EXPECT_EQ(requested.cause(), "no longer needed");

  auto h = await_event(initiator.id(), initiator.run_id(),
                       enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED);
  h = await_event(initiator.id(), initiator.run_id(), enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  auto initiated = events_of(h, enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
  ASSERT_EQ(initiated.size(), 2u);
  const auto& ok = find_event(h, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                       ->external_workflow_execution_cancel_requested_event_attributes();
  EXPECT_EQ(ok.initiated_event_id(), initiated[0]->event_id());
  EXPECT_EQ(ok.workflow_execution().workflow_id(), target.id());
  const auto& failed = find_event(h, enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                           ->request_cancel_external_workflow_execution_failed_event_attributes();
  EXPECT_EQ(failed.initiated_event_id(), initiated[1]->event_id());
  EXPECT_EQ(failed.cause(), enums::CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND);
  // The target is only asked: it stays open until its own code decides.
  EXPECT_EQ(target.describe().status, WorkflowExecutionStatus::kRunning);
  initiator.terminate();
  target.terminate();
}

// ---- Activities completed by workflow id and activity id.

TEST_F(ServerFeaturesTest, ActivitiesHeartbeatCompleteFailAndCancelById) {
  auto handle = client_->start_workflow("Remote", options());
  complete_task(poll_workflow_task(queue()), {schedule_activity("done", queue("-activities")),
                                              schedule_activity("fail", queue("-activities")),
                                              schedule_activity("cancel", queue("-activities"))});
  for (int i = 0; i < 3; ++i) poll_activity_task(queue("-activities"));

  auto heartbeat = [&](const std::string& activity_id, const std::string& progress) {
    wsv1::RecordActivityTaskHeartbeatByIdRequest request;
    request.set_namespace_("default");
    request.set_workflow_id(handle.id());
    request.set_activity_id(activity_id);
    *request.mutable_details()->add_payloads() = to_payload(progress);
    wsv1::RecordActivityTaskHeartbeatByIdResponse response;
    grpc::Status status = workflow_service_->RecordActivityTaskHeartbeatById(context_for().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.cancel_requested();
  };
  EXPECT_FALSE(heartbeat("cancel", "half way"));
  bool found = false;
  auto description = handle.describe();
  for (const auto& pending : description.raw_description->pending_activities()) {
    if (pending.activity_id() != "cancel") continue;
    found = true;
    ASSERT_EQ(pending.heartbeat_details().payloads_size(), 1);
    EXPECT_EQ(from_payload<std::string>(pending.heartbeat_details().payloads(0)), "half way");
  }
  EXPECT_TRUE(found) << "no pending activity 'cancel'";

  wsv1::RespondActivityTaskCompletedByIdRequest completed;
  completed.set_namespace_("default");
  completed.set_workflow_id(handle.id());
  completed.set_run_id(handle.run_id());
  completed.set_activity_id("done");
  *completed.mutable_result()->add_payloads() = to_payload(std::string("shipped"));
  wsv1::RespondActivityTaskCompletedByIdResponse completed_response;
  ASSERT_TRUE(workflow_service_->RespondActivityTaskCompletedById(context_for().get(), completed, &completed_response).ok());
  // Done is done: a second completion of the same activity finds nothing to complete.
  EXPECT_EQ(workflow_service_->RespondActivityTaskCompletedById(context_for().get(), completed, &completed_response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  wsv1::RespondActivityTaskFailedByIdRequest failed;
  failed.set_namespace_("default");
  failed.set_workflow_id(handle.id());
  failed.set_activity_id("fail");
  *failed.mutable_failure() = application_failure("warehouse closed", "Closed");
  wsv1::RespondActivityTaskFailedByIdResponse failed_response;
  ASSERT_TRUE(workflow_service_->RespondActivityTaskFailedById(context_for().get(), failed, &failed_response).ok());

  // The workflow asks to cancel the third; its heartbeat says so; the activity confirms by id.
  auto second = poll_workflow_task(queue());
  auto scheduled = [&](const std::string& activity_id) -> int64_t {
    for (const auto& e : second.history().events())
      if (e.has_activity_task_scheduled_event_attributes() &&
          e.activity_task_scheduled_event_attributes().activity_id() == activity_id)
        return e.event_id();
    return 0;
  };
  Command request_cancel;
  request_cancel.set_command_type(enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK);
  request_cancel.mutable_request_cancel_activity_task_command_attributes()->set_scheduled_event_id(scheduled("cancel"));
  complete_task(second, {request_cancel});
  EXPECT_TRUE(heartbeat("cancel", "stopping"));
  wsv1::RespondActivityTaskCanceledByIdRequest canceled;
  canceled.set_namespace_("default");
  canceled.set_workflow_id(handle.id());
  canceled.set_activity_id("cancel");
  *canceled.mutable_details()->add_payloads() = to_payload(std::string("stopped"));
  wsv1::RespondActivityTaskCanceledByIdResponse canceled_response;
  ASSERT_TRUE(workflow_service_->RespondActivityTaskCanceledById(context_for().get(), canceled, &canceled_response).ok());

  auto h = await_event(handle.id(), handle.run_id(), enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED);
  const auto* done = find_event(h, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->activity_task_completed_event_attributes().scheduled_event_id(), scheduled("done"));
  EXPECT_EQ(from_payload<std::string>(done->activity_task_completed_event_attributes().result().payloads(0)), "shipped");
  const auto* fail = find_event(h, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED);
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->activity_task_failed_event_attributes().scheduled_event_id(), scheduled("fail"));
  EXPECT_EQ(fail->activity_task_failed_event_attributes().failure().message(), "warehouse closed");
  const auto& cancel = find_event(h, enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED)->activity_task_canceled_event_attributes();
  EXPECT_EQ(cancel.scheduled_event_id(), scheduled("cancel"));
  EXPECT_EQ(from_payload<std::string>(cancel.details().payloads(0)), "stopped");
  EXPECT_GT(cancel.latest_cancel_requested_event_id(), 0);

  // An activity id the run does not have.
  completed.set_activity_id("no-such-activity");
  EXPECT_EQ(workflow_service_->RespondActivityTaskCompletedById(context_for().get(), completed, &completed_response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  handle.terminate();
}

// ---- sdk_metadata.

TEST_F(ServerFeaturesTest, SdkMetadataOfACompletionIsRecordedInWorkflowTaskCompleted) {
  auto handle = client_->start_workflow("Metadata", options());
  auto request = completion(poll_workflow_task(queue()), {complete_workflow({})});
  auto* metadata = request.mutable_sdk_metadata();
  metadata->add_core_used_flags(1);
  metadata->add_core_used_flags(2);
  metadata->add_lang_used_flags(3);
  metadata->set_sdk_name("stead-test-sdk");
  metadata->set_sdk_version("9.9.9");
  ASSERT_TRUE(respond(request).ok());
  handle.result<void>();
  auto h = history(handle.id(), handle.run_id());
  const auto* completed = find_event(h, enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  ASSERT_NE(completed, nullptr);
  const auto& recorded = completed->workflow_task_completed_event_attributes().sdk_metadata();
  EXPECT_EQ(recorded.SerializeAsString(), metadata->SerializeAsString()) << recorded.DebugString();
  EXPECT_EQ(recorded.sdk_name(), "stead-test-sdk");
  ASSERT_EQ(recorded.core_used_flags_size(), 2);
  EXPECT_EQ(recorded.core_used_flags(1), 2u);
}

}  // namespace
}  // namespace stead
