#include "stead/http_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <future>
#include <iostream>
#include <stdexcept>

#include "http/internal.h"

namespace stead::http {

namespace detail {

Response problem_response(Problem problem) {
  std::string www_authenticate;
  if (auto it = problem.extensions.find("www_authenticate"); it != problem.extensions.end()) {
    if (it->is_string()) www_authenticate = it->get<std::string>();
    problem.extensions.erase(it);
  }
  Response r = problem.to_response();
  if (!www_authenticate.empty()) r.set_header("WWW-Authenticate", www_authenticate);
  return r;
}

std::string random_id() { return TraceContext::start().trace_id; }

void check_role_names(const std::vector<std::string>& roles, const std::string& owner) {
  for (const auto& r : roles)
    if (r.empty()) throw std::invalid_argument(owner + " has an empty role name");
}

}  // namespace detail

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    auto end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  // "/" and "" are the root: no segments; a trailing slash is ignored.
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') return false;
  return true;
}

// A query parameter's text as the JSON value its schema expects; nullopt when it cannot be.
// from_chars, unlike stoll/stod, takes no leading blanks, "+" or hex; a number must also be
// finite ("nan" and "inf" parse, and pass every minimum/maximum comparison).
std::optional<nlohmann::json> query_value(const Schema& schema, const std::string& text) {
  const char* end = text.data() + text.size();
  switch (schema.type()) {
    case Schema::Type::kInteger: {
      long long v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end) return std::nullopt;
      return v;
    }
    case Schema::Type::kNumber: {
      double v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
      return v;
    }
    case Schema::Type::kBoolean:
      if (text == "true") return true;
      if (text == "false") return false;
      return std::nullopt;
    default: return text;
  }
}

// An origin as browsers send it (RFC 6454 serialization): lower-case scheme "://" host, an
// optional port, nothing else. "null" (sandboxed documents, file: URLs, redirects) is not
// one: allowing it would allow any page that can make itself opaque.
bool is_origin(std::string_view o) {
  auto sep = o.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (char c : o.substr(0, sep))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  std::string_view host = o.substr(sep + 3), port;
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
  }
  if (host.empty()) return false;
  if (host.front() == '[') return host.back() == ']' && host.find_first_not_of("[]0123456789abcdef:.") == std::string_view::npos;
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  return true;
}

// Refuses CORS options that would let any site read credentialed answers, or that can
// never match what a browser sends.
void check_cors(const CorsOptions& cors) {
  for (const auto& o : cors.allowed_origins) {
    if (o == "*") {
      if (cors.allow_credentials)
        throw std::invalid_argument(
            "CorsOptions: allowed_origins \"*\" with allow_credentials = true would let every site read "
            "credentialed responses; list the origins instead");
      continue;
    }
    if (!is_origin(o))
      throw std::invalid_argument("CorsOptions: allowed_origins entry \"" + o +
                                  "\" is not an origin (\"*\" or scheme://host[:port] in lower case, no path, "
                                  "no wildcard, not \"null\")");
  }
  if (cors.max_age < std::chrono::seconds(0)) throw std::invalid_argument("CorsOptions: max_age is negative");
}

// The method as a metrics label: the methods routes can have, else "other" (labels from
// a client's text would grow the series without bound).
std::string method_label(const std::string& method) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (method == m) return method;
  return "other";
}

// Appends `token` to the response's Vary header (a handler may have set one already).
void add_vary(Response& res, const std::string& token) {
  std::string vary(res.header("Vary"));
  if (vary.find(token) != std::string::npos) return;
  res.set_header("Vary", vary.empty() ? token : vary + ", " + token);
}

bool json_content_type(std::string_view ct) {
  return ct.rfind("application/json", 0) == 0 || ct.rfind("application/problem+json", 0) == 0;
}

}  // namespace

Api::Api(ApiOptions options) : options_(std::move(options)), metrics_(std::make_unique<Metrics>()) {
  if (options_.auth) authenticator_ = std::make_unique<Authenticator>(*options_.auth);
  check_cors(options_.cors);
  if (!options_.log) {
    auto mu = std::make_shared<std::mutex>();
    options_.log = [mu](const nlohmann::json& record) {
      std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      std::lock_guard lock(*mu);
      std::cerr << line << '\n';
    };
  }
  add_builtin_routes();
}

Api::~Api() = default;

Api& Api::route(std::string method, std::string pattern, RouteSpec spec, Handler handler) {
  if (!handler) throw std::invalid_argument("route " + pattern + ": empty handler");
  auto async = [handler = std::move(handler)](const Request& request, Respond respond) {
    respond(handler(request));  // an exception is mapped by dispatch
  };
  return route_async(std::move(method), std::move(pattern), std::move(spec), std::move(async));
}

