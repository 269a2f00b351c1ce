// stead::http::TestClient: calls an Api's routes in process, without sockets — the analogue of
// FastAPI's TestClient. Each call builds a Request as an adapter would (method, target with
// its query string, lower-case headers, body) and answers with what Api::handle answers:
// routing, authentication, validation, problem+json errors, request ids, all as served.
//
//   auto env = stead::testing::WorkflowEnvironment::start_time_skipping();
//   stead::http::Api api;
//   orders::mount_orders_api(api, env.client());   // the app's client, replaced by the env's
//   stead::http::TestClient http(api);
//   auto created = http.post("/orders", {{"order_id", "42"}});
//   EXPECT_EQ(created.status, 201);
//   EXPECT_EQ(http.get("/orders/order-42").json()["status"], "RUNNING");
//
// Blocking: each call returns once the route has answered, so a handler that awaits a
// workflow waits here too (under a time-skipping environment, such waits skip time).
// Thread safety: calls may be made from several threads at once.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stead/http_api.h"
#include "stead/http_message.h"

namespace stead::http {

// A Response with the accessors a test wants.
struct TestResponse : Response {
  // The body parsed as JSON. Throws std::runtime_error naming the status and the start of
  // the body when it is not JSON.
  nlohmann::json json() const;
};

struct TestClientOptions {
  // Sent with every request (a request's own headers win), e.g. {"authorization", "Bearer ..."}.
  std::map<std::string, std::string> headers{};
  std::string remote_address = "testclient";
};

class TestClient {
 public:
  using Headers = std::map<std::string, std::string>;

  // REQUIRES: `api` outlives the client.
  explicit TestClient(const Api& api, TestClientOptions options = {});

  // `target` is a path with an optional query string, percent-encoded as on the wire
  // ("/orders/order-42?verbose=true").
  TestResponse get(std::string_view target, Headers headers = {}) const;
  TestResponse del(std::string_view target, Headers headers = {}) const;
  // With a JSON body (content-type application/json unless the headers say otherwise).
  TestResponse post(std::string_view target, const nlohmann::json& body, Headers headers = {}) const;
  TestResponse put(std::string_view target, const nlohmann::json& body, Headers headers = {}) const;
  // Any method, any body bytes.
  TestResponse request(std::string method, std::string_view target, std::string body = {},
                       Headers headers = {}) const;

 private:
  const Api& api_;
  TestClientOptions options_;
};

}  // namespace stead::http
