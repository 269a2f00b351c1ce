// The orders example through real sockets: HTTP requests (cpp-httplib client) to OrdersApp,
// whose embedded stead::Server and in-process worker run the workflows, and whose
// process_order activity calls a fulfilment service over HTTP — the scripted one of
// fake_fulfilment.h, or the app's own. Retries with minutes of backoff are tested under time
// skipping (orders_time_skipping_test.cc). The last test runs the orders_app executable itself,
// with a database file, across a restart.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "app_process.h"
#include "fake_fulfilment.h"
#include "orders.h"

namespace {

using orders_test::FakeFulfilment;

using json = nlohmann::json;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  json body{};
  httplib::Headers headers{};
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

Reply call(int port, const std::string& method, const std::string& path, const std::string& body = "",
           httplib::Headers headers = {}) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(30s);
  httplib::Result res = method == "GET" ? http.Get(path, headers) : http.Post(path, headers, body, "application/json");
  if (!res) throw std::runtime_error(method + " " + path + ": " + httplib::to_string(res.error()));
  Reply r{.status = res->status, .headers = res->headers};
  r.body = json::parse(res->body, nullptr, false);
  return r;
}

// Polls GET /orders/{id} until the order is no longer RUNNING.
json wait_closed(int port, const std::string& id, std::chrono::seconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Reply r = call(port, "GET", "/orders/" + id);
    if (r.status != 200) return r.body;
    if (r.body["status"] != "RUNNING" || std::chrono::steady_clock::now() > deadline) return r.body;
    std::this_thread::sleep_for(50ms);
  }
}

class OrdersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fulfilment_ = new FakeFulfilment();
    app_ = orders::OrdersApp::start({.port = 0, .process_order_url = fulfilment_->url(), .log_requests = false})
               .release();
  }
  static void TearDownTestSuite() {
    fulfilment_->release();  // a cancelled attempt may still be waiting
    delete app_;
    delete fulfilment_;
  }
  static int port() { return app_->port(); }

  static FakeFulfilment* fulfilment_;
  static orders::OrdersApp* app_;
};
FakeFulfilment* OrdersTest::fulfilment_ = nullptr;
orders::OrdersApp* OrdersTest::app_ = nullptr;

TEST_F(OrdersTest, PlacedOrderCompletesWithTheFulfilmentResult) {
  Reply r = call(port(), "POST", "/orders", R"({"order_id": "a1"})");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["workflow_id"], "order-a1");
  EXPECT_FALSE(r.body["run_id"].get<std::string>().empty());
  EXPECT_EQ(r.body["status"], "RUNNING");
  EXPECT_EQ(r.header("Location"), "/orders/order-a1");

  json doc = wait_closed(port(), "order-a1");
  EXPECT_EQ(doc["status"], "COMPLETED") << doc.dump();
  EXPECT_EQ(doc["workflow_type"], "OrderWorkflow");
  EXPECT_EQ(doc["task_queue"], "order-queue");
  EXPECT_EQ(doc["result"], (json{{"order_id", "a1"}, {"fulfilment_id", "FF-a1"}, {"status", "fulfilled"}}));
  EXPECT_EQ(fulfilment_->calls("a1"), 1);
  EXPECT_EQ(fulfilment_->key("a1"), "order-a1/a1");
}

TEST_F(OrdersTest, CancelOfARunningOrder) {
  ASSERT_EQ(call(port(), "POST", "/orders", R"({"order_id": "slow-1"})").status, 201);
  // The activity is in its HTTP call: the order is running for real.
  ASSERT_TRUE(fulfilment_->wait_for_call("slow-1", 20s));
  EXPECT_EQ(call(port(), "GET", "/orders/order-slow-1").body["status"], "RUNNING");

  Reply cancel = call(port(), "POST", "/orders/order-slow-1/cancel");
  ASSERT_EQ(cancel.status, 202) << cancel.body.dump();
  EXPECT_EQ(cancel.body, (json{{"workflow_id", "order-slow-1"}, {"status", "CANCEL_REQUESTED"}}));

  json doc = wait_closed(port(), "order-slow-1");
  EXPECT_EQ(doc["status"], "CANCELED") << doc.dump();
  // Cancelling again: the order is closed.
  Reply again = call(port(), "POST", "/orders/order-slow-1/cancel");
  EXPECT_EQ(again.status, 409) << again.body.dump();
  EXPECT_EQ(again.body["type"], "urn:stead:problem:workflow-closed");
}

TEST_F(OrdersTest, RejectedOrderFailsWithoutRetries) {
  ASSERT_EQ(call(port(), "POST", "/orders", R"({"order_id": "bad-1"})").status, 201);
  json doc = wait_closed(port(), "order-bad-1");
  EXPECT_EQ(doc["status"], "FAILED") << doc.dump();
  EXPECT_EQ(fulfilment_->calls("bad-1"), 1);
  EXPECT_NE(doc.dump().find("FulfilmentRejected"), std::string::npos) << doc.dump();
  // A failed order may be placed again (reuse policy ALLOW_DUPLICATE_FAILED_ONLY) ...
  EXPECT_EQ(call(port(), "POST", "/orders", R"({"order_id": "bad-1"})").status, 201);
  wait_closed(port(), "order-bad-1");
}

