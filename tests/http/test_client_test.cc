// stead::http::TestClient: an Api's routes called in process — query strings and percent
// decoding, default and per-call headers (authentication), JSON bodies and validation
// problems, and answers exactly as the Api serves them.
#include <gtest/gtest.h>

#include <string>

#include "stead/http.h"

namespace stead::http {
namespace {

using json = nlohmann::json;

class TestClientTest : public ::testing::Test {
 protected:
  TestClientTest() : api_({.auth = AuthOptions{.api_keys = {{.name = "ops", .key = "k-ops", .roles = {"admin"}}}},
                           .log_requests = false}) {
    api_.get("/echo/{name}", {.query = {{.name = "times", .schema = Schema::integer()}}}, [](const Request& req) {
      return Response::json(200, {{"name", req.param("name")},
                                  {"times", req.query_param("times").value_or("1")},
                                  {"tag", req.query_param("tag").value_or("")},
                                  {"principal", req.principal ? req.principal->subject : ""},
                                  {"remote", req.remote_address}});
    });
    api_.post("/items",
              {.request_body = Schema::object("Item").required("qty", Schema::integer().minimum(1)),
               .responses = {{201, Schema::object()}},
               .roles = {"admin"}},
              [](const Request& req) { return Response::json(201, {{"qty", req.json()["qty"]}}); });
    api_.del("/items/{id}", {}, [](const Request&) { return Response::empty(204); });
  }
  Api api_;
};

TEST_F(TestClientTest, DecodesThePathAndQueryAndSendsTheDefaultHeaders) {
  TestClient http(api_, {.headers = {{"X-API-Key", "k-ops"}}});
  auto res = http.get("/echo/a%20b?times=3&tag=x+y");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json(), (json{{"name", "a b"}, {"times", "3"}, {"tag", "x y"}, {"principal", "ops"},
                              {"remote", "testclient"}}));
  EXPECT_FALSE(res.header("x-request-id").empty());  // the Api's own headers come along
}

TEST_F(TestClientTest, AnswersProblemsAsServed) {
  TestClient anonymous(api_);
  auto unauthenticated = anonymous.get("/echo/a");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.header("content-type"), "application/problem+json");

  TestClient http(api_, {.headers = {{"x-api-key", "k-ops"}}});
  EXPECT_EQ(http.get("/echo/a?times=many").status, 422);                         // a query parameter
  EXPECT_EQ(http.post("/items", {{"qty", 0}}).status, 422);                      // the body's schema
  EXPECT_EQ(http.request("POST", "/items", "{not json").status, 400);
  EXPECT_EQ(http.get("/nowhere").status, 404);
  EXPECT_EQ(http.get("/items").status, 405);
  EXPECT_EQ(http.post("/items", {{"qty", 2}}, {{"x-api-key", "wrong"}}).status, 401);  // per call wins

  auto created = http.post("/items", {{"qty", 2}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["qty"], 2);
  auto deleted = http.del("/items/1");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_THROW(deleted.json(), std::runtime_error);  // an empty body is not JSON
}

}  // namespace
}  // namespace stead::http
