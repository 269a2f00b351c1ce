// The flask-style example's workflow, activity and route (app.cc serves them; app_test.cc and
// hello_test.cc test them).
//
//   GET /hello/{name}   runs SayHello(name) on task queue "hello-queue" with workflow id
//                       "say-hello-<request id>" and answers {"greeting", "workflow_id"}.
//
// The handler blocks on the workflow's result: cpp-httplib serves each request on a pool
// thread, as Flask serves each request on a worker thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "stead/client.h"
#include "stead/http.h"
#include "stead/worker.h"
#include "stead/workflow.h"

namespace hello {

inline constexpr const char* kTaskQueue = "hello-queue";

inline std::string say_hello(std::string who) { return "Hello, " + who + "!"; }

struct SayHello {
  static constexpr std::string_view name = "SayHello";
  stead::Task<std::string> run(std::string who) {
    auto greeting = stead::workflow::execute_activity<std::string>(
        "say_hello", {.start_to_close_timeout = std::chrono::seconds(10)}, who);
    std::string text = co_await greeting;
    co_return text;
  }
};

inline void register_hello(stead::Worker& worker) {
  worker.register_workflow<SayHello>().register_activity("say_hello", say_hello);
}

// The route on `api`; `client` is copied (a shared connection).
inline void mount_hello_api(stead::http::Api& api, const stead::Client& client) {
  api.get("/hello/{name}", {.summary = "Greet someone (runs the SayHello workflow)"},
          [client](const stead::http::Request& req) {
            stead::WorkflowOptions wo{.id = "say-hello-" + req.request_id, .task_queue = kTaskQueue};
            wo.header = stead::http::workflow_header(req);
            std::string greeting = client.execute_workflow<SayHello>(req.param("name"), wo);
            return stead::http::Response::json(200, {{"greeting", greeting}, {"workflow_id", wo.id}});
          });
}

}  // namespace hello
