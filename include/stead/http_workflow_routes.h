// stead::http::mount_workflow_routes: the ready-made workflow API, and the helpers it is made
// of for applications that write their own endpoints.
//
//   stead::http::mount_workflow_routes(api, client, {
//       .workflows = {{.type = "OrderWorkflow", .task_queue = "order-queue",
//                      .args = {kOrderRequest}, .signals = {"approve"}, .queries = {"status"},
//                      .updates = {"add_item"}, .roles = {"orders"}}}});
//
// Routes (prefix "/workflows" by default):
//   POST /workflows/{workflow_type}                   201 {workflow_id, run_id, workflow_type, task_queue}
//        body {"args": [...], "workflow_id"?, "task_queue"?, "id_reuse_policy"?, "id_conflict_policy"?}
//        (the start request carries workflow_header(request): request id and traceparent)
//   GET  /workflows/{workflow_id}                     200 status document (workflow_json)
//   GET  /workflows?query=&page_size=&page_token=     200 {workflows: [...], next_page_token}
//   POST /workflows/{workflow_id}/signals/{name}      202 body {"args": [...]}
//   GET  /workflows/{workflow_id}/queries/{name}      200 {result}   (?args=<JSON array>)
//   POST /workflows/{workflow_id}/queries/{name}      200 {result}   body {"args": [...]}
//   POST /workflows/{workflow_id}/updates/{name}      200 {update_id, result}  body {"args": [...], "update_id"?}
//   POST /workflows/{workflow_id}/cancel              202
//   POST /workflows/{workflow_id}/terminate           202 body {"reason"?}
// Only declared workflow types are started, and only declared signal/query/update names
// are accepted for workflows of a declared type; anything else is 404 (an undeclared
// workflow type is indistinguishable from a missing workflow). Listing shows the declared
// types the caller may see, filtered by the server (restrict_list_query), so page sizes,
// next-page tokens and errors say nothing about other workflows. A type's `roles` apply to
// every route touching a workflow of that type, on top of the routes' own roles. A start
// with a chosen workflow_id (or make_id) whose workflow the caller may not see is 409, and
// that workflow is left alone whatever the id policies say. Arguments are JSON values (at
// most 256 levels deep), sent as json/plain payloads, validated against `args` schemas (by
// position) when declared. Every call is asynchronous (client callback forms): no thread
// waits for the server. docs/security.md has what this protects and what it does not.
//
// Thread safety: the mounted handlers may run concurrently; the helpers are reentrant.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stead/client.h"
#include "stead/http_api.h"

namespace stead::http {

struct ExposedWorkflow {
  std::string type{};        // REQUIRED: the workflow type name
  std::string task_queue{};  // REQUIRED: default task queue for starts
  std::string description{};
  // Schemas of the arguments, by position. Empty: any JSON arguments are accepted.
  std::vector<Schema> args{};
  // Schema of the result (documentation only).
  std::optional<Schema> result{};
  std::vector<std::string> signals{}, queries{}, updates{};
  std::vector<std::string> roles{};  // any one of them (with authentication)
  // Workflow id when the request gives none: "<type>-<uuid>" by default.
  std::function<std::string(const nlohmann::json& args)> make_id{};
};

struct WorkflowRoutesOptions {
  std::string prefix = "/workflows";
  std::vector<ExposedWorkflow> workflows{};
  // Roles for every route (with authentication), and per kind of call.
  std::vector<std::string> roles{};
  std::vector<std::string> write_roles{};  // start, signal, update, cancel, terminate
  std::size_t default_page_size = 50;
  std::size_t max_page_size = 1000;
  std::string tag = "workflows";
};

// Declares the routes above on `api`. The client is copied (a shared connection). Throws
// std::invalid_argument for an exposed workflow without type or task queue, page sizes
// outside 1..2^31-1 (or a default above the maximum), and roles `api` cannot check
// (Api::check_roles).
void mount_workflow_routes(Api& api, const Client& client, WorkflowRoutesOptions options);

// ---- Building blocks.

// The list filter to send to the server for a caller who may see `workflow_types` only:
// "(<query>) AND WorkflowType IN ('A', 'B')", with a trailing "ORDER BY ..." (or, for
// counts, "GROUP BY ...") of `query` kept at the end; just the IN clause (and that clause)
// when `query` has no filter. Type names are quoted for the server's lexer. Use it for
// application list and count routes too: filtering results afterwards leaks hidden
// workflows through page sizes and tokens.
// Throws ValidationError (field "query.query", 422) when `query` has unbalanced parentheses,
// an unterminated string, a character outside the filter language (";", "#", "/", "--"),
// or an ORDER BY / GROUP BY clause with anything but names, ASC/DESC and commas; and
// std::invalid_argument when `workflow_types` is empty (answer with no results instead).
std::string restrict_list_query(std::string_view query, const std::vector<std::string>& workflow_types);

// The status document of one workflow: {workflow_id, run_id, workflow_type, task_queue,
// status ("RUNNING", "COMPLETED", ...), start_time, close_time (RFC 3339, null while open),
// history_length, and when closed: result | failure {message, type, cause...} |
// continued_as_new_run_id}. `done` receives it or the error (map it with problem_from_exception).
void describe_workflow_json(const Client& client, std::string workflow_id, std::function<void(Outcome<nlohmann::json>)> done);
// Blocking form.
nlohmann::json describe_workflow_json(const Client& client, const std::string& workflow_id);

// One listed run as JSON (the fields of the status document that listing knows).
nlohmann::json execution_info_json(const WorkflowExecutionInfo& info);
// A failure chain as JSON: {message, type?, non_retryable?, cause?}.
nlohmann::json failure_json(const FailureError& failure);
// A payload as JSON: json/plain and binary/null as their value, anything else as
// {"encoding", "data_base64"}.
nlohmann::json payload_json(const Payload& payload);
// "RUNNING", "COMPLETED", ...
const char* status_name(WorkflowExecutionStatus status);

// The request's context for the workflow it starts, as WorkflowOptions::header:
// {"request-id": <request id>, "traceparent": <this request's span, W3C format>}, each a
// json/plain string payload. The start route sets it; application routes should too:
//   wo.header = stead::http::workflow_header(req);
std::map<std::string, Payload> workflow_header(const Request& request);

// Schemas of the documents above (for RouteSpec::responses of application routes).
const Schema& workflow_status_schema();
const Schema& workflow_started_schema();

// The response of a successful start: 201 with {workflow_id, run_id, workflow_type, task_queue}
// and a Location header ("<prefix>/<id>", the id percent-encoded as one path segment).
Response workflow_started_response(const WorkflowHandle& handle, const std::string& workflow_type,
                                   const std::string& task_queue, const std::string& prefix = "/workflows");

}  // namespace stead::http
