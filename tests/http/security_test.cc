// Security of the web library, tried as an attacker would (issue 10): JWT numeric claims and
// malformed claim types, insecure configurations refused at construction, CORS, and the
// workflow routes' type-based access (listing filtered in the query sent to the server,
// starts that would take over a hidden workflow's id). Requests go through Api::handle (no
// sockets); workflows are started on a task queue no worker polls, so they stay running.
#include <gtest/gtest.h>
#include <openssl/ec.h>

#include <climits>
#include <map>
#include <string>

#include "stead/client.h"
#include "stead/http.h"
#include "stead/server.h"
#include "tokens.h"

namespace stead::http {
namespace {

using json = nlohmann::json;
using test::claims;
using test::jwt_hs256;
using test::kHsSecret;
using test::now_s;

constexpr const char* kQueue = "security-q";

JwtOptions jwt_options() {
  return JwtOptions{.hs256_secret = kHsSecret, .issuer = "https://id.test", .audience = "stead-test"};
}

// The problem authenticate() raises for `token` (status 0: accepted).
Problem auth_problem(const Authenticator& auth, const std::string& token) {
  Request req;
  req.headers["authorization"] = "Bearer " + token;
  try {
    auth.authenticate(req);
  } catch (const HttpError& e) {
    return e.problem();
  } catch (const std::exception& e) {
    return make_problem(500, std::string("unexpected exception: ") + e.what());
  }
  return make_problem(0, "accepted");
}

// ---- 1. JWT numeric claims: a range check, and out of range is malformed (not expired).

TEST(HttpSecurityJwt, HugeNotBeforeAndIssuedAtAreMalformed) {
  Authenticator auth({.jwt = jwt_options()});
  for (const char* claim : {"nbf", "iat"}) {
    for (json value : {json(1e300), json(9223372036854775807LL), json(18446744073709551615ULL), json(-1e300), json(1e19)}) {
      json c = claims({"read"});
      c[claim] = value;
      Problem p = auth_problem(auth, jwt_hs256(c));
      EXPECT_EQ(p.status, 401) << claim << " = " << value.dump() << ": " << p.detail;
      EXPECT_NE(p.detail.find(std::string("\"") + claim + "\""), std::string::npos) << p.detail;
      EXPECT_NE(p.detail.find("out of range"), std::string::npos) << p.detail;
    }
  }
}

TEST(HttpSecurityJwt, HugeExpiryIsMalformedNotExpired) {
  Authenticator auth({.jwt = jwt_options()});
  for (json value : {json(1e300), json(-1e300), json(9223372036854775807LL), json(18446744073709551615ULL), json(-1)}) {
    json c = claims({"read"});
    c["exp"] = value;
    Problem p = auth_problem(auth, jwt_hs256(c));
    EXPECT_EQ(p.status, 401) << value.dump();
    EXPECT_EQ(p.detail, "the JWT's \"exp\" claim is out of range") << value.dump();
  }
}

TEST(HttpSecurityJwt, NumericClaimsOfAnotherTypeAreMalformed) {
  Authenticator auth({.jwt = jwt_options()});
  for (const char* claim : {"exp", "nbf", "iat"}) {
    for (json value : {json("12345"), json(true), json(nullptr), json::array({1}), json::object()}) {
      json c = claims({"read"});
      c[claim] = value;
      Problem p = auth_problem(auth, jwt_hs256(c));
      EXPECT_EQ(p.status, 401) << claim << " = " << value.dump();
      EXPECT_EQ(p.detail, std::string("the JWT's \"") + claim + "\" claim is not a number") << value.dump();
    }
  }
}

TEST(HttpSecurityJwt, ValidNumericClaimsStillWork) {
  Authenticator auth({.jwt = jwt_options()});
  json c = claims({"read"});
  c["nbf"] = now_s() - 10;
  c["iat"] = static_cast<double>(now_s()) - 0.5;  // NumericDate may have a fraction
  c["exp"] = static_cast<double>(now_s()) + 60.25;
  EXPECT_EQ(auth_problem(auth, jwt_hs256(c)).status, 0);
  c["nbf"] = now_s() + 3600;
  EXPECT_EQ(auth_problem(auth, jwt_hs256(c)).detail, "the JWT is not valid yet");
  c = claims({"read"}, -3600);
  EXPECT_EQ(auth_problem(auth, jwt_hs256(c)).detail, "the JWT has expired");
}

// Claims and header members of the wrong JSON type are a 401, not a 400 or 500.
TEST(HttpSecurityJwt, ClaimsOfTheWrongTypeAre401) {
  Authenticator auth({.jwt = jwt_options()});
  for (const char* claim : {"iss", "sub"}) {
    json c = claims({"read"});
    c[claim] = 42;
    Problem p = auth_problem(auth, jwt_hs256(c));
    EXPECT_EQ(p.status, 401) << claim << ": " << p.detail;
  }
  json deep = claims({"read"});
  deep["nested"] = json::parse(std::string(300, '[') + std::string(300, ']'));
  EXPECT_EQ(auth_problem(auth, jwt_hs256(deep)).status, 401) << "nesting beyond the JSON depth limit";
  Problem alg = auth_problem(auth, jwt_hs256(claims({"read"}), kHsSecret, {{"alg", 256}}));
  EXPECT_EQ(alg.status, 401) << alg.detail;
  // A "crit" header names extensions the verifier must understand; none are (RFC 7515 §4.1.11).
  Problem crit = auth_problem(auth, jwt_hs256(claims({"read"}), kHsSecret, {{"alg", "HS256"}, {"crit", {"exp"}}}));
  EXPECT_EQ(crit.status, 401);
  EXPECT_NE(crit.detail.find("crit"), std::string::npos) << crit.detail;
}

// ---- 6. Configuration that is insecure but used to be accepted.

std::string invalid_argument_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(HttpSecurityConfig, WeakOrWrongRs256KeysAreRefused) {
  test::RsaKey weak(1024);
  EXPECT_NE(invalid_argument_of([&] {
              Authenticator({.jwt = JwtOptions{.rs256_public_key_pem = weak.public_pem()}});
            }).find("2048"),
            std::string::npos);
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  std::string ec_pem = test::RsaKey::public_pem_of(ec);
  EVP_PKEY_free(ec);
  EXPECT_NE(invalid_argument_of([&] { Authenticator({.jwt = JwtOptions{.rs256_public_key_pem = ec_pem}}); })
                .find("not an RSA key"),
            std::string::npos);
}

TEST(HttpSecurityConfig, AmbiguousKeysAndEmptyRolesAreRefused) {
  // The same key under two names: which roles it carries would depend on the order.
  EXPECT_NE(invalid_argument_of([] {
              Authenticator({.api_keys = {{.name = "a", .key = "k-123456", .roles = {"read"}},
                                          {.name = "b", .key = "k-123456", .roles = {"admin"}}}});
            }).find("same key"),
            std::string::npos);
  EXPECT_NE(invalid_argument_of([] { Authenticator({.api_keys = {{.name = "", .key = "k-123456"}}}); }).find("name"),
            std::string::npos);
  EXPECT_NE(invalid_argument_of([] { Authenticator({.api_keys = {{.name = "a", .key = "k-123456", .roles = {""}}}}); })
                .find("empty role"),
            std::string::npos);
  EXPECT_NE(invalid_argument_of([] {
              JwtOptions j = jwt_options();
              j.roles_claim = "";
              Authenticator({.jwt = j});
            }).find("roles_claim"),
            std::string::npos);
  for (auto leeway : {std::chrono::seconds(-1), std::chrono::seconds(LLONG_MAX), std::chrono::seconds(3600)}) {
    EXPECT_NE(invalid_argument_of([&] {
                JwtOptions j = jwt_options();
                j.leeway = leeway;
                Authenticator({.jwt = j});
              }).find("leeway"),
              std::string::npos)
        << leeway.count();
  }
  Api api({.auth = AuthOptions{.api_keys = {{.name = "a", .key = "k-123456"}}}, .log = [](const json&) {}});
  EXPECT_NE(invalid_argument_of([&] { api.get("/x", {.roles = {""}}, [](const Request&) { return Response::empty(204); }); })
                .find("empty role"),
            std::string::npos);
}

// Roles on a route of an Api without authentication would protect nothing.
TEST(HttpSecurityConfig, RolesWithoutAuthenticationAreRefused) {
  Api api({.log = [](const json&) {}});
  EXPECT_NE(invalid_argument_of([&] {
              api.get("/admin", {.roles = {"admin"}}, [](const Request&) { return Response::empty(204); });
            }).find("authentication"),
            std::string::npos);
  EXPECT_NE(invalid_argument_of([] { Api({.metrics_roles = {"ops"}, .log = [](const json&) {}}); }).find("authentication"),
            std::string::npos);
}

// ---- 2. CORS.

Response call(const Api& api, const std::string& method, const std::string& path,
              std::map<std::string, std::string> headers = {}, std::multimap<std::string, std::string> query = {},
              std::string body = "") {
  Request req;
  req.method = method;
  req.path = path;
  req.headers = std::move(headers);
  req.query = std::move(query);
  req.body = std::move(body);
  return api.handle(std::move(req));
}

TEST(HttpSecurityCors, WildcardWithCredentialsIsRefused) {
  std::string error = invalid_argument_of([] {
    Api({.cors = {.allowed_origins = {"*"}, .allow_credentials = true}, .log = [](const json&) {}});
  });
  EXPECT_NE(error.find("allow_credentials"), std::string::npos) << error;
  EXPECT_NE(error.find("allowed_origins"), std::string::npos) << error;
}

TEST(HttpSecurityCors, OriginsThatAreNotOriginsAreRefused) {
  for (std::string origin : {"null", "https://*.example.test", "https://app.test/", "app.test", "https://app.test/path", ""}) {
    std::string error = invalid_argument_of([&] {
      Api({.cors = {.allowed_origins = {origin}}, .log = [](const json&) {}});
    });
    EXPECT_NE(error.find("allowed_origins"), std::string::npos) << origin << ": " << error;
  }
  // Real origins are accepted (scheme, host, optional port).
  Api ok({.cors = {.allowed_origins = {"https://app.test", "http://localhost:5173"}}, .log = [](const json&) {}});
}

TEST(HttpSecurityCors, NullOriginIsNeverEchoed) {
  Api api({.cors = {.allowed_origins = {"*"}}, .log = [](const json&) {}});
  api.get("/x", {}, [](const Request&) { return Response::json(200, {{"ok", true}}); });
  Response r = call(api, "GET", "/x", {{"origin", "null"}});
  EXPECT_NE(r.header("Access-Control-Allow-Origin"), "null");
  Response pre = call(api, "OPTIONS", "/x", {{"origin", "null"}, {"access-control-request-method", "GET"}});
  EXPECT_NE(pre.header("Access-Control-Allow-Origin"), "null");
}

TEST(HttpSecurityCors, CredentialsOnlyWithAnEchoedListedOrigin) {
  Api api({.cors = {.allowed_origins = {"https://app.test"}, .allow_credentials = true}, .log = [](const json&) {}});
  api.get("/x", {}, [](const Request&) {
    Response r = Response::json(200, {{"ok", true}});
    r.set_header("Vary", "Accept-Encoding");
    return r;
  });
  Response good = call(api, "GET", "/x", {{"origin", "https://app.test"}});
  EXPECT_EQ(good.header("Access-Control-Allow-Origin"), "https://app.test");
  EXPECT_EQ(good.header("Access-Control-Allow-Credentials"), "true");
  EXPECT_NE(good.header("Vary").find("Origin"), std::string::npos) << good.header("Vary");
  EXPECT_NE(good.header("Vary").find("Accept-Encoding"), std::string::npos) << "the handler's Vary is kept";
  // The answer depends on Origin even when it is refused or absent, so caches must key on it.
  for (std::map<std::string, std::string> headers :
       {std::map<std::string, std::string>{{"origin", "https://evil.test"}}, std::map<std::string, std::string>{}}) {
    Response r = call(api, "GET", "/x", headers);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "");
    EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "");
    EXPECT_NE(r.header("Vary").find("Origin"), std::string::npos);
  }
  Response pre = call(api, "OPTIONS", "/x", {{"origin", "https://evil.test"}, {"access-control-request-method", "GET"}});
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(pre.header("Access-Control-Allow-Methods"), "");
  EXPECT_NE(pre.header("Vary").find("Origin"), std::string::npos);
}

