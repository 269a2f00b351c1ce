// The web integration through real sockets: an Api with the workflow routes and application
// routes, served by HttplibServer on a loopback port, against an in-process stead::Server
// whose workflows FakeWorker runs. Every response is also checked against /openapi.json.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "fake_worker.h"
#include "openapi_conformance.h"
#include "tokens.h"
#include "stead/client.h"
#include "stead/http.h"
#include "stead/http_beast.h"
#include "stead/http_httplib.h"
#include "stead/server.h"

namespace stead::http {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace wsv1 = temporal::api::workflowservice::v1;

constexpr const char* kQueue = "http-q";
using test::claims;
using test::jwt_hs256;
using test::kHsSecret;
using test::now_s;
using test::RsaKey;

// Echo completes with its input; Fail fails (CardDeclined); Wait stays open until signal
// "finish", cancels itself on request and answers updates ("add": n+1, "reject": rejected).
itest::TaskReply script(const wsv1::PollWorkflowTaskQueueResponse& task) {
  const std::string& type = itest::workflow_type(task);
  auto input = itest::workflow_input(task);
  if (type == "Echo" || type == "Secret") return {.commands = {itest::complete_workflow(input)}};
  if (type == "Fail") {
    ApplicationError error("card declined", {.type = "CardDeclined", .non_retryable = true});
    return {.commands = {itest::fail_workflow(DataConverter{}.to_failure(std::make_exception_ptr(error)))}};
  }
  if (type == "Wait") {
    if (!itest::events_of(task, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED).empty())
      return {.commands = {itest::cancel_workflow()}};
    for (const auto* event : itest::events_of(task, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)) {
      const auto& attrs = event->workflow_execution_signaled_event_attributes();
      if (attrs.signal_name() == "finish") {
        const auto& in = attrs.input().payloads();
        return {.commands = {itest::complete_workflow({in.begin(), in.end()})}};
      }
    }
    return itest::answer_updates(task, [](const temporal::api::update::v1::Request& request) -> itest::UpdateAnswer {
      if (request.input().name() == "reject")
        return DataConverter{}.to_failure(std::make_exception_ptr(ApplicationError("not allowed", {.type = "Invalid"})));
      return to_payload(from_payload<int>(request.input().args().payloads(0)) + 1);
    });
  }
  throw std::runtime_error("fake worker: no script for " + type);
}

itest::QueryAnswer answer_query(const temporal::api::query::v1::WorkflowQuery& query) {
  if (query.query_type() == "status") return {.result = to_payload("waiting")};
  if (query.query_type() == "echo") return {.result = query.query_args().payloads(0)};
  return {.error = "query " + query.query_type() + " failed"};
}

struct Reply {
  int status = 0;
  std::string content_type, raw;
  json body;
  httplib::Headers headers;
  std::string header(const std::string& name) const { return headers.count(name) ? headers.find(name)->second : ""; }
};

const Schema kEchoArg = Schema::string().min_length(1).max_length(20);
const Schema kOrderRequest = Schema::object("OrderRequest").required("order_id", Schema::string().min_length(1).pattern("^[a-z0-9-]+$"));
const Schema kBadResponse = Schema::object("Declared").required("ok", Schema::boolean());

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = Server::start({.port = 0}).release();
    client_ = new Client(Client::connect({.address = server_->address()}));
    worker_ = new itest::FakeWorker(server_->address(), kQueue, script, answer_query);
    rsa_ = new RsaKey();
    ApiOptions options{.title = "Stead HTTP test", .max_body_bytes = 8 * 1024};
    options.auth = AuthOptions{
        .api_keys = {{.name = "reader", .key = "reader-key-1", .roles = {"read"}},
                     {.name = "writer", .key = "writer-key-2", .roles = {"read", "write"}},
                     {.name = "admin", .key = "admin-key-3", .roles = {"read", "write", "admin"}}},
        .jwt = JwtOptions{.hs256_secret = kHsSecret, .rs256_public_key_pem = rsa_->public_pem(),
                          .issuer = "https://id.test", .audience = "stead-test"}};
    options.cors.allowed_origins = {"https://app.test"};
    options.log = [](const json& record) {
      std::lock_guard lock(log_mu_);
      logs_.push_back(record);
    };
    api_ = new Api(options);
    mount_workflow_routes(*api_, *client_,
                          {.workflows = {{.type = "Echo", .task_queue = kQueue, .args = {kEchoArg}},
                                         {.type = "Fail", .task_queue = kQueue},
                                         {.type = "Wait", .task_queue = kQueue, .signals = {"finish"},
                                          .queries = {"status", "echo", "broken"}, .updates = {"add", "reject"}},
                                         {.type = "Secret", .task_queue = kQueue, .roles = {"admin"}}},
                           .roles = {"read"},
                           .write_roles = {"write"}});
    // The orders example's shape, as an application writes it.
    Client client = *client_;
    api_->post("/orders", {.summary = "Start an order", .request_body = kOrderRequest,
                           .responses = {{201, workflow_started_schema()}}, .roles = {"write"}},
               [client](const Request& req) {
                 auto id = req.json()["order_id"].get<std::string>();
                 auto h = client.start_workflow("Echo", id, {.id = "order-" + id, .task_queue = kQueue});
                 return workflow_started_response(h, "Echo", kQueue, "/orders");
               });
    api_->get("/orders/{workflow_id}", {.summary = "An order", .responses = {{200, workflow_status_schema()}}},
              [client](const Request& req) { return Response::json(200, describe_workflow_json(client, req.param("workflow_id"))); });
    api_->get("/broken", {.summary = "Declares one shape, returns another", .responses = {{200, kBadResponse}}},
              [](const Request&) { return Response::json(200, {{"ok", "yes"}}); });
    api_->get("/crash", {.summary = "Throws"}, [](const Request&) -> Response { throw std::logic_error("secret internals"); });
    web_ = new HttplibServer(*api_, {.port = 0});
    web_->start();
    http_ = new httplib::Client("127.0.0.1", web_->port());
    http_->set_read_timeout(30, 0);
    auto doc = http_->Get("/openapi.json");
    openapi_ = json::parse(doc->body);
  }
  static void TearDownTestSuite() {
    delete http_;
    web_->stop();
    delete web_;
    delete api_;
    std::string error = worker_->error();
    delete worker_;
    EXPECT_EQ(error, "");
    delete client_;
    server_->shutdown();
    delete server_;
    delete rsa_;
  }

  std::string name() const { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

  // One request; the response is checked against the OpenAPI document.
  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             httplib::Headers headers = {{"X-API-Key", "admin-key-3"}}) {
    auto send = [&]() -> httplib::Result {
      if (method == "POST") return http_->Post(path.c_str(), headers, body, "application/json");
      if (method == "PUT") return http_->Put(path.c_str(), headers, body, "application/json");
      if (method == "OPTIONS") return http_->Options(path.c_str(), headers);
      return http_->Get(path.c_str(), headers);
    };
    httplib::Result res = send();
    EXPECT_TRUE(res) << method << " " << path << ": " << httplib::to_string(res.error());
    Reply r;
    if (!res) return r;
    r.status = res->status;
    r.raw = res->body;
    r.headers = res->headers;
    r.content_type = res->get_header_value("Content-Type");
    if (r.content_type.find("json") != std::string::npos) r.body = json::parse(r.raw, nullptr, false);
    std::string route_path = path.substr(0, path.find('?'));
    // A path or method outside the API has no operation to conform to; it must still be a problem.
    bool outside = (r.status == 404 || r.status == 405) &&
                   !test::check_response(openapi_, method, route_path, r.status, r.content_type, r.raw).empty() &&
                   test::check_response(openapi_, method, route_path, r.status, r.content_type, r.raw)[0].find("no operation") !=
                       std::string::npos;
    if (outside) {
      EXPECT_EQ(r.content_type, "application/problem+json") << method << " " << path;
    }
    if (method != "OPTIONS" && !openapi_.is_null() && !outside) {
      for (const auto& problem : test::check_response(openapi_, method, route_path, r.status, r.content_type, r.raw))
        ADD_FAILURE() << "OpenAPI conformance: " << problem;
    }
    return r;
  }
  Reply post(const std::string& path, const json& body, httplib::Headers h = {{"X-API-Key", "admin-key-3"}}) {
    return call("POST", path, body.dump(), std::move(h));
  }

  // Polls the status document until the workflow is closed.
  json wait_closed(const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      Reply r = call("GET", "/workflows/" + id);
      if (r.status != 200) return r.body;
      if (r.body["status"] != "RUNNING") return r.body;
      std::this_thread::sleep_for(25ms);
    }
    return {};
  }

  static inline Server* server_ = nullptr;
  static inline Client* client_ = nullptr;
  static inline itest::FakeWorker* worker_ = nullptr;
  static inline RsaKey* rsa_ = nullptr;
  static inline Api* api_ = nullptr;
  static inline HttplibServer* web_ = nullptr;
  static inline httplib::Client* http_ = nullptr;
  static inline json openapi_;
  static inline std::mutex log_mu_;
  static inline std::vector<json> logs_;
};

