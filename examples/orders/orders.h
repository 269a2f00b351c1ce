// The orders example: the FastAPI sample of the Temporal Python docs, in C++.
//
//   POST /orders {"order_id": "42"}       starts OrderWorkflow("42") with id "order-42" on task
//                                          queue "order-queue"; 201 {workflow_id, run_id, status}
//   GET  /orders/{workflow_id}             200 status document: status, and result or failure
//                                          once the order is closed
//   POST /orders/{workflow_id}/cancel      202 {workflow_id, status: "CANCEL_REQUESTED"};
//                                          409 when the order is already closed
//   POST /fulfilment {"order_id"}          the fulfilment service process_order calls by
//                                          default, so the app completes orders on its own
//
// OrderWorkflow runs the activity process_order (5-minute start-to-close timeout, at most 3
// attempts, 1 then 2 minutes apart). process_order is a real HTTP call: POST {"order_id"} to the fulfilment URL,
// expecting 2xx {"fulfilment_id": "..."}; a 4xx answer fails the order at once (non-retryable
// FulfilmentRejected), a 5xx answer or a network error is retried.
//
// The web request's X-Request-Id and W3C traceparent travel with the workflow as the start
// request's headers ("request-id", "traceparent"; see stead::http::workflow_header).
//
// OrdersApp puts it together: stead::http::Runtime (an embedded server, with a database file
// when asked, or TEMPORAL_ADDRESS), the web API on cpp-httplib, and an in-process worker.
// The `orders_app` executable (app.cc), `orders_worker` (worker.cc, the worker alone) and
// `orders_client` (client.cc) use this library; so do the tests.
//
// Thread safety: OrdersApp::start/stop from one controlling thread; the accessors from any.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stead/activity_context.h"
#include "stead/client.h"
#include "stead/http.h"
#include "stead/http_beast.h"
#include "stead/task.h"
#include "stead/worker.h"

namespace orders {

inline constexpr const char* kTaskQueue = "order-queue";

// What process_order returns, and so the workflow's result.
struct OrderResult {
  std::string order_id{};
  std::string fulfilment_id{};
  std::string status{};  // "fulfilled"
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OrderResult, order_id, fulfilment_id, status)

struct OrderWorkflow {
  static constexpr std::string_view name = "OrderWorkflow";
  stead::Task<OrderResult> run(std::string order_id);
};

// The activity: POSTs {"order_id"} to `url` ("http://host:port/path"). Cancellation (the
// attempt's timeout, worker shutdown, or a cancel request learnt through a heartbeat) aborts
// the call. Throws stead::ApplicationError: FulfilmentRejected (non-retryable) for a 4xx,
// FulfilmentUnavailable for a 5xx, a connection failure or an unreadable answer;
// std::invalid_argument for a malformed URL.
OrderResult process_order(stead::ActivityContext& ctx, const std::string& url, const std::string& order_id);

// Registers OrderWorkflow and process_order (calling `fulfilment_url`) on a worker.
void register_orders(stead::Worker& worker, std::string fulfilment_url);

// The routes above on `api`. `client` is copied (a shared connection).
void mount_orders_api(stead::http::Api& api, const stead::Client& client, std::string task_queue = kTaskQueue);
// Only POST /fulfilment: a fulfilment service that accepts every order
// (fulfilment_id "F-" + a hash of the order id, so a retried call gets the same id).
void mount_fulfilment_api(stead::http::Api& api);

struct OrdersAppOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 picks a free port
  // Where the workflows run: "" starts an embedded server (on embedded_port, 0 = any free
  // port; in memory unless db_file is set), else a Temporal address such as "host:7233".
  std::string temporal_address{};
  std::string namespace_ = "default";
  int embedded_port = 0;
  std::string db_file{};
  // process_order's target; "" = this app's own POST /fulfilment.
  std::string process_order_url{};
  std::string task_queue = kTaskQueue;
  bool run_worker = true;            // in-process worker (off: run orders_worker elsewhere)
  stead::http::LogSink log{};        // empty: JSON lines on stderr
  bool log_requests = true;
};

class OrdersApp {
 public:
  // Starts the runtime, the web server, then the worker. Throws std::runtime_error when the
  // port cannot be bound or the server / database cannot start.
  static std::unique_ptr<OrdersApp> start(OrdersAppOptions options);
  ~OrdersApp();  // stop()

  // Drains HTTP, stops the worker, closes the client and the embedded server. Idempotent.
  void stop();

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:8000"
  const std::string& fulfilment_url() const { return fulfilment_url_; }
  const stead::Client& client() const { return runtime_->client(); }
  // "ip:port" of the embedded server, or "" when connected to a remote one.
  std::string temporal_address() const;

 private:
  OrdersApp() = default;
  OrdersAppOptions options_;
  std::unique_ptr<stead::http::Runtime> runtime_;
  std::unique_ptr<stead::http::Api> api_;
  std::unique_ptr<stead::http::BeastServer> web_;
  std::unique_ptr<stead::Worker> worker_;
  std::string fulfilment_url_;
  bool stopped_ = false;
};

}  // namespace orders