// ---- 6. Query parameters: a number must be finite.

TEST(HttpSecurityInput, NonFiniteNumberQueryParameterIs422) {
  Api api({.log = [](const json&) {}});
  api.get("/n", {.query = {{.name = "x", .schema = Schema::number().minimum(0).maximum(10)}}},
          [](const Request& req) { return Response::json(200, {{"x", req.query_param("x").value_or("")}}); });
  for (const char* text : {"nan", "NaN", "inf", "-inf", "infinity", "1e999", " 5", "0x5"}) {
    Response r = call(api, "GET", "/n", {}, {{"x", text}});
    EXPECT_EQ(r.status, 422) << text << ": " << r.body;
  }
  EXPECT_EQ(call(api, "GET", "/n", {}, {{"x", "2.5"}}).status, 200);
}

// Metrics labels come from a closed set: a client inventing methods would otherwise add a
// time series per request, without bound.
TEST(HttpSecurityInput, UnknownMethodsShareOneMetricsLabel) {
  Api api({.log = [](const json&) {}});
  api.get("/x", {}, [](const Request&) { return Response::json(200, {{"ok", true}}); });
  for (const char* method : {"BREW1", "BREW2", "PROPFIND"}) EXPECT_EQ(call(api, method, "/x").status, 405);
  std::string text = call(api, "GET", "/metrics").body;
  EXPECT_EQ(text.find("BREW"), std::string::npos) << text;
  EXPECT_NE(text.find("method=\"other\",route=\"unmatched\",status=\"405\"} 3"), std::string::npos) << text;
}