Api& Api::route_async(std::string method, std::string pattern, RouteSpec spec, AsyncHandler handler) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  check_roles(spec.roles, "route " + method + " " + pattern);
  if (spec.public_route && !spec.roles.empty())
    throw std::invalid_argument("route " + method + " " + pattern + " is public but requires roles");
  auto r = std::make_unique<Route>();
  r->segments = split_path(pattern);
  for (const auto& s : r->segments) {
    if (s.empty()) throw std::invalid_argument("route pattern has an empty segment: " + pattern);
    if ((s.find('{') != std::string::npos || s.find('}') != std::string::npos) && !is_param(s))
      throw std::invalid_argument("a route parameter must be a whole segment: " + pattern);
  }
  for (const auto& existing : routes_)
    if (existing->method == method && existing->segments.size() == r->segments.size()) {
      bool same = true;
      for (std::size_t i = 0; i < r->segments.size() && same; ++i)
        same = existing->segments[i] == r->segments[i] ||
               (is_param(existing->segments[i]) && is_param(r->segments[i]));
      if (same) throw std::invalid_argument("duplicate route " + method + " " + pattern);
    }
  r->method = std::move(method);
  r->pattern = std::move(pattern);
  r->spec = std::move(spec);
  r->handler = std::move(handler);
  routes_.push_back(std::move(r));
  return *this;
}

void Api::check_roles(const std::vector<std::string>& roles, const std::string& owner) const {
  if (roles.empty()) return;
  detail::check_role_names(roles, owner);
  if (!authenticator_)
    throw std::invalid_argument(owner + " requires roles, but the Api has no authentication (ApiOptions::auth): "
                                "the roles would protect nothing");
}

const Api::Route* Api::match(const Request& request, std::map<std::string, std::string>& params,
                             std::vector<std::string>& allowed) const {
  auto segments = split_path(request.path);
  const Route* best = nullptr;
  int best_literals = -1;
  std::map<std::string, std::string> best_params;
  for (const auto& r : routes_) {
    if (r->segments.size() != segments.size()) continue;
    std::map<std::string, std::string> p;
    int literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(r->segments[i])) {
        if (segments[i].empty()) ok = false;
        else p[r->segments[i].substr(1, r->segments[i].size() - 2)] = segments[i];
      } else {
        ok = r->segments[i] == segments[i];
        ++literals;
      }
    }
    if (!ok) continue;
    bool method_ok = r->method == request.method || (request.method == "HEAD" && r->method == "GET");
    if (!method_ok) {
      allowed.push_back(r->method);
      continue;
    }
    // The most literal segments wins: /workflows/search beats /workflows/{id}.
    if (literals > best_literals) {
      best = r.get();
      best_literals = literals;
      best_params = std::move(p);
    }
  }
  params = std::move(best_params);
  return best;
}

void Api::require_roles(const Request& request, const std::vector<std::string>& roles) const {
  if (!authenticator_) return;
  require_any_role(request.principal ? &*request.principal : nullptr, roles);
}

void Api::log(const Request* request, std::string level, std::string message, nlohmann::json fields) const {
  nlohmann::json record = {{"time", now_rfc3339()}, {"level", std::move(level)}, {"msg", std::move(message)}};
  if (request) {
    record["request_id"] = request->request_id;
    record["trace_id"] = request->trace.trace_id;
  }
  if (fields.is_object())
    for (auto& [k, v] : fields.items()) record[k] = v;
  try {
    options_.log(record);
  } catch (...) {
    // A failing log sink must not fail the request.
  }
}

void Api::start_draining() const { draining_ = true; }
bool Api::draining() const { return draining_; }

bool Api::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(idle_mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return in_flight_ == 0; });
}

Response Api::handle(Request request) const {
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  handle(std::move(request), [promise](Response r) { promise->set_value(std::move(r)); });
  return future.get();
}

void Api::handle(Request request, Respond respond) const {
  dispatch(std::make_shared<Request>(std::move(request)), std::move(respond));
}

