// orders_worker: the orders example's worker alone (OrderWorkflow and process_order on task
// queue "order-queue"), for running it apart from the web app (orders_app --no-worker).
//
//   TEMPORAL_ADDRESS=127.0.0.1:7233 PROCESS_ORDER_URL=http://127.0.0.1:8000/fulfilment orders_worker
//
// TEMPORAL_ADDRESS defaults to 127.0.0.1:7233, TEMPORAL_NAMESPACE to "default",
// PROCESS_ORDER_URL to http://127.0.0.1:8000/fulfilment (orders_app's fulfilment service).
// Runs until SIGINT or SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "orders.h"

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

int main() {
  try {
    std::string address = env_or("TEMPORAL_ADDRESS", "127.0.0.1:7233");
    std::string url = env_or("PROCESS_ORDER_URL", "http://127.0.0.1:8000/fulfilment");
    auto client = stead::Client::connect({.address = address, .namespace_ = env_or("TEMPORAL_NAMESPACE", "default")});
    stead::Worker worker(client, {.task_queue = orders::kTaskQueue});
    orders::register_orders(worker, url);
    std::printf("orders_worker: polling %s on %s; process_order calls %s\n", orders::kTaskQueue, address.c_str(),
                url.c_str());
    std::fflush(stdout);
    worker.run_until_signal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orders_worker: %s\n", e.what());
    return 1;
  }
  return 0;
}