// ---- 3 and 6. The workflow routes against a server.

class HttpSecurityWorkflows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = Server::start({.port = 0}).release();
    client_ = new Client(Client::connect({.address = server_->address()}));
    api_ = new Api({.auth = AuthOptions{.api_keys = {{.name = "reader", .key = "reader-key-1", .roles = {"read", "write"}},
                                                     {.name = "admin", .key = "admin-key-3", .roles = {"read", "write", "admin"}}}},
                    .log = [](const json&) {}});
    mount_workflow_routes(*api_, *client_,
                          {.workflows = {{.type = "Visible", .task_queue = kQueue},
                                         {.type = "Hidden", .task_queue = kQueue, .roles = {"admin"}}},
                           .roles = {"read"},
                           .write_roles = {"write"}});
    for (const char* id : {"vis-1", "vis-2"}) client_->start_workflow("Visible", WorkflowOptions{.id = id, .task_queue = kQueue});
    for (const char* id : {"secret-1", "secret-2"})
      client_->start_workflow("Hidden", WorkflowOptions{.id = id, .task_queue = kQueue});
  }
  static void TearDownTestSuite() {
    delete api_;
    delete client_;
    server_->shutdown();
    delete server_;
  }
  static Response list(const std::string& query, const std::string& key = "reader-key-1", const std::string& page_size = "") {
    std::multimap<std::string, std::string> q{{"query", query}};
    if (!page_size.empty()) q.emplace("page_size", page_size);
    return call(*api_, "GET", "/workflows", {{"x-api-key", key}}, q);
  }
  static json ids(const Response& r) {
    json out = json::array();
    json body = json::parse(r.body);
    for (const auto& w : body["workflows"]) out.push_back(w["workflow_id"]);
    return out;
  }
  static Response start(const std::string& type, json body, const std::string& key = "reader-key-1") {
    return call(*api_, "POST", "/workflows/" + type, {{"x-api-key", key}, {"content-type", "application/json"}}, {},
                body.dump());
  }

  static inline Server* server_ = nullptr;
  static inline Client* client_ = nullptr;
  static inline Api* api_ = nullptr;
};

