#include "stead/http_workflow_routes.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <limits>
#include <memory>

#include "http/internal.h"

namespace stead::http {

namespace {

using json = nlohmann::json;

std::string rfc3339(std::chrono::system_clock::time_point tp) {
  auto t = std::chrono::system_clock::to_time_t(tp);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count() % 1000000;
  if (us < 0) us += 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us));
  return buf;
}

const std::vector<json>& status_names() {
  static const std::vector<json> v = {"UNSPECIFIED", "RUNNING",    "COMPLETED",        "FAILED",
                                      "CANCELED",    "TERMINATED", "CONTINUED_AS_NEW", "TIMED_OUT"};
  return v;
}

const Schema& failure_schema() {
  static const Schema s = Schema::object("WorkflowFailure")
                              .required("message", Schema::string())
                              .required("kind", Schema::string())
                              .optional("type", Schema::string())
                              .optional("non_retryable", Schema::boolean())
                              .optional("cause", Schema::object("WorkflowFailure"));  // by $ref
  return s;
}

const Schema& summary_schema() {
  static const Schema s = Schema::object("WorkflowSummary")
                              .required("workflow_id", Schema::string())
                              .required("run_id", Schema::string())
                              .required("workflow_type", Schema::string())
                              .required("task_queue", Schema::string())
                              .required("status", Schema::string().one_of_values(status_names()))
                              .required("start_time", Schema::string())
                              .required("close_time", Schema::string().nullable())
                              .required("history_length", Schema::integer().minimum(0));
  return s;
}

const Schema& list_schema() {
  static const Schema s = Schema::object("WorkflowList")
                              .required("workflows", Schema::array(summary_schema()))
                              .required("next_page_token", Schema::string().nullable());
  return s;
}

const Schema& accepted_schema() {
  static const Schema s = Schema::object("WorkflowRequestAccepted")
                              .required("workflow_id", Schema::string())
                              .required("accepted", Schema::string().one_of_values({"signal", "cancel", "terminate"}))
                              .optional("name", Schema::string());
  return s;
}

const Schema& query_result_schema() {
  static const Schema s = Schema::object("QueryResult").required("result", Schema::any().nullable());
  return s;
}

const Schema& update_result_schema() {
  static const Schema s = Schema::object("UpdateResult")
                              .required("update_id", Schema::string())
                              .required("result", Schema::any().nullable());
  return s;
}

const Schema& args_body_schema() {
  static const Schema s = Schema::object("Arguments").optional("args", Schema::array(Schema::any()),
                                                               "The arguments, one JSON value each");
  return s;
}

std::optional<WorkflowIdReusePolicy> reuse_policy(const std::string& s) {
  if (s == "ALLOW_DUPLICATE") return WorkflowIdReusePolicy::kAllowDuplicate;
  if (s == "ALLOW_DUPLICATE_FAILED_ONLY") return WorkflowIdReusePolicy::kAllowDuplicateFailedOnly;
  if (s == "REJECT_DUPLICATE") return WorkflowIdReusePolicy::kRejectDuplicate;
  if (s == "TERMINATE_IF_RUNNING") return WorkflowIdReusePolicy::kTerminateIfRunning;
  return std::nullopt;
}
std::optional<WorkflowIdConflictPolicy> conflict_policy(const std::string& s) {
  if (s == "FAIL") return WorkflowIdConflictPolicy::kFail;
  if (s == "USE_EXISTING") return WorkflowIdConflictPolicy::kUseExisting;
  if (s == "TERMINATE_EXISTING") return WorkflowIdConflictPolicy::kTerminateExisting;
  return std::nullopt;
}

std::vector<Payload> to_args(const json& body) {
  std::vector<Payload> out;
  if (body.is_object() && body.contains("args"))
    for (const auto& a : body["args"]) out.push_back(to_payload(a));
  return out;
}