void Api::dispatch(std::shared_ptr<Request> req, Respond respond) const {
  auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(idle_mu_);
    ++in_flight_;
  }
  metrics_->add_in_flight(1);

  std::string_view rid = req->header("x-request-id");
  req->request_id = valid_request_id(rid) ? std::string(rid) : detail::random_id();
  auto trace = TraceContext::parse(req->header("traceparent"));
  req->trace = trace ? *trace : TraceContext::start();

  // CORS: which origin (if any) the answer may be read by.
  // "*" never comes with credentials (refused at construction), and "null" is never echoed.
  std::string origin(req->header("origin"));
  std::string allow_origin;
  const auto& allowed = options_.cors.allowed_origins;
  const bool any_origin = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!origin.empty() && any_origin) allow_origin = "*";
  else if (!origin.empty() && origin != "null" && std::find(allowed.begin(), allowed.end(), origin) != allowed.end())
    allow_origin = origin;
  // With a list of origins the answer depends on Origin, also when it is refused or absent:
  // caches must not hand one origin's answer to another.
  const bool vary_origin = !allowed.empty() && !any_origin;

  const Route* route = nullptr;
  auto once = std::make_shared<std::atomic<bool>>(false);
  // Every answer goes through here exactly once: headers, response check, metrics, log.
  auto finish = [this, req, start, respond = std::move(respond), once, allow_origin, vary_origin,
                 route_ptr = std::make_shared<const Route*>(nullptr)](Response res, const Route* matched,
                                                                      std::string internal) mutable {
    if (once->exchange(true)) return;
    if (matched && options_.validate_responses && matched->spec.responses.count(res.status) &&
        json_content_type(res.header("content-type"))) {
      std::vector<FieldError> errors;
      try {
        errors = matched->spec.responses.at(res.status).validate(nlohmann::json::parse(res.body));
      } catch (const nlohmann::json::exception&) {
        errors.push_back({"", "the body is not JSON"});
      }
      if (!errors.empty()) {
        internal = "response does not conform to its declared schema: " + nlohmann::json(errors).dump();
        res = detail::problem_response(make_problem(500, "internal error"));
      }
    }
    res.set_header("X-Request-Id", req->request_id);
    res.set_header("traceparent", req->trace.traceparent());
    if (vary_origin) add_vary(res, "Origin");
    if (!allow_origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", allow_origin);
      if (options_.cors.allow_credentials) res.set_header("Access-Control-Allow-Credentials", "true");
      std::string exposed;
      for (const auto& h : options_.cors.exposed_headers) exposed += (exposed.empty() ? "" : ", ") + h;
      if (!exposed.empty()) res.set_header("Access-Control-Expose-Headers", exposed);
    }
    if (draining_) res.set_header("Connection", "close");
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string route_name = matched ? matched->pattern : "unmatched";
    metrics_->observe_request(method_label(req->method), route_name, res.status, seconds);
    if (!internal.empty()) log(req.get(), "error", "request failed", {{"route", route_name}, {"error", internal}});
    if (options_.log_requests) {
      nlohmann::json fields = {{"method", req->method}, {"path", req->path}, {"route", route_name},
                               {"status", res.status}, {"duration_ms", seconds * 1000},
                               {"remote", req->remote_address}};
      if (req->principal) fields["subject"] = req->principal->subject;
      log(req.get(), res.status >= 500 ? "error" : "info", "request", std::move(fields));
    }
    metrics_->add_in_flight(-1);
    Respond deliver = std::move(respond);
    {
      std::lock_guard lock(idle_mu_);
      --in_flight_;
    }
    idle_cv_.notify_all();
    try {
      deliver(std::move(res));
    } catch (...) {
      // The adapter's write failed (client gone); nothing left to tell anyone.
    }
  };
  auto fail = [&finish](std::exception_ptr error, const Route* matched) {
    std::string internal;
    Problem p = problem_from_exception(error, &internal);
    bool server_side = p.status >= 500;
    finish(detail::problem_response(std::move(p)), matched, server_side ? internal : "");
  };

  try {
    if (draining_) {
      Response r = detail::problem_response(make_problem(503, "the service is shutting down", "urn:stead:problem:unavailable"));
      r.set_header("Retry-After", "1");
      return finish(std::move(r), nullptr, "");
    }
    // CORS preflight: answered here, before routing and authentication (browsers send no
    // credentials with it).
    if (req->method == "OPTIONS" && !origin.empty() && !req->header("access-control-request-method").empty()) {
      Response r = Response::empty(204);
      if (!allow_origin.empty()) {
        std::string methods = "GET, POST, PUT, DELETE, OPTIONS", headers;
        for (const auto& h : options_.cors.allowed_headers) headers += (headers.empty() ? "" : ", ") + h;
        r.set_header("Access-Control-Allow-Methods", methods);
        r.set_header("Access-Control-Allow-Headers", headers);
        r.set_header("Access-Control-Max-Age", std::to_string(options_.cors.max_age.count()));
      }
      return finish(std::move(r), nullptr, "");
    }
    std::vector<std::string> allowed;
    route = match(*req, req->path_params, allowed);
    if (!route) {
      if (!allowed.empty()) {
        std::string allow;
        for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
        Response r = detail::problem_response(make_problem(405, req->method + " is not allowed here"));
        r.set_header("Allow", allow);
        return finish(std::move(r), nullptr, "");
      }
      return finish(detail::problem_response(make_problem(404, "no route for " + req->path)), nullptr, "");
    }
    req->route = route->pattern;
    std::size_t limit = route->spec.max_body_bytes.value_or(options_.max_body_bytes);
    if (req->body.size() > limit)
      throw HttpError(make_problem(413, "the body exceeds " + std::to_string(limit) + " bytes",
                                   "urn:stead:problem:body-too-large"));
    if (authenticator_ && !route->spec.public_route) {
      req->principal = authenticator_->authenticate(*req);
      require_any_role(&*req->principal, route->spec.roles);
    }
    std::vector<FieldError> errors;
    for (const auto& [name, value] : req->path_params)
      if (!detail::valid_utf8(value)) errors.push_back({"path." + name, "is not valid UTF-8"});
    for (const auto& q : route->spec.query) {
      auto text = req->query_param(q.name);
      if (text && !detail::valid_utf8(*text)) {
        errors.push_back({"query." + q.name, "is not valid UTF-8"});
        continue;
      }
      if (!text) {
        if (q.required) errors.push_back({"query." + q.name, "is required"});
        continue;
      }
      auto value = query_value(q.schema, *text);
      if (!value) {
        errors.push_back({"query." + q.name, "is not a valid value"});
        continue;
      }
      for (auto& e : q.schema.validate(*value)) errors.push_back({"query." + q.name, e.message});
    }
    if (route->spec.request_body &&
        (route->spec.request_body_required || req->body.find_first_not_of(" \t\r\n") != std::string::npos)) {
      // A body declared as something else is refused before it is parsed (no Content-Type:
      // read as JSON, as curl -d sends form encoding by default).
      std::string_view content_type = req->header("content-type");
      if (!content_type.empty() && !json_content_type(content_type) &&
          content_type.find("+json") == std::string_view::npos &&
          content_type.rfind("application/x-www-form-urlencoded", 0) != 0)
        throw HttpError(make_problem(415, "the body must be application/json, not " + std::string(content_type)));
      nlohmann::json body = req->json();
      for (auto& e : route->spec.request_body->validate(body))
        errors.push_back({e.field.empty() ? "body" : e.field, e.message});
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));

    const Request& request = *req;
    route->handler(request, [finish, route](Response r) mutable { finish(std::move(r), route, ""); });
  } catch (...) {
    fail(std::current_exception(), route);
  }
}