// The probe: with page_size=1, a next-page token used to appear only when the hidden
// workflow existed.
TEST_F(HttpSecurityWorkflows, ListLeaksNothingAboutHiddenWorkflows) {
  Response hit = list("WorkflowId = 'vis-1' OR WorkflowId = 'secret-1'", "reader-key-1", "1");
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_EQ(ids(hit), json({"vis-1"}));
  EXPECT_TRUE(json::parse(hit.body)["next_page_token"].is_null()) << hit.body;
  Response prefix = list("WorkflowId STARTS_WITH 'secret'", "reader-key-1", "1");
  ASSERT_EQ(prefix.status, 200) << prefix.body;
  EXPECT_EQ(ids(prefix), json::array());
  EXPECT_TRUE(json::parse(prefix.body)["next_page_token"].is_null()) << prefix.body;
  // Full pages: two visible workflows on a page of two.
  Response full = list("", "reader-key-1", "2");
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(ids(full).size(), 2u) << full.body;
  // The admin sees both types.
  Response admin = list("WorkflowId = 'vis-1' OR WorkflowId = 'secret-1'", "admin-key-3");
  EXPECT_EQ(ids(admin).size(), 2u) << admin.body;
}

TEST_F(HttpSecurityWorkflows, ListQueryCannotEscapeItsParentheses) {
  for (const char* query : {"WorkflowId = 'vis-1') OR (WorkflowId = 'secret-1'", "WorkflowId = 'vis-1') OR WorkflowId = 'secret-1' OR (1 = 1",
                            "WorkflowId = 'vis-1' -- comment", "WorkflowId = 'vis-1' /* x */", "WorkflowId = 'vis-1'; DROP",
                            "WorkflowId = 'vis-1' ORDER BY StartTime) OR (WorkflowId = 'secret-1'", "WorkflowId = 'unterminated",
                            "ExecutionStatus = 'Running' GROUP BY ExecutionStatus"}) {
    Response r = list(query, "reader-key-1", "1");
    EXPECT_EQ(r.status, 422) << query << ": " << r.body;
    if (r.status == 200) {
      EXPECT_EQ(ids(r), json({"vis-1"})) << query;
    }
  }
  // Parentheses and quotes inside strings are text, not structure.
  Response quoted = list("WorkflowId = 'a)b' OR WorkflowId = \"c'(d\" OR WorkflowId = 'e\\')' OR WorkflowId = 'vis-1'");
  EXPECT_EQ(quoted.status, 200) << quoted.body;
  EXPECT_EQ(ids(quoted), json({"vis-1"}));
}

