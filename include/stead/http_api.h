// stead::http::Api: the router-agnostic core of a Stead web service. It holds the routes an
// application declares (with their types, for validation and OpenAPI), and answers Requests:
// route matching, CORS, body limits, authentication and roles, body validation, error
// mapping to problem+json, request ids and trace context, logs and metrics. Adapters
// (stead/http_httplib.h, stead/http_beast.h) only move bytes.
//
//   stead::http::Api api({.title = "Orders"});
//   api.post("/orders", {.summary = "Start an order", .request_body = kOrderRequest,
//                        .responses = {{201, kWorkflowStarted}}},
//            [&](const stead::http::Request& req) {
//              auto order = stead::http::parse_body<OrderRequest>(req, kOrderRequest);
//              auto h = client.start_workflow("OrderWorkflow", order.order_id,
//                                             {.id = "order-" + order.order_id, .task_queue = "order-queue"});
//              return stead::http::Response::json(201, {{"workflow_id", h.id()}, {"run_id", h.run_id()}});
//            });
//   stead::http::mount_workflow_routes(api, client, {...});   // stead/http_workflow_routes.h
//   stead::http::HttplibServer server(api, {.port = 8000});      // stead/http_httplib.h
//
// Patterns are literal segments and "{name}" segments (one whole segment each). A request
// whose path matches no route is 404, a path that matches with another method 405 (with
// Allow). Built-in routes (unless turned off): GET /openapi.json, GET /docs (Swagger UI,
// embedded), GET /metrics.
//
// Handlers: a blocking Handler returns the Response; an AsyncHandler receives a Respond to
// call exactly once, from any thread (it must not block: it may run on a client callback
// thread). Exceptions escaping either are mapped to problems (stead/http_problem.h).
// Which threads handlers run on is the adapter's business (see each adapter).
//
// Thread safety: declare routes before serving (route() is not synchronised with handle());
// after that handle() and every const method may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stead/http_auth.h"
#include "stead/http_message.h"
#include "stead/http_metrics.h"
#include "stead/http_problem.h"
#include "stead/http_schema.h"

