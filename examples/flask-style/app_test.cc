// flask_app as its users run it: the executable on a free port with its embedded server,
// called over real sockets.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "app_process.h"

namespace {

using json = nlohmann::json;

TEST(FlaskStyleApp, GreetsThroughAWorkflowAndStopsCleanly) {
  examples::AppProcess app(FLASK_APP_BIN, {"0"});
  httplib::Client http("127.0.0.1", app.port());
  auto res = http.Get("/hello/Ada", {{"X-Request-Id", "hello-req-1"}});
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["greeting"], "Hello, Ada!");
  EXPECT_EQ(body["workflow_id"], "say-hello-hello-req-1");
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "hello-req-1");

  // Blocking handlers on the pool: concurrent requests each run their own workflow.
  std::vector<std::thread> callers;
  std::vector<std::string> greetings(6);
  for (int i = 0; i < 6; ++i)
    callers.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", app.port());
      auto r = c.Get("/hello/n" + std::to_string(i));
      if (r && r->status == 200) greetings[i] = json::parse(r->body)["greeting"];
    });
  for (auto& t : callers) t.join();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(greetings[i], "Hello, n" + std::to_string(i) + "!");

  auto docs = http.Get("/openapi.json");
  ASSERT_TRUE(docs);
  EXPECT_TRUE(json::parse(docs->body)["paths"].contains("/hello/{name}"));
  EXPECT_EQ(app.stop(), 0);
}

}  // namespace