TEST_F(HttpSecurityWorkflows, ListOrderByIsKeptOutsideTheFilter) {
  Response ordered = list("WorkflowId = 'vis-1' OR WorkflowId = 'vis-2' OR WorkflowId = 'secret-1' ORDER BY WorkflowId DESC");
  ASSERT_EQ(ordered.status, 200) << ordered.body;
  EXPECT_EQ(ids(ordered), json({"vis-2", "vis-1"}));
  Response only_order = list("order by WorkflowId asc", "reader-key-1", "1");
  ASSERT_EQ(only_order.status, 200) << only_order.body;
  EXPECT_EQ(ids(only_order), json({"vis-1"}));
}

TEST(HttpSecurityListQuery, RestrictsToTheGivenTypesWithQuoting) {
  EXPECT_EQ(restrict_list_query("", {"A", "B"}), "WorkflowType IN ('A', 'B')");
  EXPECT_EQ(restrict_list_query("  ", {"A"}), "WorkflowType IN ('A')");
  EXPECT_EQ(restrict_list_query("WorkflowId = 'x' OR WorkflowId = 'y'", {"A"}),
            "(WorkflowId = 'x' OR WorkflowId = 'y') AND WorkflowType IN ('A')");
  EXPECT_EQ(restrict_list_query("WorkflowId = 'x' ORDER BY StartTime DESC, `WorkflowId`", {"A"}),
            "(WorkflowId = 'x') AND WorkflowType IN ('A') ORDER BY StartTime DESC, `WorkflowId`");
  EXPECT_EQ(restrict_list_query("ORDER BY StartTime", {"A"}), "WorkflowType IN ('A') ORDER BY StartTime");
  EXPECT_EQ(restrict_list_query("", {"It's", "back\\slash"}), "WorkflowType IN ('It''s', 'back\\\\slash')");
  // An attribute named like a keyword, in backticks, is not ORDER BY.
  EXPECT_EQ(restrict_list_query("`order` = 'by'", {"A"}), "(`order` = 'by') AND WorkflowType IN ('A')");
  // Counts may group; the clause stays outside the parentheses as ORDER BY does.
  EXPECT_EQ(restrict_list_query("ExecutionStatus = 'Running' GROUP BY ExecutionStatus", {"A"}),
            "(ExecutionStatus = 'Running') AND WorkflowType IN ('A') GROUP BY ExecutionStatus");
  EXPECT_THROW(restrict_list_query("x = 1", {}), std::invalid_argument);
  EXPECT_THROW(restrict_list_query("ORDER BY (StartTime)", {"A"}), ValidationError);
}

TEST_F(HttpSecurityWorkflows, QuotedTypeNamesAreValidFilters) {
  // The server parses the quoted form and finds nothing of those types (no error).
  auto page = client_->list_workflows_page(restrict_list_query("WorkflowId = 'vis-1'", {"It's", "back\\slash", "Visible"}), 10);
  ASSERT_EQ(page.workflows.size(), 1u);
  EXPECT_EQ(page.workflows[0].workflow_id, "vis-1");
  // A count restricted the same way counts visible workflows only.
  auto count = client_->count_workflows(restrict_list_query("WorkflowId = 'vis-1' OR WorkflowId = 'secret-1'", {"Visible"}));
  EXPECT_EQ(count.count, 1);
}