// `text` as one URL path segment: everything but RFC 3986's unreserved characters is
// percent-encoded, so a caller-chosen id can neither add segments or a query to a URL nor
// break the header it is written into (CR, LF).
std::string path_segment(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// ---- List filters: the caller's query, restricted to the workflow types it may see.
//
// The user's text is never parsed into a tree here; it is split into tokens exactly as the
// server's lexer does (server/visibility/query_lexer.h: identifiers, `quoted` identifiers,
// '...' / "..." strings with doubled quotes or backslash escapes, numbers, ( ) , - and
// comparison operators), so that parentheses inside strings are text, unbalanced ones are
// refused, and a trailing ORDER BY can be split off. Anything else (comments, ";", "--") is
// refused too: a server with a different SQL front end could read it as structure.

[[noreturn]] void bad_filter(const std::string& why) {
  throw ValidationError(std::vector<FieldError>{{"query.query", "is not a list filter this API accepts: " + why}});
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct FilterToken {
  enum Kind { kWord, kQuotedWord, kOther, kLParen, kRParen, kComma } kind;
  std::size_t offset;
  std::string_view text;
};

std::vector<FilterToken> filter_tokens(std::string_view q) {
  std::vector<FilterToken> out;
  std::size_t i = 0;
  while (i < q.size()) {
    char c = q[i];
    std::size_t start = i;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    FilterToken::Kind kind = FilterToken::kOther;
    if (ident_start(c)) {
      while (i < q.size() && ident_char(q[i])) ++i;
      kind = FilterToken::kWord;
    } else if (c == '`' || c == '\'' || c == '"') {
      // A doubled quote stands for one; in strings a backslash escapes the next character.
      for (++i;; ++i) {
        if (i >= q.size()) bad_filter(c == '`' ? "unterminated `identifier`" : "unterminated string");
        if (c != '`' && q[i] == '\\') {
          ++i;
          continue;
        }
        if (q[i] == c) {
          if (i + 1 < q.size() && q[i + 1] == c) {
            ++i;
            continue;
          }
          break;
        }
      }
      ++i;
      kind = c == '`' ? FilterToken::kQuotedWord : FilterToken::kOther;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < q.size() && std::isdigit(static_cast<unsigned char>(q[i + 1])))) {
      while (i < q.size() && (std::isdigit(static_cast<unsigned char>(q[i])) || q[i] == '.')) ++i;
      if (i < q.size() && (q[i] == 'e' || q[i] == 'E')) {
        ++i;
        if (i < q.size() && (q[i] == '+' || q[i] == '-')) ++i;
        while (i < q.size() && std::isdigit(static_cast<unsigned char>(q[i]))) ++i;
      }
      if (i < q.size() && ident_char(q[i])) bad_filter("a number runs into a letter");
    } else if (c == '(' || c == ')' || c == ',') {
      ++i;
      kind = c == '(' ? FilterToken::kLParen : c == ')' ? FilterToken::kRParen : FilterToken::kComma;
    } else if (c == '-') {
      if (i + 1 < q.size() && q[i + 1] == '-') bad_filter("\"--\"");
      ++i;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      ++i;
      if (i < q.size() && (q[i] == '=' || (c == '<' && q[i] == '>'))) ++i;
      else if (c == '!') bad_filter("\"!\" without \"=\"");
    } else {
      bad_filter(std::string("the character '") + c + "'");
    }
    out.push_back({kind, start, q.substr(start, i - start)});
  }
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The filter and the trailing ORDER BY or GROUP BY clause ("" when none) of a list query;
// ValidationError (422 on query.query) when the text could reach outside the parentheses it
// will be put in.
std::pair<std::string, std::string> split_list_query(std::string_view query) {
  auto tokens = filter_tokens(query);
  std::size_t order_at = query.size();
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    if (t.kind == FilterToken::kLParen) ++depth;
    if (t.kind == FilterToken::kRParen && --depth < 0) bad_filter("unbalanced parentheses");
    if (depth > 0 || t.kind != FilterToken::kWord) continue;
    bool by_follows = i + 1 < tokens.size() && tokens[i + 1].kind == FilterToken::kWord && iequals(tokens[i + 1].text, "BY");
    if ((iequals(t.text, "ORDER") || iequals(t.text, "GROUP")) && by_follows) {
      // The tail is names, ASC/DESC and commas only: nothing that could reopen the filter.
      for (std::size_t k = i + 2; k < tokens.size(); ++k)
        if (tokens[k].kind != FilterToken::kWord && tokens[k].kind != FilterToken::kQuotedWord &&
            tokens[k].kind != FilterToken::kComma)
          bad_filter(std::string(t.text) + " BY takes attribute names, ASC/DESC and commas only");
      order_at = t.offset;
      break;
    }
  }
  if (depth != 0) bad_filter("unbalanced parentheses");
  return {trim(query.substr(0, order_at)), trim(query.substr(order_at))};
}

// The state shared by the mounted handlers.
struct Routes {
  const Api* api;
  Client client;
  WorkflowRoutesOptions options;

  const ExposedWorkflow* find(const std::string& type) const {
    for (const auto& w : options.workflows)
      if (w.type == type) return &w;
    return nullptr;
  }
  bool may_see(const Request& req, const ExposedWorkflow& w) const {
    try {
      api->require_roles(req, w.roles);
      return true;
    } catch (const HttpError&) {
      return false;
    }
  }
  // Answers with the problem for `error`.
  void fail(const Request& req, const Respond& respond, std::exception_ptr error) const {
    std::string internal;
    Problem p = problem_from_exception(error, &internal);
    if (p.status >= 500) api->log(&req, "error", "workflow call failed", {{"route", req.route}, {"error", internal}});
    respond(detail::problem_response(std::move(p)));
  }
  // Describes `id`, checks that its type is exposed, visible to the caller and (when
  // `kind` is set) declares handler `name`; then runs `next` with the type. Errors answer.
  void with_workflow(const Request& req, Respond respond, std::string kind, std::string name,
                     std::function<void(const ExposedWorkflow&, const WorkflowExecutionDescription&)> next) const {
    std::string id = req.param("workflow_id");
    client.get_workflow_handle(id).describe(
        [this, &req, respond, id, kind, name, next](Outcome<WorkflowExecutionDescription> o) {
          try {
            auto& d = o.value();
            const ExposedWorkflow* w = find(d.workflow_type);
            // Not exposed: as if it did not exist, so the API reveals nothing about it.
            if (!w || !may_see(req, *w)) throw WorkflowNotFoundError("not found", id, "");
            api->require_roles(req, w->roles);
            if (!kind.empty()) {
              const auto& names = kind == "signal" ? w->signals : kind == "query" ? w->queries : w->updates;
              if (std::find(names.begin(), names.end(), name) == names.end())
                throw HttpError(make_problem(404, w->type + " has no " + kind + " named " + name,
                                             "urn:stead:problem:handler-not-found"));
            }
            next(*w, d);
          } catch (...) {
            fail(req, respond, std::current_exception());
          }
        });
  }
};

Callback<void> accepted(std::shared_ptr<const Routes> r, const Request& req, Respond respond, std::string what,
                        std::string name) {
  std::string id = req.param("workflow_id");
  return [r, &req, respond, what, name, id](Outcome<void> o) {
    if (!o.ok()) return r->fail(req, respond, o.error());
    json body = {{"workflow_id", id}, {"accepted", what}};
    if (!name.empty()) body["name"] = name;
    respond(Response::json(202, body));
  };
}

}  // namespace