TEST_F(HttpTest, StartDescribeAndResult) {
  Reply r = post("/workflows/Echo", {{"args", {"hello"}}, {"workflow_id", "echo-" + name()}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["workflow_id"], "echo-" + name());
  EXPECT_EQ(r.body["workflow_type"], "Echo");
  EXPECT_EQ(r.body["task_queue"], kQueue);
  EXPECT_FALSE(r.body["run_id"].get<std::string>().empty());
  EXPECT_EQ(r.header("Location"), "/workflows/echo-" + name());
  json doc = wait_closed("echo-" + name());
  EXPECT_EQ(doc["status"], "COMPLETED") << doc;
  EXPECT_EQ(doc["result"], "hello");
  EXPECT_EQ(doc["run_id"], r.body["run_id"]);
  EXPECT_TRUE(doc["close_time"].is_string());
  // Without an id, one is made up: "<type>-<random>".
  Reply generated = post("/workflows/Echo", {{"args", {"x"}}});
  ASSERT_EQ(generated.status, 201);
  EXPECT_EQ(generated.body["workflow_id"].get<std::string>().rfind("Echo-", 0), 0u);
}

TEST_F(HttpTest, StartValidatesTheBody) {
  Reply wrong_type = post("/workflows/Echo", {{"args", {5}}});
  ASSERT_EQ(wrong_type.status, 422) << wrong_type.raw;
  EXPECT_EQ(wrong_type.content_type, "application/problem+json");
  EXPECT_EQ(wrong_type.body["errors"][0]["field"], "args[0]");
  Reply several = post("/workflows/Echo", {{"args", {""}}, {"id_reuse_policy", "SOMETIMES"}, {"extra", 1}});
  ASSERT_EQ(several.status, 422);
  EXPECT_EQ(several.body["errors"].size(), 3u) << several.raw;
  Reply count = post("/workflows/Echo", {{"args", {"a", "b"}}});
  EXPECT_EQ(count.status, 422);
  Reply missing = post("/workflows/Echo", json::object());  // Echo declares an argument; args is optional in the body
  EXPECT_EQ(missing.status, 201);
  Reply not_json = call("POST", "/workflows/Echo", "{not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.body["type"], "urn:stead:problem:malformed-json");
  auto wrong_media = http_->Post("/workflows/Echo", {{"X-API-Key", "admin-key-3"}}, "<order/>", "application/xml");
  ASSERT_TRUE(wrong_media);
  EXPECT_EQ(wrong_media->status, 415);
  EXPECT_EQ(wrong_media->get_header_value("Content-Type"), "application/problem+json");
  Reply undeclared = post("/workflows/Unknown", json::object());
  EXPECT_EQ(undeclared.status, 404);
  EXPECT_EQ(undeclared.body["type"], "urn:stead:problem:workflow-type-not-found");
}

TEST_F(HttpTest, ErrorsMapToStatuses) {
  std::string id = "wait-" + name();
  ASSERT_EQ(post("/workflows/Wait", {{"workflow_id", id}}).status, 201);
  Reply again = post("/workflows/Wait", {{"workflow_id", id}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["type"], "urn:stead:problem:workflow-already-started");
  EXPECT_EQ(again.body["workflow_id"], id);
  Reply missing = call("GET", "/workflows/no-such-workflow");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["type"], "urn:stead:problem:workflow-not-found");
  EXPECT_EQ(call("GET", "/no/such/route").status, 404);
  Reply method = call("PUT", "/workflows/" + id + "/cancel");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.header("Allow"), "POST");
  Reply crash = call("GET", "/crash");
  EXPECT_EQ(crash.status, 500);
  EXPECT_EQ(crash.raw.find("secret internals"), std::string::npos) << "internals leaked";
  Reply broken = call("GET", "/broken");
  EXPECT_EQ(broken.status, 500) << "a response that breaks its declared schema is not sent";
  Reply query_failed = call("GET", "/workflows/" + id + "/queries/broken");
  EXPECT_EQ(query_failed.status, 400) << query_failed.raw;
  EXPECT_EQ(query_failed.body["type"], "urn:stead:problem:query-failed");
  Reply bad_filter = call("GET", "/workflows?query=WorkflowType%20%3D");
  EXPECT_EQ(bad_filter.status, 400) << bad_filter.raw;
  post("/workflows/" + id + "/terminate", json::object());
}

TEST_F(HttpTest, MappingOfEveryErrorKind) {
  auto status = [](auto error) { return problem_from_exception(std::make_exception_ptr(error)).status; };
  EXPECT_EQ(status(WorkflowNotFoundError("m", "w", "")), 404);
  EXPECT_EQ(status(NamespaceNotFoundError("m", "ns")), 404);
  EXPECT_EQ(status(WorkflowAlreadyStartedError("m", "w", "t", "r")), 409);
  EXPECT_EQ(status(std::invalid_argument("x")), 400);
  EXPECT_EQ(status(QueryRejectedError(WorkflowExecutionStatus::kCompleted)), 400);
  EXPECT_EQ(status(QueryFailedError("m", nullptr)), 400);
  EXPECT_EQ(status(RPCError(RpcCode::kInvalidArgument, "m")), 400);
  EXPECT_EQ(status(ValidationError(std::vector<FieldError>{{"f", "bad"}})), 422);
  EXPECT_EQ(status(RPCError(RpcCode::kUnavailable, "m")), 503);
  EXPECT_EQ(status(RPCError(RpcCode::kDeadlineExceeded, "m")), 503);
  EXPECT_EQ(status(RPCError(RpcCode::kResourceExhausted, "m")), 429);
  EXPECT_EQ(status(RPCError(RpcCode::kInternal, "m")), 500);
  EXPECT_EQ(status(std::runtime_error("m")), 500);
  Problem p = problem_from_exception(std::make_exception_ptr(std::runtime_error("internal text")));
  EXPECT_EQ(p.to_json()["detail"], "internal error");
}

TEST_F(HttpTest, UnavailableServerIs503) {
  auto server = Server::start({.port = 0});
  Client client = Client::connect({.address = server->address(), .rpc_timeout = 2s});
  Api api({.log = [](const json&) {}});
  mount_workflow_routes(api, client, {.workflows = {{.type = "Echo", .task_queue = kQueue}}});
  HttplibServer web(api, {.port = 0});
  web.start();
  server->shutdown();
  httplib::Client http("127.0.0.1", web.port());
  auto res = http.Get("/workflows/anything");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
  web.stop();
}

TEST_F(HttpTest, SignalQueryUpdateCancelTerminate) {
  std::string id = "wait-" + name();
  ASSERT_EQ(post("/workflows/Wait", {{"workflow_id", id}}).status, 201);
  Reply status = call("GET", "/workflows/" + id + "/queries/status");
  ASSERT_EQ(status.status, 200) << status.raw;
  EXPECT_EQ(status.body["result"], "waiting");
  Reply echo_get = call("GET", "/workflows/" + id + "/queries/echo?args=%5B%7B%22a%22%3A1%7D%5D");
  EXPECT_EQ(echo_get.body["result"], (json{{"a", 1}}));
  Reply echo_post = post("/workflows/" + id + "/queries/echo", {{"args", {"hi"}}});
  EXPECT_EQ(echo_post.body["result"], "hi");
  EXPECT_EQ(call("GET", "/workflows/" + id + "/queries/undeclared").status, 404);
  Reply update = post("/workflows/" + id + "/updates/add", {{"args", {41}}, {"update_id", "u-1"}});
  ASSERT_EQ(update.status, 200) << update.raw;
  EXPECT_EQ(update.body["result"], 42);
  EXPECT_EQ(update.body["update_id"], "u-1");
  Reply rejected = post("/workflows/" + id + "/updates/reject", {{"args", {1}}});
  EXPECT_EQ(rejected.status, 422) << rejected.raw;
  EXPECT_EQ(rejected.body["type"], "urn:stead:problem:update-failed");
  EXPECT_EQ(post("/workflows/" + id + "/signals/undeclared", json::object()).status, 404);
  Reply signal = post("/workflows/" + id + "/signals/finish", {{"args", {"done"}}});
  EXPECT_EQ(signal.status, 202) << signal.raw;
  json doc = wait_closed(id);
  EXPECT_EQ(doc["status"], "COMPLETED");
  EXPECT_EQ(doc["result"], "done");

  std::string cancel_id = id + "-cancel";
  ASSERT_EQ(post("/workflows/Wait", {{"workflow_id", cancel_id}}).status, 201);
  EXPECT_EQ(post("/workflows/" + cancel_id + "/cancel", json::object()).status, 202);
  doc = wait_closed(cancel_id);
  EXPECT_EQ(doc["status"], "CANCELED");
  EXPECT_EQ(doc["failure"]["kind"], "canceled");

  std::string term_id = id + "-terminate";
  ASSERT_EQ(post("/workflows/Wait", {{"workflow_id", term_id}}).status, 201);
  EXPECT_EQ(post("/workflows/" + term_id + "/terminate", {{"reason", "test"}}).status, 202);
  doc = wait_closed(term_id);
  EXPECT_EQ(doc["status"], "TERMINATED");
  EXPECT_EQ(doc["failure"]["kind"], "terminated");
  EXPECT_EQ(doc["failure"]["message"], "test");
}

TEST_F(HttpTest, FailureDocument) {
  std::string id = "fail-" + name();
  ASSERT_EQ(post("/workflows/Fail", {{"workflow_id", id}}).status, 201);
  json doc = wait_closed(id);
  EXPECT_EQ(doc["status"], "FAILED");
  EXPECT_EQ(doc["failure"]["message"], "card declined");
  EXPECT_EQ(doc["failure"]["type"], "CardDeclined");
  EXPECT_EQ(doc["failure"]["non_retryable"], true);
}

TEST_F(HttpTest, ListIsPaginatedAndShowsExposedTypesOnly) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post("/workflows/Wait", {{"workflow_id", name() + std::to_string(i)}}).status, 201);
  std::string filter = "/workflows?query=WorkflowId%20STARTS_WITH%20%27" + name() + "%27";
  Reply all = call("GET", filter);
  ASSERT_EQ(all.status, 200) << all.raw;
  if (all.body["workflows"].size() != 3u) {
    // STARTS_WITH may be unsupported by the filter language: fall back to the type filter.
    filter = "/workflows?query=WorkflowType%20%3D%20%27Wait%27";
    all = call("GET", filter);
  }
  ASSERT_GE(all.body["workflows"].size(), 3u) << all.raw;
  Reply page1 = call("GET", filter + "&page_size=2");
  ASSERT_EQ(page1.body["workflows"].size(), 2u);
  ASSERT_TRUE(page1.body["next_page_token"].is_string());
  Reply page2 = call("GET", filter + "&page_size=2&page_token=" + page1.body["next_page_token"].get<std::string>());
  ASSERT_EQ(page2.status, 200);
  EXPECT_GE(page2.body["workflows"].size(), 1u);
  EXPECT_NE(page2.body["workflows"][0]["workflow_id"], page1.body["workflows"][0]["workflow_id"]);
  EXPECT_EQ(call("GET", filter + "&page_size=0").status, 422);
  EXPECT_EQ(call("GET", filter + "&page_token=%21%21").status, 422);
  for (int i = 0; i < 3; ++i) post("/workflows/" + name() + std::to_string(i) + "/terminate", json::object());
}