TEST_F(OrdersTest, DuplicatesAndBadRequestsAreProblems) {
  // ... a completed one may not.
  ASSERT_EQ(call(port(), "POST", "/orders", R"({"order_id": "dup-1"})").status, 201);
  Reply running = call(port(), "POST", "/orders", R"({"order_id": "dup-1"})");
  EXPECT_EQ(running.status, 409) << running.body.dump();
  EXPECT_EQ(wait_closed(port(), "order-dup-1")["status"], "COMPLETED");
  Reply done = call(port(), "POST", "/orders", R"({"order_id": "dup-1"})");
  EXPECT_EQ(done.status, 409) << done.body.dump();

  Reply missing = call(port(), "POST", "/orders", "{}");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.body["errors"][0]["field"], "order_id");
  EXPECT_EQ(call(port(), "POST", "/orders", R"({"order_id": "no spaces"})").status, 422);
  EXPECT_EQ(call(port(), "POST", "/orders", "not json").status, 400);
  Reply unknown = call(port(), "GET", "/orders/order-never-placed");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(call(port(), "POST", "/orders/order-never-placed/cancel").status, 404);
}

TEST_F(OrdersTest, RequestIdAndTraceparentTravelWithTheWorkflow) {
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  Reply r = call(port(), "POST", "/orders", R"({"order_id": "traced-1"})",
                 {{"X-Request-Id", "req-traced-1"}, {"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.header("X-Request-Id"), "req-traced-1");
  std::string answered_traceparent = r.header("traceparent");

  auto history = app_->client().get_workflow_handle("order-traced-1").fetch_history();
  ASSERT_GT(history.events_size(), 0);
  const auto& fields = history.events(0).workflow_execution_started_event_attributes().header().fields();
  ASSERT_TRUE(fields.contains("request-id"));
  ASSERT_TRUE(fields.contains("traceparent"));
  EXPECT_EQ(stead::from_payload<std::string>(fields.at("request-id")), "req-traced-1");
  std::string traceparent = stead::from_payload<std::string>(fields.at("traceparent"));
  // The caller's trace, with this server's span for the request as the parent.
  EXPECT_EQ(traceparent.substr(0, 36), "00-" + trace_id + "-");
  EXPECT_NE(traceparent, "00-" + trace_id + "-00f067aa0ba902b7-01");
  EXPECT_EQ(traceparent, answered_traceparent);
  wait_closed(port(), "order-traced-1");
  // ... and on into process_order's call to the fulfilment service.
  EXPECT_EQ(fulfilment_->traceparent("traced-1"), traceparent);
}

TEST_F(OrdersTest, OpenApiDocumentsTheOrderRoutes) {
  Reply r = call(port(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  const json& paths = r.body["paths"];
  EXPECT_TRUE(paths.contains("/orders") && paths["/orders"].contains("post"));
  EXPECT_TRUE(paths.contains("/orders/{workflow_id}") && paths["/orders/{workflow_id}"].contains("get"));
  EXPECT_TRUE(paths.contains("/orders/{workflow_id}/cancel"));
  EXPECT_TRUE(paths.contains("/fulfilment"));
  httplib::Client http("127.0.0.1", port());
  auto docs = http.Get("/docs");
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->status, 200);
}

// ---- the executable

TEST(OrdersAppBinary, OrderCompletesOnItsOwnFulfilmentAndSurvivesARestart) {
  auto dir = std::filesystem::temp_directory_path() / ("orders-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string db = (dir / "orders.db").string();
  {
    examples::AppProcess app(ORDERS_APP_BIN, {"--port", "0", "--db-file", db}, {{"PROCESS_ORDER_URL", ""}});
    Reply r = call(app.port(), "POST", "/orders", R"({"order_id": "e2e-1"})");
    ASSERT_EQ(r.status, 201) << r.body.dump();
    json doc = wait_closed(app.port(), "order-e2e-1");
    EXPECT_EQ(doc["status"], "COMPLETED") << doc.dump();
    EXPECT_EQ(doc["result"]["fulfilment_id"].get<std::string>().substr(0, 2), "F-");
    EXPECT_EQ(app.stop(), 0);
  }
  {
    // The database file keeps the order.
    examples::AppProcess app(ORDERS_APP_BIN, {"--port", "0", "--db-file", db}, {{"PROCESS_ORDER_URL", ""}});
    Reply r = call(app.port(), "GET", "/orders/order-e2e-1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["status"], "COMPLETED");
    EXPECT_EQ(app.stop(), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(OrdersAppBinary, SeparateWorkerProcessRunsOrdersAndStopsOnSigterm) {
  // The web app without a worker, its embedded server on a known port; orders_worker alone.
  int grpc_port = 0;
  {
    // A free port for the embedded server: bind port 0, read it back, release it.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    grpc_port = ntohs(addr.sin_port);
    ::close(fd);
  }
  examples::AppProcess app(ORDERS_APP_BIN, {"--port", "0", "--no-worker", "--embedded-port", std::to_string(grpc_port)},
                           {{"PROCESS_ORDER_URL", ""}});
  std::string fulfilment = "http://127.0.0.1:" + std::to_string(app.port()) + "/fulfilment";
  examples::AppProcess worker(ORDERS_WORKER_BIN, {},
                              {{"TEMPORAL_ADDRESS", "127.0.0.1:" + std::to_string(grpc_port)},
                               {"PROCESS_ORDER_URL", fulfilment}},
                              "orders_worker: polling");
  Reply r = call(app.port(), "POST", "/orders", R"({"order_id": "split-1"})");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  json doc = wait_closed(app.port(), "order-split-1");
  EXPECT_EQ(doc["status"], "COMPLETED") << doc.dump();
  EXPECT_EQ(worker.stop(), 0) << "run_until_signal() shuts the worker down cleanly on SIGTERM";
  EXPECT_EQ(app.stop(), 0);
}

}  // namespace