namespace stead::http {

using Handler = std::function<Response(const Request&)>;
using Respond = std::function<void(Response)>;
// `request` stays valid until `respond` has been called.
using AsyncHandler = std::function<void(const Request& request, Respond respond)>;

struct QueryParam {
  std::string name{};
  Schema schema = Schema::string();  // values are strings; integer/number/boolean are parsed
  bool required = false;
  std::string description{};
};

struct RouteSpec {
  std::string summary{};
  std::string description{};
  std::vector<std::string> tags{};
  std::string operation_id{};  // default: derived from method and pattern
  // The JSON body, validated before the handler runs (400 not JSON, 422 not conforming).
  std::optional<Schema> request_body{};
  bool request_body_required = true;
  // Declared success responses by status. With ApiOptions::validate_responses, a JSON
  // response with one of these statuses that does not conform becomes a 500.
  std::map<int, Schema> responses{};
  std::string response_content_type = "application/json";  // of the declared responses
  std::vector<QueryParam> query{};
  // The caller needs one of these roles (empty: any authenticated caller). Roles need
  // authentication: route() throws std::invalid_argument when the Api has none (they would
  // protect nothing), for an empty role name, and on a public route.
  std::vector<std::string> roles{};
  bool public_route = false;  // no authentication at all (docs, health checks)
  std::optional<std::size_t> max_body_bytes{};  // overrides ApiOptions::max_body_bytes
};

// Checked by Api's constructor (std::invalid_argument naming the option): "*" together with
// allow_credentials is refused (any site could read credentialed answers), and every other
// entry must be an origin as browsers send it: "https://app.example" or
// "http://localhost:5173" (lower case, no path, no wildcard; "null" is refused, and an
// "Origin: null" request is never echoed). A listed origin is echoed with "Vary: Origin";
// with a list (not "*") every answer carries "Vary: Origin".
struct CorsOptions {
  // Origins allowed to call the API from a browser ("*" for any). Empty: no CORS headers.
  std::vector<std::string> allowed_origins{};
  std::vector<std::string> allowed_headers{"authorization", "content-type", "x-api-key", "x-request-id",
                                           "traceparent"};
  std::vector<std::string> exposed_headers{"x-request-id", "traceparent", "location"};
  bool allow_credentials = false;
  std::chrono::seconds max_age{600};
};

// One JSON object per line; the default sink writes to stderr.
using LogSink = std::function<void(const nlohmann::json& record)>;

struct ApiOptions {
  std::string title = "Stead workflow API";
  std::string version = "1.0.0";
  std::string description{};
  std::size_t max_body_bytes = 1 << 20;  // 413 above this
  std::optional<AuthOptions> auth{};     // unset: no authentication
  CorsOptions cors{};
  bool validate_responses = true;
  bool serve_openapi = true;  // /openapi.json and /docs
  bool serve_metrics = true;  // /metrics
  std::vector<std::string> metrics_roles{};  // roles for /metrics (empty: public); needs auth
  LogSink log{};  // empty: JSON lines on stderr
  bool log_requests = true;
};

class Api {
 public:
  // Throws std::invalid_argument for insecure or unusable options (AuthOptions, CorsOptions,
  // metrics_roles without auth).
  explicit Api(ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Declares a route. Throws std::invalid_argument for a malformed pattern, a duplicate, or
  // roles that cannot work (see RouteSpec::roles).
  Api& route(std::string method, std::string pattern, RouteSpec spec, Handler handler);
  Api& route_async(std::string method, std::string pattern, RouteSpec spec, AsyncHandler handler);
  Api& get(std::string pattern, RouteSpec spec, Handler h) { return route("GET", std::move(pattern), std::move(spec), std::move(h)); }
  Api& post(std::string pattern, RouteSpec spec, Handler h) { return route("POST", std::move(pattern), std::move(spec), std::move(h)); }
  Api& put(std::string pattern, RouteSpec spec, Handler h) { return route("PUT", std::move(pattern), std::move(spec), std::move(h)); }
  Api& del(std::string pattern, RouteSpec spec, Handler h) { return route("DELETE", std::move(pattern), std::move(spec), std::move(h)); }

  // Answers one request; `respond` is called exactly once, on this thread or another.
  // Never throws.
  void handle(Request request, Respond respond) const;
  // Blocking form: waits for the answer. REQUIRES: not called on a thread an async handler
  // needs to complete (a client callback thread).
  Response handle(Request request) const;

  // Handler-side helpers.
  // Throws HttpError 403 unless the request's principal has one of `roles` (passes when
  // authentication is not configured or `roles` is empty).
  void require_roles(const Request& request, const std::vector<std::string>& roles) const;
  // Throws std::invalid_argument when `roles`, declared by `owner` (named in the message),
  // cannot work: an empty role name, or roles on an Api without authentication.
  void check_roles(const std::vector<std::string>& roles, const std::string& owner) const;
  // Writes one structured log record (adds time, request id and trace id from `request`).
  void log(const Request* request, std::string level, std::string message, nlohmann::json fields = {}) const;

  // The OpenAPI 3.1 document of every route declared so far (stead/http_openapi.cc).
  nlohmann::json openapi() const;
  Metrics& metrics() const { return *metrics_; }
  const ApiOptions& options() const { return options_; }

  // Draining: after start_draining() new requests are answered 503 (Connection: close);
  // wait_idle() waits until every request in flight has been answered.
  void start_draining() const;
  bool draining() const;
  bool wait_idle(std::chrono::milliseconds timeout) const;

  struct Route;

 private:
  void dispatch(std::shared_ptr<Request> request, Respond respond) const;
  const Route* match(const Request& request, std::map<std::string, std::string>& params,
                     std::vector<std::string>& allowed) const;
  void add_builtin_routes();

  ApiOptions options_;
  std::unique_ptr<Authenticator> authenticator_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Metrics> metrics_;
  mutable std::atomic<bool> draining_{false};
  mutable std::mutex idle_mu_;
  mutable std::condition_variable idle_cv_;
  mutable long in_flight_ = 0;  // guarded by idle_mu_
};

struct Api::Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{x}" for parameters
  RouteSpec spec;
  AsyncHandler handler;
  bool builtin = false;
};

}  // namespace stead::http
