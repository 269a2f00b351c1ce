// orders_client: places one order from the command line (the sample's client script) and
// waits for its result, without the web API.
//
//   TEMPORAL_ADDRESS=127.0.0.1:7233 orders_client 42
//
// Starts OrderWorkflow("42") with id "order-42" on "order-queue", prints the result as JSON.
// Exit status 1 when the order failed, was cancelled or could not be started.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "orders.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: orders_client ORDER_ID   (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)\n");
    return 2;
  }
  std::string order_id = argv[1];
  const char* a = std::getenv("TEMPORAL_ADDRESS");
  const char* n = std::getenv("TEMPORAL_NAMESPACE");
  try {
    auto client = stead::Client::connect({.address = a && *a ? a : "127.0.0.1:7233",
                                          .namespace_ = n && *n ? n : "default"});
    auto handle = client.start_workflow<orders::OrderWorkflow>(
        order_id, {.id = "order-" + order_id, .task_queue = orders::kTaskQueue});
    std::printf("started %s (run %s); waiting for the result\n", handle.id().c_str(), handle.run_id().c_str());
    std::fflush(stdout);
    orders::OrderResult result = handle.result<orders::OrderResult>();
    std::printf("%s\n", nlohmann::json(result).dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orders_client: %s\n", e.what());
    return 1;
  }
  return 0;
}
