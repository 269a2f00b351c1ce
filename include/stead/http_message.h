// stead::http::Request and Response: one HTTP exchange, independent of the HTTP library.
//
// Adapters (stead/http_httplib.h, stead/http_beast.h) turn their library's request into a
// Request, hand it to stead::http::Api, and write the Response back. Handlers see the
// Request after the Api has matched the route, authenticated the caller and validated the
// body, so `path_params`, `principal`, `request_id` and `trace` are filled in.
//
// Thread safety: plain values; no internal synchronisation.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace stead::http {

// Who made the request, as established by the Api's authentication (stead/http_auth.h).
struct Principal {
  std::string subject{};        // API key name, or the JWT's "sub"
  std::string scheme{};         // "api_key" or "jwt"
  std::set<std::string> roles{};
  nlohmann::json claims = nlohmann::json::object();  // the JWT payload ({} for API keys)
};

// W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request: the caller's
// trace (or a new one) and the span this server opened for the request.
struct TraceContext {
  std::string trace_id{};   // 32 lower-case hex digits
  std::string parent_id{};  // the caller's span id (16 hex digits), "" when the trace is new
  std::string span_id{};    // this request's span id (16 hex digits)
  std::string flags = "01";
  // "00-<trace_id>-<span_id>-<flags>": the header to send downstream (workflow, activities).
  std::string traceparent() const;
  // Parses a traceparent header; nullopt when malformed (then a new trace is started).
  static std::optional<TraceContext> parse(std::string_view header);
  // A new trace (random ids).
  static TraceContext start();
};

struct Request {
  // ---- set by the adapter
  std::string method{};  // upper case: "GET", "POST", ...
  std::string path{};    // percent-decoded path, without the query string
  std::multimap<std::string, std::string> query{};  // decoded query parameters
  std::map<std::string, std::string> headers{};     // names in lower case
  std::string body{};
  std::string remote_address{};

  // ---- set by the Api before the handler runs
  std::string route{};  // the matched pattern, e.g. "/workflows/{workflow_id}"
  std::map<std::string, std::string> path_params{};
  std::string request_id{};
  TraceContext trace{};
  std::optional<Principal> principal{};  // set when the route is authenticated

  // The header's value, or "" when absent. `name` is matched case-insensitively.
  std::string_view header(std::string_view name) const;
  // A path parameter by name ("" when the route has none of that name).
  const std::string& param(std::string_view name) const;
  // The first query parameter of that name, if any.
  std::optional<std::string> query_param(std::string_view name) const;
  // The body parsed as JSON (an empty body is null). Throws HttpError(400) when it is not JSON.
  nlohmann::json json() const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};  // names as written
  std::string body{};

  // The value of a header (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
  // Replaces every header of that name.
  void set_header(std::string name, std::string value);

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response empty(int status);
};

// Case-insensitive ASCII comparison (header names).
bool iequals(std::string_view a, std::string_view b);

}  // namespace stead::http
