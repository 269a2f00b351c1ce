// The flask-style route tested in process: a time-skipping environment, the route mounted
// with the environment's client, a worker on env.client(), requests with
// stead::http::TestClient. The handler's blocking wait for the workflow's result is a wait
// of env.client(), so it skips time like the test's own waits.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "hello.h"
#include "stead/testing.h"

namespace {

class HelloTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hello::mount_hello_api(api_, env_.client());
    worker_.emplace(env_.client(), stead::WorkerOptions{.task_queue = hello::kTaskQueue});
    hello::register_hello(*worker_);
    worker_->start();
  }
  void TearDown() override { worker_->shutdown(); }

  stead::testing::WorkflowEnvironment env_ = stead::testing::WorkflowEnvironment::start_time_skipping();
  stead::http::Api api_{{.title = "Hello", .log_requests = false}};
  stead::http::TestClient http_{api_};
  std::optional<stead::Worker> worker_;
};

TEST_F(HelloTest, GreetsThroughAWorkflow) {
  auto res = http_.get("/hello/Ada", {{"X-Request-Id", "req-1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json(), (nlohmann::json{{"greeting", "Hello, Ada!"}, {"workflow_id", "say-hello-req-1"}}));
  auto description = env_.client().get_workflow_handle("say-hello-req-1").describe();
  EXPECT_EQ(description.status, stead::WorkflowExecutionStatus::kCompleted);
}

TEST_F(HelloTest, ConcurrentRequestsEachRunTheirOwnWorkflow) {
  std::vector<std::thread> callers;
  std::vector<std::string> greetings(4);
  for (int i = 0; i < 4; ++i)
    callers.emplace_back([&, i] {
      auto res = http_.get("/hello/n" + std::to_string(i));
      if (res.status == 200) greetings[i] = res.json()["greeting"];
    });
  for (auto& t : callers) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(greetings[i], "Hello, n" + std::to_string(i) + "!");
}

}  // namespace
