// orders_app: the orders web API with its workflows, in one process (the demo's program).
//
//   orders_app [--host 127.0.0.1] [--port 8000] [--db-file build/demo/orders.db]
//              [--embedded-port 0] [--process-order-url URL] [--no-worker]
//
// Without TEMPORAL_ADDRESS it runs an embedded Stead server (a database file keeps orders
// across restarts); with it, it connects there (TEMPORAL_NAMESPACE, default "default").
// PROCESS_ORDER_URL (or --process-order-url) points process_order at another fulfilment
// service; by default it calls this app's own POST /fulfilment. Prints one line
// "orders_app: listening on http://HOST:PORT" once it serves (tests read the port from it),
// and stops cleanly on SIGINT or SIGTERM.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "orders.h"

int main(int argc, char** argv) {
  // Before any thread starts, so that only wait_for_termination_signal() receives them.
  stead::http::block_termination_signals();

  orders::OrdersAppOptions o;
  if (const char* a = std::getenv("TEMPORAL_ADDRESS"); a && *a) o.temporal_address = a;
  if (const char* n = std::getenv("TEMPORAL_NAMESPACE"); n && *n) o.namespace_ = n;
  if (const char* u = std::getenv("PROCESS_ORDER_URL"); u && *u) o.process_order_url = u;

  CLI::App cli{"The orders example: a web API whose orders are Temporal workflows"};
  cli.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cli.add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  cli.add_option("--db-file", o.db_file, "Embedded server: SQLite database file (default: in memory)");
  cli.add_option("--embedded-port", o.embedded_port, "Embedded server: gRPC port (0: any free port)")
      ->capture_default_str();
  cli.add_option("--process-order-url", o.process_order_url,
                 "Fulfilment service process_order calls (env PROCESS_ORDER_URL; default: this app's /fulfilment)");
  bool no_worker = false;
  cli.add_flag("--no-worker", no_worker, "Do not run the worker in this process (run orders_worker instead)");
  CLI11_PARSE(cli, argc, argv);
  o.run_worker = !no_worker;

  try {
    auto app = orders::OrdersApp::start(o);
    std::string temporal = app->temporal_address().empty() ? o.temporal_address + " (remote)"
                                                            : app->temporal_address() + " (embedded" +
                                                                  (o.db_file.empty() ? ", in memory)" : ", " + o.db_file + ")");
    std::printf("orders_app: listening on %s\n", app->base_url().c_str());
    std::printf("orders_app: API docs at %s/docs, OpenAPI at %s/openapi.json\n", app->base_url().c_str(),
                app->base_url().c_str());
    std::printf("orders_app: Temporal server %s, namespace %s, task queue %s, worker %s\n", temporal.c_str(),
                o.namespace_.c_str(), o.task_queue.c_str(), o.run_worker ? "in process" : "elsewhere");
    std::printf("orders_app: process_order calls %s\n", app->fulfilment_url().c_str());
    std::printf("orders_app: try  curl -s -X POST %s/orders -H 'content-type: application/json' -d '{\"order_id\":\"42\"}'\n",
                app->base_url().c_str());
    std::fflush(stdout);
    int sig = stead::http::wait_for_termination_signal();
    std::printf("orders_app: signal %d, shutting down\n", sig);
    std::fflush(stdout);
    app->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orders_app: %s\n", e.what());
    return 1;
  }
  return 0;
}