void Api::add_builtin_routes() {
  if (options_.serve_openapi) {
    RouteSpec spec{.summary = "This API's OpenAPI 3.1 document", .tags = {"meta"}, .public_route = true};
    route("GET", "/openapi.json", spec, [this](const Request&) { return Response::json(200, openapi()); });
    RouteSpec docs{.summary = "Swagger UI", .tags = {"meta"}, .response_content_type = "text/html",
                   .public_route = true};
    route("GET", "/docs", docs, [this](const Request&) {
      if (!detail::swagger_embedded())
        throw HttpError(make_problem(503, "Swagger UI was not embedded in this build (run scripts/bootstrap)"));
      return Response::text(200, detail::swagger_page(options_.title), "text/html; charset=utf-8");
    });
    RouteSpec asset{.summary = "Swagger UI assets", .tags = {"meta"}, .response_content_type = "*/*",
                    .public_route = true};
    route("GET", "/docs/{asset}", asset, [](const Request& req) {
      std::string_view bytes;
      std::string type;
      if (!detail::swagger_asset(req.param("asset"), bytes, type)) throw HttpError(404, "no such asset");
      Response r = Response::text(200, std::string(bytes), type);
      r.set_header("Cache-Control", "public, max-age=86400");
      return r;
    });
  }
  if (options_.serve_metrics) {
    RouteSpec spec{.summary = "Prometheus metrics", .tags = {"meta"},
                   .response_content_type = "text/plain; version=0.0.4",
                   .roles = options_.metrics_roles, .public_route = options_.metrics_roles.empty()};
    route("GET", "/metrics", spec, [this](const Request&) {
      return Response::text(200, metrics_->prometheus_text(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  for (auto& r : routes_) r->builtin = true;
}

}  // namespace stead::http
