// stead::http::Problem: errors as HTTP responses, with RFC 9457 application/problem+json bodies.
//
//   throw stead::http::HttpError(404, "no order o-7");   // any handler may throw it
//   Problem p = stead::http::problem_from_exception(std::current_exception());
//
// The mapping of Stead's errors (stead/errors.h) to statuses, used by the Api for every
// exception a handler lets escape:
//   WorkflowNotFoundError, NamespaceNotFoundError, RPCError NOT_FOUND        404
//   WorkflowAlreadyStartedError, RPCError ALREADY_EXISTS                     409
//   std::invalid_argument, QueryFailedError, RPCError INVALID_ARGUMENT,
//   malformed JSON (nlohmann::json::exception)                               400
//   QueryRejectedError                                                       400
//   ValidationError (stead/http_schema.h), WorkflowUpdateFailedError          422
//   RPCError RESOURCE_EXHAUSTED                                              429
//   RPCError UNAVAILABLE, DEADLINE_EXCEEDED                                  503
//   HttpError                                                                its own problem
//   anything else                                                            500
// A 500's detail never contains the exception's text (it may hold internals); the Api logs it.
//
// Thread safety: plain values; the functions are reentrant.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "stead/http_message.h"

namespace stead::http {

struct Problem {
  int status = 500;
  // A URI naming the kind of problem, e.g. "urn:stead:problem:workflow-not-found";
  // "about:blank" when the status says it all.
  std::string type = "about:blank";
  std::string title{};   // short, the same for every problem of this type
  std::string detail{};  // this occurrence, for humans
  // Extension members (RFC 9457 §3.2), e.g. {"workflow_id": "order-7"} or {"errors": [...]}.
  nlohmann::json extensions = nlohmann::json::object();

  // {"type", "title", "status", "detail", ...extensions}.
  nlohmann::json to_json() const;
  // The response: `status`, Content-Type application/problem+json, to_json() as the body.
  Response to_response() const;
};

// A problem with the standard reason phrase of `status` as its title.
Problem make_problem(int status, std::string detail = "", std::string type = "about:blank");

// The error a handler throws to answer with a problem.
class HttpError : public std::runtime_error {
 public:
  explicit HttpError(Problem problem);
  HttpError(int status, std::string detail);
  const Problem& problem() const { return problem_; }

 private:
  Problem problem_;
};

// Maps an exception to a problem (table above). Never throws. `internal_message`, when not
// null, receives the exception's text (for the log) — it is not part of the problem.
Problem problem_from_exception(std::exception_ptr error, std::string* internal_message = nullptr);

// "Not Found" for 404, and so on ("Unknown" for statuses without a phrase).
const char* reason_phrase(int status);

}  // namespace stead::http