TEST_F(HttpTest, Authentication) {
  Reply none = call("GET", "/workflows", "", {});
  EXPECT_EQ(none.status, 401);
  EXPECT_FALSE(none.header("WWW-Authenticate").empty());
  EXPECT_FALSE(none.body.contains("www_authenticate"));
  EXPECT_EQ(call("GET", "/workflows", "", {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(call("GET", "/workflows", "", {{"X-API-Key", "reader-key-1"}}).status, 200);
  EXPECT_EQ(call("GET", "/workflows", "", {{"Authorization", "Bearer reader-key-1"}}).status, 200);
  EXPECT_EQ(call("GET", "/workflows", "", {{"Authorization", "Basic abc"}}).status, 401);
  auto bearer = [](const std::string& t) { return httplib::Headers{{"Authorization", "Bearer " + t}}; };
  EXPECT_EQ(call("GET", "/workflows", "", bearer(jwt_hs256(claims({"read"})))).status, 200);
  EXPECT_EQ(call("GET", "/workflows", "", bearer(rsa_->sign(claims({"read"})))).status, 200);
  Reply expired = call("GET", "/workflows", "", bearer(jwt_hs256(claims({"read"}, -3600))));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body["detail"], "the JWT has expired");
  Reply forged = call("GET", "/workflows", "", bearer(jwt_hs256(claims({"read"}), std::string(40, 'x'))));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.body["detail"], "the JWT's signature is not valid");
  json wrong_aud = claims({"read"});
  wrong_aud["aud"] = "other";
  EXPECT_EQ(call("GET", "/workflows", "", bearer(jwt_hs256(wrong_aud))).status, 401);
  json future = claims({"read"});
  future["nbf"] = now_s() + 3600;
  EXPECT_EQ(call("GET", "/workflows", "", bearer(jwt_hs256(future))).status, 401);
  std::string unsigned_token = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims({"read"}).dump()) + ".";
  EXPECT_EQ(call("GET", "/workflows", "", bearer(unsigned_token)).status, 401);
  // Roles: reading is not writing; Secret needs admin on top.
  Reply reader_start = post("/workflows/Echo", {{"args", {"x"}}}, {{"X-API-Key", "reader-key-1"}});
  EXPECT_EQ(reader_start.status, 403);
  EXPECT_EQ(reader_start.body["required_roles"], (json{"write"}));
  EXPECT_EQ(post("/workflows/Echo", {{"args", {"x"}}}, bearer(jwt_hs256(claims({"read", "write"})))).status, 201);
  EXPECT_EQ(post("/workflows/Secret", {{"args", {"x"}}}, {{"X-API-Key", "writer-key-2"}}).status, 403);
  Reply secret = post("/workflows/Secret", {{"args", {"x"}}, {"workflow_id", "secret-" + name()}});
  ASSERT_EQ(secret.status, 201);
  EXPECT_EQ(call("GET", "/workflows/secret-" + name(), "", {{"X-API-Key", "writer-key-2"}}).status, 404)
      << "a workflow of a type the caller may not see does not exist for them";
  // Public routes need no credentials.
  EXPECT_EQ(call("GET", "/openapi.json", "", {}).status, 200);
  // Secrets never reach the log.
  std::lock_guard lock(log_mu_);
  for (const auto& record : logs_) {
    std::string line = record.dump();
    EXPECT_EQ(line.find("reader-key-1"), std::string::npos);
    EXPECT_EQ(line.find("admin-key-3"), std::string::npos);
    EXPECT_EQ(line.find("eyJ"), std::string::npos) << line;
  }
}

