// A program outside Stead's tree that uses Stead as a user would (tests/package/README.md):
// an embedded server, a worker, and a workflow with an activity, a signal and a query.
// Built three ways by tests/package/run: find_package(Stead) after `cmake --install`,
// add_subdirectory of the source tree, and pkg-config. Exit code 0 only when every step
// gave the expected answer; each failure prints what it got.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "stead/client.h"
#include "stead/http.h"
#include "stead/server.h"
#include "stead/version.h"
#include "stead/worker.h"
#include "stead/workflow.h"

using namespace std::chrono_literals;

struct Greeting {
  static constexpr std::string_view name = "Greeting";

  stead::Task<std::string> run(std::string who) {
    auto hello = stead::workflow::execute_activity<std::string>("compose", {.start_to_close_timeout = 10s}, who);
    std::string text = co_await hello;
    status_ = "waiting for approval";
    auto approved = [this] { return !approver_.empty(); };
    co_await stead::workflow::wait_condition(approved);
    co_return text + " (approved by " + approver_ + ")";
  }
  void approve(std::string approver) { approver_ = std::move(approver); }
  std::string status() const { return status_; }

  static void handlers(stead::WorkflowHandlers<Greeting>& h) {
    h.signal("approve", &Greeting::approve).query("status", &Greeting::status);
  }

 private:
  std::string status_ = "started";
  std::string approver_;
};

namespace {
int fail(const std::string& what) {
  std::fprintf(stderr, "consumer: FAILED: %s\n", what.c_str());
  return 1;
}
}  // namespace

int main() {
  // The header the program compiled against and the library it linked must agree.
  if (std::strcmp(stead::version(), STEAD_VERSION_STRING) != 0) {
    return fail(std::string("version.h says ") + STEAD_VERSION_STRING + ", the library " + stead::version());
  }
  // Stead::http links too (its core needs OpenSSL and RE2 from the installed package's deps).
  stead::http::Api api({.title = "consumer"});

  auto server = stead::Server::start({.port = 0});
  auto client = stead::Client::connect({.address = server->address()});
  stead::Worker worker(client, {.task_queue = "consumer"});
  worker.register_workflow<Greeting>().register_activity("compose", [](std::string who) { return "Hello, " + who; });
  worker.start();

  auto handle = client.start_workflow<Greeting>(std::string("Ada"), {.id = "consumer-1", .task_queue = "consumer"});
  std::string status;
  for (int i = 0; i < 200 && status != "waiting for approval"; ++i) {
    status = handle.query<std::string>("status");
    if (status != "waiting for approval") std::this_thread::sleep_for(50ms);
  }
  if (status != "waiting for approval") return fail("query status: got '" + status + "'");
  handle.signal("approve", std::string("Grace"));
  auto result = handle.result<std::string>();
  if (result != "Hello, Ada (approved by Grace)") return fail("result: got '" + result + "'");

  worker.shutdown();
  std::printf("consumer: Stead %s: activity, signal and query OK: %s\n", STEAD_VERSION_STRING, result.c_str());
  return 0;
}