const char* status_name(WorkflowExecutionStatus status) {
  auto i = static_cast<std::size_t>(status);
  return i < status_names().size() ? status_names()[i].get_ref<const std::string&>().c_str() : "UNSPECIFIED";
}

json payload_json(const Payload& payload) {
  auto enc = encoding_of(payload);
  if (enc == encoding::kJson || enc == encoding::kNull) {
    try {
      return from_payload<json>(payload);
    } catch (const std::exception&) {
      // Not JSON after all: fall through to the raw form.
    }
  }
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string& d = payload.data();
  std::string b64;
  for (std::size_t i = 0; i < d.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(d[i]) << 16;
    if (i + 1 < d.size()) v |= static_cast<unsigned char>(d[i + 1]) << 8;
    if (i + 2 < d.size()) v |= static_cast<unsigned char>(d[i + 2]);
    b64 += kB64[(v >> 18) & 63];
    b64 += kB64[(v >> 12) & 63];
    b64 += i + 1 < d.size() ? kB64[(v >> 6) & 63] : '=';
    b64 += i + 2 < d.size() ? kB64[v & 63] : '=';
  }
  return {{"encoding", std::string(enc)}, {"data_base64", b64}};
}

json failure_json(const FailureError& f) {
  json j = {{"message", f.message()}, {"kind", "failure"}};
  if (const auto* a = dynamic_cast<const ApplicationError*>(&f)) {
    j["kind"] = "application";
    if (!a->type().empty()) j["type"] = a->type();
    j["non_retryable"] = a->non_retryable();
  } else if (dynamic_cast<const CanceledError*>(&f)) {
    j["kind"] = "canceled";
  } else if (dynamic_cast<const TerminatedError*>(&f)) {
    j["kind"] = "terminated";
  } else if (dynamic_cast<const TimeoutError*>(&f)) {
    j["kind"] = "timeout";
  } else if (dynamic_cast<const ActivityError*>(&f)) {
    j["kind"] = "activity";
  } else if (dynamic_cast<const ChildWorkflowError*>(&f)) {
    j["kind"] = "child_workflow";
  } else if (dynamic_cast<const ServerError*>(&f)) {
    j["kind"] = "server";
  }
  if (f.cause()) j["cause"] = failure_json(*f.cause());
  return j;
}

