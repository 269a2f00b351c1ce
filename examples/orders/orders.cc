// The orders example's workflow, activity, routes and app (contract in orders.h).
#include "orders.h"

#include <httplib.h>

#include <chrono>
#include <functional>
#include <regex>
#include <stdexcept>
#include <stop_token>

#include "stead/http_beast.h"
#include "stead/workflow.h"

namespace orders {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace http = stead::http;

// ---- workflow

stead::Task<OrderResult> OrderWorkflow::run(std::string order_id) {
  // As in the Python sample: 5 minutes per attempt, at most 3 attempts. The backoff starts at
  // a minute (then 2 minutes): a fulfilment outage rarely ends within seconds.
  stead::ActivityOptions options{.start_to_close_timeout = 5min,
                                 .retry_policy = stead::RetryPolicy{.initial_interval = 1min, .maximum_attempts = 3}};
  auto processing = stead::workflow::execute_activity<OrderResult>("process_order", options, order_id);
  OrderResult result = co_await processing;
  co_return result;
}

// ---- activity

namespace {

struct Url {
  std::string origin;  // "http://host:port"
  std::string path;    // "/fulfilment"
};

Url split_url(const std::string& url) {
  static const std::regex re(R"(^(https?://[^/?#]+)(/[^#]*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, re))
    throw std::invalid_argument("process_order: not an http(s) URL: \"" + url + "\"");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (url.rfind("https://", 0) == 0)
    throw std::invalid_argument("process_order: this build of cpp-httplib has no TLS; use an http:// URL");
#endif
  return {m[1].str(), m[2].matched ? m[2].str() : "/"};
}

}  // namespace

OrderResult process_order(stead::ActivityContext& ctx, const std::string& url, const std::string& order_id) {
  Url target = split_url(url);
  httplib::Client fulfilment(target.origin);
  fulfilment.set_connection_timeout(5s);
  fulfilment.set_write_timeout(10s);
  // Well inside the 5-minute start-to-close timeout, so a hung service costs one attempt.
  fulfilment.set_read_timeout(60s);
  // Cancellation of the attempt (its timeout, worker shutdown) shuts the socket down, so the
  // blocked call returns at once instead of holding a worker thread.
  std::stop_callback abort(ctx.stop_token(), [&fulfilment] { fulfilment.stop(); });
  ctx.throw_if_cancelled();

  // One key per order: a retried attempt is recognisable as the same request.
  httplib::Headers headers{{"Idempotency-Key", ctx.info().workflow_id + "/" + order_id}};
  // The trace of the HTTP request that placed the order continues into the fulfilment call.
  for (const char* name : {"traceparent", "request-id"}) {
    auto it = ctx.info().headers.find(name);
    if (it != ctx.info().headers.end())
      headers.emplace(name == std::string("request-id") ? "X-Request-Id" : name,
                      stead::from_payload<std::string>(it->second));
  }
  auto res = fulfilment.Post(target.path, headers, json{{"order_id", order_id}}.dump(), "application/json");
  ctx.throw_if_cancelled();
  if (!res)
    throw stead::ApplicationError("fulfilment service " + url + " unreachable: " + httplib::to_string(res.error()),
                                  {.type = "FulfilmentUnavailable"});
  std::string what = "fulfilment service " + url + " answered " + std::to_string(res->status);
  if (res->status >= 400 && res->status < 500)
    throw stead::ApplicationError(what + ": " + res->body.substr(0, 200),
                                  {.type = "FulfilmentRejected", .non_retryable = true});
  if (res->status < 200 || res->status >= 300)
    throw stead::ApplicationError(what, {.type = "FulfilmentUnavailable"});
  json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("fulfilment_id") || !body["fulfilment_id"].is_string())
    throw stead::ApplicationError(what + " without a fulfilment_id", {.type = "FulfilmentUnavailable"});
  return {.order_id = order_id, .fulfilment_id = body["fulfilment_id"].get<std::string>(), .status = "fulfilled"};
}

void register_orders(stead::Worker& worker, std::string fulfilment_url) {
  split_url(fulfilment_url);  // a malformed URL is an error now, not on every attempt
  worker.register_workflow<OrderWorkflow>();
  worker.register_activity("process_order", [url = std::move(fulfilment_url)](stead::ActivityContext& ctx,
                                                                              std::string order_id) {
    return process_order(ctx, url, order_id);
  });
}

// ---- web API

namespace {

const http::Schema& order_request_schema() {
  static const http::Schema s =
      http::Schema::object("OrderRequest")
          .required("order_id",
                    http::Schema::string().min_length(1).max_length(64).pattern("^[A-Za-z0-9_-]+$").example("42"),
                    "The order's id; the workflow id is \"order-\" + order_id")
          .additional_properties(false);
  return s;
}

const http::Schema& order_started_schema() {
  static const http::Schema s = http::Schema::object("OrderStarted")
                                    .required("workflow_id", http::Schema::string())
                                    .required("run_id", http::Schema::string())
                                    .required("status", http::Schema::string());
  return s;
}

const http::Schema& cancel_accepted_schema() {
  static const http::Schema s = http::Schema::object("OrderCancelRequested")
                                    .required("workflow_id", http::Schema::string())
                                    .required("status", http::Schema::string().one_of_values({"CANCEL_REQUESTED"}));
  return s;
}

struct OrderRequest {
  std::string order_id;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OrderRequest, order_id)

// The status document of an order; 404 for a workflow that is not an OrderWorkflow.
json describe_order(const stead::Client& client, const std::string& workflow_id) {
  json doc = http::describe_workflow_json(client, workflow_id);
  if (doc.value("workflow_type", "") != OrderWorkflow::name)
    throw http::HttpError(http::make_problem(404, "no order with workflow id " + workflow_id,
                                             "urn:stead:problem:workflow-not-found"));
  return doc;
}

std::string fulfilment_id_for(const std::string& order_id) {
  // FNV-1a: stable across calls and processes, so a retried call gets the same id.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : order_id) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "F-%012llx", static_cast<unsigned long long>(h & 0xffffffffffffull));
  return buf;
}

}  // namespace

void mount_orders_api(http::Api& api, const stead::Client& client, std::string task_queue) {
  api.post("/orders",
           {.summary = "Place an order",
            .description = "Starts OrderWorkflow with workflow id order-{order_id} on task queue " + task_queue +
                           ". An order id that completed before is refused (409); a failed or cancelled one "
                           "may be placed again.",
            .tags = {"orders"},
            .operation_id = "create_order",
            .request_body = order_request_schema(),
            .responses = {{201, order_started_schema()}}},
           [client, task_queue](const http::Request& req) {
             auto order = http::parse_body<OrderRequest>(req, order_request_schema());
             stead::WorkflowOptions options{
                 .id = "order-" + order.order_id,
                 .task_queue = task_queue,
                 .id_reuse_policy = stead::WorkflowIdReusePolicy::kAllowDuplicateFailedOnly};
             options.header = http::workflow_header(req);
             stead::WorkflowHandle handle = client.start_workflow(OrderWorkflow::name, order.order_id, options);
             auto res = http::Response::json(
                 201, {{"workflow_id", handle.id()}, {"run_id", handle.run_id()}, {"status", "RUNNING"}});
             res.set_header("Location", "/orders/" + handle.id());
             return res;
           });

  api.get("/orders/{workflow_id}",
          {.summary = "Get an order's status",
           .description = "The workflow's status (RUNNING, COMPLETED, FAILED, CANCELED, ...), and its result "
                          "or failure once it has closed.",
           .tags = {"orders"},
           .operation_id = "get_order",
           .responses = {{200, http::workflow_status_schema()}}},
          [client](const http::Request& req) {
            return http::Response::json(200, describe_order(client, req.param("workflow_id")));
          });

  api.post("/orders/{workflow_id}/cancel",
           {.summary = "Cancel an order",
            .description = "Requests cancellation of a running order; the workflow ends as CANCELED.",
            .tags = {"orders"},
            .operation_id = "cancel_order",
            .request_body_required = false,
            .responses = {{202, cancel_accepted_schema()}}},
           [client](const http::Request& req) {
             std::string id = req.param("workflow_id");
             json doc = describe_order(client, id);
             if (doc["status"] != "RUNNING")
               throw http::HttpError(http::make_problem(
                   409, "order " + id + " is already " + doc["status"].get<std::string>(),
                   "urn:stead:problem:workflow-closed"));
             client.get_workflow_handle(id, doc["run_id"].get<std::string>()).cancel();
             return http::Response::json(202, {{"workflow_id", id}, {"status", "CANCEL_REQUESTED"}});
           });
}

void mount_fulfilment_api(http::Api& api) {
  static const http::Schema request = http::Schema::object("FulfilmentRequest")
                                          .required("order_id", http::Schema::string().min_length(1));
  static const http::Schema response = http::Schema::object("Fulfilment")
                                           .required("order_id", http::Schema::string())
                                           .required("fulfilment_id", http::Schema::string());
  api.post("/fulfilment",
           {.summary = "Fulfil an order (the service process_order calls by default)",
            .tags = {"fulfilment"},
            .operation_id = "fulfil_order",
            .request_body = request,
            .responses = {{200, response}}},
           [](const http::Request& req) {
             std::string order_id = req.json()["order_id"].get<std::string>();
             return http::Response::json(200, {{"order_id", order_id}, {"fulfilment_id", fulfilment_id_for(order_id)}});
           });
}

// ---- the app

std::unique_ptr<OrdersApp> OrdersApp::start(OrdersAppOptions options) {
  std::unique_ptr<OrdersApp> app(new OrdersApp());
  app->options_ = std::move(options);
  const OrdersAppOptions& o = app->options_;

  http::RuntimeOptions ro;
  ro.address = o.temporal_address;
  ro.namespace_ = o.namespace_;
  ro.embedded_server.port = o.embedded_port;
  ro.embedded_server.db_filename = o.db_file;
  app->runtime_ = http::Runtime::start(std::move(ro));

  app->api_ = std::make_unique<http::Api>(http::ApiOptions{
      .title = "Orders",
      .description = "Temporal's FastAPI orders sample on Stead: each order is an OrderWorkflow.",
      .log = o.log,
      .log_requests = o.log_requests});
  mount_orders_api(*app->api_, app->runtime_->client(), o.task_queue);
  mount_fulfilment_api(*app->api_);
  app->web_ = std::make_unique<http::BeastServer>(*app->api_, http::BeastServerOptions{.host = o.host, .port = o.port});
  app->web_->start();

  // The worker starts last: its default fulfilment URL is this app's, known once bound.
  app->fulfilment_url_ = o.process_order_url.empty() ? app->base_url() + "/fulfilment" : o.process_order_url;
  if (o.run_worker) {
    app->worker_ = std::make_unique<stead::Worker>(app->runtime_->client(), stead::WorkerOptions{.task_queue = o.task_queue});
    register_orders(*app->worker_, app->fulfilment_url_);
    app->worker_->start();
  }
  return app;
}

OrdersApp::~OrdersApp() { stop(); }

void OrdersApp::stop() {
  if (stopped_) return;
  stopped_ = true;
  // HTTP first: requests in flight finish, new ones get 503. Then the worker (an activity
  // whose call to our own /fulfilment got that 503 fails its attempt; the next worker retries
  // it), then the client and the embedded server.
  if (web_) web_->stop();
  if (worker_) worker_->shutdown();
  if (runtime_) runtime_->shutdown();
}

int OrdersApp::port() const { return web_->port(); }

std::string OrdersApp::base_url() const {
  std::string host = options_.host == "0.0.0.0" ? "127.0.0.1" : options_.host;
  return "http://" + host + ":" + std::to_string(port());
}

std::string OrdersApp::temporal_address() const {
  auto* server = runtime_->embedded_server();
  return server ? server->address() : "";
}

}  // namespace orders
