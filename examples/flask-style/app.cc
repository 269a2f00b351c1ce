// flask_app: the smallest blocking web app on Stead — one route, a blocking handler that runs
// a workflow and answers with its result (the Flask example of the Temporal docs). The
// workflow, activity and route are in hello.h.
//
//   flask_app [PORT]            (default 5000; 0 picks a free port)
//   curl localhost:5000/hello/Ada          -> {"greeting": "Hello, Ada!", "workflow_id": ...}
//
// cpp-httplib serves each request on a pool thread, so the handler may simply block on the
// workflow's result. The workflow runs on an embedded Stead server (in memory) with the
// worker in this process, or on TEMPORAL_ADDRESS when set (then run the same binary elsewhere
// as well: its worker serves "hello-queue"). Prints "flask_app: listening on URL";
// stops on SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "hello.h"
#include "stead/http_httplib.h"

int main(int argc, char** argv) {
  stead::http::block_termination_signals();  // before any thread starts
  int port = argc > 1 ? std::atoi(argv[1]) : 5000;

  auto options = stead::http::RuntimeOptions::from_env();
  options.start_worker = [](const stead::Client& client) -> std::function<void()> {
    auto worker = std::make_shared<stead::Worker>(client, stead::WorkerOptions{.task_queue = hello::kTaskQueue});
    hello::register_hello(*worker);
    worker->start();
    return [worker] { worker->shutdown(); };
  };
  auto runtime = stead::http::Runtime::start(options);

  stead::http::Api api({.title = "Hello"});
  hello::mount_hello_api(api, runtime->client());

  stead::http::HttplibServer web(api, {.port = port});
  web.start();
  std::printf("flask_app: listening on http://127.0.0.1:%d (try /hello/Ada, docs at /docs)\n", web.port());
  std::fflush(stdout);
  stead::http::wait_for_termination_signal();
  web.stop();           // drain HTTP first
  runtime->shutdown();  // then the worker, the client, the embedded server
  return 0;
}