// A start with a caller-chosen id must not terminate, or attach to, a workflow the caller may
// not see.
TEST_F(HttpSecurityWorkflows, StartCannotTakeOverAHiddenWorkflowsId) {
  for (json options : {json{{"id_reuse_policy", "TERMINATE_IF_RUNNING"}}, json{{"id_conflict_policy", "TERMINATE_EXISTING"}},
                       json{{"id_conflict_policy", "USE_EXISTING"}}, json::object()}) {
    json body = options;
    body["workflow_id"] = "secret-2";
    Response r = start("Visible", body);
    EXPECT_EQ(r.status, 409) << options.dump() << ": " << r.body;
    json problem = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(problem.contains("run_id")) << r.body;
    auto d = client_->get_workflow_handle("secret-2").describe();
    EXPECT_EQ(d.status, WorkflowExecutionStatus::kRunning) << options.dump();
    EXPECT_EQ(d.workflow_type, "Hidden");
  }
  // Over a visible workflow's id, the policies work as before.
  client_->start_workflow("Visible", WorkflowOptions{.id = "vis-takeover", .task_queue = kQueue});
  Response r = start("Visible", {{"workflow_id", "vis-takeover"}, {"id_conflict_policy", "TERMINATE_EXISTING"}});
  EXPECT_EQ(r.status, 201) << r.body;
  Response fresh = start("Visible", {{"workflow_id", "vis-fresh"}});
  EXPECT_EQ(fresh.status, 201) << fresh.body;
}

TEST_F(HttpSecurityWorkflows, TypeRolesWithoutAuthenticationAreRefused) {
  Api api({.log = [](const json&) {}});
  EXPECT_NE(invalid_argument_of([&] {
              mount_workflow_routes(api, *client_, {.workflows = {{.type = "Hidden", .task_queue = kQueue, .roles = {"admin"}}}});
            }).find("authentication"),
            std::string::npos);
}

// The Location header carries a caller-chosen id: it is percent-encoded as one path segment,
// so it can neither point elsewhere nor break the header.
TEST_F(HttpSecurityWorkflows, LocationHeaderEncodesTheWorkflowId) {
  Response odd = start("Visible", {{"workflow_id", "odd id/../?x=1#%"}});
  ASSERT_EQ(odd.status, 201) << odd.body;
  EXPECT_EQ(odd.header("Location"), "/workflows/odd%20id%2F..%2F%3Fx%3D1%23%25");
  Response crlf = start("Visible", {{"workflow_id", "crlf\r\nSet-Cookie: a=b"}});
  if (crlf.status == 201) {
    EXPECT_EQ(crlf.header("Location"), "/workflows/crlf%0D%0ASet-Cookie%3A%20a%3Db");
  }
}

// Deeply nested JSON fits in a body limit but not on a stack: serializing it (arguments
// become payloads) recursed once per level.
TEST_F(HttpSecurityWorkflows, DeeplyNestedJsonIsRefusedNotACrash) {
  const std::size_t depth = 200000;
  std::string deep = "{\"args\": [" + std::string(depth, '[') + std::string(depth, ']') + "]}";
  Response body = call(*api_, "POST", "/workflows/Visible", {{"x-api-key", "reader-key-1"}, {"content-type", "application/json"}},
                       {}, deep);
  EXPECT_EQ(body.status, 400) << body.body.substr(0, 300);
  EXPECT_EQ(body.header("Content-Type"), "application/problem+json");
  Response query = call(*api_, "GET", "/workflows/vis-1/queries/status", {{"x-api-key", "reader-key-1"}},
                        {{"args", std::string(5000, '[') + std::string(5000, ']')}});
  EXPECT_EQ(query.status, 422) << query.body.substr(0, 300);
}

TEST_F(HttpSecurityWorkflows, PageSizeOptionsMustFitTheWire) {
  Api api({.log = [](const json&) {}});
  EXPECT_NE(invalid_argument_of([&] {
              mount_workflow_routes(api, *client_, {.workflows = {{.type = "Visible", .task_queue = kQueue}},
                                                    .max_page_size = std::size_t{1} << 40});
            }).find("max_page_size"),
            std::string::npos);
  Api api2({.log = [](const json&) {}});
  EXPECT_NE(invalid_argument_of([&] {
              mount_workflow_routes(api2, *client_, {.workflows = {{.type = "Visible", .task_queue = kQueue}},
                                                     .default_page_size = 0});
            }).find("default_page_size"),
            std::string::npos);
}

}  // namespace
}  // namespace stead::http
