// The C++ client against an in-process stead::Server on a loopback port. Workflows are run by
// FakeWorker, a tiny worker that speaks the real task protocol (fake_worker.h).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "fake_worker.h"
#include "stead/client.h"
#include "stead/server.h"
#include "stead/task.h"

namespace shop {
struct Order {
  std::string id{};
  int qty = 0;
  std::vector<std::string> tags{};
  bool operator==(const Order&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, qty, tags)

struct Approval {
  std::string by{};
  bool operator==(const Approval&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Approval, by)

// A workflow class as the worker SDK will declare it; only its name and signature matter here.
struct GreetWorkflow {
  static constexpr std::string_view name = "Greet";
  stead::Task<std::string> run(std::string who);
};
}  // namespace shop

namespace stead {
namespace {

using namespace std::chrono_literals;
using itest::FakeWorker;
using itest::TaskReply;
namespace enums = temporal::api::enums::v1;
namespace wsv1 = temporal::api::workflowservice::v1;

// What the fake worker does, by workflow type:
//   Echo     completes with its input
//   Greet    completes with "Hello, <input>!"
//   Fail     fails with ApplicationError CardDeclined (details: an Order) caused by GatewayTimeout
//   Counter  continues as new with input+1 until the input is 3, then completes with it
//   Wait     stays open; completes with the input of a "finish" signal; cancels itself when
//            cancellation is requested; answers updates ("add": n+1, "reject": rejection)
TaskReply script(const wsv1::PollWorkflowTaskQueueResponse& task) {
  const std::string& type = itest::workflow_type(task);
  auto input = itest::workflow_input(task);
  if (type == "Echo") return {.commands = {itest::complete_workflow(input)}};
  if (type == "Greet") {
    auto who = from_payload<std::string>(input.at(0));
    return {.commands = {itest::complete_workflow(to_payloads("Hello, " + who + "!"))}};
  }
  if (type == "Fail") {
    auto cause = std::make_shared<ApplicationError>("gateway timeout", ApplicationErrorInfo{.type = "GatewayTimeout"});
    ApplicationError error("card declined",
                           {.type = "CardDeclined",
                            .non_retryable = true,
                            .details = to_payloads(shop::Order{.id = "o-7", .qty = 1})},
                           cause);
    return {.commands = {itest::fail_workflow(DataConverter{}.to_failure(std::make_exception_ptr(error)))}};
  }
  if (type == "Counter") {
    int n = from_payload<int>(input.at(0));
    if (n < 3) return {.commands = {itest::continue_as_new("Counter", task.workflow_execution_task_queue().name(),
                                                             to_payloads(n + 1))}};
    return {.commands = {itest::complete_workflow(to_payloads(n))}};
  }
  if (type.rfind("Listed", 0) == 0) return {};  // stays open
  if (type == "Wait") {
    if (!itest::events_of(task, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED).empty())
      return {.commands = {itest::cancel_workflow()}};
    for (const auto* event : itest::events_of(task, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)) {
      const auto& attrs = event->workflow_execution_signaled_event_attributes();
      if (attrs.signal_name() == "finish") {
        const auto& in = attrs.input().payloads();
        return {.commands = {itest::complete_workflow({in.begin(), in.end()})}};
      }
    }
    return itest::answer_updates(task, [](const temporal::api::update::v1::Request& request) -> itest::UpdateAnswer {
      if (request.input().name() == "reject")
        return DataConverter{}.to_failure(
            std::make_exception_ptr(ApplicationError("not allowed", {.type = "Invalid"})));
      return to_payload(from_payload<int>(request.input().args().payloads(0)) + 1);
    });
  }
  throw std::runtime_error("fake worker: no script for workflow type " + type);
}

itest::QueryAnswer answer_query(const temporal::api::query::v1::WorkflowQuery& query) {
  if (query.query_type() == "status") return {.result = to_payload("waiting")};
  if (query.query_type() == "echo") return {.result = query.query_args().payloads(0)};
  return {.error = "unknown query type " + query.query_type()};
}

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.port = 0;
    options.search_attributes = {{"CustomKeywordField", "Keyword"}, {"CustomIntField", "Int"}};
    server_ = Server::start(options).release();
    client_ = new Client(Client::connect({.address = server_->address()}));
  }
  static void TearDownTestSuite() {
    delete client_;
    server_->shutdown();
    delete server_;
  }