json execution_info_json(const WorkflowExecutionInfo& info) {
  return {{"workflow_id", info.workflow_id},
          {"run_id", info.run_id},
          {"workflow_type", info.workflow_type},
          {"task_queue", info.task_queue},
          {"status", status_name(info.status)},
          {"start_time", rfc3339(info.start_time)},
          {"close_time", info.close_time ? json(rfc3339(*info.close_time)) : json(nullptr)},
          {"history_length", info.history_length}};
}

const Schema& workflow_status_schema() {
  static const Schema s = Schema::object("WorkflowStatus")
                              .required("workflow_id", Schema::string())
                              .required("run_id", Schema::string())
                              .required("workflow_type", Schema::string())
                              .required("task_queue", Schema::string())
                              .required("status", Schema::string().one_of_values(status_names()))
                              .required("start_time", Schema::string())
                              .required("close_time", Schema::string().nullable())
                              .required("history_length", Schema::integer().minimum(0))
                              .optional("result", Schema::any(), "The result, when the workflow completed")
                              .optional("failure", failure_schema(), "Why it failed, was canceled, terminated or timed out")
                              .optional("continued_as_new_run_id", Schema::string());
  return s;
}

const Schema& workflow_started_schema() {
  static const Schema s = Schema::object("WorkflowStarted")
                              .required("workflow_id", Schema::string())
                              .required("run_id", Schema::string())
                              .required("workflow_type", Schema::string())
                              .required("task_queue", Schema::string());
  return s;
}

Response workflow_started_response(const WorkflowHandle& handle, const std::string& workflow_type,
                                   const std::string& task_queue, const std::string& prefix) {
  Response r = Response::json(201, {{"workflow_id", handle.id()},
                                    {"run_id", handle.run_id()},
                                    {"workflow_type", workflow_type},
                                    {"task_queue", task_queue}});
  r.set_header("Location", prefix + "/" + path_segment(handle.id()));
  return r;
}

std::string restrict_list_query(std::string_view query, const std::vector<std::string>& workflow_types) {
  if (workflow_types.empty())
    throw std::invalid_argument("restrict_list_query: no workflow types (a filter cannot match nothing)");
  std::string in = "WorkflowType IN (";
  for (std::size_t i = 0; i < workflow_types.size(); ++i) {
    in += i ? ", '" : "'";
    for (char c : workflow_types[i]) {
      if (c == '\'' || c == '\\') in += c;  // '' and \\ stand for ' and \ in the server's lexer
      in += c;
    }
    in += "'";
  }
  in += ")";

  auto [filter, order] = split_list_query(query);
  std::string out = filter.empty() ? in : "(" + filter + ") AND " + in;
  return order.empty() ? out : out + " " + order;
}

