#include "stead/http_problem.h"

#include "stead/errors.h"
#include "stead/http_schema.h"

namespace stead::http {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

nlohmann::json Problem::to_json() const {
  nlohmann::json j = extensions.is_object() ? extensions : nlohmann::json::object();
  j["type"] = type;
  j["title"] = title.empty() ? reason_phrase(status) : title;
  j["status"] = status;
  if (!detail.empty()) j["detail"] = detail;
  return j;
}

Response Problem::to_response() const {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/problem+json");
  r.body = to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Problem make_problem(int status, std::string detail, std::string type) {
  Problem p;
  p.status = status;
  p.type = std::move(type);
  p.title = reason_phrase(status);
  p.detail = std::move(detail);
  return p;
}

HttpError::HttpError(Problem problem) : std::runtime_error(problem.detail), problem_(std::move(problem)) {}
HttpError::HttpError(int status, std::string detail) : HttpError(make_problem(status, std::move(detail))) {}

namespace {

Problem from_rpc(const RPCError& e) {
  switch (e.code()) {
    case RpcCode::kNotFound: return make_problem(404, e.message(), "urn:stead:problem:not-found");
    case RpcCode::kAlreadyExists: return make_problem(409, e.message(), "urn:stead:problem:conflict");
    case RpcCode::kInvalidArgument: return make_problem(400, e.message(), "urn:stead:problem:invalid-argument");
    case RpcCode::kResourceExhausted:
      return make_problem(429, "the workflow service is overloaded; retry later", "urn:stead:problem:overloaded");
    case RpcCode::kUnavailable:
    case RpcCode::kDeadlineExceeded:
      return make_problem(503, "the workflow service is unavailable; retry later", "urn:stead:problem:unavailable");
    default: return make_problem(500, "internal error", "about:blank");
  }
}

}  // namespace

Problem problem_from_exception(std::exception_ptr error, std::string* internal_message) {
  auto note = [&](const std::exception& e) {
    if (internal_message) *internal_message = e.what();
  };
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    return e.problem();
  } catch (const WorkflowNotFoundError& e) {
    note(e);
    Problem p = make_problem(404, "workflow " + e.workflow_id() + " not found", "urn:stead:problem:workflow-not-found");
    p.extensions["workflow_id"] = e.workflow_id();
    return p;
  } catch (const NamespaceNotFoundError& e) {
    note(e);
    return make_problem(404, "namespace " + e.namespace_() + " not found", "urn:stead:problem:namespace-not-found");
  } catch (const WorkflowAlreadyStartedError& e) {
    note(e);
    Problem p = make_problem(409, "workflow " + e.workflow_id() + " is already started",
                             "urn:stead:problem:workflow-already-started");
    p.extensions["workflow_id"] = e.workflow_id();
    p.extensions["run_id"] = e.run_id();
    return p;
  } catch (const QueryFailedError& e) {
    note(e);
    return make_problem(400, e.cause() ? e.cause()->message() : e.message(), "urn:stead:problem:query-failed");
  } catch (const RPCError& e) {
    note(e);
    return from_rpc(e);
  } catch (const QueryRejectedError& e) {
    note(e);
    return make_problem(400, "the query was rejected: the workflow is closed", "urn:stead:problem:query-rejected");
  } catch (const WorkflowUpdateFailedError& e) {
    note(e);
    Problem p = make_problem(422, e.cause() ? e.cause()->message() : "the update failed",
                             "urn:stead:problem:update-failed");
    if (const auto* app = e.cause_as<ApplicationError>(); app && !app->type().empty())
      p.extensions["error_type"] = app->type();
    return p;
  } catch (const std::invalid_argument& e) {
    note(e);
    return make_problem(400, e.what(), "urn:stead:problem:invalid-argument");
  } catch (const nlohmann::json::exception& e) {
    note(e);
    return make_problem(400, std::string("the request's JSON does not have the expected shape: ") + e.what(),
                        "urn:stead:problem:invalid-argument");
  } catch (const std::exception& e) {
    note(e);
    return make_problem(500, "internal error");
  } catch (...) {
    if (internal_message) *internal_message = "unknown exception";
    return make_problem(500, "internal error");
  }
}

}  // namespace stead::http