TEST_F(HttpTest, BodyLimit) {
  std::string big = json{{"args", {std::string(20000, 'a')}}}.dump();
  Reply r = call("POST", "/workflows/Echo", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.body["status"], 413);
}

TEST_F(HttpTest, CorsPreflightAndHeaders) {
  Reply pre = call("OPTIONS", "/workflows/Echo", "",
                   {{"Origin", "https://app.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "https://app.test");
  EXPECT_NE(pre.header("Access-Control-Allow-Headers").find("authorization"), std::string::npos);
  Reply other = call("OPTIONS", "/workflows/Echo", "", {{"Origin", "https://evil.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "");
  Reply get = call("GET", "/workflows", "", {{"Origin", "https://app.test"}, {"X-API-Key", "reader-key-1"}});
  EXPECT_EQ(get.header("Access-Control-Allow-Origin"), "https://app.test");
  EXPECT_EQ(get.header("Vary"), "Origin");
}

TEST_F(HttpTest, RequestIdTraceparentLogsAndMetrics) {
  Reply r = call("GET", "/workflows", "",
                 {{"X-API-Key", "reader-key-1"}, {"X-Request-Id", "req-" + name()},
                  {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(r.header("X-Request-Id"), "req-" + name());
  EXPECT_EQ(r.header("traceparent").substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_NE(r.header("traceparent").substr(36, 16), "00f067aa0ba902b7") << "a new span for this request";
  Reply fresh = call("GET", "/workflows", "", {{"X-API-Key", "reader-key-1"}, {"traceparent", "garbage"}});
  EXPECT_EQ(fresh.header("traceparent").size(), 55u);
  EXPECT_EQ(fresh.header("X-Request-Id").size(), 32u);
  {
    std::lock_guard lock(log_mu_);
    bool found = false;
    for (const auto& rec : logs_)
      if (rec.value("request_id", "") == "req-" + name()) {
        found = true;
        EXPECT_EQ(rec["msg"], "request");
        EXPECT_EQ(rec["route"], "/workflows");
        EXPECT_EQ(rec["status"], 200);
        EXPECT_EQ(rec["subject"], "reader");
        EXPECT_EQ(rec["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
      }
    EXPECT_TRUE(found);
  }
  post("/workflows/Echo", {{"args", {"m"}}});
  EXPECT_EQ(call("GET", "/workflows", "", {}).status, 401);
  Reply metrics = call("GET", "/metrics", "", {});
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.raw.find("stead_http_requests_total{method=\"GET\",route=\"/workflows\",status=\"200\"}"), std::string::npos);
  EXPECT_NE(metrics.raw.find("stead_http_request_duration_seconds_bucket{method=\"GET\",route=\"/workflows\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(metrics.raw.find("stead_http_workflow_starts_total{workflow_type=\"Echo\"}"), std::string::npos);
  EXPECT_NE(metrics.raw.find("stead_http_errors_total{route=\"/workflows\",status=\"401\"}"), std::string::npos);
}

TEST_F(HttpTest, OpenApiDocumentAndSwaggerUi) {
  EXPECT_EQ(openapi_["openapi"], "3.1.0");
  const json& paths = openapi_["paths"];
  for (const char* p : {"/workflows/Echo", "/workflows/{workflow_id}", "/workflows", "/workflows/{workflow_id}/signals/{name}",
                        "/workflows/{workflow_id}/queries/{name}", "/workflows/{workflow_id}/updates/{name}",
                        "/workflows/{workflow_id}/cancel", "/workflows/{workflow_id}/terminate", "/orders"})
    EXPECT_TRUE(paths.contains(p)) << p;
  EXPECT_TRUE(paths["/workflows/{workflow_id}/queries/{name}"].contains("get"));
  EXPECT_TRUE(paths["/workflows/{workflow_id}/queries/{name}"].contains("post"));
  EXPECT_EQ(paths["/workflows/Echo"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["args"]
                 ["prefixItems"][0]["maxLength"],
            20);
  EXPECT_TRUE(openapi_["components"]["schemas"].contains("OrderRequest"));
  EXPECT_TRUE(openapi_["components"]["securitySchemes"].contains("Bearer"));
  Reply docs = call("GET", "/docs", "", {});
  ASSERT_EQ(docs.status, 200);
  EXPECT_NE(docs.raw.find("swagger-ui-bundle.js"), std::string::npos);
  Reply bundle = call("GET", "/docs/swagger-ui-bundle.js", "", {});
  ASSERT_EQ(bundle.status, 200);
  EXPECT_GT(bundle.raw.size(), 500000u);
  EXPECT_NE(bundle.raw.find("SwaggerUIBundle"), std::string::npos);
  EXPECT_EQ(call("GET", "/docs/swagger-ui.css", "", {}).status, 200);
  EXPECT_EQ(call("GET", "/docs/nothing.js", "", {}).status, 404);
}

TEST_F(HttpTest, ApplicationRoutesLikeTheOrdersExample) {
  Reply bad = post("/orders", {{"order_id", "Not Valid!"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["errors"][0]["field"], "order_id");
  Reply missing = post("/orders", json::object());
  EXPECT_EQ(missing.body["errors"][0]["message"], "is required");
  std::string order = "o-" + std::to_string(now_s()) + "-" + std::to_string(std::rand() % 100000);
  Reply started = post("/orders", {{"order_id", order}});
  ASSERT_EQ(started.status, 201) << started.raw;
  EXPECT_EQ(started.body["workflow_id"], "order-" + order);
  EXPECT_EQ(started.header("Location"), "/orders/order-" + order);
  Reply got;
  for (int i = 0; i < 200; ++i) {
    got = call("GET", "/orders/order-" + order);
    if (got.status != 200 || got.body["status"] != "RUNNING") break;
    std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["workflow_id"], "order-" + order);
  EXPECT_EQ(got.body["status"], "COMPLETED");
  EXPECT_EQ(post("/orders", {{"order_id", order}}).status, 201) << "a closed run's id may be reused";
}

TEST(HttpSchema, CollectsEveryOffendingField) {
  Schema s = Schema::object("Thing")
                 .required("name", Schema::string().min_length(2))
                 .required("qty", Schema::integer().minimum(1).maximum(10))
                 .optional("tags", Schema::array(Schema::string()).max_items(2))
                 .optional("kind", Schema::string().one_of_values({"a", "b"}));
  auto fields_of = [&](const json& value) {
    std::vector<std::string> fields;
    for (const auto& e : s.validate(value)) fields.push_back(e.field);
    return fields;
  };
  EXPECT_EQ(fields_of(json{{"qty", 11.5}, {"tags", {"x", 1}}, {"kind", "c"}}),
            (std::vector<std::string>{"name", "qty", "tags[1]", "kind"}));
  // A field reports its first violation only: too many items, so the items are not examined.
  EXPECT_EQ(fields_of(json{{"name", "ok"}, {"qty", 1}, {"tags", {1, 2, 3}}}), (std::vector<std::string>{"tags"}));
  // At most 100 errors, however many items are wrong.
  EXPECT_EQ(Schema::array(Schema::string()).validate(json(std::vector<int>(10'000, 1))).size(), 100u);
  EXPECT_TRUE(s.validate(json{{"name", "ok"}, {"qty", 3}}).empty());
  EXPECT_FALSE(Schema::string().validate(nullptr).empty());
  EXPECT_TRUE(Schema::string().nullable().validate(nullptr).empty());
}

TEST(HttpAuth, Base64UrlRoundTrips) {
  for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)})
    EXPECT_EQ(base64url_decode(base64url_encode(s)).value(), s);
  EXPECT_FALSE(base64url_decode("a+b/").has_value());
}

TEST(HttpTrace, ParsesTraceparent) {
  auto t = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->parent_id, "00f067aa0ba902b7");
  EXPECT_FALSE(TraceContext::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
}

}  // namespace
}  // namespace stead::http

namespace stead::http {
namespace {

// The same core behind the Boost.Beast coroutine adapter: routes, async workflow calls,
// body limit and keep-alive, through real sockets.
TEST_F(HttpTest, BeastAdapterServesTheSameApi) {
  Api api({.max_body_bytes = 4096, .log = [](const json&) {}});
  mount_workflow_routes(api, *client_, {.workflows = {{.type = "Echo", .task_queue = kQueue, .args = {kEchoArg}}}});
  api.get("/blocking", {.summary = "A blocking handler"}, [](const Request& req) {
    std::this_thread::sleep_for(10ms);
    return Response::json(200, {{"q", req.query_param("q").value_or("")}});
  });
  BeastServer web(api, {.port = 0});
  web.start();
  httplib::Client http("127.0.0.1", web.port());
  http.set_keep_alive(true);
  std::string id = "beast-" + name();
  auto started = http.Post("/workflows/Echo", json{{"args", {"hi"}}, {"workflow_id", id}}.dump(), "application/json");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 201) << started->body;
  json doc;
  for (int i = 0; i < 200; ++i) {
    auto got = http.Get(("/workflows/" + id).c_str());
    ASSERT_TRUE(got);
    ASSERT_EQ(got->status, 200) << got->body;
    doc = json::parse(got->body);
    if (doc["status"] != "RUNNING") break;
    std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(doc["result"], "hi");
  auto blocking = http.Get("/blocking?q=a%20b");
  ASSERT_TRUE(blocking);
  EXPECT_EQ(json::parse(blocking->body)["q"], "a b");
  auto invalid = http.Post("/workflows/Echo", json{{"args", {7}}}.dump(), "application/json");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 422);
  EXPECT_EQ(invalid->get_header_value("Content-Type"), "application/problem+json");
  auto missing = http.Get("/workflows/none-such");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Client fresh("127.0.0.1", web.port());
  auto big = fresh.Post("/workflows/Echo", std::string(10000, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  web.stop();
}

}  // namespace
}  // namespace stead::http