void describe_workflow_json(const Client& client, std::string workflow_id, std::function<void(Outcome<json>)> done) {
  client.get_workflow_handle(workflow_id).describe([client, done](Outcome<WorkflowExecutionDescription> o) {
    if (!o.ok()) return done(o.error());
    auto doc = std::make_shared<json>(execution_info_json(o.value()));
    auto status = o.value().status;
    if (status == WorkflowExecutionStatus::kRunning || status == WorkflowExecutionStatus::kUnspecified) return done(*doc);
    // Closed: the run's result or failure (it is already in history, so this does not wait).
    auto run = client.get_workflow_handle(o.value().workflow_id, o.value().run_id);
    run.result(ResultOptions{.follow_runs = false}, [doc, done](Outcome<std::optional<Payload>> r) {
      try {
        auto& payload = r.value();
        (*doc)["result"] = payload ? payload_json(*payload) : json(nullptr);
      } catch (const WorkflowFailureError& e) {
        if (e.cause()) (*doc)["failure"] = failure_json(*e.cause());
        else (*doc)["failure"] = {{"message", e.what()}, {"kind", "failure"}};
      } catch (const WorkflowContinuedAsNewError& e) {
        (*doc)["continued_as_new_run_id"] = e.new_execution_run_id();
      } catch (...) {
        return done(std::current_exception());
      }
      done(*doc);
    });
  });
}

json describe_workflow_json(const Client& client, const std::string& workflow_id) {
  return wait_for<json>([&](auto done) { describe_workflow_json(client, workflow_id, std::move(done)); });
}

std::map<std::string, Payload> workflow_header(const Request& request) {
  return {{"request-id", to_payload(request.request_id)}, {"traceparent", to_payload(request.trace.traceparent())}};
}