  void SetUp() override {
    name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    worker_ = std::make_unique<FakeWorker>(server_->address(), queue(), script, answer_query);
  }
  void TearDown() override {
    std::string error = worker_->error();
    worker_.reset();
    EXPECT_EQ(error, "") << "the fake worker failed";
  }

  std::string queue() const { return "q-" + name_; }
  WorkflowOptions options(const std::string& suffix = "") const {
    return {.id = "wf-" + name_ + suffix, .task_queue = queue()};
  }
  const Client& client() const { return *client_; }

  static Server* server_;
  static Client* client_;
  std::string name_;
  std::unique_ptr<FakeWorker> worker_;
};

Server* ClientTest::server_ = nullptr;
Client* ClientTest::client_ = nullptr;

const temporal::api::history::v1::HistoryEvent* find_event(const History& history, enums::EventType type) {
  for (const auto& event : history.events())
    if (event.event_type() == type) return &event;
  return nullptr;
}

TEST_F(ClientTest, ResultsRoundTripEveryKindOfValue) {
  EXPECT_EQ(client().execute_workflow<std::string>("Echo", std::string("hello"), options("-s")), "hello");
  EXPECT_EQ(client().execute_workflow<int>("Echo", 42, options("-i")), 42);
  shop::Order order{.id = "o-1", .qty = 3, .tags = {"gift", "express"}};
  EXPECT_EQ(client().execute_workflow<shop::Order>("Echo", order, options("-o")), order);
  EXPECT_EQ(client().execute_workflow<std::optional<int>>("Echo", std::monostate{}, options("-n")), std::nullopt);
  Bytes bytes{std::byte{0}, std::byte{0xfe}, std::byte{7}};
  EXPECT_EQ(client().execute_workflow<Bytes>("Echo", bytes, options("-b")), bytes);
  // No input, no result: result<void>() and optional results both accept it.
  client().execute_workflow<void>("Echo", options("-v"));
  EXPECT_EQ(client().start_workflow("Echo", options("-v2")).result<std::optional<std::string>>(), std::nullopt);

  // On the wire the value is what every SDK writes: json/plain, "hello" with its quotes.
  auto history = client().get_workflow_handle("wf-" + name_ + "-s").fetch_history();
  const auto* started = find_event(history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  ASSERT_NE(started, nullptr);
  const auto& input = started->workflow_execution_started_event_attributes().input().payloads(0);
  EXPECT_EQ(encoding_of(input), "json/plain");
  EXPECT_EQ(input.data(), "\"hello\"");
  EXPECT_EQ(started->workflow_execution_started_event_attributes().identity(), client().identity());
}

TEST_F(ClientTest, WorkflowClassesNameTheTypeAndTheResult) {
  std::string greeting = client().execute_workflow<shop::GreetWorkflow>(std::string("Ana"), options());
  EXPECT_EQ(greeting, "Hello, Ana!");
  auto handle = client().start_workflow<shop::GreetWorkflow>(std::string("Bo"), options("-2"));
  EXPECT_EQ(handle.describe().workflow_type, "Greet");
  EXPECT_EQ(handle.result<std::string>(), "Hello, Bo!");
}

TEST_F(ClientTest, FailuresArriveAsWorkflowFailureErrorWithTheCauseChain) {
  try {
    client().execute_workflow<std::string>("Fail", options());
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    const auto* app = e.cause_as<ApplicationError>();
    ASSERT_NE(app, nullptr) << e.what();
    EXPECT_EQ(app->message(), "card declined");
    EXPECT_EQ(app->type(), "CardDeclined");
    EXPECT_TRUE(app->non_retryable());
    ASSERT_EQ(app->details().size(), 1u);
    EXPECT_EQ(from_payload<shop::Order>(app->details()[0]), (shop::Order{.id = "o-7", .qty = 1}));
    const auto* cause = app->cause_as<ApplicationError>();
    ASSERT_NE(cause, nullptr);
    EXPECT_EQ(cause->type(), "GatewayTimeout");
    EXPECT_EQ(cause->message(), "gateway timeout");
    EXPECT_STREQ(e.what(), "Workflow execution failed: card declined");
  }
}

TEST_F(ClientTest, AStartWithARunningIdThrowsWorkflowAlreadyStartedError) {
  auto first = client().start_workflow("Wait", options());
  try {
    client().start_workflow("Wait", options());
    FAIL() << "expected WorkflowAlreadyStartedError";
  } catch (const WorkflowAlreadyStartedError& e) {
    EXPECT_EQ(e.code(), RpcCode::kAlreadyExists);
    EXPECT_EQ(e.workflow_id(), first.id());
    EXPECT_EQ(e.workflow_type(), "Wait");
    EXPECT_EQ(e.run_id(), first.run_id());
  }
  // USE_EXISTING returns the running run instead.
  auto opts = options();
  opts.id_conflict_policy = WorkflowIdConflictPolicy::kUseExisting;
  EXPECT_EQ(client().start_workflow("Wait", opts).run_id(), first.run_id());
  first.terminate("done");
}

TEST_F(ClientTest, UnknownWorkflowsThrowWorkflowNotFoundError) {
  auto handle = client().get_workflow_handle("no-such-workflow-" + name_);
  EXPECT_THROW(handle.describe(), WorkflowNotFoundError);
  EXPECT_THROW(handle.result<void>(), WorkflowNotFoundError);
  EXPECT_THROW(handle.signal("x"), WorkflowNotFoundError);
  try {
    handle.terminate();
    FAIL() << "expected WorkflowNotFoundError";
  } catch (const WorkflowNotFoundError& e) {
    EXPECT_EQ(e.workflow_id(), "no-such-workflow-" + name_);
    EXPECT_EQ(e.code(), RpcCode::kNotFound);
  }
}

TEST_F(ClientTest, DescribeReportsStatusTypeQueueMemoAndSearchAttributes) {
  auto opts = options();
  opts.memo = {{"customer", to_payload(shop::Order{.id = "memo"})}};
  opts.search_attributes = {{"CustomKeywordField", Keyword{"gold"}}, {"CustomIntField", int64_t{7}}};
  opts.execution_timeout = 1h;
  auto handle = client().start_workflow("Wait", opts);
  auto d = handle.describe();
  EXPECT_EQ(d.workflow_id, handle.id());
  EXPECT_EQ(d.run_id, handle.run_id());
  EXPECT_EQ(d.workflow_type, "Wait");
  EXPECT_EQ(d.task_queue, queue());
  EXPECT_EQ(d.status, WorkflowExecutionStatus::kRunning);
  EXPECT_GE(d.history_length, 2);
  EXPECT_FALSE(d.close_time.has_value());
  EXPECT_LE(d.start_time, std::chrono::system_clock::now());
  EXPECT_EQ(from_payload<shop::Order>(d.memo.at("customer")).id, "memo");
  auto attrs = to_search_attributes(d.search_attributes);
  EXPECT_EQ(std::get<Keyword>(attrs.at("CustomKeywordField")).value, "gold");
  EXPECT_EQ(std::get<int64_t>(attrs.at("CustomIntField")), 7);
  ASSERT_NE(d.raw_description, nullptr);

  handle.terminate("done");
  auto closed = handle.describe();
  EXPECT_EQ(closed.status, WorkflowExecutionStatus::kTerminated);
  EXPECT_TRUE(closed.close_time.has_value());
}

TEST_F(ClientTest, SignalsAreRecordedAndDelivered) {
  auto handle = client().start_workflow("Wait", options());
  handle.signal("approve", shop::Approval{.by = "ana"});
  handle.signal("finish", shop::Approval{.by = "bo"});
  EXPECT_EQ(handle.result<shop::Approval>().by, "bo");

  auto history = handle.fetch_history();
  const auto* signaled = find_event(history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  ASSERT_NE(signaled, nullptr);
  const auto& attrs = signaled->workflow_execution_signaled_event_attributes();
  EXPECT_EQ(attrs.signal_name(), "approve");
  EXPECT_EQ(from_payload<shop::Approval>(attrs.input().payloads(0)).by, "ana");
  EXPECT_EQ(attrs.identity(), client().identity());
}

TEST_F(ClientTest, SignalWithStartStartsOnceAndSignalsTheRunningWorkflow) {
  auto first = client().signal_with_start_workflow("Wait", {}, "approve", to_payloads(shop::Approval{.by = "a"}),
                                                   options());
  auto second = client().signal_with_start_workflow("Wait", {}, "finish", to_payloads(shop::Approval{.by = "b"}),
                                                    options());
  EXPECT_EQ(second.run_id(), first.run_id());
  EXPECT_EQ(first.result<shop::Approval>().by, "b");
  auto history = first.fetch_history();
  EXPECT_EQ(history.events(0).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(history.events(1).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
}

TEST_F(ClientTest, TerminateMakesResultThrowWithATerminatedCause) {
  auto handle = client().start_workflow("Wait", options());
  handle.terminate("operator said so");
  try {
    handle.result<void>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    const auto* terminated = e.cause_as<TerminatedError>();
    ASSERT_NE(terminated, nullptr) << e.what();
    EXPECT_EQ(terminated->message(), "operator said so");
  }
}

TEST_F(ClientTest, CancelIsRecordedAndTheWorkflowEndsCanceled) {
  auto handle = client().start_workflow("Wait", options());
  handle.cancel();
  try {
    handle.result<void>();
    FAIL() << "expected WorkflowFailureError";
  } catch (const WorkflowFailureError& e) {
    EXPECT_NE(e.cause_as<CanceledError>(), nullptr) << e.what();
  }
  auto history = handle.fetch_history();
  const auto* requested = find_event(history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
  ASSERT_NE(requested, nullptr);
  EXPECT_EQ(requested->workflow_execution_cancel_requested_event_attributes().identity(), client().identity());
  EXPECT_NE(find_event(history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED), nullptr);
  handle.cancel();  // already closed: still fine
}

TEST_F(ClientTest, ResultFollowsContinueAsNew) {
  auto handle = client().start_workflow("Counter", 1, options());
  EXPECT_EQ(handle.result<int>(), 3);
  try {
    handle.result<int>({.follow_runs = false});
    FAIL() << "expected WorkflowContinuedAsNewError";
  } catch (const WorkflowContinuedAsNewError& e) {
    EXPECT_FALSE(e.new_execution_run_id().empty());
    EXPECT_NE(e.new_execution_run_id(), handle.run_id());
  }
}

TEST_F(ClientTest, QueriesReturnTheHandlersAnswer) {
  auto handle = client().start_workflow("Wait", options());
  EXPECT_EQ(handle.query<std::string>("status"), "waiting");
  EXPECT_EQ(handle.query<shop::Order>("echo", shop::Order{.id = "q"}).id, "q");
  try {
    handle.query<std::string>("nope");
    FAIL() << "expected QueryFailedError";
  } catch (const QueryFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown query type nope"), std::string::npos) << e.what();
  }
  handle.terminate();
}

TEST_F(ClientTest, QueryRejectConditionRejectsClosedRuns) {
  auto terminated = client().start_workflow("Wait", options("-t"));
  EXPECT_EQ(terminated.query<std::string>("status"), "waiting");  // answered while it runs
  terminated.terminate();
  try {
    terminated.query<std::string>({.name = "status", .reject_condition = QueryRejectCondition::kNotOpen});
    FAIL() << "expected QueryRejectedError";
  } catch (const QueryRejectedError& e) {
    EXPECT_EQ(e.status(), WorkflowExecutionStatus::kTerminated);
  }
  try {
    terminated.query<std::string>({.name = "status", .reject_condition = QueryRejectCondition::kNotCompletedCleanly});
    FAIL() << "expected QueryRejectedError";
  } catch (const QueryRejectedError& e) {
    EXPECT_EQ(e.status(), WorkflowExecutionStatus::kTerminated);
  }
  // A run that completed is still queried under NOT_COMPLETED_CLEANLY.
  client().execute_workflow<std::string>("Echo", std::string("done"), options("-c"));
  auto completed = client().get_workflow_handle("wf-" + name_ + "-c");
  EXPECT_EQ(completed.query<std::string>({.name = "status", .reject_condition = QueryRejectCondition::kNotCompletedCleanly}),
            "waiting");
}

TEST_F(ClientTest, UpdatesReturnResultsAndRejectionsThrow) {
  auto handle = client().start_workflow("Wait", options());
  EXPECT_EQ(handle.execute_update<int>("add", 41), 42);
  auto started = handle.start_update<int>("add", 1);
  EXPECT_FALSE(started.id().empty());
  EXPECT_EQ(started.result(), 2);
  EXPECT_EQ(handle.get_update_handle<int>(started.id()).result(), 2);
  try {
    handle.execute_update<int>("reject", 0);
    FAIL() << "expected WorkflowUpdateFailedError";
  } catch (const WorkflowUpdateFailedError& e) {
    const auto* app = e.cause_as<ApplicationError>();
    ASSERT_NE(app, nullptr) << e.what();
    EXPECT_EQ(app->type(), "Invalid");
  }
  handle.terminate();
}

TEST_F(ClientTest, ListAndCountUseTheVisibilityQuery) {
  std::string type = "Listed" + name_;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(client().start_workflow(type, options("-" + std::to_string(i))).id());
  auto listed = client().list_workflows("WorkflowType = '" + type + "'");
  ASSERT_EQ(listed.size(), 3u);
  for (const auto& info : listed) {
    EXPECT_EQ(info.workflow_type, type);
    EXPECT_EQ(info.status, WorkflowExecutionStatus::kRunning);
    EXPECT_NE(std::find(ids.begin(), ids.end(), info.workflow_id), ids.end());
  }
  EXPECT_EQ(client().count_workflows("WorkflowType = '" + type + "'").count, 3);
  auto grouped = client().count_workflows("WorkflowType = '" + type + "' GROUP BY ExecutionStatus");
  ASSERT_EQ(grouped.groups.size(), 1u);
  EXPECT_EQ(grouped.groups[0].count, 3);
  EXPECT_THROW(client().list_workflows("WorkflowType = "), RPCError);
  for (const auto& id : ids) client().get_workflow_handle(id).terminate();
}

TEST_F(ClientTest, CodecsCompressWhatTheServerStores) {
  auto zlib = Client::connect({.address = server_->address(),
                               .data_converter = {.codecs = {std::make_shared<ZlibCodec>(
                                   ZlibCodecOptions{.always_encode = true})}}});
  shop::Order order{.id = "zipped", .qty = 9};
  auto handle = zlib.start_workflow("Echo", order, options());
  EXPECT_EQ(handle.result<shop::Order>(), order);
  auto history = handle.fetch_history();
  const auto* started = find_event(history, enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(encoding_of(started->workflow_execution_started_event_attributes().input().payloads(0)), "binary/zlib");
  // A client without the codec cannot read it, and says why.
  EXPECT_THROW(client().get_workflow_handle(handle.id()).result<shop::Order>(), PayloadConversionError);
}

TEST_F(ClientTest, OneClientServesManyThreads) {
  std::vector<std::future<int>> results;
  for (int i = 0; i < 8; ++i)
    results.push_back(std::async(std::launch::async, [this, i] {
      return client().execute_workflow<int>("Echo", i, options("-" + std::to_string(i)));
    }));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(results[i].get(), i);
}

TEST_F(ClientTest, CallbackFormsDeliverValuesAndErrors) {
  std::promise<Outcome<WorkflowHandle>> started;
  client().start_workflow("Echo", to_payloads(5), options(),
                          [&](Outcome<WorkflowHandle> outcome) { started.set_value(std::move(outcome)); });
  auto handle = started.get_future().get().value();
  std::promise<Outcome<std::optional<Payload>>> result;
  handle.result({}, [&](Outcome<std::optional<Payload>> outcome) { result.set_value(std::move(outcome)); });
  auto payload = result.get_future().get().value();
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(from_payload<int>(*payload), 5);

  // Invalid options reach the callback too; the callback form never throws.
  std::promise<Outcome<WorkflowHandle>> invalid;
  client().start_workflow("Echo", {}, WorkflowOptions{.id = "x"},
                          [&](Outcome<WorkflowHandle> outcome) { invalid.set_value(std::move(outcome)); });
  EXPECT_THROW(invalid.get_future().get().value(), std::invalid_argument);
}

TEST_F(ClientTest, UnknownNamespaceThrowsNamespaceNotFoundError) {
  auto other = Client::connect({.address = server_->address(), .namespace_ = "no-such-namespace"});
  try {
    other.start_workflow("Echo", options());
    FAIL() << "expected NamespaceNotFoundError";
  } catch (const NamespaceNotFoundError& e) {
    EXPECT_EQ(e.namespace_(), "no-such-namespace");
  }
}

TEST(ClientConnect, AnUnreachableServerIsAnRPCError) {
  try {
    Client::connect({.address = "127.0.0.1:1", .connect_timeout = 5s});
    FAIL() << "expected RPCError";
  } catch (const RPCError& e) {
    EXPECT_EQ(e.code(), RpcCode::kUnavailable) << e.what();
  }
}

// ---- What goes on the wire: a gRPC server that records each call's metadata and answers
// UNIMPLEMENTED (which connect() accepts, as the other SDKs do).
class RecordingServer {
 public:
  explicit RecordingServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~RecordingServer() { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::multimap<std::string, std::string> headers() const {
    std::lock_guard lock(service_.mu);
    return service_.headers;
  }

 private:
  struct Service : grpc::CallbackGenericService {
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
      {
        std::lock_guard lock(mu);
        for (const auto& [key, value] : context->client_metadata())
          headers.emplace(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
      }
      struct Reactor : grpc::ServerGenericBidiReactor {
        Reactor() { StartRead(&request); }
        void OnReadDone(bool) override { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "recording only")); }
        void OnDone() override { delete this; }
        grpc::ByteBuffer request;
      };
      return new Reactor;
    }
    mutable std::mutex mu;
    std::multimap<std::string, std::string> headers;
  };
  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::string header(const std::multimap<std::string, std::string>& headers, const std::string& key) {
  auto it = headers.find(key);
  return it == headers.end() ? "<absent>" : it->second;
}

TEST(ClientConnect, ApiKeyAndMetadataReachTheServer) {
  RecordingServer server(grpc::InsecureServerCredentials());
  auto client = Client::connect({.address = server.address(),
                                 .namespace_ = "billing",
                                 .identity = "test-identity",
                                 .api_key = "secret-key",
                                 .metadata = {{"X-Tenant", "acme"}}});
  auto headers = server.headers();
  EXPECT_EQ(header(headers, "authorization"), "Bearer secret-key");
  EXPECT_EQ(header(headers, "x-tenant"), "acme");
  EXPECT_EQ(header(headers, "temporal-namespace"), "billing");
  EXPECT_EQ(header(headers, "client-name"), "stead-cpp");
  EXPECT_EQ(client.identity(), "test-identity");
}

// Certificates made with the openssl command line at test time: a CA, a server certificate
// for DNS name stead.test, and a client certificate.
class Certificates {
 public:
  Certificates() {
    dir_ = std::filesystem::temp_directory_path() / ("stead-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string d = dir_.string();
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    ok_ = run("openssl req -x509 " + key + " -keyout " + d + "/ca.key -out " + d +
              "/ca.pem -days 2 -subj /CN=stead-test-ca") &&
          make_leaf("server", "stead.test", "subjectAltName=DNS:stead.test") &&
          make_leaf("client", "client", "extendedKeyUsage=clientAuth");
  }
  ~Certificates() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }
  bool make_leaf(const std::string& name, const std::string& cn, const std::string& ext) {
    const std::string d = dir_.string();
    std::ofstream(d + "/" + name + ".ext") << ext << "\n";
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d + "/" + name +
               ".key -out " + d + "/" + name + ".csr -subj /CN=" + cn) &&
           run("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -out " + d + "/" + name + ".pem -extfile " + d + "/" + name + ".ext");
  }
  std::filesystem::path dir_;
  bool ok_ = false;
};

std::shared_ptr<grpc::ServerCredentials> server_tls(const Certificates& certs, bool require_client_cert) {
  grpc::SslServerCredentialsOptions options(require_client_cert
                                                ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = certs.read("ca.pem");
  options.pem_key_cert_pairs.push_back({certs.read("server.key"), certs.read("server.pem")});
  return grpc::SslServerCredentials(options);
}

TEST(ClientConnect, TlsVerifiesTheServerAgainstTheGivenCa) {
  Certificates certs;
  ASSERT_TRUE(certs.ok()) << "openssl could not make test certificates";
  RecordingServer server(server_tls(certs, false));
  TlsOptions tls{.server_root_ca_cert_path = certs.path("ca.pem"), .server_name = "stead.test"};
  auto client = Client::connect({.address = server.address(), .tls = tls, .api_key = "k"});
  EXPECT_EQ(header(server.headers(), "authorization"), "Bearer k");
  // The certificate names stead.test, not 127.0.0.1: without the override the handshake fails.
  tls.server_name.clear();
  EXPECT_THROW(Client::connect({.address = server.address(), .tls = tls, .connect_timeout = 5s}), RPCError);
  // Plaintext against a TLS server fails too.
  EXPECT_THROW(Client::connect({.address = server.address(), .connect_timeout = 5s}), RPCError);
}

TEST(ClientConnect, MutualTlsPresentsTheClientCertificate) {
  Certificates certs;
  ASSERT_TRUE(certs.ok()) << "openssl could not make test certificates";
  RecordingServer server(server_tls(certs, true));
  TlsOptions tls{.server_root_ca_cert = certs.read("ca.pem"),
                 .client_cert_path = certs.path("client.pem"),
                 .client_private_key = certs.read("client.key"),
                 .server_name = "stead.test"};
  EXPECT_NO_THROW(Client::connect({.address = server.address(), .tls = tls}));
  TlsOptions no_client_cert{.server_root_ca_cert = certs.read("ca.pem"), .server_name = "stead.test"};
  EXPECT_THROW(Client::connect({.address = server.address(), .tls = no_client_cert, .connect_timeout = 5s}),
               RPCError);
  TlsOptions missing{.client_cert_path = certs.path("nope.pem"), .client_private_key = "x"};
  EXPECT_THROW(Client::connect({.address = server.address(), .tls = missing}), std::invalid_argument);
}

}  // namespace
}  // namespace stead
