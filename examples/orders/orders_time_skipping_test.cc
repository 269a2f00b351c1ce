// The orders example tested the way the Temporal Python docs test a FastAPI app: a
// time-skipping environment of the test's own, the app's routes mounted with the
// environment's client (the dependency override: mount_orders_api takes the client), a
// worker on env.client(), and requests made in process with stead::http::TestClient. The
// activity still makes its real HTTP call, to the scripted fulfilment service.
//
// Retries are a minute and then two apart (orders.cc): an order whose fulfilment stays
// down fails after 3 attempts and 3 minutes of virtual time, in well under a second of wall
// time. Assertions are on virtual time (env.now()), never on wall time.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "fake_fulfilment.h"
#include "orders.h"
#include "stead/http.h"
#include "stead/testing.h"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class OrdersTimeSkippingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    orders::mount_orders_api(api_, env_.client());
    worker_ = std::make_unique<stead::Worker>(env_.client(), stead::WorkerOptions{.task_queue = orders::kTaskQueue});
    orders::register_orders(*worker_, fulfilment_.url());
    worker_->start();
  }
  void TearDown() override {
    fulfilment_.release();
    worker_->shutdown();
  }

  orders_test::FakeFulfilment fulfilment_;
  stead::testing::WorkflowEnvironment env_ = stead::testing::WorkflowEnvironment::start_time_skipping();
  stead::http::Api api_{{.title = "Orders", .log_requests = false}};
  stead::http::TestClient http_{api_};
  std::unique_ptr<stead::Worker> worker_;
};

TEST_F(OrdersTimeSkippingTest, UnavailableFulfilmentFailsAfterThreeAttemptsAndMinutesOfBackoff) {
  auto placed_at = env_.now();
  auto created = http_.post("/orders", {{"order_id", "down-1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["workflow_id"], "order-down-1");

  // Waiting for the result skips the backoff.
  auto handle = env_.client().get_workflow_handle("order-down-1");
  EXPECT_THROW(handle.result<orders::OrderResult>(), stead::WorkflowFailureError);
  EXPECT_GE(env_.now() - placed_at, 3min);  // attempts at 0, 1 and 3 minutes
  EXPECT_LT(env_.now() - placed_at, 4min);  // and no further one

  auto doc = http_.get("/orders/order-down-1");
  ASSERT_EQ(doc.status, 200) << doc.body;
  EXPECT_EQ(doc.json()["status"], "FAILED");
  EXPECT_NE(doc.body.find("FulfilmentUnavailable"), std::string::npos) << doc.body;
  EXPECT_EQ(fulfilment_.calls("down-1"), 3);
}

TEST_F(OrdersTimeSkippingTest, PlacedOrderCompletes) {
  ASSERT_EQ(http_.post("/orders", {{"order_id", "42"}}).status, 201);
  auto result = env_.client().get_workflow_handle("order-42").result<orders::OrderResult>();
  EXPECT_EQ(result.fulfilment_id, "FF-42");

  auto doc = http_.get("/orders/order-42");
  EXPECT_EQ(doc.json()["status"], "COMPLETED");
  EXPECT_EQ(doc.json()["result"]["fulfilment_id"], "FF-42");
  EXPECT_EQ(http_.post("/orders", {{"order_id", "42"}}).status, 409);  // a completed order stays placed
}

TEST_F(OrdersTimeSkippingTest, OrderWaitingForItsRetryCanBeCancelled) {
  ASSERT_EQ(http_.post("/orders", {{"order_id", "down-2"}}).status, 201);
  // The first attempt failed; the retry is a minute away (time skipping is locked while the
  // test does not wait, so the clock moves at wall pace meanwhile).
  ASSERT_TRUE(fulfilment_.wait_for_call("down-2", 30s));
  auto cancel = http_.post("/orders/order-down-2/cancel", json::object());
  ASSERT_EQ(cancel.status, 202) << cancel.body;

  EXPECT_THROW(env_.client().get_workflow_handle("order-down-2").result<orders::OrderResult>(),
               stead::WorkflowFailureError);
  EXPECT_EQ(http_.get("/orders/order-down-2").json()["status"], "CANCELED");
  EXPECT_EQ(fulfilment_.calls("down-2"), 1);
  EXPECT_EQ(http_.post("/orders/order-down-2/cancel", json::object()).status, 409);
}

TEST_F(OrdersTimeSkippingTest, BadRequestsAreProblems) {
  auto missing = http_.post("/orders", json::object());
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.header("content-type"), "application/problem+json");
  EXPECT_EQ(http_.get("/orders/nope").status, 404);
}

}  // namespace