void mount_workflow_routes(Api& api, const Client& client, WorkflowRoutesOptions options) {
  auto r = std::make_shared<Routes>(Routes{&api, client, std::move(options)});
  const auto& o = r->options;
  const std::string& p = o.prefix;
  std::vector<std::string> write_roles = o.write_roles.empty() ? o.roles : o.write_roles;
  // Page sizes travel as an int32 (ListWorkflowExecutionsRequest.page_size).
  if (o.max_page_size < 1 || o.max_page_size > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw std::invalid_argument("WorkflowRoutesOptions::max_page_size must be between 1 and 2^31-1");
  if (o.default_page_size < 1 || o.default_page_size > o.max_page_size)
    throw std::invalid_argument("WorkflowRoutesOptions::default_page_size must be between 1 and max_page_size");
  for (const auto& w : o.workflows) api.check_roles(w.roles, "exposed workflow " + w.type);
  auto policies = [] {
    return Schema::object()
        .optional("workflow_id", Schema::string().min_length(1).max_length(255))
        .optional("task_queue", Schema::string().min_length(1).max_length(255))
        .optional("id_reuse_policy", Schema::string().one_of_values({"ALLOW_DUPLICATE", "ALLOW_DUPLICATE_FAILED_ONLY",
                                                                     "REJECT_DUPLICATE", "TERMINATE_IF_RUNNING"}))
        .optional("id_conflict_policy", Schema::string().one_of_values({"FAIL", "USE_EXISTING", "TERMINATE_EXISTING"}));
  };

  // ---- start: one route per exposed type (precise schemas in the OpenAPI document) ...
  for (const auto& w : o.workflows) {
    if (w.type.empty() || w.task_queue.empty())
      throw std::invalid_argument("an exposed workflow needs a type and a task queue");
    Schema args = w.args.empty() ? Schema::array(Schema::any()) : Schema::tuple(w.args);
    Schema body = policies().optional("args", args.description("The workflow's arguments, one JSON value each"));
    body = body.additional_properties(false);
    std::vector<std::string> roles = write_roles;
    RouteSpec spec{.summary = "Start a " + w.type,
                   .description = w.description,
                   .tags = {o.tag},
                   .operation_id = "start_" + w.type,
                   .request_body = Schema(body),
                   .request_body_required = !w.args.empty(),
                   .responses = {{201, workflow_started_schema()}},
                   .roles = roles};
    const ExposedWorkflow* exposed = &w;
    api.route_async("POST", p + "/" + w.type, spec, [r, exposed](const Request& req, Respond respond) {
      r->api->require_roles(req, exposed->roles);
      json body = req.json();
      if (body.is_null()) body = json::object();
      WorkflowOptions wo;
      wo.task_queue = body.value("task_queue", exposed->task_queue);
      json args_json = body.value("args", json::array());
      bool chosen_id = true;  // by the caller, directly or through make_id(args)
      if (body.contains("workflow_id")) wo.id = body["workflow_id"].get<std::string>();
      else if (exposed->make_id) wo.id = exposed->make_id(args_json);
      else {
        wo.id = exposed->type + "-" + detail::random_id();
        chosen_id = false;
      }
      if (body.contains("id_reuse_policy")) wo.id_reuse_policy = *reuse_policy(body["id_reuse_policy"]);
      if (body.contains("id_conflict_policy")) wo.id_conflict_policy = *conflict_policy(body["id_conflict_policy"]);
      wo.header = workflow_header(req);
      std::string type = exposed->type, queue = wo.task_queue, prefix = r->options.prefix;
      auto start = [r, &req, respond, type, queue, prefix, args = to_args(body), wo] {
        r->client.start_workflow(type, args, wo, [r, &req, respond, type, queue, prefix](Outcome<WorkflowHandle> out) {
          if (!out.ok()) return r->fail(req, respond, out.error());
          r->api->metrics().count_workflow_start(type);
          respond(workflow_started_response(out.value(), type, queue, prefix));
        });
      };
      if (!chosen_id) return start();
      // A chosen id may belong to a workflow the caller may not see: the id policies would
      // terminate it (TERMINATE_*) or hand out its run (USE_EXISTING), and a conflict would
      // name its run id. Such an id is answered as taken, with nothing about its workflow.
      // (A hidden workflow started between this check and the start is not covered.)
      r->client.get_workflow_handle(wo.id).describe(
          [r, &req, respond, start, id = wo.id](Outcome<WorkflowExecutionDescription> existing) {
            try {
              try {
                const auto& d = existing.value();
                if (const auto* w = r->find(d.workflow_type); !w || !r->may_see(req, *w)) {
                  Problem p = make_problem(409, "workflow " + id + " is already started",
                                           "urn:stead:problem:workflow-already-started");
                  p.extensions["workflow_id"] = id;
                  throw HttpError(std::move(p));
                }
              } catch (const WorkflowNotFoundError&) {
                // Free: start it.
              }
              start();
            } catch (...) {
              r->fail(req, respond, std::current_exception());
            }
          });
    });
  }
  // ... and a fallback naming the problem for every other type.
  api.route("POST", p + "/{workflow_type}",
            {.summary = "Start a workflow of a type that is not exposed (always 404)", .tags = {o.tag},
             .responses = {}, .roles = write_roles},
            [](const Request& req) -> Response {
              throw HttpError(make_problem(404, "workflow type " + req.param("workflow_type") + " is not exposed",
                                           "urn:stead:problem:workflow-type-not-found"));
            });

  // ---- list
  api.route_async(
      "GET", p,
      {.summary = "List workflows",
       .description = "query is Temporal's list filter, e.g. ExecutionStatus = 'Running'",
       .tags = {o.tag},
       .responses = {{200, list_schema()}},
       .query = {{.name = "query", .description = "A visibility list filter"},
                 {.name = "page_size", .schema = Schema::integer().minimum(1).maximum(static_cast<double>(o.max_page_size))},
                 {.name = "page_token", .description = "next_page_token of the previous page"}},
       .roles = o.roles},
      [r](const Request& req, Respond respond) {
        std::size_t page_size = r->options.default_page_size;
        if (auto s = req.query_param("page_size")) page_size = std::stoul(*s);  // validated: 1..max_page_size
        // The API's page token wraps the server's (opaque to clients either way).
        std::string server_token;
        if (auto t = req.query_param("page_token")) {
          auto decoded = base64url_decode(*t);
          if (!decoded || decoded->empty())
            throw ValidationError(std::vector<FieldError>{{"query.page_token", "is not a page token of this API"}});
          server_token = std::move(*decoded);
        }
        // The caller's types go into the query the server runs, so pages, tokens and counts
        // are computed over visible workflows only (filtering a page afterwards would leak
        // whether hidden ones exist through its size and next-page token).
        std::vector<std::string> types;
        for (const auto& w : r->options.workflows)
          if (r->may_see(req, w)) types.push_back(w.type);
        std::string user_query = req.query_param("query").value_or("");
        if (auto tail = split_list_query(user_query).second; tail.size() >= 5 && iequals(tail.substr(0, 5), "GROUP"))
          bad_filter("GROUP BY is for counts, not lists");
        if (types.empty()) return respond(Response::json(200, {{"workflows", json::array()}, {"next_page_token", nullptr}}));
        r->client.list_workflows_page(
            restrict_list_query(user_query, types), static_cast<int>(page_size), std::move(server_token),
            [r, &req, respond](Outcome<Client::WorkflowPage> out) {
              if (!out.ok()) return r->fail(req, respond, out.error());
              json items = json::array();
              for (const auto& info : out.value().workflows) items.push_back(execution_info_json(info));
              const std::string& next = out.value().next_page_token;
              respond(Response::json(
                  200, {{"workflows", items}, {"next_page_token", next.empty() ? json(nullptr) : json(base64url_encode(next))}}));
            });
      });

  // ---- describe
  api.route_async("GET", p + "/{workflow_id}",
                  {.summary = "A workflow's status, and its result or failure once closed", .tags = {o.tag},
                   .responses = {{200, workflow_status_schema()}}, .roles = o.roles},
                  [r](const Request& req, Respond respond) {
                    r->with_workflow(req, respond, "", "", [r, &req, respond](const ExposedWorkflow&, const auto&) {
                      describe_workflow_json(r->client, req.param("workflow_id"), [r, &req, respond](Outcome<json> d) {
                        if (!d.ok()) return r->fail(req, respond, d.error());
                        respond(Response::json(200, d.value()));
                      });
                    });
                  });

  // ---- signal
  api.route_async("POST", p + "/{workflow_id}/signals/{name}",
                  {.summary = "Send a signal", .tags = {o.tag}, .request_body = args_body_schema(),
                   .request_body_required = false, .responses = {{202, accepted_schema()}}, .roles = write_roles},
                  [r](const Request& req, Respond respond) {
                    json body = req.json();
                    r->with_workflow(req, respond, "signal", req.param("name"),
                                     [r, &req, respond, body](const ExposedWorkflow&, const auto&) {
                                       std::string name = req.param("name");
                                       r->client.get_workflow_handle(req.param("workflow_id"))
                                           .signal(name, to_args(body), accepted(r, req, respond, "signal", name));
                                     });
                  });

  // ---- query (GET with ?args=<JSON array>, or POST with a body)
  auto query = [r](const Request& req, Respond respond) {
    json args = json::array();
    if (req.method == "GET") {
      if (auto a = req.query_param("args")) {
        if (detail::json_too_deep(*a))
          throw ValidationError(std::vector<FieldError>{{"query.args", "nests deeper than " +
                                                                           std::to_string(detail::kMaxJsonDepth) + " levels"}});
        try {
          args = json::parse(*a);
        } catch (const json::exception&) {
          throw ValidationError(std::vector<FieldError>{{"query.args", "must be a JSON array"}});
        }
        if (!args.is_array()) throw ValidationError(std::vector<FieldError>{{"query.args", "must be a JSON array"}});
      }
    } else {
      json body = req.json();
      if (body.is_object() && body.contains("args")) args = body["args"];
    }
    r->with_workflow(req, respond, "query", req.param("name"),
                     [r, &req, respond, args](const ExposedWorkflow&, const auto&) {
                       r->client.get_workflow_handle(req.param("workflow_id"))
                           .query(req.param("name"), to_args({{"args", args}}),
                                  [r, &req, respond](Outcome<std::optional<Payload>> out) {
                                    if (!out.ok()) return r->fail(req, respond, out.error());
                                    auto& p = out.value();
                                    respond(Response::json(200, {{"result", p ? payload_json(*p) : json(nullptr)}}));
                                  });
                     });
  };
  api.route_async("GET", p + "/{workflow_id}/queries/{name}",
                  {.summary = "Run a query", .tags = {o.tag}, .responses = {{200, query_result_schema()}},
                   .query = {{.name = "args", .description = "The arguments as a JSON array"}}, .roles = o.roles},
                  query);
  api.route_async("POST", p + "/{workflow_id}/queries/{name}",
                  {.summary = "Run a query (arguments in the body)", .tags = {o.tag}, .request_body = args_body_schema(),
                   .request_body_required = false, .responses = {{200, query_result_schema()}}, .roles = o.roles},
                  query);

  // ---- update: waits for the update to complete
  api.route_async(
      "POST", p + "/{workflow_id}/updates/{name}",
      {.summary = "Run an update and wait for its result",
       .tags = {o.tag},
       .request_body = args_body_schema().optional("update_id", Schema::string().min_length(1).max_length(255)),
       .request_body_required = false,
       .responses = {{200, update_result_schema()}},
       .roles = write_roles},
      [r](const Request& req, Respond respond) {
        json body = req.json();
        r->with_workflow(req, respond, "update", req.param("name"), [r, &req, respond, body](const ExposedWorkflow&, const auto&) {
          UpdateOptions uo{.name = req.param("name"), .wait_for_stage = UpdateStage::kCompleted};
          if (body.is_object() && body.contains("update_id")) uo.id = body["update_id"].get<std::string>();
          r->client.get_workflow_handle(req.param("workflow_id"))
              .start_update(uo, to_args(body), [r, &req, respond](Outcome<UntypedUpdateHandle> started) {
                if (!started.ok()) return r->fail(req, respond, started.error());
                auto handle = started.value();
                handle.result([r, &req, respond, id = handle.id()](Outcome<std::optional<Payload>> out) {
                  if (!out.ok()) return r->fail(req, respond, out.error());
                  auto& p = out.value();
                  respond(Response::json(200, {{"update_id", id}, {"result", p ? payload_json(*p) : json(nullptr)}}));
                });
              });
        });
      });

  // ---- cancel, terminate
  api.route_async("POST", p + "/{workflow_id}/cancel",
                  {.summary = "Request cancellation", .tags = {o.tag}, .responses = {{202, accepted_schema()}},
                   .roles = write_roles},
                  [r](const Request& req, Respond respond) {
                    r->with_workflow(req, respond, "", "", [r, &req, respond](const ExposedWorkflow&, const auto&) {
                      r->client.get_workflow_handle(req.param("workflow_id")).cancel(accepted(r, req, respond, "cancel", ""));
                    });
                  });
  api.route_async("POST", p + "/{workflow_id}/terminate",
                  {.summary = "Terminate at once", .tags = {o.tag},
                   .request_body = Schema::object().optional("reason", Schema::string().max_length(1000)),
                   .request_body_required = false, .responses = {{202, accepted_schema()}}, .roles = write_roles},
                  [r](const Request& req, Respond respond) {
                    json body = req.json();
                    std::string reason = body.is_object() ? body.value("reason", "") : "";
                    r->with_workflow(req, respond, "", "", [r, &req, respond, reason](const ExposedWorkflow&, const auto&) {
                      r->client.get_workflow_handle(req.param("workflow_id"))
                          .terminate(reason, accepted(r, req, respond, "terminate", ""));
                    });
                  });
}

}  // namespace stead::http
